"""Ground-truth 2D: the mocap's 17 joints seen by each of the four cameras (distorted pixels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pose3d.core.errors import InputError
from pose3d.core.progress import progress
from pose3d.data.camera import CAMERA_IDS, intrinsics, project, to_camera_frame
from pose3d.data.convert.pose_tables import frame_index, read_mocap, write_h36m_2d
from pose3d.data.skeleton import H36M_17, H36M_32, to_layout


def project_ground_truth(poses_3d: str | Path, out: str | Path) -> None:
    """``poses_3d`` table -> 2D table of every sequence in every camera (17 joints, pixels, float32)."""
    mocap, world = read_mocap(poses_3d, with_positions=True)
    world = to_layout(world, H36M_32.name, H36M_17.name)
    subjects = mocap.keys["subject"]
    pixels = np.empty((len(CAMERA_IDS), *world.shape[:2], 2), dtype=np.float32)
    with progress(dict.fromkeys(subjects), desc="ground-truth 2D", unit=" subjects") as bar:
        for subject in bar:
            rows = mocap.rows(subjects == subject)
            for index, camera in enumerate(CAMERA_IDS):
                try:
                    cam = to_camera_frame(world[rows], subject, camera)
                except KeyError as err:
                    raise InputError(poses_3d, f"subject {subject}: {err.args[0]}") from None
                pixels[index, rows] = project(cam, intrinsics(camera).as_vector())
    # Output order: sequence, then camera, then frame.
    cameras = len(CAMERA_IDS)
    lengths = np.repeat(mocap.lengths, cameras)
    camera_of_row = np.repeat(np.tile(np.arange(cameras), len(mocap)), lengths)
    source_row = np.repeat(np.repeat(mocap.starts[:-1], cameras), lengths) + frame_index(lengths)
    write_h36m_2d(
        mocap,
        pixels[camera_of_row, source_row],
        H36M_17,
        [Path(poses_3d)],
        out,
        source="ground truth: projection of the mocap with the published calibration",
    )
