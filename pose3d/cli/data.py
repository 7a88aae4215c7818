"""Subcommands that make data: the demo dataset and the converters from raw files to Parquet."""

from __future__ import annotations

import argparse
from typing import Any

from pose3d.cli.arguments import config_setting, file_ending, outputs, path
from pose3d.config.choices import DEMO_SIZES


def _demo_data(args: argparse.Namespace) -> None:
    from pose3d.core.atomic import staged_folder
    from pose3d.demo import write_demo

    with staged_folder(args.out) as stage:  # every file of the dataset, or none
        write_demo(stage, size=args.size, seed=args.seed)


def _convert_h36m(args: argparse.Namespace) -> None:
    from pose3d.data.convert.h36m import convert_positions

    convert_positions(args.root, args.subjects, args.out)


def _convert_angles(args: argparse.Namespace) -> None:
    from pose3d.data.convert.h36m import convert_angles

    convert_angles(args.root, args.subjects, args.out)


def _convert_gt2d(args: argparse.Namespace) -> None:
    from pose3d.data.convert.ground_truth_2d import project_ground_truth

    project_ground_truth(args.poses_3d, args.out)


def _convert_detections(args: argparse.Namespace) -> None:
    from pose3d.data.convert.detections import convert_detections

    convert_detections(args.npz, args.poses_3d, args.out, source=args.source)


def _convert_sh(args: argparse.Namespace) -> None:
    from pose3d.data.convert.stacked_hourglass import convert_stacked_hourglass

    convert_stacked_hourglass(args.root, args.poses_3d, args.out)


def _convert_3dhp(args: argparse.Namespace) -> None:
    from pose3d.data.convert.hp3d import convert_3dhp

    convert_3dhp(args.npz, args.out)


def _convert_3dpw(args: argparse.Namespace) -> None:
    from pose3d.data.convert.pw3d import convert_3dpw

    convert_3dpw(args.pkl, args.out)


def _convert_motionbert(args: argparse.Namespace) -> None:
    from pose3d.data.convert.motionbert import convert_motionbert

    convert_motionbert(args.pkl, args.out, poses_3d=args.poses_3d)


PARQUET = file_ending(".parquet")
SUBJECTS_HELP = "subjects to convert, e.g. S1 S5 S6 S7 S8 S9 S11"
POSES_3D_HELP = "poses_3d.parquet from `pose3d convert h36m` (frame counts and cameras)"


def register(commands: Any) -> None:
    """Add ``demo-data`` and ``convert ...`` to the ``pose3d`` subcommands."""
    demo = commands.add_parser("demo-data", help="write the embedded demo dataset in raw H36M formats")
    demo.add_argument("--out", type=path, default="resources/demo", help="output folder (default: %(default)s)")
    demo.add_argument("--size", default="small", choices=DEMO_SIZES, help="dataset size (default: %(default)s)")
    demo.add_argument(
        "--seed", type=config_setting(int, "seed"), default=0, help="seed of every random draw (default: %(default)s)"
    )
    outputs(demo, folders=["out"])
    demo.set_defaults(handler=_demo_data)

    convert = commands.add_parser("convert", help="convert raw inputs to Parquet").add_subparsers(
        dest="source", required=True, metavar="SOURCE"
    )
    for name, handler, help_text in (
        ("h36m", _convert_h36m, "D3_Positions CDFs -> poses_3d.parquet"),
        ("angles", _convert_angles, "D3_Angles CDFs -> angles_3d.parquet"),
    ):
        sub = convert.add_parser(name, help=help_text)
        sub.add_argument("--root", type=path, required=True, help="Human3.6M folder (S1/... or pose/S1/...)")
        sub.add_argument("--subjects", nargs="+", required=True, help=SUBJECTS_HELP)
        sub.add_argument("--out", type=PARQUET, required=True, help="output Parquet file")
        outputs(sub, files=["out"])
        sub.set_defaults(handler=handler)
    gt2d = convert.add_parser("gt2d", help="project 3D to ground-truth 2D -> poses_2d_gt.parquet")
    gt2d.add_argument("--poses-3d", type=path, required=True, help=POSES_3D_HELP)
    gt2d.add_argument("--out", type=PARQUET, required=True, help="output Parquet file")
    outputs(gt2d, files=["out"])
    gt2d.set_defaults(handler=_convert_gt2d)
    det = convert.add_parser("detections", help="VideoPose3D-style 2D npz (e.g. CPN) -> Parquet")
    det.add_argument("--npz", type=path, required=True, help="detections archive (data_2d_h36m_cpn_ft_h36m_dbb.npz)")
    det.add_argument("--poses-3d", type=path, required=True, help=POSES_3D_HELP)
    det.add_argument("--name", dest="source", default="cpn", help="name recorded in the metadata (default: cpn)")
    det.add_argument("--out", type=PARQUET, required=True, help="output Parquet file")
    outputs(det, files=["out"])
    det.set_defaults(handler=_convert_detections)
    sh = convert.add_parser("sh", help="Stacked-Hourglass h5 detections -> poses_2d_sh.parquet")
    sh.add_argument("--root", type=path, required=True, help="folder with S*/StackedHourglassFineTuned240/*.h5")
    sh.add_argument("--poses-3d", type=path, required=True, help=POSES_3D_HELP)
    sh.add_argument("--out", type=PARQUET, required=True, help="output Parquet file")
    outputs(sh, files=["out"])
    sh.set_defaults(handler=_convert_sh)
    hp = convert.add_parser("3dhp", help="MPI-INF-3DHP test npz -> Parquet")
    hp.add_argument("--npz", type=path, required=True, help="data_test_3dhp.npz")
    hp.add_argument("--out", type=PARQUET, required=True, help="output Parquet file")
    outputs(hp, files=["out"])
    hp.set_defaults(handler=_convert_3dhp)
    pw = convert.add_parser("3dpw", help="3DPW test pickle -> Parquet")
    pw.add_argument("--pkl", type=path, required=True, help="3DPW test pickle")
    pw.add_argument("--out", type=PARQUET, required=True, help="output Parquet file")
    outputs(pw, files=["out"])
    pw.set_defaults(handler=_convert_3dpw)
    mb = convert.add_parser(
        "motionbert", help="MotionBERT's Human3.6M pickle -> poses_2d.parquet and motionbert_test.parquet"
    )
    mb.add_argument("--source", dest="pkl", type=path, required=True, help="h36m_sh_conf_cam_source_final.pkl")
    mb.add_argument(
        "--poses-3d",
        type=path,
        help=POSES_3D_HELP + "; trims each 2D track to its mocap, as load_h36m needs (optional)",
    )
    mb.add_argument("--out", type=path, required=True, help="output folder")
    outputs(mb, folders=["out"])
    mb.set_defaults(handler=_convert_motionbert)
