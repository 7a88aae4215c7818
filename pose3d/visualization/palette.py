"""The one colour mapping of every figure: a colour per model, a line/hatch style per 2D input,
and the left/right colours of skeleton bones."""

from __future__ import annotations

from typing import Any

from pose3d.models import MODELS

#: Colour of each model in every chart and animation title: the registry's (Okabe-Ito for the built-in
#: models, readable for colour-blind people), and grey for the mean-pose baseline.
MODEL_COLORS: dict[str, str] = {name: spec.color for name, spec in MODELS.items()} | {"mean_pose": "#555555"}
#: Colour of a model the table above does not know.
OTHER_COLOR = "#999999"
#: Bar hatch and line style per 2D input, so one model on two inputs keeps its colour.
INPUT_HATCHES: dict[str, str] = {"cpn": "", "gt": "//", "sh": ".."}
INPUT_LINESTYLES: dict[str, str] = {"cpn": "-", "gt": "--", "sh": ":"}

#: Skeleton bones: the subject's left side, right side, and the spine/head between them.
LEFT_COLOR = "#D62728"
RIGHT_COLOR = "#1F77B4"
CENTRE_COLOR = "#333333"


def split_run(run: str) -> tuple[str, str]:
    """``model-input`` -> (model, input); a name without a dash is a model on no particular input."""
    model, _, input_2d = run.rpartition("-")
    return (model, input_2d) if model else (run, "")


def model_color(run_or_model: str) -> str:
    """The colour of a model, given its name or a ``model-input`` run name."""
    model = split_run(run_or_model)[0]
    return MODEL_COLORS.get(model, OTHER_COLOR)


def bar_style(run: str) -> dict[str, Any]:
    """Matplotlib bar keywords of a run: the model's colour, the input's hatch."""
    _, input_2d = split_run(run)
    return {"color": model_color(run), "hatch": INPUT_HATCHES.get(input_2d, ""), "edgecolor": "white", "linewidth": 0}


def line_style(run: str) -> dict[str, Any]:
    """Matplotlib plot keywords of a run: the model's colour, the input's line style."""
    _, input_2d = split_run(run)
    return {"color": model_color(run), "linestyle": INPUT_LINESTYLES.get(input_2d, "-")}
