#!/usr/bin/env bash
# Measures what `goldspan score` costs when every prediction names a document the gold lacks:
# writes N (default 10 million) one-line records with unknown ids, scores them against the
# tiny corpus, and prints the peak memory and the size of what goldspan printed.
# Usage: tools/hostile/unknown-ids.sh [GOLDSPAN_BINARY] [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/goldspan}
n=${2:-10000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"id\": \"unknown-%d\", \"spans\": []}\n", i }' >"$work/pred.jsonl"
echo "predictions: $n records, $(stat -c %s "$work/pred.jsonl") bytes"
set +e
/usr/bin/time -f "peak memory: %M KiB; wall: %e s" "$bin" score --gold tests/fixtures/tiny --pred "$work/pred.jsonl" \
    >"$work/stdout" 2>"$work/stderr"
code=$?
set -e
echo "exit code: $code"
tail -n 1 "$work/stderr"
echo "printed: $(($(stat -c %s "$work/stdout") + $(stat -c %s "$work/stderr"))) bytes"
head -c 600 "$work/stderr"
