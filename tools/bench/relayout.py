#!/usr/bin/env python3
"""Rewrites a JSON Lines file in the layout another writer would give it, record for record, so
benchmarks and tests can read the same data as Python's `json.dumps`, `orjson` or JavaScript's
`JSON.stringify` would have written it.

Layouts (each keeps the records' meaning; only bytes change):
  dumps     json.dumps(record): ", " and ": " separators, non-ASCII escaped as \\uXXXX
            (astral characters as surrogate pairs), keys in the order read;
  dumps-utf8  the same with ensure_ascii=False (characters as themselves);
  sorted    json.dumps(record, sort_keys=True), keys sorted at every level;
  compact   json.dumps(record, separators=(",", ":"), ensure_ascii=False): the compact
            layout of orjson, serde_json and JSON.stringify;
  crlf      compact, each line ended by CRLF (a Windows writer).

Usage: tools/bench/relayout.py LAYOUT IN.jsonl OUT.jsonl
"""
import json
import sys


def main():
    layout, source, target = sys.argv[1:4]
    dump = {
        "dumps": lambda r: json.dumps(r),
        "dumps-utf8": lambda r: json.dumps(r, ensure_ascii=False),
        "sorted": lambda r: json.dumps(r, sort_keys=True),
        "compact": lambda r: json.dumps(r, separators=(",", ":"), ensure_ascii=False),
        "crlf": lambda r: json.dumps(r, separators=(",", ":"), ensure_ascii=False),
    }[layout]
    end = "\r\n" if layout == "crlf" else "\n"
    with open(source, encoding="utf-8") as f, open(target, "w", encoding="utf-8", newline="") as out:
        for line in f:
            if line.strip():
                out.write(dump(json.loads(line)) + end)


if __name__ == "__main__":
    main()
