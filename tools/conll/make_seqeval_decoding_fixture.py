#!/usr/bin/env python3
"""Writes tests/fixtures/conll/seqeval-lenient.jsonl: how seqeval's default (lenient) decoding
chunks tag sequences of the prefixes B-, I-, E-, S- and O, which goldspan's CoNLL reader must
match (tests/tests/conll.rs, `decoding_equals_seqeval_default_mode`).

Every sequence of one to three tags over {O, B-X, I-X, E-X, S-X, B-Y, I-Y, E-Y, S-Y}, then
1,000 random ones of four to ten tags (seeded). One JSON object per line: the tags, and
seqeval's chunks as [label, start, end) in token indices (seqeval's own end is inclusive).

Run with seqeval 1.2.2 installed (pip install seqeval==1.2.2); the output is deterministic.
"""

import itertools
import json
import random
from importlib.metadata import version
from pathlib import Path

from seqeval.metrics.sequence_labeling import get_entities

TAGS = ["O"] + [f"{p}-{t}" for t in "XY" for p in "BIES"]
OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "conll" / "seqeval-lenient.jsonl"


def main():
    assert version("seqeval") == "1.2.2", version("seqeval")
    sequences = [list(s) for n in range(1, 4) for s in itertools.product(TAGS, repeat=n)]
    rng = random.Random(20240611)
    sequences += [[rng.choice(TAGS) for _ in range(rng.randint(4, 10))] for _ in range(1000)]
    with OUT.open("w") as out:
        for tags in sequences:
            chunks = [[label, start, end + 1] for label, start, end in get_entities(tags)]
            out.write(json.dumps({"tags": " ".join(tags), "chunks": chunks}) + "\n")
    print(f"wrote {len(sequences)} sequences to {OUT.relative_to(OUT.parents[3])}")


if __name__ == "__main__":
    main()
