"""Times goldspan's Python API against the `goldspan` command and nervaluate 1.2.1 on one
`goldspan synth` workload, side by side in one process, interleaved round by round.

Usage: python tools/bench/python_api.py OUT_DIR GOLDSPAN_BIN [ROUNDS]   (tools/bench/python.sh)

Each round times, in this order:
- cli: `goldspan score --gold gold.jsonl --pred pred.jsonl --format json` (the whole command);
- api-paths: `goldspan.score(gold.jsonl, pred.jsonl)`, the same files through the API;
- api-records: `goldspan.score(gold.jsonl, records)` with the predictions already in memory as
  a list of dicts (read with json.loads before the clock starts): the conversion from Python
  objects is timed, as the scoring;
- api-records-serde: the same, every record read through serde from the Python objects
  (`conversion="serde"` of the extension module) instead of as JSON lines: what the plain
  shape's fast path saves;
- api-both: gold and predictions both in memory as lists of dicts.
nervaluate's `Evaluator(...).evaluate()` is timed once (it takes about a minute), on the same
spans in memory (converted to its end-inclusive dicts before the clock starts). Medians are
printed as JSON with every timing, and the strict counts of each, which must agree.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import goldspan
from goldspan import _goldspan


def strict_counts(results: Dict[str, Any]) -> List[int]:
    micro = results["total"]["layers"]["entities"]["strict"]["micro"]
    return [micro[k] for k in ("cor", "inc", "mis", "spu")]


def read(path: Path) -> List[Dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main() -> None:
    out, binary = Path(sys.argv[1]), sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    gold_path, pred_path = out / "gold.jsonl", out / "pred.jsonl"
    gold_records, pred_records = read(gold_path), read(pred_path)

    def cli() -> List[int]:
        process = subprocess.run(
            [binary, "score", "--gold", str(gold_path), "--pred", str(pred_path), "--format", "json"],
            capture_output=True, text=True, check=True,
        )
        return strict_counts(json.loads(process.stdout))

    cases: Dict[str, Callable[[], List[int]]] = {
        "cli": cli,
        "api-paths": lambda: strict_counts(goldspan.score(gold_path, pred_path).to_dict()),
        "api-records": lambda: strict_counts(goldspan.score(gold_path, pred_records).to_dict()),
        "api-records-serde": lambda: strict_counts(json.loads(_goldspan.score(
            gold_path=str(gold_path), pred_records=pred_records, modes=list(goldspan.DEFAULT_MODES), conversion="serde"))),
        "api-both": lambda: strict_counts(goldspan.score(gold_records, pred_records).to_dict()),
    }
    times: Dict[str, List[float]] = {name: [] for name in cases}
    counts: Dict[str, List[int]] = {}
    for _ in range(rounds):
        for name, case in cases.items():
            start = time.perf_counter()
            counts[name] = case()
            times[name].append(round(time.perf_counter() - start, 3))

    from nervaluate import Evaluator

    def spans(records: List[Dict[str, Any]]) -> List[List[Dict[str, Any]]]:
        return [[{"label": s["label"], "start": s["start"], "end": s["end"] - 1} for s in r.get("spans", [])] for r in records]

    gold, pred = spans(gold_records), spans(pred_records)
    labels = sorted({s["label"] for doc in gold + pred for s in doc})
    evaluator = Evaluator(gold, pred, tags=labels, loader="default")
    start = time.perf_counter()
    nerv = evaluator.evaluate()
    times["nervaluate"] = [round(time.perf_counter() - start, 3)]
    strict = nerv["overall"]["strict"]
    counts["nervaluate"] = [strict.correct, strict.incorrect, strict.missed, strict.spurious]

    medians = {name: statistics.median(t) for name, t in times.items()}
    print(json.dumps({
        "documents": len(gold_records),
        "spans": sum(len(d) for d in gold),
        "median_seconds": medians,
        "times": times,
        "strict_counts": counts,
        "counts_agree": len({tuple(c) for c in counts.values()}) == 1,
        "api_records_over_cli": round(medians["api-records"] / medians["cli"], 2),
        "api_both_over_cli": round(medians["api-both"] / medians["cli"], 2),
        "nervaluate_over_api_records": round(medians["nervaluate"] / medians["api-records"], 1),
    }, indent=2))


if __name__ == "__main__":
    main()
