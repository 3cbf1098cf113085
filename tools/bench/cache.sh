#!/usr/bin/env bash
# Reproduces the cache and protocol figures in BENCHMARKS.md ("A cached `cmd:` run"): four
# runs over the same N synthetic documents (a corpus directory, `synth --layout corpus`), side
# by side, interleaved REPEATS times, wall and CPU time from /usr/bin/time:
#
#   file       `run --no-cache --extractor file:P`, P being the predictions the trivial
#              extractor gives (saved once, before timing, by a cmd: run): everything a run
#              does but the extractor and its protocol;
#   cmd        `run --no-cache --extractor cmd:X`, X the trivial extractor;
#   cold       the same with an empty cache (`--cache DIR`, DIR removed first): every output
#              extracted and written to the cache;
#   warm       the same again with that cache full: every output read from it.
#
# Cache overhead = cold ÷ cmd − 1. Protocol overhead per document = (cmd − file) ÷ N, wall time:
# what serving a document through the `cmd:` protocol adds to a run, the trivial extractor's
# own work included (which is measured apart: the extractor alone, fed the same requests from
# a file, single-threaded).
#
# The extractor is a trivial one (crates/goldspan-cli/examples/lean_extractor.rs: each
# capitalised word a PERSON, the answers of the tests' fault_extractor without flags), a Rust
# program written so that its own work is small; EXTRACTOR=fault_extractor measures through
# the tests' program instead, as the figures before 2026-12-07 night did.
#
# Usage: tools/bench/cache.sh [DOCS] [REPEATS]        (default: 100000 5)
# Data goes to $BENCH_DIR (default /work/scratch/bench/cache), left there for reruns.
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-100000}
repeats=${2:-5}
# PROFILE=profiling measures the faster-to-build `profiling` profile (release without fat LTO).
profile=${PROFILE:-release}
[ -n "${NO_BUILD:-}" ] || cargo build --profile "$profile" -q -p goldspan-cli --bin goldspan --example "${EXTRACTOR:-lean_extractor}"
bin=$PWD/target/$profile/goldspan
extractor=$PWD/target/$profile/examples/${EXTRACTOR:-lean_extractor}
work=${BENCH_DIR:-/work/scratch/bench/cache}/$docs
mkdir -p "$work"
if [ ! -f "$work/corpus/goldspan.toml" ]; then
  "$bin" synth --docs "$docs" --seed 1 "$work" > /dev/null
  "$bin" synth --docs "$docs" --seed 1 --layout corpus "$work" > /dev/null
fi
spec="cmd:$extractor"
common=(run --corpus "$work/corpus" --layer entities --format json)
# The trivial extractor's predictions, for the file: run.
[ -f "$work/trivial-$(basename "$extractor").jsonl" ] ||
  "$bin" "${common[@]}" --no-cache --extractor "$spec" --save-predictions "$work/trivial-$(basename "$extractor").jsonl" > /dev/null
# One run: prints "wall_seconds cpu_seconds".
measure() {
  /usr/bin/time -o "$work/time" -f "%e %U %S" "$bin" "${common[@]}" "$@" > "$work/out.json"
  read -r wall user sys < "$work/time"
  python3 -c "print($wall, round($user + $sys, 2))"
}
# The four runs score alike (the file: run is checked against the cmd: run's results).
same() {
  python3 - "$work/reference.json" "$work/out.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
metrics = lambda r: json.dumps([r["total"], r["documents"]], sort_keys=True)
assert metrics(a) == metrics(b), "runs score differently"
PY
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
rows=()
for r in $(seq "$repeats"); do
  file=$(measure --no-cache --extractor "file:$work/trivial-$(basename "$extractor").jsonl")
  [ -f "$work/reference.json" ] || cp "$work/out.json" "$work/reference.json"
  same
  cmd=$(measure --no-cache --extractor "$spec")
  same
  rm -rf "$work/cache"
  cold=$(measure --cache "$work/cache" --extractor "$spec")
  same
  warm=$(measure --cache "$work/cache" --extractor "$spec")
  same
  echo "repeat $r (wall cpu): file $file, cmd $cmd, empty cache $cold, full cache $warm; load $(cut -d' ' -f1 /proc/loadavg)" >&2
  rows+=("$file $cmd $cold $warm")
done
cache_size=$(du -sb "$work/cache" | cut -f1)
# The extractor alone, single-threaded, on the requests goldspan sends it.
python3 - "$work/gold.jsonl" "$work/requests.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        r = json.loads(line)
        out.write(json.dumps({"goldspan": 1, "id": r["id"], "text": r["text"], "meta": r.get("meta", {})}, ensure_ascii=False) + "\n")
PY
alone=$(for _ in 1 2 3; do
  /usr/bin/time -f "%U %S" "$extractor" < "$work/requests.jsonl" 2>&1 > /dev/null | tail -1
done | python3 -c "import sys; print(min(float(u) + float(s) for u, s in (l.split() for l in sys.stdin)))")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$docs" "$cache_size" "$alone" "${rows[@]}" <<'PY'
import statistics, sys
docs, size, alone = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rows = [list(map(float, r.split())) for r in sys.argv[4:]]
names = ["file:", "cmd:", "cmd:, empty cache", "cmd:, full cache"]
print("| run | wall, median (s) | wall, range (s) | CPU, median (s) | µs per document (wall) |")
print("|---|---|---|---|---|")
med = {}
for k, name in enumerate(names):
    wall = [r[2 * k] for r in rows]
    cpu = [r[2 * k + 1] for r in rows]
    med[name] = statistics.median(wall)
    print(f"| {name} | {med[name]:.2f} | {min(wall):.2f}–{max(wall):.2f} | {statistics.median(cpu):.2f} | {med[name] / docs * 1e6:.0f} |")
over = [r[4] / r[2] - 1 for r in rows]
proto = [(r[2] - r[0]) / docs * 1e6 for r in rows]
print()
print(f"{len(rows)} rounds, {docs:,} documents. Cache overhead (empty cache ÷ cmd: − 1, each round): "
      f"median {statistics.median(over):+.1%}, range {min(over):+.1%} to {max(over):+.1%}")
print(f"protocol overhead ((cmd: − file:) ÷ documents, each round): median {statistics.median(proto):.1f} µs, "
      f"range {min(proto):.1f} to {max(proto):.1f} µs per document")
print(f"the extractor alone (single-threaded, CPU): {alone / docs * 1e6:.1f} µs per document; "
      f"cache size {size / 2**20:.0f} MiB")
PY
