#!/usr/bin/env bash
# Regenerates tests/fixtures/labelstudio/: writes a Label Studio JSON export (export.json) and
# has label-studio-converter (pinned in requirements.txt) turn it into CoNLL 2003
# (converter.conll) and JSON-MIN (converter-min.json). The output is deterministic; commit it
# with the test that reads it (tests/tests/label_studio.rs). CI runs only that Rust test.
# VENV chooses the virtualenv (default .venv at the repository root).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tools/labelstudio/requirements.txt
"$VENV/bin/python" tools/labelstudio/make_fixtures.py
