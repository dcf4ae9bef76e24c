"""Texts of the race page's learning-rate scrub (gdviz/ui/race/scrub.py), English and Chinese."""

EN = {
    "tab.scrub": "Drag the learning rate",
    "fig.lr_word": "learning rate",
    "fig.diverged": "diverged at step",
    "scrub.run": "Run",
    "scrub.help": "The same run at {n} learning rates from α/10 to 10α, all computed at once and sent with "
    "the chart: drag the slider under it and the path and its loss curve change in your browser, with no "
    "wait. Watch the steps go from crawling to zigzagging to diverging. Let go, and the sidebar's α "
    "follows (now α = {lr}).",
    "scrub.help2": "The same run at {n} learning rates from α/10 to 10α and at {m} values of {sym}, all "
    "{total} runs computed at once and sent with the chart: drag either slider under it and the path and "
    "its loss curve change in your browser, with no wait. {tell} Let go, and the sidebar follows (now "
    "α = {lr}, {sym} = {v}).",
    "scrub.tell.momentum": "With α fixed, raise μ and watch the path carry further, then overshoot and "
    "swing back and forth.",
    "scrub.tell.beta1": "Adam divides each step by the gradient's running size, so β₁ mostly smooths the "
    "direction: with α fixed, raising it often changes the path far less than raising μ changes "
    "momentum's.",
    "scrub.cut": "The chart holds the first {k} of the run's {steps} steps: {total} paths of every step "
    "would not fit in what one chart may weigh.",
    "scrub.projected": "This problem has {p} parameters: every path is drawn in the view of the main "
    "chart (its slice or its plane), projected as the race's paths are.",
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
    "到来回震荡、再到发散。松开滑块，侧边栏中的 α 会随之改变（现在 α = {lr}）。",
    "scrub.help2": "同一次运行在从 α/10 到 10α 的 {n} 个学习率、以及 {sym} 的 {m} 个取值下的结果，"
    "共 {total} 次运行一次算完并随图表一起发送：拖动图下方任一滑块，路径和损失曲线会直接在浏览器里切换，"
    "无需等待。{tell}松开滑块，侧边栏会随之改变（现在 α = {lr}，{sym} = {v}）。",
    "scrub.tell.momentum": "固定 α，增大 μ，可以看到路径冲得更远，然后越过最小值、来回摆动。",
    "scrub.tell.beta1": "Adam 会用梯度大小的滑动估计去除每一步，所以 β₁ 主要是让方向更平滑："
    "固定 α 时增大 β₁，路径的变化往往远小于动量法中增大 μ 带来的变化。",
    "scrub.cut": "图中只画出这次运行 {steps} 步中的前 {k} 步：{total} 条完整路径超出了一张图允许的大小。",
    "scrub.projected": "这个问题有 {p} 个参数：每条路径都画在主图的视图里（它的切片或平面），和比赛中的路径一样是投影。",
    "scrub.schedule": "拖动改变的是固定的学习率，而这次运行使用了学习率调度。请选择一个学习率固定的运行。",
}
