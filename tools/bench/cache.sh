#!/usr/bin/env bash
# Reproduces the cache figures in BENCHMARKS.md: a `cmd:` run over N synthetic documents
# without the cache, with an empty cache (every output written) and with a full one (every
# output read), side by side, REPEATS times interleaved; and the protocol's cost per document
# (a single-threaded `goldspan bench` round trip against the extractor alone on the same
# requests).
#
# The extractor is the trivial one the CLI tests use (crates/goldspan-cli/examples/
# fault_extractor.rs with no flags: each capitalised word a PERSON), a Rust program, so its own
# time is small and measured apart.
#
# Usage: tools/bench/cache.sh [DOCS] [REPEATS]        (default: 100000 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-100000}
repeats=${2:-5}
cargo build --release -q -p goldspan-cli --bin goldspan --example fault_extractor
bin=$PWD/target/release/goldspan
extractor=$PWD/target/release/examples/fault_extractor
work=${BENCH_DIR:-${TMPDIR:-/tmp}}/goldspan-bench-cache/$docs
mkdir -p "$work"
if [ ! -f "$work/corpus/goldspan.toml" ]; then
  "$bin" synth --docs "$docs" --seed 1 "$work" > /dev/null
  "$bin" synth --docs "$docs" --seed 1 --layout corpus "$work" > /dev/null
fi
spec="cmd:$extractor"
# Wall seconds of one command.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.3f}')"
}
run() { "$bin" run --extractor "$spec" --corpus "$work/corpus" --format json "$@"; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
results=()
for r in $(seq "$repeats"); do
  rm -rf "$work/cache"
  uncached=$(seconds run --no-cache)
  cold=$(seconds run --cache "$work/cache")
  warm=$(seconds run --cache "$work/cache")
  echo "repeat $r: uncached $uncached s, empty cache $cold s, full cache $warm s" >&2
  results+=("$uncached $cold $warm")
done
cache_size=$(du -sb "$work/cache" | cut -f1)
# The extractor alone on the requests goldspan sends it, and goldspan's round trips.
python3 - "$work/gold.jsonl" "$work/requests.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        r = json.loads(line)
        out.write(json.dumps({"goldspan": 1, "id": r["id"], "text": r["text"], "meta": r.get("meta", {})}, ensure_ascii=False) + "\n")
PY
alone=$(for _ in 1 2 3; do seconds sh -c "'$extractor' < '$work/requests.jsonl'"; done | sort -n | head -1)
bench=$("$bin" bench --extractor "$spec" --corpus "$work/corpus" --repeat 1 --format json)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$docs" "$cache_size" "$alone" "$bench" "${results[@]}" <<'PY'
import json, statistics, sys
docs, size, alone, bench = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
rows = [tuple(map(float, r.split())) for r in sys.argv[5:]]
print("| repeat | no cache (s) | empty cache (s) | overhead | full cache (s) |")
print("|---|---|---|---|---|")
for i, (u, c, w) in enumerate(rows, 1):
    print(f"| {i} | {u:.2f} | {c:.2f} | {c / u - 1:+.1%} | {w:.2f} |")
over = [c / u - 1 for u, c, _ in rows]
print()
print(f"overhead of an empty cache: median {statistics.median(over):+.1%}, range {min(over):+.1%} to {max(over):+.1%}")
print(f"best times: no cache {min(r[0] for r in rows):.2f} s, empty cache {min(r[1] for r in rows):.2f} s, "
      f"full cache {min(r[2] for r in rows):.2f} s; cache size {size / 2**20:.0f} MiB for {docs:,} documents")
single = bench["single_thread"]
per_doc = single["seconds"] / docs * 1e6
alone_doc = alone / docs * 1e6
print(f"protocol: a single-threaded round trip {per_doc:.1f} µs per document, the extractor alone "
      f"{alone_doc:.1f} µs: {per_doc - alone_doc:.1f} µs per document of protocol")
PY
