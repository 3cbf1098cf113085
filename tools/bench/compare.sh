#!/usr/bin/env bash
# Reproduces the scoring figures in BENCHMARKS.md: `goldspan score` (whole command: reading
# both files, all four SemEval modes) against nervaluate 1.2.1's evaluate() alone on the same
# spans already in memory, plus the time to merely read and parse the files and peak memory.
#
# Usage: tools/bench/compare.sh [DOCS...]        (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q --bin goldspan
bin=target/release/goldspan
# nervaluate lives in a virtualenv outside the repository.
venv=${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/goldspan/bench-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r tools/parity/requirements.txt
work=${TMPDIR:-/tmp}/goldspan-bench
mkdir -p "$work"
best() { sort -n | head -1; }
echo "| documents | spans | goldspan score (s) | read+parse only (s) | scoring share | peak RSS (MB) | nervaluate evaluate() (s) | ratio |"
echo "|---|---|---|---|---|---|---|---|"
for docs in "${@:-10000 100000}"; do
  for n in $docs; do
    dir="$work/$n"
    [ -f "$dir/pred.jsonl" ] || "$bin" synth --docs "$n" --seed 1 "$dir" > /dev/null
    score=$(for _ in 1 2 3; do /usr/bin/time -f "%e %M" "$bin" score --gold "$dir/gold.jsonl" --pred "$dir/pred.jsonl" 2>&1 >/dev/null | tail -1; done | sort -n | head -1)
    parse=$(for _ in 1 2 3; do /usr/bin/time -f "%e" "$bin" score --gold "$dir/gold.jsonl" --pred "$dir/pred.jsonl" --layer none 2>&1 >/dev/null | tail -1; done | best)
    nerv=$("$venv/bin/python" tools/bench/nervaluate_time.py "$dir")
    read -r seconds rss <<<"$score"
    spans=$(echo "$nerv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["spans"])')
    nerv_s=$(echo "$nerv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["evaluate_seconds"])')
    python3 - "$n" "$spans" "$seconds" "$parse" "$rss" "$nerv_s" <<'PY'
import sys
n, spans, s, p, rss, nerv = sys.argv[1:]
s, p, rss, nerv = float(s), float(p), int(rss), float(nerv)
print(f"| {int(n):,} | {int(spans):,} | {s:.2f} | {p:.2f} | {(s - p) / p:+.0%} | {rss / 1024:.0f} | {nerv:.1f} | {nerv / s:.1f}x |")
PY
  done
done
