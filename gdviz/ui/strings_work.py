"""Texts of the work budget (gdviz.ui.work): what a computation costs and why it waits."""

EN = {
    "work.click": "This needs about {s} s of server time, most of it for {what}, so it waits for you.",
    "work.compute": "Compute",
    "work.refused.seconds": "This would need about {s} s of server time, more than the {max} s a visitor "
    "may use at once ({what} costs most): use fewer steps, runs or samples, a smaller batch "
    "or a smaller network.",
    "work.refused.bytes": "This would hold about {mb} MB of memory, more than the {max} MB a visitor may "
    "use ({what} costs most): use fewer steps, runs or samples.",
    "work.queued": "Waiting for the server: {n} computation(s) of other visitors first…",
    "work.running": "Computing {what}… {pct} %",
    "work.busy": "The server is busy with other visitors' computations. Try again in a moment.",
    "work.rate": "You have used your share of server time for now; more is available in about {s} s. "
    "Cached results and quick changes still work.",
    "work.failed": "The computation stopped: {err}",
    "work.overrun": "The computation took longer than its budget and was stopped; use fewer steps, runs or "
    "samples.",
    "work.part.runs": "the runs",
    "work.part.surface": "the loss surface",
    "work.part.replay": "replaying the run",
    "work.part.training": "training",
    "work.part.landscape": "the landscape",
    "work.part.frames": "the animation frames",
    "work.part.sweep": "the sweep",
    "work.part.noise": "the gradient noise",
    "work.part.problem": "building the data",
    "work.part.hessian": "the curvature",
    "work.part.figure": "drawing the figure",
    "work.part.scale": "the simulated workers",
    "work.part.fixed_point": "local SGD's fixed point",
    "work.part.critical": "the critical batch size",
    "work.part.scrub": "the runs at every learning rate of the scrub",
}

ZH = {
    "work.click": "这需要约 {s} 秒的服务器时间（大部分用于{what}），所以等你确认后再开始。",
    "work.compute": "开始计算",
    "work.refused.seconds": "这大约需要 {s} 秒的服务器时间，超过了每位访问者一次可用的 {max} 秒（{what}最耗时）："
    "请减少步数、运行数或样本数，或者用更小的批量或更小的网络。",
    "work.refused.bytes": "这大约需要 {mb} MB 内存，超过了每位访问者可用的 {max} MB（{what}最耗内存）："
    "请减少步数、运行数或样本数。",
    "work.queued": "正在排队：前面还有 {n} 个其他访问者的计算……",
    "work.running": "正在计算{what}…… {pct} %",
    "work.busy": "服务器正忙于其他访问者的计算，请稍后再试。",
    "work.rate": "你暂时用完了自己的服务器时间份额，大约 {s} 秒后可以继续。已缓存的结果和快速的改动仍然可用。",
    "work.failed": "计算已停止：{err}",
    "work.overrun": "计算超出了预算时间，已被停止；请减少步数、运行数或样本数。",
    "work.part.runs": "各次运行",
    "work.part.surface": "损失曲面",
    "work.part.replay": "重放这次运行",
    "work.part.training": "训练",
    "work.part.landscape": "损失地形",
    "work.part.frames": "动画帧",
    "work.part.sweep": "扫描",
    "work.part.noise": "梯度噪声",
    "work.part.problem": "生成数据",
    "work.part.hessian": "计算曲率",
    "work.part.figure": "绘制图表",
    "work.part.scale": "模拟的各个工作节点",
    "work.part.fixed_point": "局部 SGD 的不动点",
    "work.part.critical": "临界批量大小",
    "work.part.scrub": "拖动条上每个学习率的运行",
}
