#!/usr/bin/env bash
# Reproduces the "run at scale" figures in BENCHMARKS.md: `goldspan run` with a `file:`
# extractor (the predictions `goldspan synth` wrote) over synthetic corpora of each size given,
# so what is measured is everything a run does but extraction: reading and checking every
# gold document, reading and checking every prediction, hashing, scoring, the results.
#
# Each size is written as zstd-compressed JSON Lines (`synth --layout zst`; a million documents
# as a directory would be three million files, about 12 GB on disk), and, for the first size,
# also as a corpus directory (`synth --layout corpus`), the layout of a real gold corpus. The
# runs of one size are interleaved REPEATS times; wall time, CPU time and peak memory come
# from /usr/bin/time.
#
# Usage: tools/bench/scale.sh [REPEATS] [SIZES...]     (default: 3 100000 300000 1000000)
# With BASELINE=/path/to/another/goldspan, every run is repeated with that binary right after
# this one's (say, a release build of main), on the same data, so the two are compared under
# the same load; its rows are marked "baseline".
# Data goes to $SCALE_DIR (default /work/scratch/scale/data), removed size by size; the
# compressed files are decompressed into unnamed temporary files in $TMPDIR while a run reads
# them (about 6.6 KB a document), so point TMPDIR at a disk with room.
set -euo pipefail
cd "$(dirname "$0")/../.."
repeats=${1:-3}
shift || true
sizes=("${@:-100000 300000 1000000}")
read -r -a sizes <<<"${sizes[*]}"
# PROFILE=profiling measures the faster-to-build `profiling` profile (release without fat LTO).
profile=${PROFILE:-release}
[ -n "${NO_BUILD:-}" ] || cargo build --profile "$profile" -q -p goldspan-cli --bin goldspan
bin=$PWD/target/$profile/goldspan
root=${SCALE_DIR:-/work/scratch/scale/data}
mkdir -p "$root"
# One run of binary $1: prints "wall_seconds cpu_seconds peak_kb".
measure() {
  /usr/bin/time -o "$root/time" -f "%e %U %S %M" "$1" run --no-cache --layer entities --format json \
    --extractor "file:$2" --corpus "$3" > /dev/null 2>&1
  read -r wall user sys peak < "$root/time"
  python3 -c "print($wall, round($user + $sys, 2), $peak)"
}
binaries=("this:$bin")
[ -z "${BASELINE:-}" ] || binaries+=("baseline:$BASELINE")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
rows=()
first=1
for n in "${sizes[@]}"; do
  dir=$root/$n
  rm -rf "$dir"
  "$bin" synth --docs "$n" --seed 1 --layout zst "$dir/zst" > /dev/null
  layouts=("zst")
  if [ "$first" = 1 ]; then
    "$bin" synth --docs "$n" --seed 1 --layout corpus "$dir/dir" > /dev/null
    layouts+=("dir")
  fi
  echo "size $n: gold $(du -sh "$dir/zst/gold.jsonl.zst" | cut -f1) compressed" >&2
  for r in $(seq "$repeats"); do
    for layout in "${layouts[@]}"; do
      for named in "${binaries[@]}"; do
        name=${named%%:*}
        if [ "$layout" = zst ]; then
          m=$(measure "${named#*:}" "$dir/zst/pred.jsonl.zst" "$dir/zst/gold.jsonl.zst")
        else
          m=$(measure "${named#*:}" "$dir/dir/pred.jsonl" "$dir/dir/corpus")
        fi
        echo "  $layout $name repeat $r: $m" >&2
        rows+=("$n $layout $name $m")
      done
    done
  done
  rm -rf "$dir"
  first=0
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "${rows[@]}" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for row in sys.argv[1:]:
    n, layout, binary, wall, cpu, peak = row.split()
    runs[(int(n), layout, binary)].append((float(wall), float(cpu), int(peak)))
binaries = sorted({k[2] for k in runs}, key=lambda b: b != "this")
print("| documents | corpus | binary | runs | wall, median (s) | µs per document (wall) | CPU µs per document | peak RSS, max (MB) |")
print("|---|---|---|---|---|---|---|---|")
for (n, layout, binary), ms in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1], binaries.index(kv[0][2]))):
    wall = statistics.median(m[0] for m in ms)
    cpu = statistics.median(m[1] for m in ms)
    peak = max(m[2] for m in ms)
    name = {"zst": "JSON Lines, zstd", "dir": "directory"}[layout]
    print(f"| {n:,} | {name} | {binary} | {len(ms)} | {wall:.1f} | {wall / n * 1e6:.1f} | {cpu / n * 1e6:.1f} | {peak / 1024:.0f} |")
PY
