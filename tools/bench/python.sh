#!/usr/bin/env bash
# Reproduces the Python API figures in BENCHMARKS.md: goldspan.score (files, and records in
# memory) against the `goldspan score` command and nervaluate 1.2.1's evaluate(), on one
# `goldspan synth --docs N --seed 1` workload, side by side in one Python process
# (tools/bench/python_api.py).
#
# Usage: tools/bench/python.sh [DOCS]   (default 100000)
# Builds a release CLI and a release wheel (fat LTO: several minutes on 2 cores), installs the
# wheel and nervaluate into a virtual environment under target/bench-python, and writes the
# synthetic data under ${TMPDIR:-/tmp}/goldspan-bench-python (removed at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-100000}
venv=target/bench-python
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.9,<2' 'nervaluate==1.2.1'
"$venv/bin/maturin" build --quiet --release --out "$venv/wheels"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall "$venv"/wheels/goldspan-*.whl
cargo build --release --quiet --bin goldspan
work=${TMPDIR:-/tmp}/goldspan-bench-python
trap 'rm -rf "$work"' EXIT
target/release/goldspan synth --docs "$docs" --seed 1 "$work" >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$venv/bin/python" tools/bench/python_api.py "$work" target/release/goldspan 3
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
