#!/bin/bash
# One device call that measures the tagger on a lent GPU: the default model batched and one
# article at a time (with the model's share of the wall time), worker pools of several
# processes sharing the GPU, wider token budgets, and a profile of the batched run. Output in
# $OUT/bench.txt. Before the call: `bash scripts/gpu/wheels.sh var/device-bench/wheels`, and
# carry var/device-bench. To compare with an earlier commit's code in the same call (the
# working tree travels without .git):
#   git archive REV shared workers services ':!workers/models' | gzip > var/device-bench/baseline.tgz
# DRY=1 PY=.venv/bin/python runs a small version on the CPU here.
set -u
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
PY=${PY:-python3}
DEVICE=cuda ARTS=${BENCH_ARTICLES:-128} BATCH=${BENCH_BATCH:-64} POOLS=${BENCH_POOLS:-1,2,4,8}
if [ -n "${DRY:-}" ]; then
    DEVICE=cpu ARTS=4 BATCH=4 POOLS=1,2
else
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site var/device-bench/wheels/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/bench.txt"
    nproc | tee -a "$OUT/bench.txt"
fi
bench() {
    echo "== $*" | tee -a "$OUT/bench.txt"
    timeout "${LIMIT:-300}" $PY -m workers.tagger.bench --device $DEVICE --quantize off "$@" 2>&1 \
        | grep -v -i warning | tee -a "$OUT/bench.txt"
}
if [ -f var/device-bench/baseline.tgz ]; then
    MODEL=$PWD/workers/models/default
    rm -rf /tmp/baseline && mkdir -p /tmp/baseline && tar -xzf var/device-bench/baseline.tgz -C /tmp/baseline
    (cd /tmp/baseline && PYTHONPATH=/tmp/site:/tmp/baseline bench --model "$MODEL" --articles "$ARTS" \
        --batch "$BATCH" 2>&1 | sed 's/^/baseline: /')
fi
bench --articles "$ARTS" --batch "$BATCH" --processes "$POOLS"
for budget in ${BENCH_BUDGETS:-32768}; do
    NEWSEVENTS_TOKEN_BUDGET=$budget bench --articles "$ARTS" --batch "$ARTS"
done
bench --articles "$ARTS" --batch "$BATCH" --profile | tail -45 > "$OUT/profile.txt"
cat "$OUT/profile.txt"
