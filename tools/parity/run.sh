#!/usr/bin/env bash
# Regenerates tests/fixtures/parity/*.json: installs the pinned reference tools (seqeval,
# nervaluate, the conlleval port) into .venv at the repository root, then records their numbers
# on the fixture cases. The output is deterministic; commit it with the test that reads it
# (tests/tests/parity.rs). CI runs only that Rust test, never this script.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tools/parity/requirements.txt
.venv/bin/python tools/parity/make_fixtures.py
