#!/usr/bin/env python3
"""Writes the conlleval fixtures that `goldspan score --conll` is checked against.

conlleval.pl (the CoNLL-2000 shared task's evaluation script, version 2004-01-26, by Erik Tjong
Kim Sang) is not on PyPI and is not committed here: pass the path of a copy. The script reads
"token gold predicted" lines separated by single spaces, a blank line after each sentence, and
prints chunk counts and precision/recall/FB1 overall and per type.

Inputs and outputs (tests/fixtures/conll/):
  conlleval.txt                 written by hand (news sentences; every error kind); read here
  conlleval.out                 conlleval.pl's output on conlleval.txt
  parity-cases.conlleval.txt    every tag case of tests/fixtures/parity/conlleval.json, one
                                document each ("-DOCSTART- O O" first), tokens named "x"
  parity-cases.conlleval.out    conlleval.pl's output on it

Usage: tools/conll/make_conlleval_fixtures.py PATH/TO/conlleval.pl
The output is deterministic; commit it with crates/goldspan-cli/tests/cli/score.rs.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "conll"


def parity_cases_file():
    cases = json.loads((ROOT / "tests" / "fixtures" / "parity" / "conlleval.json").read_text())["cases"]
    lines = []
    for case in cases:
        lines.append("-DOCSTART- O O")
        lines.append("")
        for gold, pred in zip(case["gold"], case["pred"]):
            assert len(gold) == len(pred), case["name"]
            lines.extend(f"x {g} {p}" for g, p in zip(gold, pred))
            lines.append("")
    return "\n".join(lines) + "\n"


def conlleval(script, path):
    with open(path, "rb") as stdin:
        out = subprocess.run(["perl", script], stdin=stdin, capture_output=True, check=True)
    return out.stdout.decode()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    script = sys.argv[1]
    cases = FIXTURES / "parity-cases.conlleval.txt"
    cases.write_text(parity_cases_file())
    for name in ["conlleval", "parity-cases.conlleval"]:
        (FIXTURES / f"{name}.out").write_text(conlleval(script, FIXTURES / f"{name}.txt"))
        print(f"wrote tests/fixtures/conll/{name}.out")


if __name__ == "__main__":
    main()
