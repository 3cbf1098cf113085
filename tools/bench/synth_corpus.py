#!/usr/bin/env python3
"""Writes `goldspan synth`'s gold.jsonl as a gold corpus directory (goldspan.toml, docs/ID.txt,
ID.ann, ID.meta.toml), for benchmarks of `goldspan run`, which reads corpus directories.

`goldspan convert --to gold` writes the same files, but atomically with an fsync each: three
per document, which takes minutes at 100,000 documents. This script writes them plainly.

The .ann lines are goldspan's gold standoff: `T<n>\t<LABEL> <start> <end>\t<covered text>`,
offsets in code points, end exclusive (docs/formats; synth spans are contiguous and its texts
have no line breaks, so every span fits on one line).

The manifest lists no splits (`goldspan run` takes every document then; `validate` says each
is in no split): reading a split of 100,000 ids costs seconds (goldspan-formats finds each
id's line by counting from the top of the file), which would blur what is measured.

Usage: tools/bench/synth_corpus.py GOLD.jsonl OUT_DIR
"""
import json
import os
import sys


def main():
    gold, out = sys.argv[1], sys.argv[2]
    docs = os.path.join(out, "docs")
    os.makedirs(docs, exist_ok=True)
    labels = []
    with open(gold, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            doc_id, text = record["id"], record["text"]
            base = os.path.join(docs, doc_id)
            with open(base + ".txt", "w", encoding="utf-8", newline="") as t:
                t.write(text)
            with open(base + ".ann", "w", encoding="utf-8", newline="") as a:
                for n, span in enumerate(record.get("spans", []), start=1):
                    start, end, label = span["start"], span["end"], span["label"]
                    if label not in labels:
                        labels.append(label)
                    a.write(f"T{n}\t{label} {start} {end}\t{text[start:end]}\n")
            meta = record.get("meta") or {}
            if meta:
                with open(base + ".meta.toml", "w", encoding="utf-8") as m:
                    for key in sorted(meta):
                        m.write(f"{key} = {json.dumps(str(meta[key]), ensure_ascii=False)}\n")
    with open(os.path.join(out, "goldspan.toml"), "w", encoding="utf-8") as m:
        m.write('format = 1\nname = "synth"\n\n[[layers]]\nname = "entities"\n')
        m.write("labels = [" + ", ".join(json.dumps(l) for l in sorted(labels)) + "]\n")


if __name__ == "__main__":
    main()
