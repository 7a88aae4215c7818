"""Converters from raw dataset files to self-describing Parquet pose tables (one row per frame).

- :mod:`pose3d.data.convert.h36m`: Human3.6M D3_Positions / D3_Angles CDFs.
- :mod:`pose3d.data.convert.ground_truth_2d`: ground-truth 2D by projecting the mocap into the four cameras.
- :mod:`pose3d.data.convert.detections`: VideoPose3D-style 2D detection archives (e.g. CPN).
- :mod:`pose3d.data.convert.stacked_hourglass`: Stacked-Hourglass h5 detections.
- :mod:`pose3d.data.convert.hp3d` / :mod:`pose3d.data.convert.pw3d`: MPI-INF-3DHP and 3DPW test files.
- :mod:`pose3d.data.convert.motionbert`: MotionBERT's Human3.6M pickle (Stacked Hourglass with confidences,
  2.5D targets): a 2D table and the release's test-protocol table.
"""
