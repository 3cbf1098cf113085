#!/usr/bin/env bash
# Builds the fuzz seed corpus (fuzz/corpus/<target>/) from the repository's fixtures and from
# the tiny corpus converted by goldspan's own writers. Multi-file inputs join their parts with
# a NUL byte (see fuzz/src/lib.rs). Run from anywhere; commits nothing.
# Usage: tools/fuzz/seeds.sh [GOLDSPAN_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/debug/goldspan}
out=fuzz/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"/{jsonl,gold,brat,markup,conll,doccano,labelstudio,spacy,prodigy,docbin,llmjson,score,printers,snapshot,cachevalue}
tiny=tests/fixtures/tiny
# Parts joined by NUL: part FILE... > OUT
part() { local o=$1; shift; : >"$o"; local first=1; for f in "$@"; do
  if [ $first = 0 ]; then printf '\0' >>"$o"; fi; first=0; cat "$f" >>"$o"; done; }
for doc in a b c; do
  part "$out/gold/$doc" "$tiny/docs/$doc.ann" "$tiny/docs/$doc.txt" "$tiny/docs/$doc.meta.toml"
done
"$bin" convert --from gold --to brat "$tiny" "$work/brat" >/dev/null
part "$out/brat/tiny-a" "$work/brat/a.ann" "$work/brat/a.txt" "$work/brat/annotation.conf"
part "$out/brat/lenient" tests/fixtures/brat/lenient/ruiz.ann tests/fixtures/brat/lenient/ruiz.txt \
  tests/fixtures/brat/lenient/annotation.conf
cp tests/fixtures/markup/*.gsm "$out/markup/"
"$bin" convert --from gold --to jsonl "$tiny" "$work/tiny.jsonl" >/dev/null
cp "$work/tiny.jsonl" "$out/jsonl/tiny.jsonl"
cp tests/fixtures/tiny-pred.jsonl "$out/jsonl/tiny-pred.jsonl"
for f in conll2003.txt conlleval.txt germeval.tsv ontonotes.gold_conll tokens.tsv ud.conllu; do
  cp "tests/fixtures/conll/$f" "$out/conll/$f"
done
cp tests/fixtures/conll/schemes/bioes.txt "$out/conll/bioes.txt"
"$bin" convert --from gold --to conll --scheme bioes "$tiny" "$out/conll/tiny-bioes.conll" >/dev/null
for to in doccano labelstudio spacy prodigy; do
  "$bin" convert --from gold --to "$to" "$tiny" "$out/$to/tiny.json" >/dev/null
done
cp tests/fixtures/doccano/export.jsonl "$out/doccano/export.jsonl"
cp tests/fixtures/prodigy/db-out.jsonl "$out/prodigy/db-out.jsonl"
cp tests/fixtures/labelstudio/export.json tests/fixtures/labelstudio/converter-min.json "$out/labelstudio/"
cp tests/fixtures/spacy/goldspan-written.jsonl "$out/spacy/"
cp tests/fixtures/spacy/spacy-made.spacy tests/fixtures/spacy/goldspan-written.spacy "$out/docbin/"
"$bin" convert --from gold --to docbin "$tiny" "$out/docbin/tiny.spacy" >/dev/null
# Answers start with "{": the tiny manifest and the entities-quotes schema (fuzz/src/lib.rs).
cp examples/llm/outputs.jsonl "$out/llmjson/outputs.jsonl"
part "$out/score/tiny" "$work/tiny.jsonl" tests/fixtures/tiny-pred.jsonl
# Predictions given as text (docs/metrics.md §11), for the score target to ground.
printf '%s\n' \
  '{"id": "a", "spans": [{"layer": "entities", "label": "PERSON", "text": "Zoë Brandt"}, {"layer": "entities", "label": "ORG", "text": "le monde"}, {"layer": "quotes", "label": "Quote", "text": "We will win 3 seats."}]}' \
  '{"id": "b", "spans": [{"layer": "entities", "label": "GPE", "text": "Kyoto", "occurrence": 1}, {"layer": "quotes", "label": "Quote", "text": "and it costs ¥500", "context": "he said"}]}' \
  >"$work/strings.jsonl"
part "$out/score/strings" "$work/tiny.jsonl" "$work/strings.jsonl"
part "$out/score/baseline" "$work/tiny.jsonl" tests/fixtures/results/baseline-pred.jsonl
cp "$out/score/tiny" "$out/printers/tiny"
cp evals/snapshots/*.json "$out/snapshot/"
find "$out" -type f | sort | xargs wc -c | tail -n 1
# Cached outputs' stored values, written byte by byte from the layout in
# crates/goldspan-runner/src/cache/value.rs: document "d", names "l" and "P", span "T1" at 200
# (varint c8 01) of length 3; then one of two fragments, a text span "UN" (occurrence 2, no
# context), a relation, a cluster of two, an attribute with a value and a note.
printf '\x01\x01d\x02\x01l\x01P\x01\x02T1\x00\x01\x01\xc8\x01\x03\x00\x00\x00\x00\x00' > "$out/cachevalue/one-span"
printf '\x01\x01d\x01\x01l\x01\x02T1\x00\x00\x02\x00\x02\x05\x01\x01\x02T2\x01l\x01O\x02UN\x03\x00\x01\x02R1\x01s\x02T1\x02T2\x01\x02\x02T1\x02T2\x01\x02A1\x01N\x02T1\x01\x01v\x01\x02#1\x01k\x02T1\x01n' > "$out/cachevalue/every-part"
