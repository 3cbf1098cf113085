#!/usr/bin/env bash
# Reproduces the long-document figures in BENCHMARKS.md: each built-in extractor once through
# one document of 5 MB and one of 50 MB, in ROUNDS rounds, the sizes interleaved. Prints for
# each extractor and shape: MB/s at each size by wall time of the extraction alone, and by CPU
# time (user + system, /usr/bin/time, with that of building the text subtracted), which a
# loaded machine disturbs less; medians of the rounds with the spread; the ratio of the cost
# per MB at 50 MB to that at 5 MB (1.00 is exactly linear); and peak memory at 50 MB.
#
# The documents are those of the `extract_long` criterion bench (goldspan_benches::
# long_news_text: the texts of corpus/news in id order, each followed by a blank line, over and
# over), built in memory by benches/examples/extract_long.rs; `one-line` is the same text with
# every line break replaced by a space: one paragraph of 50 MB.
#
# Usage: tools/bench/extractor-sizes.sh [ROUNDS] [SHAPES]   (default 3, "news one-line")
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
shapes=${2:-news one-line}
cargo build --release -q -p goldspan-benches --example extract_long
bin=$PWD/target/release/examples/extract_long
work=$(mktemp -d "${TMPDIR:-/tmp}/goldspan-long.XXXXXX")
trap 'rm -rf "$work"' EXIT

# measure EXTRACTOR MB SHAPE ROUND: appends "extractor shape mb round wall_s cpu_s rss_kb".
measure() {
  /usr/bin/time -f "%U %S %M" -o "$work/time.txt" "$bin" "$1" "$2" "$3" > "$work/out.txt"
  read -r _ _ _ _ seconds _ < "$work/out.txt"
  read -r user system rss < <(tail -1 "$work/time.txt")
  echo "$1 $3 $2 $4 $seconds $(python3 -c "print($user + $system)") $rss" | tee -a "$work/results.txt" >&2
}

: > "$work/results.txt"
for shape in $shapes; do
  for mb in 5 50; do
    measure none "$mb" "$shape" 0
  done
done
for round in $(seq 1 "$rounds"); do
  for extractor in entities-rules quotes-rules structure-rules; do
    for shape in $shapes; do
      for mb in 5 50; do
        measure "$extractor" "$mb" "$shape" "$round"
      done
    done
  done
done

python3 - "$work/results.txt" "$shapes" <<'PY'
import collections, statistics, sys
wall = collections.defaultdict(list)
cpu = collections.defaultdict(list)
rss = collections.defaultdict(int)
base = collections.defaultdict(list)
rows = [line.split() for line in open(sys.argv[1])]
for extractor, shape, mb, _, w, c, kb in rows:
    if extractor == "none":
        base[(shape, int(mb))].append(float(c))
for extractor, shape, mb, _, w, c, kb in rows:
    key = (extractor, shape, int(mb))
    if extractor == "none":
        continue
    wall[key].append(key[2] / float(w))
    cpu[key].append(key[2] / max(float(c) - min(base[(shape, int(mb))]), 1e-3))
    rss[key] = max(rss[key], int(kb))
cell = lambda v: f"{statistics.median(v):.1f} ({min(v):.1f}–{max(v):.1f})"
ratio = lambda d, small, large: statistics.median(d[small]) / statistics.median(d[large])
print("| extractor | document | MB/s at 5 MB (wall) | at 50 MB (wall) | per MB, 50/5 (wall) | MB/s at 5 MB (CPU) | at 50 MB (CPU) | per MB, 50/5 (CPU) | peak RSS at 50 MB |")
print("|---|---|---|---|---|---|---|---|---|")
for extractor in ["entities-rules", "quotes-rules", "structure-rules"]:
    for shape in sys.argv[2].split():
        small, large = (extractor, shape, 5), (extractor, shape, 50)
        print(f"| {extractor} | {shape} | {cell(wall[small])} | {cell(wall[large])} | {ratio(wall, small, large):.2f} "
              f"| {cell(cpu[small])} | {cell(cpu[large])} | {ratio(cpu, small, large):.2f} | {rss[large] / 1024:.0f} MB |")
PY
