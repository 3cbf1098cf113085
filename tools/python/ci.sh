#!/usr/bin/env bash
# Builds the Python wheel and runs the Python test suite against it, as CI does (.ci/run):
# maturin installed from PyPI into a fresh virtual environment under target/python-ci, the
# wheel built with the dev profile (PROFILE=release for a release wheel), installed into a
# second fresh virtual environment with pytest and pandas, then `pytest python/tests`.
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=${PROFILE:-dev}
dir=target/python-ci
rm -rf "$dir"
python3 -m venv "$dir/build"
"$dir/build/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.9,<2'
"$dir/build/bin/maturin" build --quiet --profile "$profile" --out "$dir/wheels"
python3 -m venv "$dir/test"
"$dir/test/bin/pip" install --quiet --disable-pip-version-check "$dir"/wheels/goldspan-*.whl pytest pandas
# From outside the repository's python/ directory, so the installed package is the one tested.
"$dir/test/bin/python" -m pytest --quiet -p no:cacheprovider python/tests
