#!/usr/bin/env bash
# Reproduces the "predictions written by other writers" figures in BENCHMARKS.md: `goldspan
# score` on the same N predictions in goldspan's own layout and as Python's `json.dumps`
# writes them (", " and ": " separators, non-ASCII escaped), side by side, interleaved
# REPEATS times (the two alternating which goes first), wall and CPU time (user + system) from
# /usr/bin/time; then nervaluate 1.2.1's evaluate() alone on the same spans, once.
#
# Usage: tools/bench/writers.sh [DOCS] [REPEATS]        (default: 100000 5)
# Data goes to $BENCH_DIR (default /work/scratch/bench/writers); nervaluate is installed in the
# virtualenv $VENV (default ~/.cache/goldspan/bench-venv), never inside the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-100000}
repeats=${2:-5}
# PROFILE=profiling measures the faster-to-build `profiling` profile (release without fat LTO).
profile=${PROFILE:-release}
[ -n "${NO_BUILD:-}" ] || cargo build --profile "$profile" -q --bin goldspan
bin=$PWD/target/$profile/goldspan
venv=${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/goldspan/bench-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r tools/parity/requirements.txt
dir=${BENCH_DIR:-/work/scratch/bench/writers}/$docs
mkdir -p "$dir"
[ -f "$dir/pred.jsonl" ] || "$bin" synth --docs "$docs" --seed 1 "$dir" > /dev/null
[ -f "$dir/pred-dumps.jsonl" ] || python3 tools/bench/relayout.py dumps "$dir/pred.jsonl" "$dir/pred-dumps.jsonl"
# One score: prints "wall_seconds cpu_seconds".
seconds() {
  /usr/bin/time -o "$dir/time" -f "%e %U %S" "$bin" score --gold "$dir/gold.jsonl" --pred "$1" --format json \
    > /dev/null 2>&1
  read -r wall user sys < "$dir/time"
  python3 -c "print($wall, round($user + $sys, 2))"
}
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
# The two layouts must score alike before their times mean anything.
"$bin" score --gold "$dir/gold.jsonl" --pred "$dir/pred.jsonl" --format json > "$dir/own.json"
"$bin" score --gold "$dir/gold.jsonl" --pred "$dir/pred-dumps.jsonl" --format json > "$dir/dumps.json"
python3 - "$dir/own.json" "$dir/dumps.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.pop("manifest", None)
assert a == b, "the two layouts score differently"
PY
own=()
dumps=()
for r in $(seq "$repeats"); do
  if [ $((r % 2)) = 1 ]; then
    own+=("$(seconds "$dir/pred.jsonl")")
    dumps+=("$(seconds "$dir/pred-dumps.jsonl")")
  else
    dumps+=("$(seconds "$dir/pred-dumps.jsonl")")
    own+=("$(seconds "$dir/pred.jsonl")")
  fi
  echo "repeat $r (wall cpu): goldspan's layout ${own[-1]}, json.dumps ${dumps[-1]}; load $(cut -d' ' -f1 /proc/loadavg)" >&2
done
nerv=$("$venv/bin/python" tools/bench/nervaluate_time.py "$dir")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$docs" "$nerv" "${own[*]}" "${dumps[*]}" <<'PY'
import json, statistics, sys
docs, nerv = int(sys.argv[1]), json.loads(sys.argv[2])
own = [float(x) for x in sys.argv[3].split()]
dumps = [float(x) for x in sys.argv[4].split()]
own_wall, own_cpu, dumps_wall, dumps_cpu = own[0::2], own[1::2], dumps[0::2], dumps[1::2]
n, n_cpu = nerv["evaluate_seconds"], nerv["evaluate_cpu_seconds"]
print("| predictions written by | runs | wall, median (s) | wall, range (s) | CPU, median (s) | nervaluate ÷ score, wall | nervaluate ÷ score, CPU |")
print("|---|---|---|---|---|---|---|")
for name, wall, cpu in [("goldspan (serde, compact)", own_wall, own_cpu), ("Python json.dumps", dumps_wall, dumps_cpu)]:
    m, c = statistics.median(wall), statistics.median(cpu)
    print(f"| {name} | {len(wall)} | {m:.2f} | {min(wall):.2f}–{max(wall):.2f} | {c:.2f} | {n / m:.0f}× | {n_cpu / c:.0f}× |")
print()
print(f"{docs:,} documents, {nerv['spans']:,} gold spans; nervaluate evaluate() alone: {n:.1f} s wall, "
      f"{n_cpu:.1f} s CPU; strict counts {nerv['strict']}")
print(f"json.dumps layout ÷ goldspan's layout, medians: wall {statistics.median(dumps_wall) / statistics.median(own_wall):.2f}, "
      f"CPU {statistics.median(dumps_cpu) / statistics.median(own_cpu):.2f}")
PY
