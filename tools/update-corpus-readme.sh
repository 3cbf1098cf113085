#!/usr/bin/env bash
# Regenerates the statistics and agreement sections of corpus/news/README.md from
# `goldspan stats` and `goldspan agree`.
# The test `corpus_readme_stats_are_current` fails until this has been run after a corpus change.
set -euo pipefail
cd "$(dirname "$0")/.."
readme=corpus/news/README.md
stats=$(cargo run -q --bin goldspan -- stats corpus/news --format markdown --by domain)
agreement=$(cargo run -q --bin goldspan -- agree corpus/news/agreement/first corpus/news/agreement/second --format markdown)
python3 - "$readme" "$stats" "$agreement" <<'PY'
import sys
path, stats, agreement = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, encoding="utf-8").read()
for name, block in (("stats", stats), ("agreement", agreement)):
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + begin + block.rstrip("\n") + "\n" + end + tail
open(path, "w", encoding="utf-8").write(text)
PY
