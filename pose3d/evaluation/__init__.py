"""Evaluation: metrics, per-action scoring of checkpoints, result tables and figures."""
