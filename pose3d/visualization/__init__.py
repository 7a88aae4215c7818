"""What a person sees: skeleton animations of a sequence and the charts of the report.

Uses core, data, models and evaluation; nothing below it imports this package. Every figure draws
with the headless Agg backend and takes its colours from :mod:`pose3d.visualization.palette`.
"""
