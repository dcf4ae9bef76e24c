"""Strings of the neural-network page (``page_network.py``), English and Simplified Chinese.

Chinese terms follow the article: 神经网络, 节点（神经元）, 权重, 激活函数, 损失函数, 梯度下降,
随机梯度下降, 批次, 学习率.
"""

EN: dict[str, str] = {
    "page.network": "Neural network",
    "net.title": "A neural network learning",
    "net.lead": "A small neural network: the two inputs (x₁, x₂) feed one to three hidden layers of nodes "
    "(neurons); each node sums its inputs times its weights, adds a bias and applies an activation "
    "function. Training is gradient descent on the loss function (cross-entropy for two classes, "
    "squared error for the wave) over all the weights at once: θ ← θ − α∇L(θ).",
    "net.params": "This network has {p} weights and biases, trained on {n} points ({n_test} held out "
    "for testing).",
    # sidebar: data
    "net.data": "Data",
    "net.dataset": "Data set",
    "net.dataset.help": "Five two-class problems and one regression (the wave: y = sin x₁ · cos x₂ + noise).",
    "net.noise": "Noise",
    "net.noise.help": "How much the points are jittered (for the wave: noise on the target).",
    "net.n": "Points n",
    "net.test_fraction": "Held out for testing",
    "net.test_fraction.help": "This share of the points is never used for training: the test loss "
    "and accuracy show how well the network generalizes.",
    "net.data_seed": "Data seed",
    # sidebar: network
    "net.network": "Network",
    "net.depth": "Hidden layers",
    "net.width": "Nodes (neurons) per hidden layer",
    "net.activation": "Activation function",
    "net.activation.help": "Applied by every hidden node to its weighted sum: tanh and sigmoid squash it "
    "smoothly, ReLU keeps the positive part and outputs 0 otherwise.",
    "net.l2": "L2 penalty λ",
    "net.l2.help": "Adds λ/2 · Σ W² over the weights to the loss: it keeps the weights small.",
    "net.init_seed": "Initial weights seed",
    "net.init_seed.help": "The random starting weights; both runs start from the same ones.",
    # sidebar: training
    "net.training": "Training",
    "net.steps": "Steps",
    "net.steps.help": "Number of updates of the weights.",
    "net.seed": "Mini-batch seed",
    "net.seed.help": "The order in which mini-batches are drawn; both runs see the same order.",
    "net.run": "Run {name}",
    "net.compare": "Compare with a second run",
    "net.compare.help": "Train the same network from the same starting weights a second way.",
    "net.momentum": "Momentum μ",
    "net.batch": "Batch size b",
    "net.batch.help": "Samples per step, 1 … {n}. The samples are reshuffled every epoch.",
    # lessons
    "net.lessons": "Lessons",
    "net.lessons.intro": "Each lesson loads a pair of runs into the controls. Predict the answer "
    "before you look at the figures.",
    "net.lesson.load": "Load this lesson",
    "net.lesson.active": "Lesson: {title}",
    "net.lesson.predict": "Predict",
    "net.lesson.notice": "What to notice (open it after you have predicted)",
    "net.lesson.changed": "You have changed the settings since loading this lesson.",
    "net.lesson.close": "Close the lesson",
    "net.lesson.sgd_adam.title": "SGD vs Adam on the same network",
    "net.lesson.sgd_adam.summary": "Two spirals, a 2 × 16 tanh network, mini-batches of 32: "
    "stochastic gradient descent against Adam.",
    "net.lesson.sgd_adam.body": "Both runs start from the same weights and see the same mini-batches. "
    "Run 1 is plain stochastic gradient descent (α = 0.1); run 2 is Adam (α = 0.01), which scales "
    "each weight's step by the size of its recent gradients.",
    "net.lesson.sgd_adam.question": "After 2000 steps, which run separates the two spirals? Will the "
    "other one get there if you give it more steps?",
    "net.lesson.sgd_adam.notice": "Both runs start on a plateau where the loss hardly moves and the "
    "boundary is a rough cut through the middle. Adam gets off it after a few hundred steps, because "
    "weights with small gradients still get full-size steps, and winds its boundary along the spirals. "
    "Plain SGD is only beginning to leave the plateau at step 2000. On the PCA plane, notice how far "
    "each run travels. Try SGD with momentum, or a larger α, to see how much of the gap is just the "
    "step size.",
    "net.lesson.batch.title": "Small vs large batch: flat and sharp minima",
    "net.lesson.batch.summary": "Noisy XOR, Adam with mini-batches of 8 against the full batch.",
    "net.lesson.batch.body": "The same network, the same update rule (Adam, α = 0.01) and the same "
    "3000 steps; only the batch size differs: 8 points per step (run 1) or all of them (run 2).",
    "net.lesson.batch.question": "Which run reaches the lower training loss? Which does better on the "
    "held-out test points? Which minimum is wider on the loss landscape?",
    "net.lesson.batch.notice": "The full batch follows the exact gradient and fits the training points "
    "almost perfectly: tiny training loss, large weights, a boundary that bends around single noisy "
    "points, and a much higher test loss. The mini-batch noise keeps run 1 from settling into that "
    "narrow spot. On the random-direction landscape (same scale for both) run 1's basin is wide and flat, "
    "run 2's is sharp: a small move of the weights raises its loss a lot. This is the pattern reported by "
    "Keskar et al. (2017) and Li et al. (2018); it is a tendency, not a law: change the seed or the "
    "steps and watch how much it holds.",
    "net.lesson.lr.title": "Too large a learning rate",
    "net.lesson.lr.summary": "Two moons, a ReLU network, full-batch gradient descent with α = 0.5 "
    "against α = 5.",
    "net.lesson.lr.body": "Everything is the same except the learning rate: 0.5 for run 1, ten times "
    "more for run 2.",
    "net.lesson.lr.question": "Will the larger steps train the network ten times faster?",
    "net.lesson.lr.notice": "Run 2's first steps overshoot: the loss jumps far above where it started. "
    "The huge update pushes most ReLU nodes to where their input is negative for every point: there "
    "they output 0 and pass back no gradient, so they never recover. The gradient is all but zero, the "
    "loss sits still and the boundary freezes: the network has died. Run 1 trains normally. Play the boundary to see the first "
    "steps, and try tanh, whose nodes do not die in the same way.",
    # messages and table
    "net.invalid": "These settings were refused: {err}",
    "net.diverged": "{label} diverged at step {step}: the learning rate is too large for this network, "
    "and the loss grew without bound. The figures stop at its last finite weights.",
    "net.col.run": "Run",
    "net.col.train_loss": "Train loss",
    "net.col.test_loss": "Test loss",
    "net.col.train_acc": "Train accuracy",
    "net.col.test_acc": "Test accuracy",
    "net.col.weight_norm": "Weight norm",
    "net.col.time": "Training time (ms)",
    # views
    "net.boundary": "Decision boundary during training",
    "net.boundary.caption": "The colour is the network's probability of class 1 (white where it is 50 %), "
    "the black line the decision boundary p = 0.5. Filled points train the network, hollow ones are "
    "held out. Press Play to watch it learn, or drag the slider.",
    "net.fit": "Regression fit during training",
    "net.fit.caption": "The background is the network's prediction, the points are coloured by their "
    "target on the same scale (in full strength): where a point's hue matches its surroundings, the fit "
    "is good. Circles train the network, diamonds are held out.",
    "net.curves": "Learning curves",
    "net.log_loss": "Log-scale loss",
    "net.summary": "Final numbers",
    "net.landscape": "Loss landscape",
    "net.plane": "Plane",
    "net.plane.random": "random directions",
    "net.plane.pca": "trajectory (PCA)",
    "net.view": "View",
    "net.view.contour": "contour",
    "net.view.surface": "3-D",
    "net.span": "Span",
    "net.span.help": "How far the plane reaches in each direction, in units of the filter-normalized "
    "directions (1 = as far as the weights themselves).",
    "net.resolution": "Grid",
    "net.dir_seed": "Direction seed",
    "net.landscape.random": "The loss on a plane through the final weights (★) along two random "
    "directions, each rescaled filter by filter to the size of the weights it moves (Li et al., 2018, "
    "'Visualizing the Loss Landscape of Neural Nets'), so planes of different networks compare "
    "fairly. Both panels share one colour scale.",
    "net.landscape.pca": "The loss on the plane of the first two principal components of the path, "
    "centred on the final weights (★); the line is the path projected onto it.",
    "net.landscape.explained": "{label}: PC1 and PC2 explain {e1} % and {e2} % of the path's movement.",
    "net.landscape.title": "loss at ★ {loss}",
    "net.landscape.title_pca": "PC1 {e1} %, PC2 {e2} %",
    "net.landscape.failed": "{label}: no landscape: {err}",
    # figure vocabulary
    "net.fig.class": "class {k}",
    "net.fig.train": "train",
    "net.fig.test": "test",
    "net.fig.test_points": "test points (hollow)",
    "net.fig.test_points_fit": "test points (diamonds)",
    "net.fig.boundary": "boundary p = 0.5",
    "net.fig.step": "step",
    "net.fig.play": "▶ Play",
    "net.fig.pause": "❚❚ Pause",
    "net.fig.loss": "loss",
    "net.fig.accuracy": "accuracy",
    "net.fig.weight_norm": "weight norm ‖W‖",
    "net.fig.loss_title": "Loss (solid: train, dotted: test)",
    "net.fig.accuracy_title": "Accuracy (solid: train, dotted: test)",
    "net.fig.weight_norm_title": "Weight norm ‖W‖",
    "net.fig.target": "target y",
    "net.fig.alpha": "α (direction 1)",
    "net.fig.beta": "β (direction 2)",
    "net.fig.center": "final weights",
    "net.fig.start": "start",
    "net.fig.path": "path",
    "net.fig.log_loss": "loss (log scale)",
    "net.fig.x1": "x₁",
    "net.fig.x2": "x₂",
    "net.fig.pc1": "PC1",
    "net.fig.pc2": "PC2",
    "net.frame.cls": "step {step} · train loss {loss} · test accuracy {acc}",
    "net.frame.cls_notest": "step {step} · train loss {loss} · train accuracy {acc}",
    "net.frame.reg": "step {step} · train loss {loss} · test loss {test}",
    "net.frame.reg_notest": "step {step} · train loss {loss}",
    "net.frame.diverged": "diverged at step {step}",
}

ZH: dict[str, str] = {
    "page.network": "神经网络",
    "net.title": "一个正在学习的神经网络",
    "net.lead": "一个小型神经网络：两个输入（x₁, x₂）进入一到三个由节点（神经元）组成的隐藏层；每个节点把输入乘以"
    "各自的权重后相加，加上偏置，再经过激活函数。训练就是对损失函数（两类问题用交叉熵，波形回归用平方误差）"
    "同时对全部权重做梯度下降：θ ← θ − α∇L(θ)。",
    "net.params": "这个网络共有 {p} 个权重和偏置，用 {n} 个点训练（另留出 {n_test} 个点做测试）。",
    "net.data": "数据",
    "net.dataset": "数据集",
    "net.dataset.help": "五个二分类问题和一个回归问题（波形：y = sin x₁ · cos x₂ + 噪声）。",
    "net.noise": "噪声",
    "net.noise.help": "数据点的抖动大小（波形数据：目标值上的噪声）。",
    "net.n": "数据点数 n",
    "net.test_fraction": "留作测试的比例",
    "net.test_fraction.help": "这部分数据点从不参与训练：测试损失和测试准确率反映网络的泛化能力。",
    "net.data_seed": "数据随机种子",
    "net.network": "网络",
    "net.depth": "隐藏层数",
    "net.width": "每个隐藏层的节点（神经元）数",
    "net.activation": "激活函数",
    "net.activation.help": "每个隐藏节点对加权和施加的函数：tanh 和 sigmoid 把它平滑地压缩，ReLU 保留正的部分，"
    "否则输出 0。",
    "net.l2": "L2 惩罚 λ",
    "net.l2.help": "在损失函数上加上 λ/2 · Σ W²（对所有权重）：让权重保持较小。",
    "net.init_seed": "初始权重随机种子",
    "net.init_seed.help": "随机的初始权重；两次运行从同一组权重出发。",
    "net.training": "训练",
    "net.steps": "步数",
    "net.steps.help": "权重更新的次数。",
    "net.seed": "小批次随机种子",
    "net.seed.help": "抽取小批次的顺序；两次运行看到相同的顺序。",
    "net.run": "运行 {name}",
    "net.compare": "与第二次运行比较",
    "net.compare.help": "用另一种方式训练同一个网络，从同一组初始权重出发。",
    "net.momentum": "动量 μ",
    "net.batch": "批次大小 b",
    "net.batch.help": "每一步用的样本数，1 … {n}。每个轮次（epoch）都会重新打乱样本。",
    "net.lessons": "课程",
    "net.lessons.intro": "每节课把一对运行载入控件。先预测答案，再看图。",
    "net.lesson.load": "载入这节课",
    "net.lesson.active": "课程：{title}",
    "net.lesson.predict": "预测",
    "net.lesson.notice": "注意什么（预测之后再打开）",
    "net.lesson.changed": "载入这节课之后，你已经改动了设置。",
    "net.lesson.close": "关闭课程",
    "net.lesson.sgd_adam.title": "同一个网络上的随机梯度下降与 Adam",
    "net.lesson.sgd_adam.summary": "双螺旋数据，2 × 16 的 tanh 网络，批次大小 32：随机梯度下降对 Adam。",
    "net.lesson.sgd_adam.body": "两次运行从相同的权重出发，看到相同的小批次。运行 1 是普通的随机梯度下降"
    "（α = 0.1）；运行 2 是 Adam（α = 0.01），它按每个权重最近梯度的大小来缩放该权重的步长。",
    "net.lesson.sgd_adam.question": "2000 步之后，哪一次运行能把两条螺旋分开？如果给另一次运行更多步数，"
    "它能做到吗？",
    "net.lesson.sgd_adam.notice": "两次运行一开始都在一个平台上：损失几乎不动，决策边界只是从中间粗略地切一刀。"
    "Adam 几百步之后就离开了平台，因为梯度很小的权重也能走完整大小的一步，它的边界沿着螺旋弯曲。"
    "普通的随机梯度下降到第 2000 步才刚开始离开平台。在 PCA 平面上，注意每次运行走了多远。试试带动量的"
    "随机梯度下降，或更大的 α，看看差距有多少只是步长造成的。",
    "net.lesson.batch.title": "小批次与大批次：平坦和尖锐的极小值",
    "net.lesson.batch.summary": "带噪声的异或数据，Adam，批次大小 8 对全批量。",
    "net.lesson.batch.body": "同一个网络、同一个更新规则（Adam，α = 0.01）、同样 3000 步；只有批次大小不同："
    "每步 8 个点（运行 1）或全部的点（运行 2）。",
    "net.lesson.batch.question": "哪一次运行的训练损失更低？哪一次在留出的测试点上表现更好？在损失地形上，"
    "哪一个极小值更宽？",
    "net.lesson.batch.notice": "全批量沿着精确的梯度走，几乎完美地拟合了训练点：训练损失极小、权重很大、"
    "边界绕着个别带噪声的点弯曲，测试损失却高得多。小批次的噪声让运行 1 不会陷进那个狭窄的位置。"
    "在随机方向的损失地形上（两幅图颜色刻度相同），运行 1 的盆地宽而平，运行 2 的尖锐：权重稍微一动，它的损失就"
    "大幅上升。这是 Keskar 等人（2017）和 Li 等人（2018）报告的规律；它是一种倾向而不是定律：改变随机种子"
    "或步数，看看它在多大程度上成立。",
    "net.lesson.lr.title": "学习率太大",
    "net.lesson.lr.summary": "双月数据，ReLU 网络，全批量梯度下降，α = 0.5 对 α = 5。",
    "net.lesson.lr.body": "除了学习率，其他都相同：运行 1 用 0.5，运行 2 用它的十倍。",
    "net.lesson.lr.question": "步子大十倍，网络就会训练得快十倍吗？",
    "net.lesson.lr.notice": "运行 2 的前几步冲过了头：损失跳到远高于起点的地方。这次巨大的更新把大多数 ReLU "
    "节点推到了对每个点输入都为负的位置：在那里它们输出 0，也不回传任何梯度，所以再也恢复不了。"
    "梯度几乎为零，此后损失纹丝不动，边界也冻结了：网络“死”了。运行 1 正常训练。播放决策边界看看最初几步，"
    "再试试 tanh，它的节点不会以同样的方式死掉。",
    "net.invalid": "这些设置没有被接受：{err}",
    "net.diverged": "{label} 在第 {step} 步发散：学习率对这个网络太大，损失无限增长。图中显示的是它最后一组有限的权重。",
    "net.col.run": "运行",
    "net.col.train_loss": "训练损失",
    "net.col.test_loss": "测试损失",
    "net.col.train_acc": "训练准确率",
    "net.col.test_acc": "测试准确率",
    "net.col.weight_norm": "权重范数",
    "net.col.time": "训练时间（毫秒）",
    "net.boundary": "训练过程中的决策边界",
    "net.boundary.caption": "颜色表示网络判为第 1 类的概率（50 % 处为白色），黑线是决策边界 p = 0.5。实心点用于训练，"
    "空心点留作测试。按播放观看它学习，或拖动滑块。",
    "net.fit": "训练过程中的回归拟合",
    "net.fit.caption": "背景是网络的预测，数据点按目标值用同一色标（全饱和度）着色：点的色调与周围一致的地方，拟合得好。"
    "圆点用于训练，菱形点留作测试。",
    "net.curves": "学习曲线",
    "net.log_loss": "损失用对数刻度",
    "net.summary": "最终结果",
    "net.landscape": "损失地形",
    "net.plane": "平面",
    "net.plane.random": "随机方向",
    "net.plane.pca": "轨迹（PCA）",
    "net.view": "视图",
    "net.view.contour": "等高线",
    "net.view.surface": "三维",
    "net.span": "范围",
    "net.span.help": "平面在每个方向上延伸多远，以按滤波器归一化的方向为单位（1 = 与权重本身一样大）。",
    "net.resolution": "网格",
    "net.dir_seed": "方向随机种子",
    "net.landscape.random": "穿过最终权重（★）的一个平面上的损失，沿两个随机方向；每个方向逐个滤波器缩放到它所移动的"
    "权重的大小（Li 等人，2018，《Visualizing the Loss Landscape of Neural Nets》），因此不同网络的平面可以公平比较。"
    "两幅图使用同一个颜色刻度。",
    "net.landscape.pca": "路径前两个主成分所张成的平面上的损失，以最终权重（★）为中心；曲线是投影到该平面上的路径。",
    "net.landscape.explained": "{label}：PC1 和 PC2 解释了路径移动的 {e1} % 和 {e2} %。",
    "net.landscape.title": "★ 处损失 {loss}",
    "net.landscape.title_pca": "PC1 {e1} %，PC2 {e2} %",
    "net.landscape.failed": "{label}：无法绘制损失地形：{err}",
    "net.fig.class": "第 {k} 类",
    "net.fig.train": "训练",
    "net.fig.test": "测试",
    "net.fig.test_points": "测试点（空心）",
    "net.fig.test_points_fit": "测试点（菱形）",
    "net.fig.boundary": "决策边界 p = 0.5",
    "net.fig.step": "步",
    "net.fig.play": "▶ 播放",
    "net.fig.pause": "❚❚ 暂停",
    "net.fig.loss": "损失",
    "net.fig.accuracy": "准确率",
    "net.fig.weight_norm": "权重范数 ‖W‖",
    "net.fig.loss_title": "损失（实线：训练，点线：测试）",
    "net.fig.accuracy_title": "准确率（实线：训练，点线：测试）",
    "net.fig.weight_norm_title": "权重范数 ‖W‖",
    "net.fig.target": "目标值 y",
    "net.fig.alpha": "α（方向 1）",
    "net.fig.beta": "β（方向 2）",
    "net.fig.center": "最终权重",
    "net.fig.start": "起点",
    "net.fig.path": "路径",
    "net.fig.log_loss": "损失（对数刻度）",
    "net.fig.x1": "x₁",
    "net.fig.x2": "x₂",
    "net.fig.pc1": "PC1",
    "net.fig.pc2": "PC2",
    "net.frame.cls": "第 {step} 步 · 训练损失 {loss} · 测试准确率 {acc}",
    "net.frame.cls_notest": "第 {step} 步 · 训练损失 {loss} · 训练准确率 {acc}",
    "net.frame.reg": "第 {step} 步 · 训练损失 {loss} · 测试损失 {test}",
    "net.frame.reg_notest": "第 {step} 步 · 训练损失 {loss}",
    "net.frame.diverged": "在第 {step} 步发散",
}
