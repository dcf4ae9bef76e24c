"""Strings of the step inspector (``gdviz/ui/inspector.py``), English and Simplified Chinese."""

EN: dict[str, str] = {
    "insp.title": "Step inspector",
    "insp.open": "Inspect a step: numbers, update equation, arrows",
    "insp.intro": "Pick a run and a step k: see every number of that update, from θ_k to θ_k+1.",
    "insp.none": "No run has made a step yet, so there is nothing to inspect.",
    "insp.failed": "This step cannot be inspected: {err}",
    "insp.run": "Run",
    "insp.step": "Step k",
    "insp.step.help": "The update from row k to row k + 1 of the run (k = 0 is the first step).",
    "insp.prev": "◀",
    "insp.next": "▶",
    "insp.prev.help": "Previous step (k − 1)",
    "insp.next.help": "Next step (k + 1)",
    "insp.one_step": "This run made a single step: k = 0.",
    "insp.summary": "**Step {k}**, from $\\theta_{{{k}}}$ to $\\theta_{{{k1}}}$: learning rate "
    "$\\alpha_{{{k}}}$ = {lr}, loss $L(\\theta_{{{k}}})$ = {loss}.",
    "insp.summary.batch": "The gradient came from a mini-batch of b = {b} samples (mini-batch loss {bl}).",
    "insp.summary.full": "The gradient used every sample (full batch).",
    "insp.theta": "$\\theta_{{{k}}}$ = {v}",
    "insp.grads": "Gradient used $g_{{{k}}}$ = {g}; full-data gradient $\\nabla L(\\theta_{{{k}}})$ = {full}",
    "insp.note.sgd": "g is the gradient the step used (for a mini-batch run, the mean over its b samples); "
    "with weight decay λ the rule uses g̃ = g + λθ; α is the learning rate of this step.",
    "insp.note.momentum": "v is the velocity: every step multiplies it by μ and adds the new gradient, so "
    "past gradients keep pushing. Its first value is the first gradient itself (as in PyTorch). With "
    "weight decay λ the rule uses g̃ = g + λθ.",
    "insp.note.adagrad": "s adds up every squared gradient, so a coordinate that has seen large gradients "
    "takes smaller steps; ε avoids a division by 0; with learning-rate decay η the rate is α/(1 + kη).",
    "insp.note.rmsprop": "v is a moving average of squared gradients with decay ρ (the smoothing control); "
    "d divides each coordinate's gradient; with momentum μ, b accumulates the divided gradients.",
    "insp.note.adam": "m is the moving average of the gradients (momentum) and v of their squares; "
    "c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ with t = k + 1 undo their pull toward 0 in the first steps. "
    "AdamW first shrinks θ by the factor (1 − αλ).",
    "insp.note.elementwise": "Squares, square roots and divisions of vectors act coordinate by coordinate; "
    "numbers are rounded to 6 significant digits.",
    "insp.check.ok": "$\\theta_{{{k1}}}$ above is row {k1} of the run, identical to the last bit: this "
    "equation is exactly the computation the run made.",
    "insp.check.bad": "$\\theta_{{{k1}}}$ differs from row {k1} of the run by up to {d}.",
    "insp.no_plane": "The arrows cannot be drawn in this view.",
    "insp.arrows.caption": "Zoomed on step k. Grey dashed: the full-data gradient step −α∇L(θ_k). "
    "Orange: the mini-batch gradient step −α·g_k the run used. Purple: the part of the step carried over "
    "from earlier steps (momentum); green, when it differs from orange: this gradient's share as the "
    "rule scales it. Together they make the black arrow, the actual step Δ to θ_k+1. The contour is the loss through θ_k in the two plotted coordinates.",
    "insp.arrows.clipped": "The arrow {name} runs out of this zoom: it is {ratio} times as long as the "
    "actual step.",
    "insp.arrows.pca": "In the trajectory plane the arrows are projections of the full vectors.",
    "insp.effective.other": "The step each coordinate gets per unit of gradient: α̃/(√s + ε) for AdaGrad, "
    "α/d for RMSProp. Plain gradient descent would give every coordinate α (dashed line).",
    "insp.effective.adam": "Adam's step per unit of the corrected momentum m̂ = m/c₁: α/(√v̂ + ε) with "
    "v̂ = v/c₂. Plain gradient descent would give every coordinate α (dashed line).",
    "insp.table": "Every coordinate",
    "insp.col.param": "Parameter",
    "insp.col.grad": "The gradient the step used (mini-batch runs: over their b samples)",
    "insp.col.full_grad": "The gradient over all the data",
    "insp.col.before": "{name}, before the step",
    "insp.col.after": "{name}, after the step",
    "insp.col.update": "The update: θ_k+1 − θ_k",
    "insp.col.theta_next": "Row k + 1 of the run",
    "insp.col.effective": "Effective step",
    "insp.state.momentum_buffer": "momentum buffer",
    "insp.state.sum": "s (sum of g²)",
    "insp.state.square_avg": "v (average of g²)",
    "insp.state.grad_avg": "ḡ (average of g)",
    "insp.state.exp_avg": "m (average of g)",
    "insp.state.exp_avg_sq": "v (average of g²)",
    "insp.state.max_exp_avg_sq": "v̂max (largest v so far)",
    "insp.noise.title": "Gradient noise at θ_k",
    "insp.noise.b": "Batch size b for the cloud",
    "insp.noise.b.help": "The run used b = {b}. Change it to see how the noise of a mini-batch gradient "
    "depends on the batch size.",
    "insp.noise.failed": "The gradient noise cannot be measured here: {err}",
    "insp.noise.measured": "Measured spread of {S} random mini-batch gradients (b = {b} of n = {n}): "
    "RMS ‖g_b − ∇L‖ = **{s}**. Sampling theory: σ·√((n − b)/(b(n − 1))) = **{e}** (about σ/√b), "
    "where σ = {sigma} is the spread of single-sample gradients. For scale, ‖∇L‖ = {full}.",
    "insp.noise.subset": "σ is estimated from a random subset of the samples (the data set is large).",
    "insp.noise.caption": "Each dot is the step −α·g that one random mini-batch of b distinct samples would "
    "give from θ_k; the dashed arrow is the full-data step. The panel keeps its size when b changes: "
    "the cloud shrinks about like 1/√b and vanishes at b = n.",
    "insp.noise.full_batch": "This run uses the full gradient, so its steps have no sampling noise; pick a "
    "mini-batch run to see the cloud of mini-batch gradients.",
    "insp.fig.step_title": "Step {k}: the arrows of one update",
    "insp.fig.full_step": "−α∇L(θ) (full data)",
    "insp.fig.batch_step": "−α·g (mini-batch)",
    "insp.fig.memory": "carried over (momentum)",
    "insp.fig.fresh": "this gradient's share",
    "insp.fig.update": "actual step Δ",
    "insp.fig.path": "path",
    "insp.fig.theta_k": "θ_k",
    "insp.fig.theta_next": "θ_k+1",
    "insp.fig.noise_title": "Mini-batch gradient steps at θ_k (b = {b})",
    "insp.fig.cloud": "−α·g for one mini-batch",
    "insp.fig.spread_circle": "measured RMS spread",
    "insp.fig.eff_title": "Effective step size per coordinate",
    "insp.fig.effective": "effective step size",
    "insp.fig.plain_lr": "α (plain gradient descent)",
    "insp.fig.coordinate": "parameter",
    "insp.fig.noise_x": "step along {x}",
    "insp.fig.noise_y": "step along {y}",
}

ZH: dict[str, str] = {
    "insp.title": "单步检查器",
    "insp.open": "检查某一步：数值、更新公式、箭头",
    "insp.intro": "选择一次运行和第 k 步：查看这一次更新从 θ_k 到 θ_k+1 的每一个数字。",
    "insp.none": "还没有任何运行走过一步，所以没有可以检查的内容。",
    "insp.failed": "无法检查这一步：{err}",
    "insp.run": "运行",
    "insp.step": "第 k 步",
    "insp.step.help": "运行中从第 k 行到第 k + 1 行的那次更新（k = 0 是第一步）。",
    "insp.prev": "◀",
    "insp.next": "▶",
    "insp.prev.help": "上一步（k − 1）",
    "insp.next.help": "下一步（k + 1）",
    "insp.one_step": "这次运行只走了一步：k = 0。",
    "insp.summary": "**第 {k} 步**，从 $\\theta_{{{k}}}$ 到 $\\theta_{{{k1}}}$：学习率 "
    "$\\alpha_{{{k}}}$ = {lr}，损失 $L(\\theta_{{{k}}})$ = {loss}。",
    "insp.summary.batch": "梯度来自 b = {b} 个样本的小批量（小批量损失 {bl}）。",
    "insp.summary.full": "梯度用到了全部样本（全批量）。",
    "insp.theta": "$\\theta_{{{k}}}$ = {v}",
    "insp.grads": "实际使用的梯度 $g_{{{k}}}$ = {g}；全量数据的梯度 $\\nabla L(\\theta_{{{k}}})$ = {full}",
    "insp.note.sgd": "g 是这一步实际使用的梯度（小批量运行时是 b 个样本上的平均）；有权重衰减 λ 时，"
    "规则使用 g̃ = g + λθ；α 是这一步的学习率。",
    "insp.note.momentum": "v 是速度：每一步先乘以 μ，再加上新的梯度，所以过去的梯度会继续推动参数。"
    "它的初值就是第一个梯度本身（与 PyTorch 相同）。有权重衰减 λ 时，规则使用 g̃ = g + λθ。",
    "insp.note.adagrad": "s 累加所有梯度的平方，所以遇到过大梯度的坐标步长会变小；ε 防止除以 0；"
    "有学习率衰减 η 时，步长为 α/(1 + kη)。",
    "insp.note.rmsprop": "v 是梯度平方的滑动平均，衰减率为 ρ（即平滑系数）；d 逐坐标地除梯度；"
    "有动量 μ 时，b 累积除过之后的梯度。",
    "insp.note.adam": "m 是梯度的滑动平均（动量），v 是梯度平方的滑动平均；c₁ = 1 − β₁ᵗ、c₂ = 1 − β₂ᵗ"
    "（t = k + 1）修正它们在最初几步偏向 0 的倾向。AdamW 先把 θ 乘以 (1 − αλ)。",
    "insp.note.elementwise": "向量的平方、平方根和除法都是逐坐标进行的；数字保留 6 位有效数字。",
    "insp.check.ok": "上面的 $\\theta_{{{k1}}}$ 就是运行记录的第 {k1} 行，每一位都相同：这个等式正是运行所做的计算。",
    "insp.check.bad": "$\\theta_{{{k1}}}$ 与运行记录的第 {k1} 行最多相差 {d}。",
    "insp.no_plane": "在这个视图中无法画出箭头。",
    "insp.arrows.caption": "放大到第 k 步。灰色虚线：全量数据的梯度步 −α∇L(θ_k)。橙色：运行实际使用的小批量梯度步 "
    "−α·g_k。紫色：从之前各步延续下来的部分（动量）；绿色（与橙色不同时才画）：经规则缩放后本次梯度的贡献。"
    "两者相加就是黑色箭头——到 θ_k+1 的实际一步 Δ。"
    "等高线是经过 θ_k、在两个绘制坐标上的损失。",
    "insp.arrows.clipped": "箭头 {name} 超出了这个放大范围：它的长度是实际一步的 {ratio} 倍。",
    "insp.arrows.pca": "在轨迹平面上，箭头是完整向量的投影。",
    "insp.effective.other": "每个坐标在单位梯度上得到的步长：AdaGrad 为 α̃/(√s + ε)，RMSProp 为 α/d。"
    "普通梯度下降给每个坐标的都是 α（虚线）。",
    "insp.effective.adam": "Adam 在单位修正动量 m̂ = m/c₁ 上的步长：α/(√v̂ + ε)，其中 v̂ = v/c₂。"
    "普通梯度下降给每个坐标的都是 α（虚线）。",
    "insp.table": "所有坐标",
    "insp.col.param": "参数",
    "insp.col.grad": "这一步实际使用的梯度（小批量运行时基于 b 个样本）",
    "insp.col.full_grad": "基于全部数据的梯度",
    "insp.col.before": "{name}，更新前",
    "insp.col.after": "{name}，更新后",
    "insp.col.update": "更新量：θ_k+1 − θ_k",
    "insp.col.theta_next": "运行记录的第 k + 1 行",
    "insp.col.effective": "有效步长",
    "insp.state.momentum_buffer": "动量缓冲",
    "insp.state.sum": "s（g² 之和）",
    "insp.state.square_avg": "v（g² 的平均）",
    "insp.state.grad_avg": "ḡ（g 的平均）",
    "insp.state.exp_avg": "m（g 的平均）",
    "insp.state.exp_avg_sq": "v（g² 的平均）",
    "insp.state.max_exp_avg_sq": "v̂max（迄今最大的 v）",
    "insp.noise.title": "θ_k 处的梯度噪声",
    "insp.noise.b": "点云的批次大小 b",
    "insp.noise.b.help": "这次运行用的是 b = {b}。改变它，看看小批量梯度的噪声如何随批次大小变化。",
    "insp.noise.failed": "这里无法测量梯度噪声：{err}",
    "insp.noise.measured": "{S} 个随机小批量梯度（n = {n} 个样本中取 b = {b} 个）的实测离散程度："
    "RMS ‖g_b − ∇L‖ = **{s}**。抽样理论：σ·√((n − b)/(b(n − 1))) = **{e}**（约为 σ/√b），"
    "其中 σ = {sigma} 是单个样本梯度的离散程度。作为参照，‖∇L‖ = {full}。",
    "insp.noise.subset": "数据集很大，σ 是从随机抽取的一部分样本估计的。",
    "insp.noise.caption": "每个点是一个由 b 个不同样本组成的随机小批量从 θ_k 出发会走的一步 −α·g；"
    "虚线箭头是全量数据的一步。改变 b 时图的范围保持不变：点云大约按 1/√b 缩小，在 b = n 时消失。",
    "insp.noise.full_batch": "这次运行使用完整梯度，所以每一步都没有抽样噪声；选择一次小批量运行即可看到小批量梯度的点云。",
    "insp.fig.step_title": "第 {k} 步：一次更新的各个箭头",
    "insp.fig.full_step": "−α∇L(θ)（全量数据）",
    "insp.fig.batch_step": "−α·g（小批量）",
    "insp.fig.memory": "延续下来的部分（动量）",
    "insp.fig.fresh": "本次梯度的贡献",
    "insp.fig.update": "实际的一步 Δ",
    "insp.fig.path": "路径",
    "insp.fig.theta_k": "θ_k",
    "insp.fig.theta_next": "θ_k+1",
    "insp.fig.noise_title": "θ_k 处的小批量梯度步（b = {b}）",
    "insp.fig.cloud": "一个小批量的 −α·g",
    "insp.fig.spread_circle": "实测 RMS 离散程度",
    "insp.fig.eff_title": "每个坐标的有效步长",
    "insp.fig.effective": "有效步长",
    "insp.fig.plain_lr": "α（普通梯度下降）",
    "insp.fig.coordinate": "参数",
    "insp.fig.noise_x": "沿 {x} 的步长",
    "insp.fig.noise_y": "沿 {y} 的步长",
}
