"""A regular-expression baseline for corpus/news, served by `goldspan.serve` (docs/python.md):
money amounts, percentages and four-digit years, the labels a pattern finds reliably.

    pip install .          # goldspan, from a clone
    goldspan run --extractor 'cmd:python examples/python/regex_baseline.py' \
        --corpus corpus/news --split dev --layer entities

The function gets each document as a dict (id, text, meta) and returns its spans; offsets
are Python string indices, which are the code points goldspan counts. Patterns are part of
the declared configuration, so changing one gives the extractor a new cache.
"""

import re

import goldspan

PATTERNS = {
    "MONEY": r"[£$€]\d+(?:[.,]\d+)*(?:\s?(?:bn|m|billion|million))?",
    "PERCENT": r"\d+(?:\.\d+)?(?:%| per ?cent)",
    "DATE": r"\b(?:19|20)\d\d\b",
}
COMPILED = [(label, re.compile(pattern)) for label, pattern in PATTERNS.items()]


def extract(doc):
    spans = []
    for label, pattern in COMPILED:
        for match in pattern.finditer(doc["text"]):
            spans.append({"layer": "entities", "label": label, "start": match.start(), "end": match.end()})
    return spans


if __name__ == "__main__":
    goldspan.serve(extract, name="regex-baseline", version="1.0.0", config=PATTERNS)
