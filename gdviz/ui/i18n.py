"""Every string the page shows, in English and Simplified Chinese.

``t(key, **fmt)`` looks the key up in the current language (``st.session_state["lang"]``). A key
missing in Chinese falls back to English and one missing everywhere shows the key itself, so a
visitor never sees a crash; ``tests/ui/test_i18n.py`` fails instead when either table lacks a key
that the code uses.
"""

from __future__ import annotations

LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "中文"}
_MISSING = object()

EN: dict[str, str] = {
    "app.title": "gdviz — see gradient descent work",
    "app.tagline": "Pick a loss, an update rule, a learning rate and a batch size, then press Play.",
    "language": "Language",
    "page.visualizer": "Visualizer",
    "lead": "Each step moves the parameters against the gradient: {rule}. "
    "The contour is the loss surface; each coloured path is one run, the right panel its loss.",
    # problems
    "problem": "Problem (loss function)",
    "problem.help": "What is being minimised. The article's linear regression comes first.",
    "problem.invalid": "These problem options were refused, so the defaults are shown: {err}",
    "problem_options": "Problem options",
    "problem.linear_regression": "Linear regression (the article's example)",
    "problem.linear_regression.about": "h(x) = w1·x1 + w2·x2 + b on the article's four points, "
    "L = 1/(2m) Σ (h(x) − y)². The two features move together (x2 = x1 + 1), so the minima form a "
    "line: a valley with a flat floor.",
    "problem.logistic_regression": "Logistic regression",
    "problem.logistic_regression.about": "Two classes in the plane, cross-entropy loss; with separable "
    "data and no L2 penalty there is no minimum at all — the weights grow for ever.",
    "problem.quadratic": "Quadratic bowl",
    "problem.quadratic.about": "½ θᵀAθ with eigenvalues 1 and κ: the condition number κ sets how "
    "narrow the ravine is, the angle turns it away from the axes.",
    "problem.rosenbrock": "Rosenbrock's banana",
    "problem.rosenbrock.about": "(1 − x)² + 100 (y − x²)²: a curved, flat-bottomed valley; the minimum "
    "is at (1, 1).",
    "problem.beale": "Beale",
    "problem.beale.about": "Sharp ridges and flat plateaus; the minimum is at (3, 0.5).",
    "problem.himmelblau": "Himmelblau",
    "problem.himmelblau.about": "Four equally good minima: where a run ends depends on where it starts.",
    "problem.saddle": "Saddle",
    "problem.saddle.about": "x² + y⁴/4 − y²/2: a saddle point at the origin between two minima at "
    "(0, ±1). Gradient descent slows down near the saddle before it escapes.",
    "problem.rastrigin": "Rastrigin",
    "problem.rastrigin.about": "A bowl covered in bumps: many local minima around the global one at "
    "the origin.",
    "problem.booth": "Booth",
    "problem.booth.about": "A tilted quadratic bowl; the minimum is at (1, 3).",
    "problem.six_hump_camel": "Six-hump camel",
    "problem.six_hump_camel.about": "Six local minima, two of them global.",
    "problem.ackley": "Ackley",
    "problem.ackley.about": "Nearly flat far out, a deep narrow funnel at the origin, ripples everywhere.",
    "problem.mlp": "Tiny neural network",
    "problem.mlp.about": "A small multilayer perceptron on 2-D data; the surface is a slice through "
    "two of its weights.",
    "problem.formula": "Your own formula",
    "problem.formula.about": "f(x, y) typed by you.",
    "problem.csv": "Your own data (CSV)",
    "problem.csv.about": "Upload a CSV file, pick a target and one or two features: linear regression "
    "for a numeric target, logistic regression for a two-class one.",
    "waiting_for_problem": "Choose or upload something to minimise in the sidebar.",
    "formula.input": "f(x, y) =",
    "formula.help": "Numbers, x, y, + − * / ** (or ^), parentheses, pi, e and the functions sin cos tan "
    "exp log sqrt abs tanh sinh cosh arctan. At most 300 characters. Nothing you type is ever run as "
    "code: it is parsed and differentiated exactly.",
    "formula.rejected": "Formula not accepted.",
    "formula.own_window": "Set the view window by hand",
    "formula.bad_window": "The window needs xmin < xmax and ymin < ymax; the automatic one is used.",
    "formula.no_auto_window": "No automatic window fits this formula: {err}",
    "formula.set_window_hint": "Turn on “Set the view window by hand” and choose a window where f is defined; "
    "until then the default formula is shown.",
    "formula.hand_window": "Choose a window where f is defined below.",
    "formula.window_refused": "This window cannot be used, so the default formula is shown: {err}",
    "formula.err.not_text": "Only text is accepted.",
    "formula.err.empty": "The formula is empty.",
    "formula.err.too_long": "The formula is too long.",
    "formula.err.null_byte": "The formula contains a null byte.",
    "formula.err.non_ascii": "Only plain ASCII characters are allowed.",
    "formula.err.bad_character": "A character is not allowed.",
    "formula.err.unknown_name": "Unknown name.",
    "formula.err.missing_operator": "An operator is missing.",
    "formula.err.missing_operand": "An operand is missing.",
    "formula.err.bare_function": "A function needs parentheses.",
    "formula.err.unbalanced": "Parentheses do not match.",
    "formula.err.attribute": "Attribute access is not allowed.",
    "formula.err.syntax": "This is not a formula.",
    "formula.err.incomplete": "The formula is incomplete.",
    "formula.err.too_deep": "Too deeply nested.",
    "formula.err.too_many_nodes": "Too many terms.",
    "formula.err.not_allowed": "This is not allowed in a formula.",
    "formula.err.not_callable": "Only the listed functions can be called.",
    "formula.err.bad_call": "A function is called the wrong way.",
    "formula.err.exponent_too_large": "An exponent is too large.",
    "formula.err.number_too_large": "A number is too large.",
    "formula.err.not_finite": "A constant part is not a finite number.",
    "formula.err.nowhere_finite": "The formula is not finite anywhere in the window.",
    "csv.upload": "CSV file",
    "csv.help": "Comma, semicolon, tab or | separated, with a header row; at most 5 MB and 100 000 rows. "
    "The file is only read as numbers, never run.",
    "csv.none": "Upload a CSV file to begin.",
    "csv.gone": "The uploaded file is no longer in memory: please upload it again.",
    "csv.too_large": "The file is larger than {mb} MB.",
    "csv.rejected": "File not accepted.",
    "csv.read": "{rows} rows, {cols} columns ({enc}).",
    "csv.task": "Task",
    "csv.classes": "Class 0 = {c0}, class 1 = {c1}.",
    "csv.task.regression": "Regression",
    "csv.task.classification": "Classification",
    "csv.target": "Target column",
    "csv.features": "Feature columns (1 or 2)",
    "csv.features.help": "With one feature the parameters are (w, b); with two, (w1, w2, b).",
    "csv.cannot_serve": "This file cannot be used: fitting needs a target column and at least one other "
    "column as a feature.",
    "csv.only_feature": "Only column {name} can be a feature or a regression target.",
    "csv.no_feature": "No column can be a feature.",
    "csv.not_offered": "Not offered: {why}",
    "csv.task_unavailable": "{task} is not possible with the columns of this file.",
    "csv.standardize": "Standardize the features",
    "csv.standardize.help": "Subtract the mean and divide by the standard deviation. Features on very "
    "different scales make a long, thin valley that gradient descent crosses slowly: compare both.",
    # problem options
    "ctl.data": "Data",
    "opt.data.article": "The article's 4 points",
    "opt.data.synthetic": "Synthetic",
    "ctl.loss": "Loss",
    "opt.loss.half_mse": "1/(2m) Σ (h − y)²  (the article's formula)",
    "opt.loss.mse": "mean squared error (the article's code)",
    "ctl.n": "Samples n",
    "ctl.n.help": "Size of the data set. Full-batch GD touches all n samples every step.",
    "ctl.n_features": "Features",
    "ctl.noise": "Noise",
    "ctl.correlation": "Feature correlation",
    "ctl.correlation.help": "Correlated features stretch the valley: the problem gets badly conditioned.",
    "ctl.scale": "Feature scale",
    "ctl.scale.help": "Scaling one feature up makes one direction much steeper than the other.",
    "ctl.seed": "Data seed",
    "ctl.separation": "Class separation",
    "ctl.l2": "L2 penalty",
    "ctl.l2.help": "Adds ½·λ‖w‖²; gives separable data a finite minimum.",
    "ctl.condition": "Condition number κ",
    "ctl.condition.help": "Ratio of the largest to the smallest curvature.",
    "ctl.angle": "Angle (degrees)",
    "ctl.dataset": "Data set",
    "opt.dataset.moons": "Two moons",
    "opt.dataset.circles": "Circles",
    "opt.dataset.spirals": "Spirals",
    "opt.dataset.xor": "XOR",
    "opt.dataset.blobs": "Blobs",
    "opt.dataset.wave": "Wave (regression)",
    "ctl.activation": "Activation",
    "opt.activation.tanh": "tanh",
    "opt.activation.relu": "ReLU",
    "opt.activation.sigmoid": "sigmoid",
    "ctl.width": "Units per hidden layer",
    "ctl.depth": "Hidden layers",
    # steps, stop, start
    "steps": "Steps",
    "steps.help": "How many updates each run makes (at most).",
    "stop_on": "Stop when the loss is low enough",
    "stop_on.help": "The article's step 4: repeat until the loss falls below a threshold.",
    "stop_loss": "Loss threshold",
    "start": "Start point",
    "start.click": "Tip: click anywhere on the contour map to start there.",
    "start.reset": "Back to the default start",
    "start.many": "{n} parameters start from the problem's own initialisation.",
    # runs
    "runs": "Runs",
    "run": "Run",
    "rule": "Update rule",
    "rule.gd": "Gradient descent",
    "rule.momentum": "Momentum",
    "rule.nesterov": "Nesterov",
    "rule.adagrad": "AdaGrad",
    "rule.rmsprop": "RMSProp",
    "rule.adam": "Adam",
    "rule.adamw": "AdamW",
    "lr": "Learning rate α (log scale)",
    "lr.help": "The step size α in θ ← θ − α∇L. Too small: slow. Too large: it overshoots and can diverge.",
    "ctl.momentum": "Momentum μ",
    "ctl.momentum.help": "How much of the previous step is kept: v ← μv + g.",
    "ctl.dampening": "Dampening",
    "ctl.weight_decay": "Weight decay λ",
    "ctl.weight_decay.help": "Pulls the parameters towards 0 (L2; decoupled in AdamW).",
    "ctl.lr_decay": "lr decay",
    "ctl.initial_accumulator_value": "Initial accumulator",
    "ctl.eps": "ε",
    "ctl.eps.help": "Added to the denominator so it is never 0.",
    "ctl.alpha": "Smoothing α",
    "ctl.alpha.help": "Decay of the running average of squared gradients.",
    "ctl.centered": "Centered",
    "ctl.beta1": "β1",
    "ctl.beta1.help": "Decay of the running average of gradients (momentum).",
    "ctl.beta2": "β2",
    "ctl.beta2.help": "Decay of the running average of squared gradients.",
    "ctl.amsgrad": "AMSGrad",
    "variant": "Gradient descent variant",
    "variant.full": "Full batch",
    "variant.mini": "Mini-batch",
    "variant.stochastic": "Stochastic",
    "variant.full.short": "batch",
    "variant.mini.short": "mini-batch",
    "variant.stochastic.short": "stochastic",
    "variant.help": "How many samples each step's gradient uses: all n (batch GD), a mini-batch of b, "
    "or one (stochastic GD). Independent of the update rule.",
    "variant.nodata": "This problem is a plain function with no data, so every step uses the exact gradient.",
    "batch_size": "Batch size b",
    "batch_size.help": "Samples per step, 1 … {n}. Samples are reshuffled every epoch.",
    "schedule": "Learning-rate schedule",
    "schedule.help": "How α changes with the step t.",
    "schedule.constant": "Constant",
    "schedule.step": "Step decay",
    "schedule.exponential": "Exponential decay",
    "schedule.cosine": "Cosine (with warm-up)",
    "schedule.inverse_time": "1/t decay",
    "ctl.step_size": "Every … steps",
    "ctl.gamma": "Factor γ",
    "ctl.warmup": "Warm-up steps",
    "ctl.min_factor": "Final α as a fraction",
    "ctl.decay": "Decay k (α/(1 + k·t))",
    "seed": "Sampling seed",
    "seed.help": "Same seed → the same mini-batches → the same run.",
    "duplicate": "Duplicate",
    "remove": "Remove",
    "add_run": "Add a run",
    "number.clamped": "{label}: {typed} is outside {lo} … {hi}, so {used} is used.",
    "number.empty": "{label} was left empty, so {used} is used.",
    "number.zero": "{label}: 0 (or a field left empty or unreadable) is outside {lo} … {hi}, so {used} "
    "is used.",
    "projector": "Projector mode",
    "projector.help": "For a class: the chart as tall as the window, large type, thick paths, the "
    "lesson beside it, only Play/Pause and the step slider. The link keeps it (projector=1).",
    "projector.fullscreen": "Fullscreen",
    "projector.keys": "Keys: Space plays or pauses, ← → step. Esc leaves fullscreen. Projector mode "
    "is switched off in the sidebar (» at the top left).",
    "projector.messages": "Messages about the runs ({n})",
    "run.error": "{label}: {err}",
    "link.repaired": "Some values in this link were not used as written (out of range, not valid, too long "
    "or unknown here) and were replaced or left out: {what}",
    # view
    "frames": "Frames",
    "frames.help": "Animation frames; long runs are shown every few steps.",
    "speed": "Speed",
    "log_loss": "Log-scale loss",
    "x_axis": "Loss against",
    "x_axis.step": "steps",
    "x_axis.epoch": "epochs",
    "plane": "Surface",
    "axis_x": "x-axis",
    "axis_y": "y-axis",
    "plane.slice": "slice",
    "plane.pca": "trajectory plane",
    "view.slice": "The surface is a 2-D slice: the two plotted parameters vary, the others are held "
    "at run 1's final point ({held}). Paths are projected onto it.",
    "view.slice.many": "all other parameters",
    "view.pca": "The surface is the plane through run 1's trajectory spanned by its two principal "
    "directions (they explain {e1}% and {e2}% of its movement). Paths are projected onto it.",
    "panel": "View",
    "tab.contour": "Contour and loss",
    "tab.surface3d": "3-D surface",
    "surface3d.pca": "The 3-D view is drawn for slices; switch the surface to 'slice'.",
    "nothing_to_show": "No run could be computed; see the messages above.",
    # messages
    "diverged": "{label} diverged at step {step}: with α = {lr} each step overshoots the valley by "
    "more than it gains, and the loss grows without bound.",
    "diverged.limit": "At its last finite point the steepest curvature allows plain gradient descent a "
    "step of at most 2/λ_max ≈ {limit}.",
    "stopped": "{label} reached the loss threshold after {step} steps.",
    # summary
    "summary": "Summary",
    "col.run": "Run",
    "col.final_loss": "Final loss",
    "col.distance": "Distance to minimum",
    "col.steps": "Steps done",
    "col.threshold": "Steps to threshold",
    "col.diverged": "Diverged at step",
    "col.samples": "Samples seen",
    "col.time_ms": "Time (ms)",
    "explain.title": "What am I looking at?",
    "explain.body": (
        "**The loss function** L(θ) measures how far the model's predictions are from the data. "
        "Training means finding the parameters θ where it is smallest.\n\n"
        "**Gradient descent** repeats one step: compute the gradient ∇L(θ), the direction in which "
        "the loss rises fastest, and move a little the other way: θ ← θ − α∇L(θ). "
        "The learning rate α is the size of that step.\n\n"
        "**Batch, mini-batch, stochastic.** With a large data set, the exact gradient needs every "
        "sample. Mini-batch gradient descent estimates it from b samples, and stochastic gradient "
        "descent from one. Each step is cheaper but noisier: watch the paths wobble and the "
        "mini-batch loss (faint line) jump around the full loss.\n\n"
        "**Update rules.** Momentum and Nesterov remember past steps; AdaGrad, RMSProp and Adam scale "
        "each coordinate by its own gradient history.\n\n"
        "Every number here is computed, not drawn: the same seed gives the same run."
    ),
    # figure labels
    "fig.surface_title": "Loss surface and paths",
    "fig.loss_title": "Loss",
    "fig.loss": "loss",
    "fig.batch_loss": "mini-batch loss",
    "fig.minimum": "minimum",
    "fig.minimum_off": "minimum, off this view (its projection)",
    "fig.start": "start",
    "fig.end": "end",
    "fig.play": "▶ Play",
    "fig.pause": "❚❚ Pause",
    "fig.step_word": "step",
    "fig.click_to_start": "click: start here",
    "fig.loss_linear": "linear axis: some losses are ≤ 0",
    "fig.batch_gaps": "mini-batch losses ≤ 0 not drawn",
    "fig.surface3d_z": "log₁₀(loss − min + ε)",
}

ZH: dict[str, str] = {
    "app.title": "gdviz —— 看见梯度下降",
    "app.tagline": "选择损失函数、更新规则、学习率和批次大小，然后点击播放。",
    "language": "语言",
    "page.visualizer": "可视化",
    "lead": "每一步都沿梯度的反方向更新参数：{rule}。等高线图是损失曲面，每条彩色路径是一次运行，右侧是它的损失。",
    "problem": "问题（损失函数）",
    "problem.help": "要最小化的目标。第一个是文章中的线性回归例子。",
    "problem.invalid": "这些问题选项无效，已改用默认值：{err}",
    "problem_options": "问题选项",
    "problem.linear_regression": "线性回归（文章中的例子）",
    "problem.linear_regression.about": "在文章的四个数据点上拟合 h(x) = w1·x1 + w2·x2 + b，"
    "L = 1/(2m) Σ (h(x) − y)²。两个特征同步变化（x2 = x1 + 1），所以最小值构成一条直线：谷底是平的。",
    "problem.logistic_regression": "逻辑回归",
    "problem.logistic_regression.about": "平面上的两类数据，交叉熵损失；如果数据线性可分且没有 L2 惩罚，"
    "就根本不存在最小值——权重会一直增大。",
    "problem.quadratic": "二次碗",
    "problem.quadratic.about": "½ θᵀAθ，特征值为 1 和 κ：条件数 κ 决定峡谷有多窄，角度让它偏离坐标轴。",
    "problem.rosenbrock": "Rosenbrock 香蕉函数",
    "problem.rosenbrock.about": "(1 − x)² + 100 (y − x²)²：一条弯曲、底部平坦的山谷；最小值在 (1, 1)。",
    "problem.beale": "Beale 函数",
    "problem.beale.about": "陡峭的山脊和平坦的高原；最小值在 (3, 0.5)。",
    "problem.himmelblau": "Himmelblau 函数",
    "problem.himmelblau.about": "四个同样好的最小值：运行停在哪里取决于从哪里出发。",
    "problem.saddle": "鞍点",
    "problem.saddle.about": "x² + y⁴/4 − y²/2：原点是鞍点，两侧 (0, ±1) 是最小值。梯度下降在鞍点附近会变慢，然后才逃离。",
    "problem.rastrigin": "Rastrigin 函数",
    "problem.rastrigin.about": "布满小坑的碗：全局最小值（原点）周围有许多局部最小值。",
    "problem.booth": "Booth 函数",
    "problem.booth.about": "倾斜的二次碗；最小值在 (1, 3)。",
    "problem.six_hump_camel": "六峰驼背函数",
    "problem.six_hump_camel.about": "六个局部最小值，其中两个是全局最小值。",
    "problem.ackley": "Ackley 函数",
    "problem.ackley.about": "远处几乎平坦，原点处有一个又深又窄的漏斗，到处都有波纹。",
    "problem.mlp": "小型神经网络",
    "problem.mlp.about": "在二维数据上训练的小型多层感知机；曲面是穿过其中两个权重的切片。",
    "problem.formula": "自定义公式",
    "problem.formula.about": "你输入的 f(x, y)。",
    "problem.csv": "自己的数据（CSV）",
    "problem.csv.about": "上传一个 CSV 文件，选择目标列和一到两个特征列：数值目标用线性回归，两类目标用逻辑回归。",
    "waiting_for_problem": "请在侧边栏中选择或上传要最小化的对象。",
    "formula.input": "f(x, y) =",
    "formula.help": "可以使用数字、x、y、+ − * / **（或 ^）、括号、pi、e，以及函数 sin cos tan exp log sqrt abs "
    "tanh sinh cosh arctan。最多 300 个字符。你输入的内容永远不会被当作代码执行：它只会被解析并精确求导。",
    "formula.rejected": "公式未被接受。",
    "formula.own_window": "手动设置视图范围",
    "formula.bad_window": "视图范围需要 xmin < xmax 且 ymin < ymax；已改用自动范围。",
    "formula.no_auto_window": "没有适合这个公式的自动视图范围：{err}",
    "formula.set_window_hint": "请打开“手动设置视图范围”，并选择一个 f 有定义的范围；在此之前显示默认公式。",
    "formula.hand_window": "请在下面选择一个 f 有定义的范围。",
    "formula.window_refused": "这个视图范围无法使用，因此显示默认公式：{err}",
    "formula.err.not_text": "只接受文本。",
    "formula.err.empty": "公式是空的。",
    "formula.err.too_long": "公式太长。",
    "formula.err.null_byte": "公式中含有空字节。",
    "formula.err.non_ascii": "只允许普通 ASCII 字符。",
    "formula.err.bad_character": "有一个字符不被允许。",
    "formula.err.unknown_name": "未知的名字。",
    "formula.err.missing_operator": "缺少运算符。",
    "formula.err.missing_operand": "缺少运算对象。",
    "formula.err.bare_function": "函数后面需要括号。",
    "formula.err.unbalanced": "括号不匹配。",
    "formula.err.attribute": "不允许访问属性。",
    "formula.err.syntax": "这不是一个公式。",
    "formula.err.incomplete": "公式不完整。",
    "formula.err.too_deep": "嵌套太深。",
    "formula.err.too_many_nodes": "项太多。",
    "formula.err.not_allowed": "公式中不允许出现这个内容。",
    "formula.err.not_callable": "只能调用列出的函数。",
    "formula.err.bad_call": "函数的调用方式不对。",
    "formula.err.exponent_too_large": "指数太大。",
    "formula.err.number_too_large": "数字太大。",
    "formula.err.not_finite": "常数部分不是有限数。",
    "formula.err.nowhere_finite": "公式在视图范围内处处都不是有限值。",
    "csv.upload": "CSV 文件",
    "csv.help": "用逗号、分号、制表符或 | 分隔，带表头；最大 5 MB、100 000 行。文件只会被当作数字读取，绝不会被执行。",
    "csv.none": "请上传一个 CSV 文件。",
    "csv.gone": "上传的文件已不在内存中：请重新上传。",
    "csv.too_large": "文件大于 {mb} MB。",
    "csv.rejected": "文件未被接受。",
    "csv.read": "{rows} 行，{cols} 列（{enc}）。",
    "csv.task": "任务",
    "csv.classes": "类别 0 = {c0}，类别 1 = {c1}。",
    "csv.task.regression": "回归",
    "csv.task.classification": "分类",
    "csv.target": "目标列",
    "csv.features": "特征列（1 或 2 个）",
    "csv.features.help": "一个特征时参数为 (w, b)；两个特征时为 (w1, w2, b)。",
    "csv.cannot_serve": "这个文件无法使用：拟合需要一个目标列，以及至少另一列作为特征。",
    "csv.only_feature": "只有列 {name} 可以用作特征或回归目标。",
    "csv.no_feature": "没有可以用作特征的列。",
    "csv.not_offered": "未提供：{why}",
    "csv.task_unavailable": "这个文件的列无法用于{task}。",
    "csv.standardize": "标准化特征",
    "csv.standardize.help": "减去均值并除以标准差。尺度相差很大的特征会形成一条又长又窄的山谷，梯度下降要走很久才能穿过：两种都试一试。",
    "ctl.data": "数据",
    "opt.data.article": "文章中的 4 个数据点",
    "opt.data.synthetic": "合成数据",
    "ctl.loss": "损失",
    "opt.loss.half_mse": "1/(2m) Σ (h − y)²（文章中的公式）",
    "opt.loss.mse": "均方误差（文章中的代码）",
    "ctl.n": "样本数 n",
    "ctl.n.help": "数据集的大小。全批量梯度下降每一步都要用到全部 n 个样本。",
    "ctl.n_features": "特征数",
    "ctl.noise": "噪声",
    "ctl.correlation": "特征相关性",
    "ctl.correlation.help": "相关的特征会把山谷拉长：问题变得病态。",
    "ctl.scale": "特征尺度",
    "ctl.scale.help": "放大一个特征会让一个方向比另一个方向陡得多。",
    "ctl.seed": "数据随机种子",
    "ctl.separation": "类别间距",
    "ctl.l2": "L2 惩罚",
    "ctl.l2.help": "加上 ½·λ‖w‖²；让线性可分的数据也有有限的最小值。",
    "ctl.condition": "条件数 κ",
    "ctl.condition.help": "最大曲率与最小曲率之比。",
    "ctl.angle": "角度（度）",
    "ctl.dataset": "数据集",
    "opt.dataset.moons": "双月",
    "opt.dataset.circles": "同心圆",
    "opt.dataset.spirals": "螺旋",
    "opt.dataset.xor": "异或",
    "opt.dataset.blobs": "高斯团",
    "opt.dataset.wave": "波形（回归）",
    "ctl.activation": "激活函数",
    "opt.activation.tanh": "tanh",
    "opt.activation.relu": "ReLU",
    "opt.activation.sigmoid": "sigmoid",
    "ctl.width": "每个隐藏层的节点数",
    "ctl.depth": "隐藏层数",
    "steps": "步数",
    "steps.help": "每次运行最多更新多少次。",
    "stop_on": "损失足够小时停止",
    "stop_on.help": "文章中的第 4 步：重复，直到损失函数达到一个满足要求的阈值。",
    "stop_loss": "损失阈值",
    "start": "起点",
    "start.click": "提示：点击等高线图上的任意位置，即可从那里出发。",
    "start.reset": "恢复默认起点",
    "start.many": "{n} 个参数从问题自带的初始化出发。",
    "runs": "运行",
    "run": "运行",
    "rule": "更新规则",
    "rule.gd": "梯度下降",
    "rule.momentum": "动量",
    "rule.nesterov": "Nesterov 动量",
    "rule.adagrad": "AdaGrad",
    "rule.rmsprop": "RMSProp",
    "rule.adam": "Adam",
    "rule.adamw": "AdamW",
    "lr": "学习率 α（对数刻度）",
    "lr.help": "θ ← θ − α∇L 中的步长 α。太小：慢；太大：越过谷底，甚至发散。",
    "ctl.momentum": "动量 μ",
    "ctl.momentum.help": "保留多少上一步的速度：v ← μv + g。",
    "ctl.dampening": "阻尼",
    "ctl.weight_decay": "权重衰减 λ",
    "ctl.weight_decay.help": "把参数拉向 0（L2；AdamW 中为解耦形式）。",
    "ctl.lr_decay": "学习率衰减",
    "ctl.initial_accumulator_value": "累加器初值",
    "ctl.eps": "ε",
    "ctl.eps.help": "加在分母上，防止除以 0。",
    "ctl.alpha": "平滑系数 α",
    "ctl.alpha.help": "梯度平方滑动平均的衰减率。",
    "ctl.centered": "中心化",
    "ctl.beta1": "β1",
    "ctl.beta1.help": "梯度滑动平均（动量）的衰减率。",
    "ctl.beta2": "β2",
    "ctl.beta2.help": "梯度平方滑动平均的衰减率。",
    "ctl.amsgrad": "AMSGrad",
    "variant": "梯度下降的变体",
    "variant.full": "全批量",
    "variant.mini": "小批量",
    "variant.stochastic": "随机",
    "variant.full.short": "全批量",
    "variant.mini.short": "小批量",
    "variant.stochastic.short": "随机",
    "variant.help": "每一步的梯度用多少个样本：全部 n 个（批量梯度下降）、b 个一批（小批量梯度下降），"
    "或只用 1 个（随机梯度下降）。与更新规则无关。",
    "variant.nodata": "这个问题是一个普通函数，没有数据，所以每一步都用精确梯度。",
    "batch_size": "批次大小 b",
    "batch_size.help": "每一步用的样本数，1 … {n}。每个轮次（epoch）都会重新打乱样本。",
    "schedule": "学习率调度",
    "schedule.help": "α 如何随步数 t 变化。",
    "schedule.constant": "恒定",
    "schedule.step": "阶梯衰减",
    "schedule.exponential": "指数衰减",
    "schedule.cosine": "余弦（含预热）",
    "schedule.inverse_time": "1/t 衰减",
    "ctl.step_size": "每隔多少步",
    "ctl.gamma": "衰减因子 γ",
    "ctl.warmup": "预热步数",
    "ctl.min_factor": "最终 α 所占比例",
    "ctl.decay": "衰减系数 k（α/(1 + k·t)）",
    "seed": "采样随机种子",
    "seed.help": "种子相同 → 小批量相同 → 运行结果相同。",
    "duplicate": "复制",
    "remove": "删除",
    "add_run": "添加一次运行",
    "number.clamped": "{label}：{typed} 超出 {lo} … {hi} 的范围，因此使用 {used}。",
    "number.empty": "{label} 没有填写，因此使用 {used}。",
    "number.zero": "{label}：0（或空白、无法识别的输入）超出 {lo} … {hi} 的范围，因此使用 {used}。",
    "projector": "投影模式",
    "projector.help": "给课堂用：图表占满窗口高度，大字号，粗路径，课程文字在旁边，只保留播放/暂停和步数滑块。"
    "链接会保留此模式（projector=1）。",
    "projector.fullscreen": "全屏",
    "projector.keys": "按键：空格播放或暂停，← → 逐步。Esc 退出全屏。在侧边栏（左上角 »）关闭投影模式。",
    "projector.messages": "关于这些运行的消息（{n}）",
    "run.error": "{label}：{err}",
    "link.repaired": "链接中有些值没有按原样使用（超出范围、无效、过长或在此未知），已被替换或忽略：{what}",
    "frames": "帧数",
    "frames.help": "动画的帧数；步数较多时每隔几步显示一次。",
    "speed": "速度",
    "log_loss": "损失取对数刻度",
    "x_axis": "损失的横轴",
    "x_axis.step": "步数",
    "x_axis.epoch": "轮次",
    "plane": "曲面",
    "axis_x": "横轴",
    "axis_y": "纵轴",
    "plane.slice": "切片",
    "plane.pca": "轨迹平面",
    "view.slice": "曲面是一个二维切片：两个绘制的参数变化，其余参数固定在运行 1 的终点（{held}）。路径是投影到切片上的。",
    "view.slice.many": "其余所有参数",
    "view.pca": "曲面是经过运行 1 轨迹的平面，由轨迹的两个主方向张成（分别解释其运动的 {e1}% 和 {e2}%）。路径是投影到该平面上的。",
    "panel": "视图",
    "tab.contour": "等高线与损失",
    "tab.surface3d": "三维曲面",
    "surface3d.pca": "三维视图只用于切片；请把曲面切换为“切片”。",
    "nothing_to_show": "没有可以计算的运行；请看上面的提示。",
    "diverged": "{label} 在第 {step} 步发散：α = {lr} 时每一步都越过谷底，越走越远，损失无限增大。",
    "diverged.limit": "在它最后一个有限的点上，最陡的曲率只允许普通梯度下降使用不超过 2/λ_max ≈ {limit} 的步长。",
    "stopped": "{label} 在 {step} 步后达到了损失阈值。",
    "summary": "汇总",
    "col.run": "运行",
    "col.final_loss": "最终损失",
    "col.distance": "到最小值的距离",
    "col.steps": "已完成步数",
    "col.threshold": "达到阈值的步数",
    "col.diverged": "发散于第几步",
    "col.samples": "已用样本数",
    "col.time_ms": "用时（毫秒）",
    "explain.title": "我在看什么？",
    "explain.body": (
        "**损失函数** L(θ) 衡量模型预测与实际数据之间的差异。训练就是寻找使它最小的参数 θ。\n\n"
        "**梯度下降** 不断重复一步：计算梯度 ∇L(θ)——损失上升最快的方向——然后朝相反方向走一小步："
        "θ ← θ − α∇L(θ)。学习率 α 就是这一步的大小。\n\n"
        "**批量、小批量、随机。** 数据集很大时，精确的梯度需要用到每一个样本。小批量梯度下降用 b 个样本来估计梯度，"
        "随机梯度下降只用 1 个。每一步更便宜，但噪声更大：注意路径的抖动，以及小批量损失（浅色线）围绕全量损失的跳动。\n\n"
        "**更新规则。** 动量和 Nesterov 会记住过去的步伐；AdaGrad、RMSProp 和 Adam 按每个坐标自己的梯度历史调整步长。\n\n"
        "这里的每一个数字都是计算出来的，而不是画出来的：相同的随机种子给出相同的运行。"
    ),
    "fig.surface_title": "损失曲面与路径",
    "fig.loss_title": "损失",
    "fig.loss": "损失",
    "fig.batch_loss": "小批量损失",
    "fig.minimum": "最小值",
    "fig.minimum_off": "最小值（不在此视图上，为其投影）",
    "fig.start": "起点",
    "fig.end": "终点",
    "fig.play": "▶ 播放",
    "fig.pause": "❚❚ 暂停",
    "fig.step_word": "步",
    "fig.click_to_start": "点击：从这里出发",
    "fig.loss_linear": "线性坐标：有些损失 ≤ 0",
    "fig.batch_gaps": "≤ 0 的小批量损失未画出",
    "fig.surface3d_z": "log₁₀(损失 − 最小值 + ε)",
}


# The pages' own tables (dicts ``EN`` and ``ZH`` with the same keys), kept beside their pages.
PAGE_TABLES = (
    "gdviz.ui.race.strings_lessons",
    "gdviz.ui.race.strings_inspector",
    "gdviz.ui.race.strings_export",
    "gdviz.ui.race.strings_scrub",
    "gdviz.ui.race.strings_repairs",
    "gdviz.ui.network.strings",
    "gdviz.ui.sweeps.strings",
    "gdviz.ui.scale.strings",
    "gdviz.ui.strings_work",
)


def _merge_page_tables():
    """Merge the pages' tables into EN and ZH; a key defined twice is an error."""
    import importlib

    for name in PAGE_TABLES:
        mod = importlib.import_module(name)
        for table, extra in ((EN, mod.EN), (ZH, mod.ZH)):
            clash = set(table) & set(extra)
            if clash:
                raise KeyError(f"{name} redefines {sorted(clash)[:5]}")
            table.update(extra)


_merge_page_tables()
TABLES = {"en": EN, "zh": ZH}


def lang() -> str:
    # Streamlit is imported here, not at the top: the tables and ``text`` serve the exports and the
    # command line too (gdviz.export, gdviz.cli), which must not import streamlit.
    import streamlit as st

    v = st.session_state.get("lang", "en")
    return v if v in LANGS else "en"


def t(key: str, default=_MISSING, **fmt) -> str:
    return text(lang(), key, default, **fmt)


def text(language: str, key: str, default=_MISSING, /, **fmt) -> str:
    """``t`` in a given language (English when ``language`` is not one of LANGS)."""
    table = TABLES.get(language, EN)
    found = table.get(key)
    if found is None:
        found = EN.get(key)
    if found is None:
        found = key if default is _MISSING else default
        if found is None:
            return None
    if fmt and isinstance(found, str):
        try:
            return found.format(**fmt)
        except (KeyError, IndexError, ValueError):
            return found
    return found


def figure_labels(language: str | None = None) -> dict[str, str]:
    """The figures' texts ("fig.*") in ``language`` (the session's when None)."""
    language = language or lang()
    prefix = "fig."
    return {k[len(prefix) :]: text(language, k) for k in EN if k.startswith(prefix)}
