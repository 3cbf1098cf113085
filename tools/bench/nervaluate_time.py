"""Times nervaluate's evaluate() on a goldspan synth workload, spans already in memory.

Usage: $VENV/bin/python tools/bench/nervaluate_time.py OUT_DIR   (OUT_DIR from `goldspan synth`)

Reads OUT_DIR/gold.jsonl and OUT_DIR/pred.jsonl, converts every entity span to nervaluate's
dict format (end inclusive, as nervaluate counts it), builds the Evaluator, and times only the
evaluate() call. Prints its wall and CPU seconds (on a loaded machine the CPU time is what to
read: one thread, it is about what the call takes on an idle core) and the strict micro
counts, so the numbers can be checked against `goldspan score` on the same files.
"""

import json
import sys
import time

from nervaluate import Evaluator


def load(path):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            docs.append(
                [{"label": s["label"], "start": s["start"], "end": s["end"] - 1} for s in record.get("spans", [])]
            )
    return docs


def main():
    out = sys.argv[1]
    gold = load(f"{out}/gold.jsonl")
    pred = load(f"{out}/pred.jsonl")
    labels = sorted({s["label"] for doc in gold + pred for s in doc})
    evaluator = Evaluator(gold, pred, tags=labels, loader="default")
    start, cpu_start = time.perf_counter(), time.process_time()
    results = evaluator.evaluate()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    strict = results["overall"]["strict"]
    print(json.dumps({
        "documents": len(gold),
        "spans": sum(len(d) for d in gold),
        "evaluate_seconds": round(seconds, 3),
        "evaluate_cpu_seconds": round(cpu_seconds, 3),
        "strict": {"cor": strict.correct, "inc": strict.incorrect, "mis": strict.missed, "spu": strict.spurious},
    }))


if __name__ == "__main__":
    main()
