"""Texts of what the race page says instead of repairing or drawing nothing in silence
(gdviz/ui/race/repairs.py), and of a file's size against its limit; English and Chinese."""

EN = {
    "repair.head": "Some values in this link were not used as written:",
    "repair.empty": "{key}= is empty, so {used} is used.",
    "repair.number": "{key}={given} is not a number, so {used} is used.",
    "repair.steps.range": "steps={given}: the number of steps goes from {lo} to {hi} in tens, so {used} is used.",
    "repair.start.numbers": "start={given} is not a list of finite numbers, so the problem's own start "
    "point {used} is used.",
    "repair.start.length": "start={given}: this problem has {p} parameters ({names}) and a start point "
    "needs one number for each, but the link gives {n}, so the problem's own start point {used} is used.",
    "repair.start.many": "start={given}: this problem has {p} parameters, and a start point can be set for "
    "at most {max}, so it starts from its own initialisation.",
    "repair.start.size": "start={given} lies beyond what the chart can show ({bounds}), so the nearest "
    "point it can show, {used}, is used.",
    "repair.axes.bad": "axes={given} is not two different parameter numbers, so the problem's own axes "
    "({used}) are used.",
    "repair.axes.range": "axes={given}: this problem's parameters are numbered 0 to {last}, so the "
    "problem's own axes ({used}) are used.",
    "repair.axes.flat": "axes={given}: this problem has two parameters and the chart shows both, x across "
    "and y up, so there are no axes to choose.",
    "draw.nothing": "Nothing to draw: the loss is not a finite number anywhere in this window, and every "
    "run's loss stops being one at its first step.",
    "draw.no_surface": "The contour is empty: the loss is not a finite number anywhere on its grid in this "
    "window.",
    "draw.no_paths": "No path to draw: every run's loss stops being a finite number at its first step.",
    "csv.too_large.exact": "The file has {size}; at most {limit} can be uploaded.",
    "size.bytes": "{n} bytes",
    "size.MB": "{n} MB",
}

ZH = {
    "repair.head": "链接中有些值没有按原样使用：",
    "repair.empty": "{key}= 是空的，因此使用 {used}。",
    "repair.number": "{key}={given} 不是一个数，因此使用 {used}。",
    "repair.steps.range": "steps={given}：步数只能是 {lo} 到 {hi} 之间 10 的倍数，因此使用 {used}。",
    "repair.start.numbers": "start={given} 不是一组有限的数，因此使用问题自带的起点 {used}。",
    "repair.start.length": "start={given}：这个问题有 {p} 个参数（{names}），起点需要为每个参数各给一个数，"
    "而链接给了 {n} 个，因此使用问题自带的起点 {used}。",
    "repair.start.many": "start={given}：这个问题有 {p} 个参数，而起点最多只能为 {max} 个参数手动设置，"
    "因此从它自带的初始化出发。",
    "repair.start.size": "start={given} 超出了图中能显示的范围（{bounds}），因此使用图中能显示的最近一点 {used}。",
    "repair.axes.bad": "axes={given} 不是两个不同的参数编号，因此使用问题自带的坐标轴（{used}）。",
    "repair.axes.range": "axes={given}：这个问题的参数编号是 0 到 {last}，因此使用问题自带的坐标轴（{used}）。",
    "repair.axes.flat": "axes={given}：这个问题只有两个参数，图中已经同时画出（x 为横轴，y 为纵轴），"
    "没有坐标轴可选。",
    "draw.nothing": "没有可画的内容：在这个窗口里损失函数处处都不是有限的数，而且每次运行的损失从第一步起就不再是有限的数。",
    "draw.no_surface": "等高线图是空的：在这个窗口的网格上，损失函数处处都不是有限的数。",
    "draw.no_paths": "没有可画的路径：每次运行的损失从第一步起就不再是有限的数。",
    "csv.too_large.exact": "文件大小为 {size}，最多只能上传 {limit}。",
    "size.bytes": "{n} 字节",
    "size.MB": "{n} MB",
}
