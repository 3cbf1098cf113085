#!/usr/bin/env bash
# Writes the expected outputs of `goldspan score` and `goldspan run` on the tiny corpus into
# tests/fixtures/results/ (see the README there), with the goldspan binary given as $1.
#
# Run from the repository root: tools/results-fixtures.sh target/debug/goldspan
# The outputs are committed; crates/goldspan-cli/tests/cli/results.rs checks the current
# binary still writes them byte for byte. Regenerate only for a deliberate change of the
# results schema or of the tables, and list every difference in docs/results.md.
set -euo pipefail
# The error listing fits rows to the terminal width, COLUMNS when set: fixed here.
export COLUMNS=100
bin=${1:?usage: tools/results-fixtures.sh PATH/TO/goldspan}
out=tests/fixtures/results
gold=tests/fixtures/tiny
pred=tests/fixtures/tiny-pred.jsonl
base=$out/baseline-pred.jsonl

# name, then the arguments after `score --gold $gold --pred FILE` (FILE is the first word).
score_cases=(
  "score-default|$pred"
  "score-every-mode|$pred --mode strict --mode exact --mode partial --mode type --mode overlap:0.5 --mode tokens"
  "score-bootstrap|$pred --bootstrap 300 --seed 7 --mode strict --mode partial"
  "score-slices-errors|$pred --slice domain --slice title --errors --mode strict"
  "score-per-document|$pred --per-document --mode strict --mode tokens"
  "score-everything|$pred --bootstrap 300 --slice domain --errors --per-document --mode strict --mode tokens"
  "score-against|$pred --against $base --mode strict --mode overlap:0.5"
  "score-against-bootstrap|$pred --against $base --bootstrap 200 --per-document --mode exact"
  "score-split-layer|$pred --split test --layer entities --mode exact --mode tokens"
  "score-quotes-layer|$base --layer quotes --mode strict --mode partial --mode overlap:0.5"
  "score-label-map|$pred --label-map $out/label-map.toml --mode strict"
  "score-baseline|$base --errors --mode type"
  "score-report|$base --by-label all --by-document --error-class missed --error-class cue --error-label Quote --error-limit 2 --mode strict --mode partial"
)
for case in "${score_cases[@]}"; do
  name=${case%%|*}
  read -r -a args <<<"${case#*|}"
  for format in json table markdown; do
    ext=$format
    [ "$format" = table ] && ext=txt
    [ "$format" = markdown ] && ext=md
    "$bin" score --gold "$gold" --pred "${args[@]}" --format "$format" >"$out/$name.$ext"
  done
done

# `run` replays the saved predictions through the file: extractor (no cache, so the
# extraction counts are the same every time).
run_cases=(
  "run-default|"
  "run-bootstrap|--bootstrap 100 --seed 3 --mode strict --mode tokens --layer quotes"
  "run-report|--errors --by-document --by-label strict --mode strict --mode type"
)
for case in "${run_cases[@]}"; do
  name=${case%%|*}
  read -r -a args <<<"${case#*|}"
  for format in json table markdown; do
    ext=$format
    [ "$format" = table ] && ext=txt
    [ "$format" = markdown ] && ext=md
    "$bin" run --extractor "file:$pred" --corpus "$gold" --no-cache ${args[@]+"${args[@]}"} --format "$format" >"$out/$name.$ext"
  done
done
