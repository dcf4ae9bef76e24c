"""Strings of the scale page (``gdviz.ui.scale``), English and Simplified Chinese.

Chinese terms follow the article (§5 and its FAQ): 梯度下降, 随机梯度下降, 批量, 学习率,
分布式计算, 并行计算, 更大规模的数据集.
"""

EN: dict[str, str] = {
    "page.scale": "Training at scale",
    "scale.title": "Training at scale",
    "scale.lead": "Bigger data sets call for distributed and parallel computation: K workers share "
    "the gradient descent of one model. This page simulates it exactly (the numbers are those of the "
    "real algorithms) on a modelled clock: compute per sample plus messages over a network.",
    "scale.problem": "Problem",
    "scale.problem.linear_regression": "Linear regression (synthetic)",
    "scale.problem.logistic_regression": "Logistic regression",
    "scale.problem.mlp": "Small neural network (moons)",
    "scale.n": "Samples n",
    "scale.strategies": "Strategies to race",
    "scale.strategy.sync": "Synchronous",
    "scale.strategy.accumulate": "Gradient accumulation",
    "scale.strategy.async": "Asynchronous",
    "scale.strategy.local": "Local SGD",
    "scale.K": "Workers K",
    "scale.b": "Batch per worker b",
    "scale.H": "Local steps H",
    "scale.m": "Accumulated micro-batches m",
    "scale.lr": "Learning rate α",
    "scale.steps": "Updates",
    "scale.network": "Network",
    "scale.network.cores": "Cores of one machine",
    "scale.network.datacenter": "Data centre (10 Gbit/s)",
    "scale.network.wifi": "Home Wi-Fi (10 Mbit/s, 20 ms)",
    "scale.compression": "Gradient compression",
    "scale.compression.none": "None",
    "scale.compression.topk": "Top-1",
    "scale.compression.randk": "Random-1",
    "scale.compression.sign": "Sign (1 bit)",
    "scale.compression.qsgd": "QSGD (4 levels)",
    "scale.ef": "Error feedback",
    "scale.shards": "Data per worker",
    "scale.shards.iid": "Shuffled (i.i.d.)",
    "scale.shards.label": "Sorted by label (non-i.i.d.)",
    "scale.straggler": "Stragglers",
    "scale.straggler.help": "Every worker's every step gets a random extra delay (exponential, mean "
    "three times its compute time): the synchronous strategies wait for the slowest.",
    "scale.x": "Horizontal axis",
    "scale.x.steps": "Updates",
    "scale.x.seconds": "Simulated seconds",
    "scale.none": "Pick at least one strategy to race.",
    "scale.failed": "{name}: {err}",
    "scale.diverged": "{name} diverged after {step} updates.",
    "scale.loss": "Loss of the shared model",
    "scale.summary": "Summary",
    "scale.col.strategy": "Strategy",
    "scale.col.loss": "Final loss",
    "scale.col.seconds": "Simulated seconds",
    "scale.col.comm": "Time communicating",
    "scale.col.stale": "Largest staleness τ",
    "scale.timeline": "What each worker does in the first updates",
    "scale.timeline.of": "Timeline of",
    "scale.timeline.caption": "Blue: computing a gradient; vermillion: sending and receiving; grey: "
    "waiting. {s} simulated seconds.",
    "scale.speedup": "Speed-up with more workers",
    "scale.speedup.caption": "Simulated time to reach a loss for K = {ks} workers, relative to the "
    "fewest; the dashed line is perfect scaling. The target is the loss one synchronous worker "
    "reaches {pct} % of the way from its start.",
    "scale.speedup.run": "Compute the speed-up",
    "scale.speedup.none": "No number of workers fits: K × b (× m) must not exceed the data.",
    "scale.explain": "The strategies",
    "scale.explain.sync": "**Synchronous.** Every worker computes a gradient on its own batch; the "
    "gradients are averaged (an all-reduce) and every worker applies the same update. It is "
    "stochastic gradient descent with a K times larger batch, and each step waits for the slowest "
    "worker and for the messages.",
    "scale.explain.accumulate": "**Gradient accumulation.** Each worker adds up m micro-batches before "
    "the average: a batch of K·m·b for the price of one message, when memory or the network limits "
    "the batch.",
    "scale.explain.async": "**Asynchronous.** A parameter server applies each gradient as soon as it "
    "arrives; nobody waits, but the gradient was computed on parameters that are τ updates old. Stale "
    "gradients shrink the learning rate that stays stable.",
    "scale.explain.local": "**Local SGD.** Each worker takes H steps of gradient descent on its own data "
    "and only then are the models averaged: H times fewer messages, at the cost of the workers drifting "
    "apart when their data differ.",
    "scale.lessons": "Lessons",
    "scale.lesson.load": "Load this lesson",
    "scale.lesson.close": "Close the lesson",
    "scale.lesson.active": "Lesson: {title}",
    "scale.lesson.comm.title": "More workers, where communication caps it",
    "scale.lesson.comm.summary": "32 synchronous workers on Wi-Fi.",
    "scale.lesson.comm.body": "Each synchronous step ends with an all-reduce: on Wi-Fi that is "
    "2(K−1) messages of 20 ms, against a few microseconds of computing. Look at the timeline: the "
    "workers spend almost all their time communicating. Then switch the network to the data centre "
    "and compute the speed-up for both: the same updates, a hundred times less waiting. Even there a "
    "model of three parameters is bound by latency: its speed-up stays below 1.",
    "scale.lesson.stale.title": "Stale gradients diverge where sync is fine",
    "scale.lesson.stale.summary": "8 workers, α = 0.5, synchronous against asynchronous.",
    "scale.lesson.stale.body": "Both strategies use the same learning rate. Synchronous workers average "
    "fresh gradients and converge; the asynchronous server applies gradients up to τ = 7 updates old "
    "and diverges.",
    "scale.lesson.stale.limit": "Theory: with delay τ = {tau}, gradient descent on a quadratic of "
    "curvature λ is stable only for αλ < 2·cos(τπ/(2τ+1)) = {limit}; here αλ ≈ {a}.",
    # figure texts
    "scale.fig.loss": "loss",
    "scale.fig.step": "update",
    "scale.fig.seconds": "simulated seconds",
    "scale.fig.worker": "worker",
    "scale.fig.compute": "compute",
    "scale.fig.communicate": "communicate",
    "scale.fig.idle": "idle",
    "scale.fig.workers": "workers K",
    "scale.fig.speedup": "speed-up",
    "scale.fig.ideal": "ideal (×K)",
}

ZH: dict[str, str] = {
    "page.scale": "规模化训练",
    "scale.title": "规模化训练",
    "scale.lead": "更大规模的数据集需要分布式计算和并行计算：K 个工作节点共同对一个模型做梯度下降。"
    "本页按真实算法精确计算参数，只有时钟是模型：每个样本的计算时间加上网络上的消息时间。",
    "scale.problem": "问题",
    "scale.problem.linear_regression": "线性回归（合成数据）",
    "scale.problem.logistic_regression": "逻辑回归",
    "scale.problem.mlp": "小型神经网络（月牙数据）",
    "scale.n": "样本数 n",
    "scale.strategies": "参与比较的策略",
    "scale.strategy.sync": "同步",
    "scale.strategy.accumulate": "梯度累积",
    "scale.strategy.async": "异步",
    "scale.strategy.local": "本地 SGD",
    "scale.K": "工作节点数 K",
    "scale.b": "每个节点的批量 b",
    "scale.H": "本地步数 H",
    "scale.m": "累积的小批量数 m",
    "scale.lr": "学习率 α",
    "scale.steps": "更新次数",
    "scale.network": "网络",
    "scale.network.cores": "同一台机器的多个核",
    "scale.network.datacenter": "数据中心（10 Gbit/s）",
    "scale.network.wifi": "家庭 Wi-Fi（10 Mbit/s，20 毫秒）",
    "scale.compression": "梯度压缩",
    "scale.compression.none": "不压缩",
    "scale.compression.topk": "Top-1",
    "scale.compression.randk": "随机 1 个",
    "scale.compression.sign": "符号（1 比特）",
    "scale.compression.qsgd": "QSGD（4 级）",
    "scale.ef": "误差反馈",
    "scale.shards": "每个节点的数据",
    "scale.shards.iid": "随机打乱（独立同分布）",
    "scale.shards.label": "按标签排序（非独立同分布）",
    "scale.straggler": "掉队节点",
    "scale.straggler.help": "每个节点的每一步都会随机多耽搁一段时间（指数分布，均值为其计算时间的三倍）："
    "同步策略要等最慢的节点。",
    "scale.x": "横轴",
    "scale.x.steps": "更新次数",
    "scale.x.seconds": "模拟秒数",
    "scale.none": "请至少选择一种策略。",
    "scale.failed": "{name}：{err}",
    "scale.diverged": "{name} 在 {step} 次更新后发散。",
    "scale.loss": "共享模型的损失",
    "scale.summary": "汇总",
    "scale.col.strategy": "策略",
    "scale.col.loss": "最终损失",
    "scale.col.seconds": "模拟秒数",
    "scale.col.comm": "通信时间占比",
    "scale.col.stale": "最大延迟 τ",
    "scale.timeline": "前几次更新中每个节点在做什么",
    "scale.timeline.of": "时间线：",
    "scale.timeline.caption": "蓝色：计算梯度；朱红：发送与接收；灰色：等待。共 {s} 模拟秒。",
    "scale.speedup": "增加工作节点的加速比",
    "scale.speedup.caption": "K = {ks} 个节点达到同一损失所需的模拟时间，相对于节点最少的情况；虚线为理想的线性加速。"
    "目标损失是单个同步节点从起点出发、走完 {pct}% 剩余距离之前的损失。",
    "scale.speedup.run": "计算加速比",
    "scale.speedup.none": "没有可用的节点数：K × b（× m）不能超过数据量。",
    "scale.explain": "各种策略",
    "scale.explain.sync": "**同步。** 每个节点在自己的批量上计算梯度，再把梯度取平均（all-reduce），所有节点做同一次更新。"
    "这就是批量扩大 K 倍的随机梯度下降；每一步都要等最慢的节点和网络消息。",
    "scale.explain.accumulate": "**梯度累积。** 每个节点先把 m 个小批量的梯度加起来再取平均：只用一次通信就得到 K·m·b "
    "的批量，适合内存或网络限制批量大小的情况。",
    "scale.explain.async": "**异步。** 参数服务器收到一个梯度就立即更新，谁也不等谁；但这个梯度是在 τ 次更新之前的参数上算出来的。"
    "过时的梯度会让能保持稳定的学习率变小。",
    "scale.explain.local": "**本地 SGD。** 每个节点先在自己的数据上走 H 步梯度下降，然后才把模型取平均：通信次数减少 H 倍，"
    "代价是各节点的数据不同时模型会彼此漂移。",
    "scale.lessons": "课程",
    "scale.lesson.load": "加载这一课",
    "scale.lesson.close": "关闭课程",
    "scale.lesson.active": "课程：{title}",
    "scale.lesson.comm.title": "节点越多，通信越成瓶颈",
    "scale.lesson.comm.summary": "32 个同步节点，使用 Wi-Fi。",
    "scale.lesson.comm.body": "每个同步步骤都以一次 all-reduce 结束：在 Wi-Fi 上这是 2(K−1) 条 20 毫秒的消息，"
    "而计算只需几微秒。看时间线：节点几乎所有时间都在通信。再把网络换成数据中心，分别计算加速比："
    "同样的更新，等待时间少一百倍。即便如此，只有三个参数的模型仍受延迟限制：加速比始终小于 1。",
    "scale.lesson.stale.title": "过时的梯度会发散，同步却没问题",
    "scale.lesson.stale.summary": "8 个节点，α = 0.5，同步与异步对比。",
    "scale.lesson.stale.body": "两种策略用同一个学习率。同步节点平均的是最新的梯度，能够收敛；"
    "异步服务器使用最多过时 τ = 7 次更新的梯度，结果发散。",
    "scale.lesson.stale.limit": "理论：延迟为 τ = {tau} 时，在曲率为 λ 的二次函数上，梯度下降只有在 "
    "αλ < 2·cos(τπ/(2τ+1)) = {limit} 时才稳定；这里 αλ ≈ {a}。",
    "scale.fig.loss": "损失",
    "scale.fig.step": "更新次数",
    "scale.fig.seconds": "模拟秒数",
    "scale.fig.worker": "节点",
    "scale.fig.compute": "计算",
    "scale.fig.communicate": "通信",
    "scale.fig.idle": "等待",
    "scale.fig.workers": "节点数 K",
    "scale.fig.speedup": "加速比",
    "scale.fig.ideal": "理想（×K）",
}
