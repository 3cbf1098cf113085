#!/usr/bin/env bash
# Reproduces the long-document figures in BENCHMARKS.md: each built-in extractor through one
# document of 5 MB and one of 50 MB, measured side by side by `goldspan bench` (one thread), in
# ROUNDS rounds, the sizes interleaved; prints MB/s at each size (median of the rounds, and the
# spread), the ratio of the time per MB at 50 MB to that at 5 MB (1.0 is exactly linear), and
# peak memory. The documents (about 220 MB) live in a temporary directory under $TMPDIR,
# removed on exit.
#
# Two shapes of document: `news` is the texts of corpus/news in id order, each followed by a
# blank line, over and over (what benches/benches/extractors.rs builds); `one-line` is the same
# text with every line break replaced by a space: one 50 MB paragraph.
#
# Usage: tools/bench/extractor-sizes.sh [ROUNDS]        (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
cargo build --release -q --bin goldspan
bin=$PWD/target/release/goldspan
work=$(mktemp -d "${TMPDIR:-/tmp}/goldspan-long.XXXXXX")
trap 'rm -rf "$work"' EXIT

# corpus DIR BYTES SHAPE: a corpus of one document, `long`, without annotations.
corpus() {
  local dir=$1 bytes=$2 shape=$3
  [ -f "$dir/docs/long.txt" ] && return
  mkdir -p "$dir/docs"
  # The news manifest without its splits, which name documents this corpus does not have.
  sed '/^\[splits\]/,$d' corpus/news/goldspan.toml > "$dir/goldspan.toml"
  : > "$dir/docs/long.ann"
  python3 - "$dir/docs/long.txt" "$bytes" "$shape" <<'PY'
import pathlib, sys
out, size, shape = sys.argv[1], int(sys.argv[2]), sys.argv[3]
texts = "".join(p.read_text(encoding="utf-8") + "\n\n" for p in sorted(pathlib.Path("corpus/news/docs").glob("*.txt")))
data = (texts * (size // len(texts.encode()) + 1)).encode()
data = data[: data[:size].rfind(b"\n") + 1]
if shape == "one-line":
    data = data.replace(b"\r", b" ").replace(b"\n", b" ")
pathlib.Path(out).write_bytes(data)
PY
}

results=$work/results.txt
: > "$results"
for round in $(seq 1 "$rounds"); do
  for extractor in entities-rules quotes-rules structure-rules; do
    for shape in news one-line; do
      for mb in 5 50; do
        dir=$work/$shape-$mb
        corpus "$dir" $((mb * 1000000)) "$shape"
        json=$work/bench.json
        rss=$( { /usr/bin/time -f "%M" "$bin" bench --extractor "$extractor" --corpus "$dir" --repeat 1 \
          --jobs 1 --timeout 3600 --format json > "$json"; } 2>&1 | tail -1)
        mbs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["single_thread"]["megabytes_per_second"])' "$json")
        echo "$extractor $shape $mb $round $mbs $rss" | tee -a "$results" >&2
      done
    done
  done
done

python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
rss = collections.defaultdict(int)
for line in open(sys.argv[1]):
    extractor, shape, mb, _, mbs, kb = line.split()
    runs[(extractor, shape, int(mb))].append(float(mbs))
    rss[(extractor, shape, int(mb))] = max(rss[(extractor, shape, int(mb))], int(kb))
print("| extractor | document | MB/s at 5 MB | MB/s at 50 MB | time per MB, 50 MB / 5 MB | peak RSS at 50 MB |")
print("|---|---|---|---|---|---|")
for extractor in ["entities-rules", "quotes-rules", "structure-rules"]:
    for shape in ["news", "one-line"]:
        small, large = runs[(extractor, shape, 5)], runs[(extractor, shape, 50)]
        cell = lambda v: f"{statistics.median(v):.1f} ({min(v):.1f}–{max(v):.1f})"
        ratio = statistics.median(small) / statistics.median(large)
        print(f"| {extractor} | {shape} | {cell(small)} | {cell(large)} | {ratio:.2f} | {rss[(extractor, shape, 50)] / 1024:.0f} MB |")
PY
