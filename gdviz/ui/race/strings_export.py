"""Texts of the race page's downloads (gdviz/ui/race/export.py), English and Simplified Chinese."""

EN = {
    "export": "Download for slides or class",
    "export.help": "A file of exactly this view (runs, frames, speed, language), drawn on the server when "
    "you ask for it. Files carry this view's link, so they can be traced back to it.",
    "export.kind": "File",
    "export.kind.gif": "GIF animation",
    "export.kind.mp4": "MP4 video",
    "export.kind.html": "HTML (plays offline)",
    "export.kind.png": "PNG (1920 px, last frame)",
    "export.kind.csv": "CSV of every run",
    "export.kind.json": "JSON of every run",
    "export.prepare": "Prepare the file",
    "export.download": "Download {name} ({size})",
    "export.custom": "Runs on your own CSV cannot travel in a link, so they cannot be exported; the "
    "summary table below holds their numbers.",
    "work.part.export": "the file",
}

ZH = {
    "export": "下载（用于幻灯片或课堂）",
    "export.help": "与当前视图完全一致的文件（运行、帧数、速度、语言），在你请求时由服务器绘制。"
    "文件中记有当前视图的链接，可以据此找回这个视图。",
    "export.kind": "文件",
    "export.kind.gif": "GIF 动画",
    "export.kind.mp4": "MP4 视频",
    "export.kind.html": "HTML（可离线播放）",
    "export.kind.png": "PNG（1920 像素，最后一帧）",
    "export.kind.csv": "所有运行的 CSV",
    "export.kind.json": "所有运行的 JSON",
    "export.prepare": "生成文件",
    "export.download": "下载 {name}（{size}）",
    "export.custom": "基于你上传的 CSV 的运行无法写进链接，因此无法导出；下方的汇总表列出了它们的数值。",
    "work.part.export": "文件",
}
