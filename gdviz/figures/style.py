"""Look and feel shared by every figure: colour-blind-safe run colours, fonts, the contour scale."""

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies and on projectors.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")

# A quiet sequential scale (light at the minimum) so coloured paths stay the brightest thing.
CONTOUR_SCALE = [
    [0.0, "#fbfdff"],
    [0.3, "#e6eef6"],
    [0.6, "#cbd9e8"],
    [0.85, "#adc2d9"],
    [1.0, "#97aecb"],
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
    "click_to_start": "click: start here",
    "surface3d_z": "log₁₀(loss − min + ε)",
    "end": "end",
}
