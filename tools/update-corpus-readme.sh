#!/usr/bin/env bash
# Regenerates the statistics section of corpus/news/README.md from `goldspan stats`.
# The test `corpus_readme_stats_are_current` fails until this has been run after a corpus change.
set -euo pipefail
cd "$(dirname "$0")/.."
readme=corpus/news/README.md
stats=$(cargo run -q --bin goldspan -- stats corpus/news --format markdown --by domain)
python3 - "$readme" "$stats" <<'PY'
import sys
path, stats = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
begin, end = "<!-- stats:begin -->\n", "<!-- stats:end -->\n"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w", encoding="utf-8").write(head + begin + stats.rstrip("\n") + "\n" + end + tail)
PY
