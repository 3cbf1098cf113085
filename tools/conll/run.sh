#!/usr/bin/env bash
# Regenerates the CoNLL reference fixtures of tests/fixtures/conll/: seqeval's default-mode
# chunks (seqeval-lenient.jsonl, seqeval pinned in requirements.txt) and, when CONLLEVAL names a
# copy of conlleval.pl (the CoNLL-2000 script, version 2004-01-26; not on PyPI), its output on
# conlleval.txt and parity-cases.conlleval.txt. The output is deterministic; commit it with the
# tests that read it (tests/tests/conll.rs, crates/goldspan-cli/tests/cli/score.rs). CI runs
# only those Rust tests. VENV chooses the virtualenv (default .venv at the repository root).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tools/conll/requirements.txt
"$VENV/bin/python" tools/conll/make_seqeval_decoding_fixture.py
if [ -n "${CONLLEVAL:-}" ]; then
    python3 tools/conll/make_conlleval_fixtures.py "$CONLLEVAL"
else
    echo "CONLLEVAL not set: conlleval.pl outputs left as they are"
fi
