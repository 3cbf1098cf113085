#!/bin/bash
# Submits a goldspan run split into N shards: an array job (one shard per task) and a merge job
# that runs when every shard succeeded (--dependency=afterok). Prints the two job ids.
#   deploy/slurm/submit.sh N OUT [goldspan run arguments...]
# e.g. deploy/slurm/submit.sh 64 /shared/runs/ner --extractor 'cmd:python ner.py' --corpus /shared/corpus
# The merge job gets goldspan merge's arguments from MERGE_ARGS (split at spaces), e.g.
# MERGE_ARGS="--error-limit 100".
# Extra sbatch options (partition, time, CPUs) go in SBATCH_* environment variables, which
# sbatch reads: SBATCH_PARTITION=gpu SBATCH_TIMELIMIT=2:00:00 deploy/slurm/submit.sh ...
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 N OUT [goldspan run arguments...]" >&2
  exit 2
fi
shards=$1 out=$2
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
array=$(sbatch --parsable --chdir="$out" --array="0-$((shards - 1))" \
  --export="ALL,OUT=$out,SHARDS=$shards" "$here/shards.sbatch" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --chdir="$out" --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --export="ALL,OUT=$out" "$here/merge.sbatch" ${MERGE_ARGS:-})
merge=${merge%%;*}
echo "array job $array ($shards shards), merge job $merge; results in $out/results.json"
