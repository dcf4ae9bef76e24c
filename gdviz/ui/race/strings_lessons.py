"""Words of the lessons and the teaching tools of the race page (theory, links), English and 中文."""

EN = {
    "lessons": "Lesson",
    "lessons.none": "— free exploration —",
    "lessons.help": "A lesson loads a problem and a race, asks you to predict what happens, and says "
    "what to look for after you press Play.",
    "lessons.predict": "Predict before you press Play",
    "lessons.notice": "What to notice (open after playing)",
    "lessons.warnings": "Warnings about the runs (open after playing: they tell the answer)",
    "lessons.loaded": "Lesson loaded: {title}",
    "lesson.article_valley.title": "1 · The article's regression: a valley of minima",
    "lesson.article_valley.intro": "The article fits h(x) = w1·x1 + w2·x2 + b to four points. Its two "
    "features always differ by one (x2 = x1 + 1), so many weight vectors give exactly the same "
    "predictions. Both runs start at (w1, w2, b) = (1.5, −1, 0.5).",
    "lesson.article_valley.question": "The yellow star is one minimum. Will both runs end on it?",
    "lesson.article_valley.notice": "Both reach a loss of (almost) zero, yet neither stops at the "
    "star: every point (1 − t, t, −t) is a minimum, a line, so the surface is a valley with a flat "
    "floor and gradient descent stops at the point of the line nearest to where it walked in. The "
    "'distance to minimum' column measures the distance to that line, and the star on this slice "
    "marks where the line crosses it.",
    "lesson.lr_sizes.title": "2 · Learning rate: too small, right, too large",
    "lesson.lr_sizes.intro": "One quadratic bowl (curvatures 1 and 10), four step sizes α for plain "
    "gradient descent. Theory: it is stable only for α < 2/λ_max = 0.2 and fastest at "
    "α = 2/(λ_min + λ_max) ≈ 0.18.",
    "lesson.lr_sizes.question": "Rank the four runs by speed. Which one never reaches the bottom?",
    "lesson.lr_sizes.notice": "α = 0.01 crawls; 0.1 is steady; 0.15 is fastest, close to the best "
    "constant step; 0.3 is past 2/λ_max: every step overshoots across the valley by more than it "
    "gains and the run diverges — watch the warning above the chart.",
    "lesson.batch_sizes.title": "3 · Batch, mini-batch, stochastic on a large data set",
    "lesson.batch_sizes.intro": "100 000 samples. Full-batch gradient descent uses all of them for "
    "every step; mini-batch uses 32, stochastic gradient descent one. The loss curve is plotted "
    "against epochs (passes over the data) and shows the loss above its minimum.",
    "lesson.batch_sizes.question": "Per step, who is cheapest? Who is closest to the minimum after "
    "one epoch's worth of samples?",
    "lesson.batch_sizes.notice": "After 300 steps the full-batch run has read the data 300 times; "
    "the stochastic one has seen only 300 samples — 0.003 epochs — and is already close. Its path "
    "and its faint mini-batch loss are noisy: each step follows one sample's gradient. That is why "
    "very large data sets are trained with mini-batches.",
    "lesson.momentum_ravine.title": "4 · Momentum in a ravine",
    "lesson.momentum_ravine.intro": "A bowl 100 times steeper across than along (κ = 100), turned by "
    "30°. Plain gradient descent must keep α below 2/λ_max = 0.02, so it creeps along the floor. "
    "Momentum v ← μv + g keeps moving in the direction the steps agree on.",
    "lesson.momentum_ravine.question": "Which run reaches the minimum first: plain GD, momentum 0.9, "
    "or momentum 0.7 with a larger step?",
    "lesson.momentum_ravine.notice": "Plain GD zigzags a little and crawls. Momentum's steps across "
    "the ravine cancel out while those along it add up. Theory's best heavy-ball setting here is "
    "μ ≈ 0.67 with α ≈ 0.033, near the third run, which is fastest by far.",
    "lesson.nesterov.title": "5 · Nesterov versus momentum",
    "lesson.nesterov.intro": "The same ravine, the same α and μ. Nesterov's update looks one step "
    "ahead: it corrects the velocity with the gradient where the momentum is taking it.",
    "lesson.nesterov.question": "Which one oscillates more across the ravine?",
    "lesson.nesterov.notice": "Heavy-ball momentum overshoots and swings back and forth across the "
    "ravine; Nesterov's look-ahead damps those swings and settles sooner.",
    "lesson.adaptive_scaling.title": "6 · Adaptive rules on badly scaled features",
    "lesson.adaptive_scaling.intro": "One feature is 30 times larger than the other, so the loss is "
    "about 900 times steeper along its weight. Plain gradient descent must use a step small enough "
    "for the steep direction. AdaGrad, RMSProp and Adam divide each coordinate's step by the size "
    "of its own gradients.",
    "lesson.adaptive_scaling.question": "Which runs reach the minimum within 300 steps?",
    "lesson.adaptive_scaling.notice": "Gradient descent is stuck on the flat direction; the adaptive "
    "rules are not, because they rescale each coordinate. Standardizing the features (your own "
    "data → Standardize) removes the problem for plain gradient descent too.",
    "lesson.saddle.title": "7 · Escaping a saddle point",
    "lesson.saddle.intro": "f = x² + y⁴/4 − y²/2 has a saddle at the origin: downhill along y, "
    "uphill along x. The runs start almost exactly on the ridge line y = 0.",
    "lesson.saddle.question": "Will the runs get stuck at the saddle, where the gradient is zero?",
    "lesson.saddle.notice": "Near the saddle the gradient almost vanishes and plain gradient descent "
    "slows down — the loss curve shows a plateau — until the tiny y offset grows and it escapes to "
    "a minimum at (0, ±1). Momentum and Adam leave the plateau sooner.",
    "lesson.local_minima.title": "8 · Local minima",
    "lesson.local_minima.intro": "Rastrigin's function is a bowl covered in bumps: dozens of local "
    "minima around the global one at the origin.",
    "lesson.local_minima.question": "Does gradient descent find the global minimum from (3.3, −2.7)?",
    "lesson.local_minima.notice": "Plain gradient descent stops in the nearest dip. Momentum carries "
    "enough speed to roll over a few bumps and ends lower; none of them is guaranteed to find the "
    "global minimum — the gradient only knows the local slope.",
    "lesson.schedules.title": "9 · Learning-rate schedules",
    "lesson.schedules.intro": "Stochastic gradient descent on noisy data: with a constant α the "
    "noise of single-sample gradients never dies out. The loss curve shows the loss above its "
    "minimum.",
    "lesson.schedules.question": "Which schedule ends closest to the minimum?",
    "lesson.schedules.notice": "The constant rate stalls at a noise floor set by α. Step decay, "
    "cosine and 1/t shrink the steps and with them the noise: they end lower. Large steps early, "
    "small steps late.",
    "lesson.budget.title": "10 · A fixed budget of computation",
    "lesson.budget.intro": "Computation is limited: what counts is how many samples' gradients you "
    "can afford, not how many steps. The loss is plotted against epochs (samples seen ÷ n).",
    "lesson.budget.question": "With the same number of samples seen, which run gets furthest?",
    "lesson.budget.notice": "Full batch needs a whole pass over the data for every step. For the "
    "same computation, mini-batches make hundreds of steps: on the epoch axis they reach low loss "
    "far earlier. This is the article's answer to limited resources and very large data.",
    # theory overlays
    "theory.title": "Theory",
    "theory.quadratic": "The loss is quadratic: Hessian eigenvalues {eig}, condition number "
    "κ = {kappa}. Plain gradient descent is stable for α < 2/λ_max = {limit}; the best constant step "
    "is 2/(λ_min + λ_max) = {best}, shrinking the error by a factor {rate} per step. The best "
    "heavy-ball momentum is μ = ((√κ − 1)/(√κ + 1))² = {mu} with α = {hb_lr}, factor {hb_rate} per "
    "step.",
    "theory.null": "{k} eigenvalue(s) are zero: along those directions the loss is flat (a valley "
    "of minima) and the theory speaks of the others.",
    "theory.local": "At the start the steepest curvature is λ_max ≈ {lam}: plain gradient descent "
    "overshoots there for α > 2/λ ≈ {limit}.",
    "theory.overshoot": "{label}: α = {lr} is above this rule's stability limit {limit} at the start "
    "(λ_max ≈ {lam}): this step will overshoot.",
    "theory.ruler": "learning-rate ruler",
    "theory.ruler.limit": "2/λ_max",
    "theory.ruler.best": "best",
    # links
    "share": "Share this view",
    "share.help": "The link holds the problem, every run, the view and the language.",
    "share.teacher": "Teacher link: hide the controls",
    "share.copy": "Copy this link:",
    "share.copy_button": "Copy the link",
    "share.copied": "Copied",
    "link.ignored": "Some values in the link were not valid and were replaced: {what}",
    "view.excess": "Loss − minimum",
    "view.excess.help": "Plot L − L* (known minimum): on a log scale it shows convergence even "
    "when the minimum is not zero.",
}

ZH = {
    "lessons": "课程",
    "lessons.none": "—— 自由探索 ——",
    "lessons.help": "课程会载入一个问题和一组运行，请你先预测会发生什么，播放后再告诉你该注意什么。",
    "lessons.predict": "点击播放之前先预测",
    "lessons.notice": "要注意什么（播放后再展开）",
    "lessons.warnings": "关于这些运行的警告（播放后再展开：它们会透露答案）",
    "lessons.loaded": "已载入课程：{title}",
    "lesson.article_valley.title": "1 · 文章中的回归：一条由最小值组成的山谷",
    "lesson.article_valley.intro": "文章用 h(x) = w1·x1 + w2·x2 + b 拟合四个数据点。两个特征总是相差 1"
    "（x2 = x1 + 1），所以许多不同的权重给出完全相同的预测。两次运行都从 (w1, w2, b) = (1.5, −1, 0.5) 出发。",
    "lesson.article_valley.question": "黄色星号是一个最小值。两次运行都会停在它上面吗？",
    "lesson.article_valley.notice": "两次运行的损失都降到（几乎）为零，却都没有停在星号上：每个点 (1 − t, t, −t) "
    "都是最小值，它们构成一条直线，所以曲面是一条谷底平坦的山谷，梯度下降停在直线上离它走进来的地方最近的点。"
    "“到最小值的距离”一栏量的是到这条直线的距离，这个切片上的星号标出直线穿过切片的位置。",
    "lesson.lr_sizes.title": "2 · 学习率：太小、合适、太大",
    "lesson.lr_sizes.intro": "同一个二次碗（曲率为 1 和 10），普通梯度下降用四个不同的步长 α。理论："
    "只有 α < 2/λ_max = 0.2 时才稳定，α = 2/(λ_min + λ_max) ≈ 0.18 时最快。",
    "lesson.lr_sizes.question": "按速度给四次运行排序。哪一次永远到不了谷底？",
    "lesson.lr_sizes.notice": "α = 0.01 走得很慢；0.1 稳步前进；0.15 最快，接近最佳恒定步长；0.3 超过了 "
    "2/λ_max：每一步越过山谷的距离都比它前进的还多，于是发散——注意图表上方的警告。",
    "lesson.batch_sizes.title": "3 · 大数据集上的批量、小批量和随机梯度下降",
    "lesson.batch_sizes.intro": "100 000 个样本。全批量梯度下降每一步都用全部样本；小批量用 32 个，"
    "随机梯度下降只用 1 个。损失曲线的横轴是轮次（遍历数据的次数），纵轴是损失超出最小值的部分。",
    "lesson.batch_sizes.question": "每一步谁最便宜？在只看过一轮数据量的样本时，谁离最小值最近？",
    "lesson.batch_sizes.notice": "300 步之后，全批量运行已经把数据读了 300 遍；随机梯度下降只看过 300 个样本"
    "——0.003 个轮次——却已经很接近了。它的路径和浅色的小批量损失都很嘈杂：每一步都只跟随一个样本的梯度。"
    "这就是为什么非常大的数据集要用小批量来训练。",
    "lesson.momentum_ravine.title": "4 · 峡谷中的动量",
    "lesson.momentum_ravine.intro": "一个横向比纵向陡 100 倍的碗（κ = 100），旋转了 30°。普通梯度下降必须让 "
    "α 小于 2/λ_max = 0.02，所以只能沿着谷底慢慢爬。动量 v ← μv + g 会沿着各步一致的方向继续前进。",
    "lesson.momentum_ravine.question": "哪一次最先到达最小值：普通梯度下降、动量 0.9，还是步长更大的动量 0.7？",
    "lesson.momentum_ravine.notice": "普通梯度下降有一点之字形，走得很慢。动量在横跨峡谷方向上的步伐相互抵消，"
    "沿峡谷方向的步伐不断累加。理论上这里最好的重球参数是 μ ≈ 0.67、α ≈ 0.033，接近第三次运行，它快得多。",
    "lesson.nesterov.title": "5 · Nesterov 动量与普通动量",
    "lesson.nesterov.intro": "同一个峡谷，同样的 α 和 μ。Nesterov 的更新向前多看一步：用动量将要到达之处的梯度来修正速度。",
    "lesson.nesterov.question": "哪一个在峡谷两侧摆动得更厉害？",
    "lesson.nesterov.notice": "重球动量会冲过头，在峡谷两侧来回摆动；Nesterov 的前瞻抑制了这些摆动，更快稳定下来。",
    "lesson.adaptive_scaling.title": "6 · 特征尺度不一时的自适应规则",
    "lesson.adaptive_scaling.intro": "一个特征比另一个大 30 倍，所以损失沿它的权重方向陡约 900 倍。"
    "普通梯度下降的步长必须小到适合陡峭的方向。AdaGrad、RMSProp 和 Adam 会用每个坐标自己梯度的大小去除它的步长。",
    "lesson.adaptive_scaling.question": "哪些运行能在 300 步内到达最小值？",
    "lesson.adaptive_scaling.notice": "梯度下降卡在平坦的方向上；自适应规则不会，因为它们分别缩放每个坐标。"
    "把特征标准化（自己的数据 → 标准化）也能为普通梯度下降消除这个问题。",
    "lesson.saddle.title": "7 · 逃离鞍点",
    "lesson.saddle.intro": "f = x² + y⁴/4 − y²/2 在原点有一个鞍点：沿 y 方向是下坡，沿 x 方向是上坡。"
    "运行几乎正好从山脊线 y = 0 上出发。",
    "lesson.saddle.question": "运行会卡在梯度为零的鞍点吗？",
    "lesson.saddle.notice": "在鞍点附近梯度几乎消失，普通梯度下降会变慢——损失曲线出现一段平台——直到微小的 y "
    "偏移逐渐变大，它才逃向 (0, ±1) 处的最小值。动量和 Adam 更早离开平台。",
    "lesson.local_minima.title": "8 · 局部最小值",
    "lesson.local_minima.intro": "Rastrigin 函数是一个布满小坑的碗：全局最小值（原点）周围有几十个局部最小值。",
    "lesson.local_minima.question": "梯度下降从 (3.3, −2.7) 出发能找到全局最小值吗？",
    "lesson.local_minima.notice": "普通梯度下降停在最近的坑里。动量带着足够的速度越过几个小坑，最终更低；"
    "但没有一个能保证找到全局最小值——梯度只知道局部的坡度。",
    "lesson.schedules.title": "9 · 学习率调度",
    "lesson.schedules.intro": "在含噪声的数据上做随机梯度下降：学习率 α 恒定时，单个样本梯度的噪声永远不会消失。"
    "损失曲线显示的是损失超出最小值的部分。",
    "lesson.schedules.question": "哪种调度最终离最小值最近？",
    "lesson.schedules.notice": "恒定学习率停在由 α 决定的噪声底部。阶梯衰减、余弦和 1/t 衰减让步长变小，噪声也随之变小："
    "它们最终更低。前期大步，后期小步。",
    "lesson.budget.title": "10 · 有限的计算预算",
    "lesson.budget.intro": "计算资源有限：重要的是你能负担多少个样本的梯度，而不是走多少步。损失以轮次"
    "（已用样本数 ÷ n）为横轴。",
    "lesson.budget.question": "在用了同样多样本的情况下，哪次运行走得最远？",
    "lesson.budget.notice": "全批量每一步都需要遍历一遍数据。同样的计算量下，小批量能走几百步：在轮次横轴上，"
    "它们早得多就达到了低损失。这就是文章对“计算资源有限、数据集非常大”的回答。",
    "theory.title": "理论",
    "theory.quadratic": "损失是二次的：海森矩阵的特征值为 {eig}，条件数 κ = {kappa}。普通梯度下降在 "
    "α < 2/λ_max = {limit} 时稳定；最佳恒定步长为 2/(λ_min + λ_max) = {best}，每步把误差缩小为原来的 {rate}。"
    "最佳重球动量为 μ = ((√κ − 1)/(√κ + 1))² = {mu}，配合 α = {hb_lr}，每步缩小为 {hb_rate}。",
    "theory.null": "有 {k} 个特征值为零：在这些方向上损失是平的（由最小值组成的山谷），理论讨论的是其余方向。",
    "theory.local": "在起点处最陡的曲率约为 λ_max ≈ {lam}：当 α > 2/λ ≈ {limit} 时，普通梯度下降会在那里越过谷底。",
    "theory.overshoot": "{label}：α = {lr} 超过了这种规则在起点处的稳定上限 {limit}（λ_max ≈ {lam}）：这一步会越过谷底。",
    "theory.ruler": "学习率标尺",
    "theory.ruler.limit": "2/λ_max",
    "theory.ruler.best": "最佳",
    "share": "分享当前视图",
    "share.help": "链接包含问题、每一次运行、视图和语言。",
    "share.teacher": "教师链接：隐藏控件",
    "share.copy": "复制这个链接：",
    "share.copy_button": "复制链接",
    "share.copied": "已复制",
    "link.ignored": "链接中有些值无效，已被替换：{what}",
    "view.excess": "损失 − 最小值",
    "view.excess.help": "绘制 L − L*（已知最小值）：在对数刻度上，即使最小值不为零也能看出收敛。",
}
