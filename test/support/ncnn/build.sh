#!/usr/bin/env bash
# Installs the reference NCNN runtime (the `ncnn` package on PyPI, CPU) into a cached virtual environment for
# the model equivalence tests; returns at once when it is there. Prints nothing on success.
set -euo pipefail
venv=${PIXELFORGE_NCNN_VENV:-$HOME/.cache/pixelforge/ncnn-venv}
version=1.0.20261020
[ -f "$venv/.ncnn-$version" ] && exit 0
echo "[ncnn] installing ncnn==$version from PyPI into $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "ncnn==$version"
touch "$venv/.ncnn-$version"
