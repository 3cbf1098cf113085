#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo-fuzz (libFuzzer) on stable Rust: every target of
# fuzz/cargo-fuzz for SECONDS each (default 15), starting from a copy of its seeds in
# fuzz/corpus/<target> (libFuzzer adds what it finds to the copy, not to the repository).
# Prints the executions per target; exits 1 when any target found a crash (saved under
# fuzz/cargo-fuzz/artifacts/<target>/, reproduced with `cargo fuzz run --fuzz-dir
# fuzz/cargo-fuzz --sanitizer none TARGET FILE`). Installs cargo-fuzz when it is missing.
# Usage: tools/fuzz/cargo-fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/cargo-fuzz/Cargo.toml | grep -v '^goldspan-cargo-fuzz$')
fi
# libfuzzer-sys compiles libFuzzer, which is C++.
if ! command -v c++ >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq g++ >/dev/null
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
# --sanitizer none: AddressSanitizer needs nightly; safe Rust (the workspace forbids unsafe
# code) has the memory safety it would check.
dir=(--fuzz-dir fuzz/cargo-fuzz)
started=$(date +%s)
cargo fuzz build "${dir[@]}" --sanitizer none
echo "cargo fuzz build: $(($(date +%s) - started)) s"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
total=0
for target in "${targets[@]}"; do
  mkdir -p "$work/$target"
  cp fuzz/corpus/"$target"/* "$work/$target/"
  log="$work/$target.log"
  if cargo fuzz run "${dir[@]}" --sanitizer none "$target" "$work/$target" -- \
      -max_total_time="$seconds" -max_len=65536 -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$target")
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  runs=${runs:-0}
  total=$((total + runs))
  echo "cargo fuzz $target: $runs executions in ${seconds} s, $status"
  if [ "$status" = FAILED ]; then
    grep -E "panicked|ERROR|SUMMARY|Test unit written|timeout" "$log" | head -n 20 || tail -n 30 "$log"
  fi
done
echo "cargo fuzz: ${#targets[@]} targets, $total executions, ${#failed[@]} crashed${failed:+ (${failed[*]})}; $(($(date +%s) - started)) s in all"
[ ${#failed[@]} -eq 0 ]
