#!/usr/bin/env python3
"""Replays the number-checking tests of nervaluate 1.2.1, seqeval 1.2.2 and spaCy's
`spacy/tests/test_scorer.py` and records every call they make to the tool's scoring API, with
the tool's own output, as fixtures under tests/fixtures/parity/replay/ (one JSON Lines file per
tool). `tests/tests/replay.rs` reproduces every recorded case with goldspan; CI runs that Rust
test, never this script.

    tools/parity/replay_tool_tests.py [--venv /work/venvs/compat]

Steps: make (or reuse) a virtual environment, install the pinned tools and pytest from PyPI,
download nervaluate's and seqeval's source distributions (their test suites ship in them; spaCy
ships its tests inside the wheel), run each suite unchanged under pytest with the recording
plugin `replay_recorder.py` loaded, and write what was recorded. The tests are read where the
tool published them and are not copied into this repository. A test that fails under the
recorder is reported, not hidden; every call is recorded whether or not its test passed.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests/fixtures/parity/replay"
PINS = {"nervaluate": "1.2.1", "seqeval": "1.2.2", "spacy": "3.8.18"}
# What each suite needs to run beyond the tool: seqeval's tests compare with scikit-learn and
# run conlleval.pl (Perl); spaCy's conftest imports hypothesis.
EXTRA = ["pytest==8.3.5", "scikit-learn", "hypothesis"]


def run(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), file=sys.stderr)
    return subprocess.run([str(a) for a in args], check=True, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", default="/work/venvs/compat", help="virtual environment to use or create")
    args = parser.parse_args()
    venv = Path(args.venv)
    python = venv / "bin/python"
    if not python.exists():
        run(sys.executable, "-m", "venv", venv)
    pins = [f"{name}=={version}" for name, version in PINS.items()]
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins, *EXTRA)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        run(python, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", work,
            f"nervaluate=={PINS['nervaluate']}", f"seqeval=={PINS['seqeval']}")
        for sdist in work.glob("*.tar.gz"):
            with tarfile.open(sdist) as archive:
                archive.extractall(work, filter="data")
        site = Path(subprocess.run(
            [python, "-c", "import spacy, os; print(os.path.dirname(spacy.__file__))"],
            check=True, capture_output=True, text=True).stdout.strip())
        suites = {
            "nervaluate": (work / f"nervaluate-{PINS['nervaluate']}", ["tests"]),
            # seqeval's tests run `perl conlleval.pl` from their own directory.
            # test_statistical_tests is left out: 20,000 unseeded random files, each run through
            # conlleval.pl, checking seqeval against conlleval.pl (tests/fixtures/parity holds
            # that comparison, seeded).
            "seqeval": (work / f"seqeval-{PINS['seqeval']}/tests",
                        [".", "--deselect", "test_metrics.py::TestMetrics::test_statistical_tests"]),
            "spacy": (site.parent, ["spacy/tests/test_scorer.py"]),
        }
        for tool, (root, paths) in suites.items():
            raw = work / f"{tool}.raw.jsonl"
            env = dict(os.environ, REPLAY_TOOL=tool, REPLAY_OUT=str(raw),
                       PYTHONPATH=str(Path(__file__).parent), PYTHONHASHSEED="0")
            # The installed tool, not the sdist's copy, is what runs: the sdist is on no path.
            result = subprocess.run(
                [python, "-m", "pytest", "-q", "-p", "replay_recorder", "-p", "no:cacheprovider", "-o", "addopts=",
                 "--rootdir", root, *paths],
                cwd=root, env=env, capture_output=True, text=True)
            tail = result.stdout.strip().splitlines()[-1:] or ["(no output)"]
            print(f"{tool}: pytest exit {result.returncode}: {tail[0]}", file=sys.stderr)
            write(tool, raw)


def write(tool, raw):
    """Numbers the recorded calls and writes the fixture, keeping the order the tests made them."""
    records = [json.loads(line) for line in raw.read_text(encoding="utf-8").splitlines()]
    header = {
        "tool": tool,
        "version": PINS[tool],
        "generator": "tools/parity/replay_tool_tests.py (records calls with tools/parity/replay_recorder.py)",
        "note": "one recorded call per line after this header: inputs as the tool received them, the tool's "
                "result (or the error it raised); floats NaN and infinity are the strings \"NaN\", \"inf\"",
    }
    path = OUT / f"{tool}.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(header, sort_keys=True) + "\n")
        for i, record in enumerate(records):
            record["case"] = f"{tool}-{i:04d}"
            out.write(json.dumps(record, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n")
    print(f"{tool}: {len(records)} calls -> {path.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
