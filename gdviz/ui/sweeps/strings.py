"""Strings of the sweeps page (gdviz/ui/sweeps/), English and Simplified Chinese."""

EN: dict[str, str] = {
    "page.sweeps": "Sweeps",
    "sweep.title": "Sweeps: {problem}",
    "sweep.lead": "How do I choose the learning rate? Measure it. Everything here uses the problem, "
    "start point and number of steps ({steps}) of the Visualizer page.",
    "sweep.run": "Sweep this run",
    "sweep.run.help": "Its update rule, hyperparameters, batch size and seed are used; only the learning "
    "rate (and the heatmap's second axis) vary.",
    "sweep.schedule_note": "This run has a learning-rate schedule ({schedule}): every learning rate of the "
    "sweep is its starting value, shaped over time by that schedule.",
    "sweep.panel": "View",
    "sweep.panel.lr": "Learning-rate sweep",
    "sweep.panel.range": "Range test",
    "sweep.panel.heatmap": "Heatmap",
    "sweep.panel.compare": "Fair comparison",
    "sweep.error": "This sweep cannot run: {err}",
    "sweep.csv_missing": "The uploaded CSV file is not available on this page any more: upload it again "
    "on the Visualizer page.",
    "sweep.back": "Back to the Visualizer",
    "sweep.slow": "This needs about {s} s of computing on a shared server, so it waits for you.",
    "sweep.compute": "Compute",
    "sweep.too_slow": "This would need about {s} s of computing, more than the {max} s this server allows: "
    "use fewer steps (Visualizer page), fewer learning rates or seeds, or a smaller data set.",
    # learning-rate sweep
    "sweep.lr_range": "Learning rates (log scale)",
    "sweep.n_lr": "Number of learning rates",
    "sweep.lr.about": "{n} runs of {rule}, one per learning rate, {steps} steps each, computed together "
    "in one vectorized pass ({ms} ms). Every run sees the same mini-batches, so only the learning rate "
    "differs.",
    "sweep.best": "Best learning rate",
    "sweep.best.help": "The lowest final loss among runs that did not diverge; runs that all converged "
    "count as tied, and the one that got below the threshold in the fewest steps wins.",
    "sweep.best.none": "none: every run diverged",
    "sweep.stable_to": "Largest stable",
    "sweep.stable_to.help": "The largest learning rate below the shaded region: from the next value up, "
    "every run diverged or ended worse than it started.",
    "sweep.all_stable": "all stable",
    "sweep.limit": "Theory: {name}",
    "sweep.limit.help": "On the quadratic model of the loss at the start point, a larger step overshoots "
    "along the steepest direction (λ_max is the largest Hessian eigenvalue).",
    "sweep.limit.none": "not known for this rule",
    "sweep.threshold": "Threshold: loss < {threshold} ({how}).",
    "sweep.threshold.auto": "99.9 % of the way from the start loss to the minimum",
    "sweep.threshold.auto_lowest": "99.9 % of the way from the start loss to the lowest loss any run reached",
    "sweep.threshold.main": "the Visualizer's stop threshold",
    "sweep.adopt": "Use α = {lr} in run {run} ↗",
    "sweep.adopt.help": "Sets this learning rate (rounded to the slider's grid) in the Visualizer and "
    "opens it.",
    "sweep.explain.title": "How to read this",
    "sweep.explain.body": (
        "**Too small** a learning rate: the loss hardly moves in the given steps (left). **Too large**: "
        "each step overshoots the valley and the loss grows (shaded, right). The best value sits just "
        "below the edge of divergence.\n\n"
        "For plain gradient descent on a quadratic loss the edge is exactly 2/λ_max, where λ_max is the "
        "curvature of the steepest direction; the fastest convergence is at 2/(λ_min + λ_max). Momentum "
        "moves the edge to 2(1 + μ)/λ_max. Adaptive rules (AdaGrad, RMSProp, Adam) divide each step by "
        "the gradient's size, so no such line exists for them: the sweep is the only way to know."
    ),
    # range test
    "sweep.range_lr": "From … to",
    "sweep.range_steps": "Steps of the test",
    "sweep.range.about": "One run of {rule} whose learning rate grows exponentially from {lo} to {hi} over "
    "{steps} steps (Smith, 2017). Plotted: the loss after each step against that step's learning rate; "
    "the test stops when the smoothed loss exceeds 4× its best.",
    "sweep.suggested": "Suggested",
    "sweep.suggested.help": "A tenth of the learning rate at the lowest smoothed loss: the loss turns up a "
    "few steps after the step size passes the stability limit, and a tenth backs off with a margin.",
    "sweep.lowest_at": "Lowest loss at",
    "sweep.steepest_at": "Steepest descent at",
    "sweep.steepest_at.help": "Smith's own choice. On a short test it is usually too small: the loss falls "
    "once the accumulated step is large enough, which depends on how fast the test raises the rate.",
    "sweep.range.none": "The loss never fell: widen the range or use more steps.",
    "sweep.range.explain": "The range test costs one run instead of a sweep. It reads the loss while the "
    "learning rate grows: flat (too small), then falling fast, then blowing up (too large). It is a quick "
    "estimate: the sweep measures each value from the same start.",
    # heatmap
    "sweep.hm_axis": "Second axis",
    "sweep.hm_metric": "Colour",
    "sweep.hm_n": "Learning rates",
    "sweep.hm.metric.final_loss": "final loss",
    "sweep.hm.metric.steps": "steps to threshold",
    "sweep.hm.metric.diverged": "diverged",
    "sweep.hm.none": "{rule} has no momentum or β1 to vary, and this problem has no data (so no batch "
    "size): pick momentum, Nesterov, RMSProp or Adam for this run on the Visualizer page.",
    "sweep.hm.about": "{cells} runs of {rule}, {steps} steps each ({ms} ms). Click a cell to race that "
    "setting as run {run} in the Visualizer.",
    "sweep.hm.gd_note": "Plain gradient descent with momentum is the momentum rule: clicking a cell with "
    "μ > 0 switches run {run} to it.",
    "sweep.hm.best": "Best cell",
    "sweep.hm.adopt": "Use the best cell in run {run} ↗",
    # comparison
    "sweep.cmp.about": "Every run of the Visualizer's race, {seeds} seed(s) each, from the same start. "
    "A mini-batch step costs a fraction of a full-batch step: compare by epochs or samples seen to be "
    "fair.",
    "sweep.cmp_x": "x-axis",
    "sweep.cmp_seeds": "Seeds per run",
    "sweep.cmp_seeds.help": "Stochastic runs are repeated with different mini-batch orders: the line is "
    "the mean, the band the range from best to worst seed.",
    "sweep.cmp_tune": "Tune each",
    "sweep.cmp_tune.help": "Before racing, give every run its best learning rate from a quick sweep "
    "(31 values, 1e-5 … 10), so that rules are compared at their best and not at one learning rate that "
    "suits one of them.",
    "sweep.cmp_log": "Log scale",
    "sweep.cmp.tuned": "Tuned learning rates",
    "sweep.cmp.col.run": "Run",
    "sweep.cmp.col.before": "α in the race",
    "sweep.cmp.col.after": "best α",
    "sweep.cmp.untuned": "every learning rate diverged: kept",
    "sweep.cmp.adopt": "Race with the tuned learning rates ↗",
    "sweep.cmp.time_note": "Wall-clock time is measured on this server for each seed on its own; it "
    "changes from run to run.",
    "sweep.cmp.final": "Final loss (mean over seeds)",
    # figure labels
    "sweep.fig.lr": "learning rate α",
    "sweep.fig.final_loss": "final loss",
    "sweep.fig.final_gap": "final loss − minimum",
    "sweep.fig.loss": "loss",
    "sweep.fig.loss_gap": "loss − minimum",
    "sweep.fig.steps_to": "steps until loss < {threshold}",
    "sweep.fig.never": "never below the threshold",
    "sweep.fig.unstable": "diverged or ended worse than it started",
    "sweep.fig.diverged_at": "diverged at step {step}",
    "sweep.fig.best": "best α = {lr}",
    "sweep.fig.limit": "stability limit ≈ {lr}",
    "sweep.fig.raw": "loss after each step",
    "sweep.fig.smoothed": "smoothed",
    "sweep.fig.suggested": "suggested α = {lr}",
    "sweep.fig.lowest": "lowest loss",
    "sweep.fig.steepest": "steepest descent",
    "sweep.fig.stable": "final loss",
    "sweep.fig.click_cell": "click: race this setting",
    "sweep.fig.metric.final_loss": "log₁₀ final loss",
    "sweep.fig.metric.final_gap": "log₁₀(final loss − minimum)",
    "sweep.fig.metric.steps": "steps to threshold",
    "sweep.fig.metric.diverged": "diverged",
    "sweep.fig.axis.momentum": "momentum μ",
    "sweep.fig.axis.beta1": "β1",
    "sweep.fig.axis.beta2": "β2",
    "sweep.fig.axis.alpha": "smoothing α (RMSProp)",
    "sweep.fig.axis.weight_decay": "weight decay λ",
    "sweep.fig.axis.batch_size": "batch size b",
    "sweep.fig.axis.lr": "learning rate α",
    "sweep.fig.band": "range over {n} seeds",
    "sweep.fig.x.step": "steps",
    "sweep.fig.x.epoch": "epochs",
    "sweep.fig.x.samples": "samples seen",
    "sweep.fig.x.grad_evals": "gradient evaluations",
    "sweep.fig.x.time": "wall-clock time (s)",
    "sweep.fig.yes": "yes",
    "sweep.fig.no": "no",
    "sweep.limit.gd": "2/λ_max",
    "sweep.limit.momentum": "2(1+μ)/λ_max",
    "sweep.limit.nesterov": "2(1+μ)/((1+2μ)λ_max)",
}

ZH: dict[str, str] = {
    "page.sweeps": "扫描与比较",
    "sweep.title": "扫描：{problem}",
    "sweep.lead": "如何选择学习率？去测量它。这里的一切都使用可视化页面上的问题、起点和步数（{steps}）。",
    "sweep.run": "扫描这次运行",
    "sweep.run.help": "使用它的更新规则、超参数、批次大小和随机种子；只有学习率（以及热力图的第二个轴）会变化。",
    "sweep.schedule_note": "这次运行使用了学习率调度（{schedule}）：扫描中的每个学习率都是初始值，随后按该调度随时间变化。",
    "sweep.panel": "视图",
    "sweep.panel.lr": "学习率扫描",
    "sweep.panel.range": "学习率范围测试",
    "sweep.panel.heatmap": "热力图",
    "sweep.panel.compare": "公平比较",
    "sweep.error": "无法进行这次扫描：{err}",
    "sweep.csv_missing": "上传的 CSV 文件在本页面已不可用：请在可视化页面重新上传。",
    "sweep.back": "返回可视化页面",
    "sweep.slow": "这需要在共享服务器上计算大约 {s} 秒，所以等你确认后再开始。",
    "sweep.compute": "开始计算",
    "sweep.too_slow": "这大约需要 {s} 秒的计算，超过了本服务器允许的 {max} 秒：请减少步数（在可视化页面）、学习率个数或种子数，或者使用更小的数据集。",
    "sweep.lr_range": "学习率范围（对数刻度）",
    "sweep.n_lr": "学习率个数",
    "sweep.lr.about": "{rule}的 {n} 次运行，每个学习率一次，每次 {steps} 步，在一次向量化计算中一起完成（{ms} 毫秒）。"
    "所有运行使用相同的小批量，所以只有学习率不同。",
    "sweep.best": "最佳学习率",
    "sweep.best.help": "在没有发散的运行中最终损失最低的那个；都已收敛的运行视为并列，其中最快降到阈值以下的胜出。",
    "sweep.best.none": "没有：所有运行都发散了",
    "sweep.stable_to": "最大的稳定值",
    "sweep.stable_to.help": "阴影区域左侧最大的学习率：从下一个值起，每次运行都发散或比起点更差。",
    "sweep.all_stable": "全部稳定",
    "sweep.limit": "理论值：{name}",
    "sweep.limit.help": "在起点处损失函数的二次近似上，更大的步长会沿最陡的方向越过谷底（λ_max 是 Hessian 矩阵的最大特征值）。",
    "sweep.limit.none": "这个规则没有已知的理论值",
    "sweep.threshold": "阈值：损失 < {threshold}（{how}）。",
    "sweep.threshold.auto": "从起点损失到最小值的 99.9%",
    "sweep.threshold.auto_lowest": "从起点损失到所有运行达到的最低损失的 99.9%",
    "sweep.threshold.main": "可视化页面的停止阈值",
    "sweep.adopt": "在运行 {run} 中使用 α = {lr} ↗",
    "sweep.adopt.help": "把这个学习率（取滑块上最接近的值）设置到可视化页面并打开它。",
    "sweep.explain.title": "如何解读",
    "sweep.explain.body": (
        "学习率**太小**：在给定的步数内损失几乎不动（左侧）。**太大**：每一步都越过谷底，损失越来越大（右侧阴影）。"
        "最佳值就在发散边缘的下方。\n\n"
        "对于二次损失函数上的普通梯度下降，这条边缘恰好是 2/λ_max，其中 λ_max 是最陡方向的曲率；"
        "收敛最快的学习率是 2/(λ_min + λ_max)。动量把边缘移到 2(1 + μ)/λ_max。"
        "自适应规则（AdaGrad、RMSProp、Adam）会用梯度的大小去除每一步，所以它们没有这样的线：只有扫描才能知道。"
    ),
    "sweep.range_lr": "从 … 到",
    "sweep.range_steps": "测试步数",
    "sweep.range.about": "{rule}的一次运行，学习率在 {steps} 步内从 {lo} 指数增长到 {hi}（Smith，2017）。"
    "图中是每一步之后的损失与该步学习率的关系；平滑后的损失超过其最佳值的 4 倍时测试停止。",
    "sweep.suggested": "建议值",
    "sweep.suggested.help": "平滑损失最低处学习率的十分之一：步长超过稳定极限几步之后损失才会上升，取十分之一留出余量。",
    "sweep.lowest_at": "损失最低处",
    "sweep.steepest_at": "下降最快处",
    "sweep.steepest_at.help": "Smith 本人的选择。在较短的测试中它通常偏小：累积的步长足够大时损失才会下降，而这取决于测试提高学习率的速度。",
    "sweep.range.none": "损失从未下降：请扩大范围或增加步数。",
    "sweep.range.explain": "学习率范围测试只需要一次运行，而不是一次扫描。它在学习率增长的同时读取损失：先是平的（太小），"
    "然后快速下降，最后爆炸（太大）。这只是一个快速估计：扫描会从同一个起点逐个测量每个值。",
    "sweep.hm_axis": "第二个轴",
    "sweep.hm_metric": "颜色",
    "sweep.hm_n": "学习率个数",
    "sweep.hm.metric.final_loss": "最终损失",
    "sweep.hm.metric.steps": "达到阈值的步数",
    "sweep.hm.metric.diverged": "是否发散",
    "sweep.hm.none": "{rule} 没有可以变化的动量或 β1，而且这个问题没有数据（所以没有批次大小）："
    "请在可视化页面把这次运行改为动量、Nesterov、RMSProp 或 Adam。",
    "sweep.hm.about": "{rule}的 {cells} 次运行，每次 {steps} 步（{ms} 毫秒）。点击一个格子，即可在可视化页面中把该设置作为运行 {run} 进行比赛。",
    "sweep.hm.gd_note": "带动量的普通梯度下降就是动量规则：点击 μ > 0 的格子会把运行 {run} 切换为动量。",
    "sweep.hm.best": "最佳格子",
    "sweep.hm.adopt": "在运行 {run} 中使用最佳格子 ↗",
    "sweep.cmp.about": "可视化页面比赛中的每次运行，每次运行 {seeds} 个随机种子，从同一个起点出发。"
    "一个小批量步骤只花费全批量步骤的一小部分：按轮次或已用样本数比较才公平。",
    "sweep.cmp_x": "横轴",
    "sweep.cmp_seeds": "每次运行的种子数",
    "sweep.cmp_seeds.help": "随机运行会用不同的小批量顺序重复：线是平均值，带是从最好到最差种子的范围。",
    "sweep.cmp_tune": "分别调优",
    "sweep.cmp_tune.help": "比赛之前，先用一次快速扫描（31 个值，1e-5 … 10）为每次运行找到最佳学习率，"
    "这样比较的是每个规则的最佳表现，而不是恰好适合其中一个规则的同一个学习率。",
    "sweep.cmp_log": "对数刻度",
    "sweep.cmp.tuned": "调优后的学习率",
    "sweep.cmp.col.run": "运行",
    "sweep.cmp.col.before": "比赛中的 α",
    "sweep.cmp.col.after": "最佳 α",
    "sweep.cmp.untuned": "所有学习率都发散了：保持不变",
    "sweep.cmp.adopt": "用调优后的学习率比赛 ↗",
    "sweep.cmp.time_note": "运行时间是在这台服务器上对每个种子单独测量的；每次都会有所不同。",
    "sweep.cmp.final": "最终损失（各种子的平均值）",
    "sweep.fig.lr": "学习率 α",
    "sweep.fig.final_loss": "最终损失",
    "sweep.fig.final_gap": "最终损失 − 最小值",
    "sweep.fig.loss": "损失",
    "sweep.fig.loss_gap": "损失 − 最小值",
    "sweep.fig.steps_to": "损失降到 {threshold} 以下的步数",
    "sweep.fig.never": "从未低于阈值",
    "sweep.fig.unstable": "发散或比起点更差",
    "sweep.fig.diverged_at": "在第 {step} 步发散",
    "sweep.fig.best": "最佳 α = {lr}",
    "sweep.fig.limit": "稳定极限 ≈ {lr}",
    "sweep.fig.raw": "每一步之后的损失",
    "sweep.fig.smoothed": "平滑后",
    "sweep.fig.suggested": "建议 α = {lr}",
    "sweep.fig.lowest": "损失最低",
    "sweep.fig.steepest": "下降最快",
    "sweep.fig.stable": "最终损失",
    "sweep.fig.click_cell": "点击：用这个设置比赛",
    "sweep.fig.metric.final_loss": "log₁₀ 最终损失",
    "sweep.fig.metric.final_gap": "log₁₀(最终损失 − 最小值)",
    "sweep.fig.metric.steps": "达到阈值的步数",
    "sweep.fig.metric.diverged": "是否发散",
    "sweep.fig.axis.momentum": "动量 μ",
    "sweep.fig.axis.beta1": "β1",
    "sweep.fig.axis.beta2": "β2",
    "sweep.fig.axis.alpha": "平滑系数 α（RMSProp）",
    "sweep.fig.axis.weight_decay": "权重衰减 λ",
    "sweep.fig.axis.batch_size": "批次大小 b",
    "sweep.fig.axis.lr": "学习率 α",
    "sweep.fig.band": "{n} 个种子的范围",
    "sweep.fig.x.step": "步数",
    "sweep.fig.x.epoch": "轮次",
    "sweep.fig.x.samples": "已用样本数",
    "sweep.fig.x.grad_evals": "梯度计算次数",
    "sweep.fig.x.time": "运行时间（秒）",
    "sweep.fig.yes": "是",
    "sweep.fig.no": "否",
    "sweep.limit.gd": "2/λ_max",
    "sweep.limit.momentum": "2(1+μ)/λ_max",
    "sweep.limit.nesterov": "2(1+μ)/((1+2μ)λ_max)",
}
