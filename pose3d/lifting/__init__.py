"""Lift 2D keypoints of one video, from any common detector's output, to 3D with a trained model.

:mod:`~pose3d.lifting.readers` read the detector files, :mod:`~pose3d.lifting.tracks` links
detections into people and fills gaps, :mod:`~pose3d.lifting.lift` runs the model and writes the
poses (Parquet and ``.npz``).
"""
