"""Look and feel shared by every figure: colour-blind-safe run colours, fonts, the contour scale."""

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies and on projectors.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")

# A quiet sequential scale (light at the minimum) so coloured paths stay the brightest thing.
CONTOUR_SCALE = [
    [0.0, "#f7fbff"],
    [0.25, "#dde8f3"],
    [0.5, "#b9cde3"],
    [0.75, "#8aa8c8"],
    [1.0, "#5b7598"],
]

FONT = {"family": "Inter, 'Noto Sans CJK SC', 'Source Han Sans SC', Arial, sans-serif", "size": 15}
PAPER = "rgba(0,0,0,0)"
PATH_WIDTH = 3

LABELS_EN = {
    "surface_title": "Loss surface and paths",
    "loss_title": "Loss",
    "loss": "loss",
    "batch_loss": "mini-batch loss",
    "minimum": "minimum",
    "start": "start",
    "play": "▶ Play",
    "pause": "❚❚ Pause",
    "step_word": "step",
}
