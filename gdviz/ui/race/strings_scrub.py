"""Texts of the race page's learning-rate scrub (gdviz/ui/race/scrub.py), English and Chinese."""

EN = {
    "tab.scrub": "Drag the learning rate",
    "fig.lr_word": "learning rate",
    "fig.diverged": "diverged at step",
    "scrub.run": "Run",
    "scrub.help": "The same run at {n} learning rates from α/10 to 10α, all computed at once and sent with "
    "the chart: drag the slider under it and the path and its loss curve change in your browser, with no "
    "wait. Watch the steps go from crawling to zigzagging to diverging. The sidebar keeps α = {lr}.",
    "scrub.two_params": "The learning-rate scrub draws paths on the loss surface itself, so it needs a "
    "problem with two parameters; this one has {p}.",
    "scrub.schedule": "The scrub varies a constant learning rate; this run follows a schedule. Pick a run "
    "with a constant learning rate.",
}

ZH = {
    "tab.scrub": "拖动学习率",
    "fig.lr_word": "学习率",
    "fig.diverged": "发散于第",
    "scrub.run": "运行",
    "scrub.help": "同一次运行在从 α/10 到 10α 的 {n} 个学习率下的结果，一次算完并随图表一起发送："
    "拖动图下方的滑块，路径和损失曲线会直接在浏览器里切换，无需等待。可以看到步子从缓慢爬行、"
    "到来回震荡、再到发散。侧边栏中的学习率仍为 α = {lr}。",
    "scrub.two_params": "学习率拖动直接在损失曲面上画出路径，因此需要只有两个参数的问题；当前问题有 {p} 个参数。",
    "scrub.schedule": "拖动改变的是固定的学习率，而这次运行使用了学习率调度。请选择一个学习率固定的运行。",
}
