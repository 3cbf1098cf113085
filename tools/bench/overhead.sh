#!/usr/bin/env bash
# Reproduces the "run without extraction" figures in BENCHMARKS.md: what `goldspan run` costs a
# document when the extractor costs nothing — reading and checking the gold, the corpus hash,
# scoring, the results. The extractor is `file:` over a predictions file holding an empty
# record for every document (`{"id":ID,"spans":[]}`, a few dozen bytes), so all a document's
# extraction costs is finding and reading that line.
#
# The same N synthetic documents (`goldspan synth --seed 1`) as a corpus directory (three files
# a document) and as one JSON Lines file; each run side by side with BASELINE's when given,
# interleaved REPEATS times; wall and CPU time (user + system) and peak memory from
# /usr/bin/time.
#
# Usage: tools/bench/overhead.sh [DOCS] [REPEATS]       (default: 100000 5)
# PROFILE=profiling measures the `profiling` build; NO_BUILD=1 skips the build; BASELINE=PATH
# adds another goldspan binary. Data goes to $BENCH_DIR (default /work/scratch/bench/overhead).
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-100000}
repeats=${2:-5}
profile=${PROFILE:-release}
[ -n "${NO_BUILD:-}" ] || cargo build --profile "$profile" -q -p goldspan-cli --bin goldspan
bin=$PWD/target/$profile/goldspan
work=${BENCH_DIR:-/work/scratch/bench/overhead}/$docs
mkdir -p "$work"
if [ ! -f "$work/corpus/goldspan.toml" ]; then
  "$bin" synth --docs "$docs" --seed 1 "$work" > /dev/null
  "$bin" synth --docs "$docs" --seed 1 --layout corpus "$work" > /dev/null
fi
[ -f "$work/empty.jsonl" ] || python3 - "$work/gold.jsonl" "$work/empty.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as gold, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in gold:
        out.write(json.dumps({"id": json.loads(line)["id"], "spans": []}) + "\n")
PY
binaries=("this:$bin")
[ -z "${BASELINE:-}" ] || binaries+=("baseline:$BASELINE")
# One run: prints "wall_seconds cpu_seconds peak_kb".
measure() {
  /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$1" run --no-cache --layer entities --format json \
    --extractor "file:$work/empty.jsonl" --corpus "$2" > "$work/out.json" 2> /dev/null
  read -r wall user sys peak < "$work/time"
  python3 -c "print($wall, round($user + $sys, 2), $peak)"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
rows=()
for r in $(seq "$repeats"); do
  for layout in dir jsonl; do
    corpus=$work/corpus
    [ "$layout" = jsonl ] && corpus=$work/gold.jsonl
    for named in "${binaries[@]}"; do
      m=$(measure "${named#*:}" "$corpus")
      echo "  $layout ${named%%:*} repeat $r: $m" >&2
      rows+=("$layout ${named%%:*} $m")
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$docs" "${rows[@]}" <<'PY'
import statistics, sys
from collections import defaultdict
docs = int(sys.argv[1])
runs = defaultdict(list)
for row in sys.argv[2:]:
    layout, binary, wall, cpu, peak = row.split()
    runs[(layout, binary)].append((float(wall), float(cpu), int(peak)))
print("| gold | binary | runs | wall, median (s) | wall, range (s) | µs per document (wall) | CPU µs per document | peak RSS, max (MB) |")
print("|---|---|---|---|---|---|---|---|")
for (layout, binary), ms in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1] != "this")):
    wall = [m[0] for m in ms]
    cpu = statistics.median(m[1] for m in ms)
    name = {"dir": "corpus directory", "jsonl": "JSON Lines file"}[layout]
    print(f"| {name} | {binary} | {len(ms)} | {statistics.median(wall):.2f} | {min(wall):.2f}–{max(wall):.2f} | "
          f"{statistics.median(wall) / docs * 1e6:.1f} | {cpu / docs * 1e6:.1f} | {max(m[2] for m in ms) / 1024:.0f} |")
PY
