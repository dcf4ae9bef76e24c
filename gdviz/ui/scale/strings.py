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
    "scale.scale_lr": "Linear scaling rule (α × K)",
    "scale.scale_lr.help": "Multiply the learning rate by the number of workers (by K·m with "
    "accumulation), as Goyal et al. (2017) did to keep large-batch training as fast per sample.",
    "scale.backups": "Backup workers",
    "scale.backups.help": "Extra synchronous workers: each step averages the first K gradients to "
    "arrive and drops the rest, so a straggler no longer holds everyone up.",
    "scale.scaling.limit": "Linear scaling rule: the step is α·K = {ak}. Gradient descent on this "
    "quadratic is stable only for α·K < 2/λ_max = {limit}: with this α, at most K = {k} workers.",
    "scale.local.theory": "Dashed: the loss where local gradient descent with H = {H} full-batch local "
    "steps settles on these very shards, {loss} (theory: each shard's loss is quadratic, and the "
    "average of H steps from θ has one fixed point). With mini-batches the run fluctuates around it.",
    "scale.insp": "Step inspector: one update, taken apart",
    "scale.insp.of": "Strategy",
    "scale.insp.step": "Update k",
    "scale.insp.col.param": "parameter",
    "scale.insp.rule.sync": "Synchronous: the mean of the K workers' gradients, all computed at the "
    "same, current θ(k) on their own batches of b samples.",
    "scale.insp.rule.accumulate": "Accumulation: the mean of K·m micro-batch gradients at θ(k) — one "
    "message per worker for m batches.",
    "scale.insp.rule.async": "Asynchronous: one worker's gradient, computed at the parameters it "
    "pulled τ(k) updates ago; the server applies it to today's θ(k).",
    "scale.insp.rule.local": "Local SGD: every worker steps its own model θ⁽ⁱ⁾; the shared model is "
    "their weighted average, so it moves by the average of their gradients, each taken at its own "
    "model. Every H updates the workers are set to the average.",
    "scale.insp.facts": "Update {k}: α = {lr}, staleness τ = {tau}, {bits} bits sent. Measured on "
    "the run: max |θ(k+1) − (θ(k) − α·ĝ(k))| = {res}.",
    "scale.insp.first": "The first {n} of {total} parameters.",
    "scale.paths": "Paths on the loss surface",
    "scale.paths.caption": "Every strategy's shared model, update by update, on the loss over two "
    "parameters with {others} held at the minimum (the star): the paths are projections onto this "
    "slice. Press Play.",
    "scale.critical": "Critical batch size",
    "scale.critical.lead": "How many updates a target loss needs against the batch size B (each "
    "batch size with its best learning rate), and how many samples that costs.",
    "scale.critical.run": "Measure the critical batch size",
    "scale.critical.nofit": "Too few batch sizes reached the target to fit the model.",
    "scale.critical.caption": "Fitted: S = S_min(1 + B_noise/B) with S_min = {smin} updates and "
    "B_noise = {b} samples; E = E_min(1 + B/B_noise) with E_min = {emin} samples. Below B_noise a "
    "larger batch saves updates; above it, it mostly costs samples. The gradient noise scale B_simple "
    "= tr(Σ)/|G|² is {start} at the start and {end} at the target: it grows as the loss falls, and "
    "B_noise is an average of the way down. Your global batch K·b = {kb}.",
    "scale.critical.missed": "Not reached within the sweep's updates: B = {sizes} (left out).",
    "scale.x": "Horizontal axis",
    "scale.x.steps": "Updates",
    "scale.x.seconds": "Simulated seconds",
    "scale.x.samples": "Samples",
    "scale.none": "Pick at least one strategy to race.",
    "scale.clamp": "Not every setting fits, so smaller values are used: {what}.",
    "scale.clamp.K": "workers K = {used}, not {asked} (each worker needs one of the {n} samples)",
    "scale.clamp.backups.workers": "{used} backup workers, not {asked} (each worker needs one of the {n} "
    "samples)",
    "scale.clamp.backups.cap": "{used} backup workers, not {asked} (at most {workers} workers in all)",
    "scale.clamp.m": "m = {used}, not {asked} ({workers} workers × m micro-batches of at least one sample "
    "must fit in the {n} samples)",
    "scale.clamp.b.global": "b = {used}, not {asked} ({workers} workers × b must fit in the {n} samples)",
    "scale.clamp.b.accumulate": "b = {used}, not {asked} ({workers} workers × {m} micro-batches × b must "
    "fit in the {n} samples)",
    "scale.clamp.b.shard": "b = {used}, not {asked} (each worker's batch must fit in its shard: {n} samples "
    "over {workers} workers, {shard} each)",
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
    "scale.lessons.all": "Lessons: {n} questions from the article, answered by measurement",
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
    "scale.lesson.accumulate.title": "Limited compute, a huge data set",
    "scale.lesson.accumulate.summary": "One machine, memory for 8 samples, 100 000 of them.",
    "scale.lesson.accumulate.body": "A full-batch step would read all 100 000 samples; a mini-batch "
    "step reads 8, so one machine can start learning at once. Gradient accumulation adds up m = 16 "
    "micro-batches of 8 before each update: a batch of 128 without the memory for it. Compare the "
    "two curves: accumulation is far less noisy and ends lower after the same updates. Switch the "
    "horizontal axis to simulated seconds: each of its updates costs 16 times the compute.",
    "scale.lesson.scaling.title": "The linear scaling rule, and where it breaks",
    "scale.lesson.scaling.summary": "32 synchronous workers, α × 32.",
    "scale.lesson.scaling.body": "K workers average K gradients: a K times larger batch, so a K times "
    "larger step should be as accurate (the linear scaling rule). It is, until the step itself is too "
    "large for the curvature: with K = 32 the step α·K = 3.2 is past the stable limit and the run "
    "diverges. The caption gives the largest K the curvature allows; set K to 16 (α·K = 1.6): it "
    "converges, in far fewer updates than without the rule.",
    "scale.lesson.drift.title": "Local SGD drifts on non-i.i.d. data",
    "scale.lesson.drift.summary": "4 workers, 32 local steps, data sorted by target.",
    "scale.lesson.drift.body": "Each worker holds one quarter of the data, sorted by target. In 32 "
    "local steps every worker moves towards the minimum of its own quarter, and the average of four "
    "such models is not the minimum of the whole: local SGD ends clearly above synchronous training. "
    "Switch the data to shuffled (i.i.d.): the same 32 local steps then end within 0.1 % of it.",
    "scale.lesson.compression.title": "Compressed gradients need error feedback",
    "scale.lesson.compression.summary": "A small network, each worker sends 1 of its 33 gradient numbers.",
    "scale.lesson.compression.body": "Top-1 compression sends only the largest of the network's 33 "
    "gradient coordinates: 33 times less to send, but the others are lost, and the loss stays far "
    "above that of uncompressed training. Switch on error feedback: each worker keeps what it did not "
    "send and adds it to its next gradient, and the loss comes back close to the uncompressed run's.",
    "scale.lesson.stragglers.title": "Stragglers and backup workers",
    "scale.lesson.stragglers.summary": "8 workers on one machine, random delays.",
    "scale.lesson.stragglers.body": "Every step of every worker gets a random extra delay. A "
    "synchronous step waits for the slowest of eight: look at the timeline, most workers wait. The "
    "asynchronous server waits for nobody. Now add 2 backup workers: each step averages the first 8 "
    "gradients of 10 and the synchronous run finishes much sooner.",
    "scale.lesson.critical.title": "Beyond the critical batch, more workers buy nothing",
    "scale.lesson.critical.summary": "32 workers × 16 samples: a global batch of 512.",
    "scale.lesson.critical.body": "A larger batch is a more accurate gradient, which only helps while "
    "the gradient is noisy. The critical-batch plot below measures it: up to the critical batch B_noise "
    "doubling the batch nearly halves the updates; far beyond it the updates stop falling and every "
    "extra sample is wasted. 32 workers × 16 = 512 is far past it: going from 4 workers (64) to 32 "
    "saves less than half the updates for 8 times the samples.",
    # figure texts
    "scale.fig.loss": "loss",
    "scale.fig.seconds": "simulated seconds",
    "scale.fig.samples": "samples seen (all workers)",
    "scale.fig.worker": "worker",
    "scale.fig.compute": "compute",
    "scale.fig.communicate": "communicate",
    "scale.fig.idle": "idle",
    "scale.fig.workers": "workers K",
    "scale.fig.speedup": "speed-up",
    "scale.fig.ideal": "ideal (×K)",
    "scale.fig.play": "▶ Play",
    "scale.fig.pause": "❚❚ Pause",
    "scale.fig.step": "update",
    "scale.fig.minimum": "minimum",
    "scale.fig.fixed_point": "local GD's fixed point (theory)",
    "scale.fig.batch": "batch size B",
    "scale.fig.steps_to": "updates to the target",
    "scale.fig.samples_to": "samples to the target",
    "scale.fig.measured": "measured",
    "scale.fig.fit": "fit (McCandlish et al. 2018)",
    "scale.fig.b_noise": "B_noise",
    "scale.fig.yours": "K·b",
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
    "scale.scale_lr": "线性缩放规则（α × K）",
    "scale.scale_lr.help": "把学习率乘以节点数（使用梯度累积时乘以 K·m），正如 Goyal 等人（2017）为了让大批量训练"
    "按样本计算同样快所做的那样。",
    "scale.backups": "备份节点",
    "scale.backups.help": "额外的同步节点：每一步只平均最先到达的 K 个梯度，其余的丢弃，掉队的节点就不再拖慢所有人。",
    "scale.scaling.limit": "线性缩放规则：步长为 α·K = {ak}。在这个二次函数上，梯度下降只有在 "
    "α·K < 2/λ_max = {limit} 时才稳定：用这个 α，最多只能用 K = {k} 个节点。",
    "scale.local.theory": "虚线：在这些数据分片上，用 H = {H} 步全批量本地更新的本地梯度下降最终停留的损失，{loss}"
    "（理论：每个分片的损失都是二次函数，从 θ 出发走 H 步再取平均，只有一个不动点）。使用小批量时，训练在它附近波动。",
    "scale.insp": "单步检查：拆开一次更新",
    "scale.insp.of": "策略",
    "scale.insp.step": "第 k 次更新",
    "scale.insp.col.param": "参数",
    "scale.insp.rule.sync": "同步：K 个节点梯度的平均，都在同一个当前的 θ(k) 上、各自用 b 个样本的批量计算。",
    "scale.insp.rule.accumulate": "梯度累积：在 θ(k) 上 K·m 个小批量梯度的平均——每个节点 m 个批量只发一次消息。",
    "scale.insp.rule.async": "异步：一个节点的梯度，在它 τ(k) 次更新之前取到的参数上计算；服务器把它用到当前的 θ(k) 上。",
    "scale.insp.rule.local": "本地 SGD：每个节点更新自己的模型 θ⁽ⁱ⁾；共享模型是它们的加权平均，"
    "所以它按各节点在自己模型上的梯度的平均移动。每 H 次更新，各节点被重置为平均值。",
    "scale.insp.facts": "第 {k} 次更新：α = {lr}，过时程度 τ = {tau}，发送 {bits} 比特。在这次训练上测得："
    "max |θ(k+1) − (θ(k) − α·ĝ(k))| = {res}。",
    "scale.insp.first": "前 {n} 个参数（共 {total} 个）。",
    "scale.paths": "损失曲面上的路径",
    "scale.paths.caption": "每种策略的共享模型逐次更新的轨迹，画在两个参数的损失上，{others} 固定在最小值（星号）处："
    "路径是在这个切片上的投影。按“播放”。",
    "scale.critical": "临界批量大小",
    "scale.critical.lead": "达到同一个目标损失需要多少次更新、要处理多少样本，随批量大小 B 如何变化"
    "（每个批量大小都用它最好的学习率）。",
    "scale.critical.run": "测量临界批量大小",
    "scale.critical.nofit": "达到目标的批量大小太少，无法拟合模型。",
    "scale.critical.caption": "拟合结果：S = S_min(1 + B_noise/B)，S_min = {smin} 次更新，"
    "B_noise = {b} 个样本；E = E_min(1 + B/B_noise)，E_min = {emin} 个样本。批量小于 B_noise 时，"
    "增大批量能节省更新次数；大于它时，主要是多花样本。梯度噪声尺度 B_simple = tr(Σ)/|G|² 在起点为 {start}，"
    "在目标处为 {end}：损失越低它越大，B_noise 是整个下降过程的平均。你的全局批量 K·b = {kb}。",
    "scale.critical.missed": "在扫描的更新次数内没有达到目标：B = {sizes}（未画出）。",
    "scale.x": "横轴",
    "scale.x.steps": "更新次数",
    "scale.x.seconds": "模拟秒数",
    "scale.x.samples": "样本数",
    "scale.none": "请至少选择一种策略。",
    "scale.clamp": "有些设置放不下，因此改用较小的值：{what}。",
    "scale.clamp.K": "工作节点数 K = {used}，而不是 {asked}（每个节点都需要 {n} 个样本中的至少一个）",
    "scale.clamp.backups.workers": "备份节点 {used} 个，而不是 {asked} 个（每个节点都需要 {n} 个样本中的至少一个）",
    "scale.clamp.backups.cap": "备份节点 {used} 个，而不是 {asked} 个（节点总数最多 {workers} 个）",
    "scale.clamp.m": "m = {used}，而不是 {asked}（{workers} 个节点 × m 个至少含一个样本的小批量必须放得进 {n} 个样本）",
    "scale.clamp.b.global": "b = {used}，而不是 {asked}（{workers} 个节点 × b 必须放得进 {n} 个样本）",
    "scale.clamp.b.accumulate": "b = {used}，而不是 {asked}（{workers} 个节点 × {m} 个小批量 × b 必须放得进 {n} 个样本）",
    "scale.clamp.b.shard": "b = {used}，而不是 {asked}（每个节点的批量必须放得进它的分片：{n} 个样本分给 {workers} 个节点，每个 {shard} 个）",
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
    "scale.lessons.all": "课程：文章中的 {n} 个问题，用测量来回答",
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
    "scale.lesson.accumulate.title": "算力有限，数据集巨大",
    "scale.lesson.accumulate.summary": "一台机器，内存只放得下 8 个样本，数据有 100 000 个。",
    "scale.lesson.accumulate.body": "全批量的一步要读完 100 000 个样本；小批量的一步只读 8 个，一台机器马上就能开始学习。"
    "梯度累积在每次更新前把 m = 16 个 8 样本的小批量加起来：不需要相应的内存，就得到 128 的批量。"
    "比较两条曲线：梯度累积的噪声小得多，同样的更新次数后损失更低。把横轴换成模拟秒数：它的每次更新要多花 16 倍的计算。",
    "scale.lesson.scaling.title": "线性缩放规则，以及它何时失效",
    "scale.lesson.scaling.summary": "32 个同步节点，α × 32。",
    "scale.lesson.scaling.body": "K 个节点平均 K 个梯度：批量大了 K 倍，所以步长放大 K 倍也应同样准确（线性缩放规则）。"
    "确实如此，直到步长本身对曲率来说太大：K = 32 时步长 α·K = 3.2 超过了稳定极限，训练发散。"
    "说明文字给出了曲率允许的最大 K；把 K 设为 16（α·K = 1.6）：它能收敛，所需的更新次数比不用这条规则少得多。",
    "scale.lesson.drift.title": "数据非独立同分布时，本地 SGD 会漂移",
    "scale.lesson.drift.summary": "4 个节点，32 步本地更新，数据按目标值排序。",
    "scale.lesson.drift.body": "每个节点拿到按目标值排序后的四分之一数据。在 32 步本地更新中，每个节点都朝自己那部分数据的最小值移动，"
    "四个这样的模型取平均并不是整体的最小值：本地 SGD 最终的损失明显高于同步训练。"
    "把数据换成打乱的（独立同分布）：同样的 32 步本地更新，结果与同步训练相差不到 0.1%。",
    "scale.lesson.compression.title": "压缩的梯度需要误差反馈",
    "scale.lesson.compression.summary": "一个小型神经网络，每个节点只发送 33 个梯度分量中的 1 个。",
    "scale.lesson.compression.body": "Top-1 压缩只发送网络 33 个梯度分量中最大的那个：要发送的数据少 33 倍，但其余分量丢失了，"
    "损失一直远高于不压缩的训练。打开误差反馈：每个节点保留没有发送的部分，加到下一次的梯度上，损失又接近不压缩的结果。",
    "scale.lesson.stragglers.title": "掉队节点与备份节点",
    "scale.lesson.stragglers.summary": "一台机器上的 8 个节点，随机延迟。",
    "scale.lesson.stragglers.body": "每个节点的每一步都有一段随机的额外延迟。同步的一步要等八个节点中最慢的那个：看时间线，"
    "大多数节点在等待。异步服务器谁也不等。现在加 2 个备份节点：每一步平均 10 个梯度中最先到达的 8 个，同步训练快得多。",
    "scale.lesson.critical.title": "超过临界批量大小，更多节点也无济于事",
    "scale.lesson.critical.summary": "32 个节点 × 16 个样本：全局批量 512。",
    "scale.lesson.critical.body": "批量越大，梯度越准确，但这只在梯度噪声大时才有用。下面的临界批量图测量了这一点："
    "批量小于临界批量 B_noise 时，批量翻倍几乎能让更新次数减半；远大于它时，更新次数不再减少，多出的样本都浪费了。"
    "32 个节点 × 16 = 512 远超临界值：从 4 个节点（64）增加到 32 个，用 8 倍的样本，节省的更新次数还不到一半。",
    "scale.fig.loss": "损失",
    "scale.fig.step": "更新次数",
    "scale.fig.seconds": "模拟秒数",
    "scale.fig.samples": "已处理样本数（所有节点）",
    "scale.fig.worker": "节点",
    "scale.fig.compute": "计算",
    "scale.fig.communicate": "通信",
    "scale.fig.idle": "等待",
    "scale.fig.workers": "节点数 K",
    "scale.fig.speedup": "加速比",
    "scale.fig.ideal": "理想（×K）",
    "scale.fig.play": "▶ 播放",
    "scale.fig.pause": "❚❚ 暂停",
    "scale.fig.minimum": "最小值",
    "scale.fig.fixed_point": "本地梯度下降的不动点（理论）",
    "scale.fig.batch": "批量大小 B",
    "scale.fig.steps_to": "达到目标的更新次数",
    "scale.fig.samples_to": "达到目标的样本数",
    "scale.fig.measured": "测量值",
    "scale.fig.fit": "拟合（McCandlish 等，2018）",
    "scale.fig.b_noise": "B_noise",
    "scale.fig.yours": "K·b",
}
