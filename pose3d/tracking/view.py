"""The model comparison in MLflow's UI: the headline metrics, and the Runs page view saved in the experiment.

MLflow's UI keeps its column choice in the browser; a view saved as an experiment tag is what a link
can open (``#/experiments/<id>/runs?viewStateShareKey=compare``, see :func:`compare_url`), so the
comparison works on any machine that opens the store.
"""

from __future__ import annotations

import json

#: Metrics shown as columns for every model: Human3.6M Protocol #1 and #2, and the cross-dataset
#: numbers of 17-joint models (3DHP PCK/AUC/MPJPE over 17 joints, 3DPW MPJPE/PA-MPJPE).
HEADLINE_METRICS = (
    ("h36m", "mpjpe"),
    ("h36m", "p_mpjpe"),
    ("3dhp", "pck150_17"),
    ("3dhp", "auc_17"),
    ("3dhp", "mpjpe_17"),
    ("3dpw", "mpjpe"),
    ("3dpw", "pa_mpjpe"),
)
#: Experiment tags named ``VIEW_TAG_PREFIX + <key>`` are views the UI opens with ``viewStateShareKey=<key>``.
VIEW_TAG_PREFIX = "mlflow.sharedViewState."
COMPARE_VIEW = "compare"


def compare_view() -> str:
    """The saved view of the Runs page: headline metrics and the model as columns, best MPJPE first."""
    columns = [f"metrics.`{dataset}.{metric}`" for dataset, metric in HEADLINE_METRICS]
    columns += ["tags.`model`", "tags.`input_2d`", "attributes.`Models`"]
    return json.dumps(
        {
            "orderByKey": "metrics.`h36m.mpjpe`",
            "orderByAsc": True,
            "selectedColumns": columns,
            "columnOrder": columns,  # headline order, not the grid's alphabetical one
            "runsHiddenMode": "SHOW_ALL",
        }
    )


def compare_url(base: str, experiment_id: str) -> str:
    """Address of the model comparison (one row per model, headline metrics as columns) on a UI at ``base``."""
    query = f"viewStateShareKey={COMPARE_VIEW}&workflowType=machine_learning"  # the UI opens in GenAI mode otherwise
    return f"{base.rstrip('/')}/#/experiments/{experiment_id}/runs?{query}"
