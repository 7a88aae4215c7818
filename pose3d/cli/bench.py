"""``pose3d bench``: training and evaluation throughput of the models, plain eager beside the fast paths."""

from __future__ import annotations

import argparse
from typing import Any

from pose3d.cli.arguments import count, file_ending, positive_int
from pose3d.config.choices import BENCH_SIZES, BENCH_VARIANTS, DEVICES, MODEL_NAMES
from pose3d.core.errors import InputError


def _bench(args: argparse.Namespace) -> None:
    from pose3d.benchmark.run import bench, write_result
    from pose3d.core.atomic import check_outputs
    from pose3d.core.device import select_device, set_threads

    set_threads(args.threads)
    device = select_device(args.device)
    if "compiled_bf16" in (args.variants or ()) and device.type != "cuda":
        raise InputError("--variants", "compiled_bf16 needs a CUDA device")
    out = args.out or f"results/bench/{device.type}-{args.size}.json"
    check_outputs([out], ["--out"])  # the default depends on the device: checked here, before the measurements
    result = bench(args.models, device, size=args.size, variants=args.variants, rounds=args.rounds)
    write_result(result, out)
    print(f"wrote {out}")


def register(commands: Any) -> None:
    """Add ``bench`` to the ``pose3d`` subcommands."""
    parser = commands.add_parser(
        "bench",
        help="measure training and evaluation throughput, plain eager beside the fast paths",
        description="Per model and variant: training samples/s at the paper recipe's batch size (TGraphNet: "
        "windows/s and output frames/s), evaluation throughput at the batch size predicting uses on the device, "
        "peak memory, the share of the device's measured matmul peak, and the estimated time of a full-size "
        "epoch and of the whole paper recipe. Variants run in alternating rounds, so every speed-up is a ratio "
        "measured side by side.",
    )
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES), help="models to measure")
    parser.add_argument("--device", choices=DEVICES, default="auto", help="torch device (auto: CUDA when present)")
    parser.add_argument(
        "--size",
        choices=BENCH_SIZES,
        default="full",
        help="full: paper model widths on synthetic data of the real training set's size; tiny: a quick smoke test",
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=BENCH_VARIANTS,
        help="variants to compare, the first is the baseline (default: plain fast compiled, + bf16 on a CPU with"
        " native bf16, + compiled_bf16 on CUDA)",
    )
    parser.add_argument(
        "--rounds", type=count(1, 1000), default=3, help="alternating measurement rounds, 1 to 1000 (median counts)"
    )
    parser.add_argument("--threads", type=positive_int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument(
        "--out", type=file_ending(".json"), help="JSON output (default results/bench/<device>-<size>.json)"
    )
    parser.set_defaults(handler=_bench)
