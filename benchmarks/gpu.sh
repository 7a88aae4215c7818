#!/usr/bin/env bash
# pose3d bench for every model on one NVIDIA GPU, on synthetic data of the full Human3.6M size.
#
#   benchmarks/gpu.sh                      # from the repository root; needs only torch, numpy, pandas, pyarrow
#   DEVICE=cpu SIZE=tiny benchmarks/gpu.sh # the same script as a quick dry run without a GPU
#
# Each model runs in its own process under a time limit (MODEL_LIMIT seconds), so the whole script
# ends within 8 minutes even if one compilation is slow; figures land in results/bench/gpu/<model>.json
# and the printed tables in results/bench/gpu/bench.log. pose3d need not be installed: it runs from here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
DEVICE="${DEVICE:-cuda}"
SIZE="${SIZE:-full}"
MODEL_LIMIT="${MODEL_LIMIT:-90}"
OUT=results/bench/gpu
mkdir -p "$OUT"
python - <<'PY' | tee "$OUT/bench.log"
import torch
print("torch", torch.__version__, "| CUDA", torch.version.cuda, "|",
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device")
PY
status=0
models=$(python -c "from pose3d.models import MODELS; print(' '.join(MODELS))")  # every registered model
for model in $models; do
    timeout --kill-after=10 "$MODEL_LIMIT" python -m pose3d.cli bench --device "$DEVICE" --size "$SIZE" \
        --models "$model" --rounds 3 --out "$OUT/$model.json" 2>&1 | tee -a "$OUT/bench.log" || {
        echo "$model: no figures within ${MODEL_LIMIT}s (exit $?)" | tee -a "$OUT/bench.log"
        status=1
    }
done
exit "$status"
