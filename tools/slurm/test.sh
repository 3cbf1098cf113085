#!/usr/bin/env bash
# The Slurm path tested for real: starts a single-node Slurm cluster on this machine (munged,
# slurmctld and slurmd as root, from a generated slurm.conf whose process tracking needs no
# cgroups), submits deploy/slurm/'s array job (one shard per task) and its merge job through
# sbatch, waits for them, and checks the merged results equal a one-machine `goldspan run`
# byte for byte. Installs Debian's slurm-wlm and munge when missing. Everything it starts is
# stopped on exit, and its files (under a temporary directory) removed.
#   tools/slurm/test.sh [GOLDSPAN_BINARY] [SHARDS] [DOCUMENTS]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
goldspan="$(realpath "${1:-$repo/target/debug/goldspan}")"
shards="${2:-4}"
documents="${3:-2000}"
[ -x "$goldspan" ] || { echo "no goldspan binary at $goldspan (cargo build -p goldspan-cli)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root: it starts slurmd and munged" >&2; exit 2; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi
start=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/goldspan-slurm.XXXXXX")"
chmod 700 "$work"
pids=()
cleanup() {
  status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ $status -ne 0 ]; then
    for log in "$work"/slurmctld.log "$work"/slurmd.log "$work"/munged.log; do
      [ -f "$log" ] && { echo "--- last lines of $log"; tail -n 20 "$log"; }
    done
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munge, with its own key and socket: nothing of the machine's is used or changed.
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
mkdir -m 700 "$work/munge"
munged --foreground --force --key-file="$work/munge.key" --socket="$work/munge/socket" \
  --pid-file="$work/munge/pid" --seed-file="$work/munge/seed" --log-file="$work/munged.log" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/munge/socket" ] && break; sleep 0.1; done

host="$(hostname -s)"
# The node as slurmd sees it (CPUs, sockets, cores, threads, memory), so it is not drained for
# a mismatch.
node="$(slurmd -C | head -n 1)"
mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<CONF
ClusterName=goldspan-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >/dev/null 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >/dev/null 2>&1 &
pids+=($!)
for i in $(seq 120); do
  state="$(sinfo -h -n "$host" -o %t 2>/dev/null || true)"
  [ "$state" = idle ] && break
  [ "$i" = 120 ] && { echo "the node never became idle (state: ${state:-none})" >&2; exit 1; }
  sleep 0.5
done
echo "slurm is up: $(sinfo -h -o '%P %D nodes %c CPUs %t')"

# A synthetic corpus and its predictions, scored with bootstrap intervals and the errors.
"$goldspan" synth "$work/data" --docs "$documents" --seed 16 >/dev/null
args=(--extractor "file:$work/data/pred.jsonl" --corpus "$work/data/gold.jsonl" --no-cache
      --bootstrap 200 --errors)
"$goldspan" run "${args[@]}" --output "$work/one-machine.json" >/dev/null

out="$work/run"
submitted="$(GOLDSPAN="$goldspan" "$repo/deploy/slurm/submit.sh" "$shards" "$out" "${args[@]}")"
echo "$submitted"
array="$(sed -E 's/^array job ([0-9]+).*/\1/' <<<"$submitted")"
merge="$(sed -E 's/.*merge job ([0-9]+).*/\1/' <<<"$submitted")"
echo "merge job $merge waits for the array: $(scontrol show job "$merge" | grep -oE '(Dependency|JobState|Reason)=[^ ]+' | tr '\n' ' ')"
job_state() { scontrol show job "$1" 2>/dev/null | sed -nE 's/.*JobState=([A-Z_]+).*/\1/p' | head -n 1; }
for i in $(seq 600); do
  state="$(job_state "$merge")"
  case "$state" in
    COMPLETED) break ;;
    FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY)
      echo "the merge job $merge ended $state" >&2
      cat "$out"/*.out >&2 || true
      exit 1 ;;
  esac
  [ "$i" = 600 ] && { echo "the jobs did not finish in 5 minutes" >&2; squeue >&2; exit 1; }
  sleep 0.5
done
# Each array task ran as a Slurm job of its own: its job id, array job and task id, from its
# output file (shard-ARRAYJOB_TASK.out) and from slurmctld's record of it.
echo "array tasks, each a Slurm job:"
for k in $(seq 0 $((shards - 1))); do
  log="$out/shard-${array}_${k}.out"
  echo "  $(basename "$log"): $(head -n 1 "$log")"
  echo "    $(tail -n 1 "$log")"
  echo "    scontrol: $(scontrol show job "${array}_${k}" | grep -oE '(JobId|ArrayJobId|ArrayTaskId|JobState|ExitCode)=[^ ]+' | tr '\n' ' ')"
done
echo "merge job: $(head -n 1 "$out/merge-$merge.out")"
echo "  scontrol: $(scontrol show job "$merge" | grep -oE '(JobId|Dependency|JobState|ExitCode)=[^ ]+' | tr '\n' ' ')"
if cmp "$work/one-machine.json" "$out/results.json"; then
  echo "PASS: the results merged from $shards Slurm array tasks equal the one-machine run byte for byte ($(wc -c <"$out/results.json") bytes, $documents documents) in $(( $(date +%s) - start )) s"
else
  diff <(head -c 4000 "$work/one-machine.json") <(head -c 4000 "$out/results.json") | head -n 40 >&2
  echo "FAIL: the merged results differ from the one-machine run" >&2
  exit 1
fi
