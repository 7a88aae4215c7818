"""Training: the loop, its losses (recipes and settings live in :mod:`pose3d.config`)."""
