#!/usr/bin/env bash
# Regenerates goldspan's spaCy fixtures (tests/fixtures/spacy/) and spaCy's symbol table
# (crates/goldspan-formats/src/docbin/symbols.rs): installs the pinned spaCy into a virtualenv
# outside the repository ($VENV, default ~/.cache/goldspan/venv-spacy), builds the goldspan
# binary whose output spaCy is asked to read, and runs make_fixtures.py. The output is
# deterministic; commit it with the tests that read it (tests/tests/spacy.rs). CI runs only
# those Rust tests, never this script.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/goldspan/venv-spacy}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tools/spacy/requirements.txt
cargo build --quiet -p goldspan-cli
"$VENV/bin/python" tools/spacy/make_fixtures.py
