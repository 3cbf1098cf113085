#!/usr/bin/env bash
# Reproduces the shard figures in docs/scale.md: a `file:` run over DOCS synthetic documents on
# one machine, the same run as SHARDS shards one after another (each shard's wall time and peak
# memory), and `goldspan merge` of the partials (wall time and peak memory), with bootstrap
# intervals (1,000 resamples) and the error listing on, as in a full evaluation, or the
# scoring arguments in SETTINGS (SETTINGS="" for counts only); the merged results are checked
# to equal the one-machine run byte for byte. Work files go under WORK (default
# ${TMPDIR:-/tmp}/goldspan-bench-shards), removed at the end.
#
# Usage: [GOLDSPAN=BINARY] tools/bench/shards.sh [DOCS] [SHARDS] [WORK]   (default: 100000 16)
set -euo pipefail
cd "$(dirname "$0")/../.."
docs=${1:-100000}
shards=${2:-16}
work=${3:-${TMPDIR:-/tmp}/goldspan-bench-shards}/$docs
# GOLDSPAN names a goldspan binary to measure instead of building one.
if [ -z "${GOLDSPAN:-}" ]; then
  cargo build --release -q -p goldspan-cli --bin goldspan
fi
bin=$(realpath "${GOLDSPAN:-target/release/goldspan}")
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
"$bin" synth "$work" --docs "$docs" --seed 1 > /dev/null
read -r -a settings <<<"${SETTINGS---bootstrap 1000 --errors}"
args=(--extractor "file:$work/pred.jsonl" --corpus "$work/gold.jsonl" --no-cache "${settings[@]}")
# Wall seconds and peak resident memory (MB) of one command, as "S MB".
measure() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null 2>&1
  awk '{ printf "%s %.0f", $1, $2 / 1024 }' "$work/time"
}
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; $docs documents, $shards shards; settings: ${settings[*]:-none}"
read -r s mb <<<"$(measure "$bin" run "${args[@]}" --output "$work/one.json")"
echo "one machine: ${s} s, ${mb} MB peak, $(awk -v d="$docs" -v s="$s" 'BEGIN { printf "%.0f", d / s }') documents/s"
total=0
for k in $(seq 0 $((shards - 1))); do
  read -r s mb <<<"$(measure "$bin" run "${args[@]}" --shard "$k/$shards" --partial "$work/partial-$k.jsonl")"
  echo "shard $k/$shards: ${s} s, ${mb} MB peak"
  total=$(awk -v a="$total" -v b="$s" 'BEGIN { print a + b }')
done
echo "shards together: ${total} s; partials: $(du -cb "$work"/partial-*.jsonl | tail -n 1 | cut -f1) bytes"
read -r s mb <<<"$(measure "$bin" merge "$work"/partial-*.jsonl --output "$work/merged.json")"
echo "merge of $shards partials: ${s} s, ${mb} MB peak"
cmp "$work/one.json" "$work/merged.json" && echo "merged results equal the one-machine run byte for byte"
