"""Results leave pose3d: 3D motion as BVH for animation tools (:mod:`pose3d.export.bvh`)."""
