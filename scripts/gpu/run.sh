#!/bin/bash
# One device call: train full-pass and light-pass configurations side by side on the GPU,
# pick one, benchmark on the GPU, and leave the chosen weights (in parts) and all logs and
# metadata under $OUT. DRY=1 runs a tiny version on the CPU here, to check the script.
set -u
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
PY=${PY:-python3}
if [ -z "${DRY:-}" ]; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site var/device/wheels/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
fi
DATA=/tmp/nedata; rm -rf $DATA; mkdir -p $DATA/geneva
for f in var/device/data/geneva/*.gz; do gunzip -c "$f" > "$DATA/geneva/$(basename "$f" .gz)"; done
cp var/device/data/geneva/event_ontology.json $DATA/geneva/
$PY -c "import torch, transformers; print(torch.__version__, transformers.__version__, torch.cuda.is_available())"
W=/tmp/nework; rm -rf $W; mkdir -p $W
EXTRA=()
LIMIT=${TRAIN_LIMIT:-400}
if [ -n "${DRY:-}" ]; then
    head -40 $DATA/geneva/train.jsonl > $DATA/t && mv $DATA/t $DATA/geneva/train.jsonl
    head -20 $DATA/geneva/val.jsonl > $DATA/t && mv $DATA/t $DATA/geneva/val.jsonl
    EXTRA=(--max-steps 2 --news-dir "$DRY_NEWS")
fi
train() {
    local name=$1; shift
    timeout "$LIMIT" $PY -m services.cli train --data-dir $DATA --encoder var/device/minilm \
        --output $W/$name --threads ${THREADS:-2} "$@" "${EXTRA[@]}" > $W/$name.log 2>&1
    echo "$name exit $? after $SECONDS s"
}
if [ -n "${DRY:-}" ]; then
    train F8 --epochs 1 --eval-from 1 &
    train L2 --argument-layers 2 --epochs 1 --eval-from 1 &
else
    train F8 --epochs 8 --eval-from 6 &
    train F8s7 --epochs 8 --eval-from 6 --seed 7 &
    train F10 --epochs 10 --eval-from 8 --encoder-lr 2e-4 &
    train L1 --argument-layers 1 --epochs 10 --eval-from 8 --encoder-lr 2e-4 &
    train L2 --argument-layers 2 --epochs 10 --eval-from 8 &
    train L2h --argument-layers 2 --epochs 10 --eval-from 8 --encoder-lr 2e-4 &
fi
wait
for f in $W/*.log; do echo "== $f"; grep '^{' "$f" | tail -4; grep -i 'error\|Traceback' "$f" | tail -3; done
$PY var/device/pick.py $W | tee $OUT/pick.txt
CHOSEN=$(cat $W/chosen); FULL=$(cat $W/full)
DEVICE=cuda; [ -n "${DRY:-}" ] && DEVICE=cpu
ARTS=${BENCH_ARTICLES:-64}
for name in $(echo "$CHOSEN $FULL" | tr ' ' '\n' | sort -u); do
    [ -n "$name" ] || continue
    echo "== bench $name" | tee -a $OUT/bench.txt
    timeout 150 $PY -m workers.tagger.bench --model $W/$name --device $DEVICE --articles $ARTS \
        --batch $ARTS --quantize off 2>&1 | grep -v Warning | tee -a $OUT/bench.txt
done
if [ -n "$CHOSEN" ]; then
    timeout 60 $PY -m workers.tagger.bench --model $W/$CHOSEN --device $DEVICE --articles $ARTS \
        --batch $ARTS --quantize off --profile > $OUT/profile.txt 2>&1
    split -b 15M -d $W/$CHOSEN/model.safetensors $OUT/weights.part-
fi
tar -C $W -czf $OUT/summary.tgz --exclude model.safetensors .
ls -la $OUT; echo "total $SECONDS s"
