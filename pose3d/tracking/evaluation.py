"""Evaluation results on the training run of the evaluated model (values rounded to 0.01).

Headline metrics (:data:`~pose3d.tracking.view.HEADLINE_METRICS`) go on the run and on its logged
model, so MLflow's Models page lists one row per trained model with those metrics as columns;
per-action metrics and tables go on the run; figures and animations are its artifacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient

from pose3d.data.h36m import ACTIONS
from pose3d.tracking.store import use_store
from pose3d.tracking.view import HEADLINE_METRICS

DECIMALS = 2


def log_evaluation(tracking_uri: str, run_id: str, metrics: pd.DataFrame) -> None:
    """Attach evaluation results to the run of the evaluated model (values rounded to 0.01).

    Headline metrics (:data:`HEADLINE_METRICS`) go on the run and its logged model; per-action
    metrics ``h36m.<metric>.<action>`` on the run; per-action tables (actions x metrics) as an MLflow
    table and CSV, and the long table as CSV.
    """
    use_store(tracking_uri)
    client = MlflowClient()
    values = {
        f"{row.dataset}.{row.metric}": round(float(row.value), DECIMALS) for row in _summary(metrics).itertuples()
    }
    headline = {key: values[key] for key in (f"{d}.{m}" for d, m in HEADLINE_METRICS) if key in values}
    models = client.search_logged_models(
        [client.get_run(run_id).info.experiment_id], filter_string=f"source_run_id = '{run_id}'"
    )
    with mlflow.start_run(run_id=run_id):
        mlflow.log_metrics(values)
        for model in models:
            mlflow.log_metrics(headline, model_id=model.model_id)
        per_action = metrics[(metrics["dataset"] == "h36m") & metrics["action"].isin(ACTIONS)]
        mlflow.log_metrics(
            {f"h36m.{row.metric}.{row.action}": round(float(row.value), DECIMALS) for row in per_action.itertuples()}
        )
        wide = per_action_table(metrics)
        mlflow.log_table(wide, artifact_file="evaluation/h36m_per_action.json")
        mlflow.log_text(wide.to_csv(index=False), "evaluation/h36m_per_action.csv")
        mlflow.log_text(metrics.round({"value": DECIMALS}).to_csv(index=False), "evaluation/metrics.csv")


def _summary(metrics: pd.DataFrame) -> pd.DataFrame:
    """Rows of whole-dataset numbers: Human3.6M averages over actions, 3DHP/3DPW totals (no per-joint rows)."""
    whole = metrics["action"].isin(["Average", "All"]) & ~metrics["metric"].str.startswith("joint_")
    return metrics[whole]


def per_action_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Human3.6M actions (canonical order, then Average) x metrics, with the run name, rounded to 0.01."""
    h36m = metrics[(metrics["dataset"] == "h36m") & metrics["action"].isin([*ACTIONS, "Average"])]
    present = set(h36m["action"])
    wide = (
        h36m.pivot(index="action", columns="metric", values="value")
        .reindex([action for action in (*ACTIONS, "Average") if action in present])
        .round(DECIMALS)
        .reset_index()
    )
    wide.insert(0, "run", metrics["run"].iloc[0])
    return wide


def log_files(tracking_uri: str, run_id: str, files: Sequence[str | Path], artifact_path: str) -> None:
    """Log figures or animations as artifacts of a run (e.g. ``figures/``)."""
    client = MlflowClient(tracking_uri)
    for path in files:
        client.log_artifact(run_id, str(path), artifact_path=artifact_path)
