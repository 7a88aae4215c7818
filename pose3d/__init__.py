"""pose3d: reproducible 3D human pose estimation from 2D keypoints."""

__version__ = "0.1.0"
