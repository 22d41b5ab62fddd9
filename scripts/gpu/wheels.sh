#!/usr/bin/env bash
# Wheels a lent GPU machine lacks, for Python 3.12 (it has torch and transformers): pydantic,
# pydantic-settings, dateparser, pycountry (without its 6 MB of translations) and their small
# dependencies, at the versions installed in .venv here. Usage: wheels.sh DEST
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
DEST=$1
mkdir -p "$DEST"
version() { $PY -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$1"; }
pins=()
for name in pydantic pydantic-core pydantic-settings python-dotenv annotated-types \
    typing-inspection typing-extensions dateparser pytz tzlocal pycountry; do
    pins+=("$name==$(version "$name")")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$DEST" "${pins[@]}"
# pycountry's translations are 6 MB of the transfer and unused here.
unpacked=$(mktemp -d)
(cd "$unpacked" && unzip -q "$OLDPWD"/"$DEST"/pycountry-*.whl && rm -rf pycountry/locales)
wheel=$(basename "$DEST"/pycountry-*.whl)
rm "$DEST/$wheel"
(cd "$unpacked" && zip -qr "$OLDPWD/$DEST/$wheel" .)
rm -rf "$unpacked"
