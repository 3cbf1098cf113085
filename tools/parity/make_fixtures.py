#!/usr/bin/env python3
"""Writes goldspan's parity fixtures: cases scored by seqeval, conlleval and nervaluate.

Run through tools/parity/run.sh, which installs the pinned tool versions first. The output is
deterministic (a seeded random.Random, sorted keys, one case per line), so re-running gives
byte-identical files and a diff shows exactly what a tool upgrade changed.

Files written (tests/fixtures/parity/):
  seqeval.json     tag cases; seqeval's default mode and mode="strict", scheme=IOB2
  conlleval.json   the same tag cases; the conlleval port's chunk counts and P/R/F1
  nervaluate.json  the same tag cases (loader="list", one sentence per document) and span
                   cases (loader="dict": nested gold, same-boundary gold of two labels,
                   predictions over several gold spans, overlapping predictions); counts and
                   P/R/F1 for the four SemEval modes, overall and per label

Spans in the dict cases are [label, start, end) in token units, end exclusive (nervaluate's
own end is inclusive; the conversion happens here). Every nervaluate case says whether its
predictions overlap and whether its gold is listed in goldspan's canonical order (start, end,
label): only such cases can hold a deliberate difference, which the Rust test names row by row.
"""

import io
import json
import random
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import conlleval
from nervaluate import Evaluator
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

LABELS = ["LOC", "MISC", "ORG", "PER"]
MODES = ["strict", "exact", "partial", "ent_type"]
SEED = 20240611
ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "parity"


# --- hand-picked tag cases: (name, gold sentences, predicted sentences) ---------------------

def s(text):
    """A sentence written as space-separated tags."""
    return text.split()


HAND_TAG_CASES = [
    ("empty_gold", [s("O O O"), s("O O")], [s("B-PER I-PER O"), s("O B-LOC")]),
    ("empty_predictions", [s("B-PER I-PER O"), s("O B-LOC")], [s("O O O"), s("O O")]),
    ("both_empty", [s("O O O"), s("O")], [s("O O O"), s("O")]),
    ("perfect", [s("B-PER I-PER O B-ORG"), s("B-LOC O B-MISC I-MISC")],
     [s("B-PER I-PER O B-ORG"), s("B-LOC O B-MISC I-MISC")]),
    ("i_without_b_in_gold", [s("I-PER I-PER O B-ORG I-ORG"), s("O I-LOC")],
     [s("B-PER I-PER O B-ORG I-ORG"), s("O B-LOC")]),
    ("i_without_b_in_pred", [s("B-PER I-PER O B-ORG I-ORG"), s("O B-LOC")],
     [s("I-PER I-PER O B-ORG I-ORG"), s("O I-LOC")]),
    ("i_without_b_in_both", [s("I-PER O I-ORG I-ORG")], [s("I-PER O B-ORG I-ORG")]),
    ("i_after_another_type", [s("B-PER I-ORG I-ORG O")], [s("B-PER B-ORG I-ORG O")]),
    ("i_opens_a_sentence_after_a_chunk_ends_one", [s("O B-PER"), s("I-PER O")], [s("O B-PER"), s("B-PER O")]),
    ("adjacent_spans_same_type", [s("B-PER B-PER I-PER O B-LOC B-LOC")], [s("B-PER I-PER I-PER O B-LOC B-LOC")]),
    ("adjacent_spans_different_types", [s("B-PER B-ORG I-ORG B-LOC")], [s("B-PER I-PER B-ORG B-LOC")]),
    ("label_only_errors", [s("B-PER I-PER O B-ORG O B-LOC I-LOC")], [s("B-ORG I-ORG O B-PER O B-MISC I-MISC")]),
    ("boundary_only_errors", [s("O B-PER I-PER I-PER O B-ORG O B-LOC I-LOC")],
     [s("B-PER I-PER O O O B-ORG I-ORG O B-LOC")]),
    ("boundary_and_label_errors", [s("B-PER I-PER I-PER O B-ORG I-ORG")], [s("O B-ORG I-ORG O B-PER O")]),
    ("one_prediction_over_two_gold_spans", [s("B-ORG B-PER O")], [s("B-PER I-PER O")]),
    ("one_prediction_over_two_gold_spans_same_label", [s("B-PER I-PER B-PER I-PER I-PER")],
     [s("O B-PER I-PER I-PER B-PER")]),
    # PER 1..4 is as close to PER 0..2 as to PER 3..5: the first in text order wins in type mode.
    ("one_prediction_equally_close_to_two_gold_spans", [s("B-PER I-PER O B-PER I-PER")],
     [s("O B-PER I-PER I-PER B-PER")]),
    ("label_error_next_to_a_correct_span", [s("B-PER O B-PER")], [s("B-PER O B-ORG")]),
    ("single_token_sentences", [s("B-PER"), s("O"), s("I-LOC"), s("B-MISC")],
     [s("B-PER"), s("B-LOC"), s("I-LOC"), s("O")]),
]


# --- hand-picked span cases for nervaluate's dict loader ------------------------------------
# Each document: a list of [label, start, end) in token units. Gold spans are listed in
# goldspan's canonical order (start, end, label), so "the first gold span" means the same in
# both tools; cases named *_order_* list them otherwise on purpose.

HAND_SPAN_CASES = [
    # Nested gold (tags cannot express it); predictions do not overlap each other.
    ("nested_gold_outer_found", [[["ORG", 0, 4], ["LOC", 2, 3], ["PER", 5, 7]]], [[["ORG", 0, 4], ["PER", 5, 7]]]),
    ("nested_gold_inner_found", [[["ORG", 0, 4], ["LOC", 2, 3], ["PER", 5, 7]]], [[["LOC", 2, 3], ["PER", 5, 6]]]),
    ("nested_gold_both_found_by_disjoint_parts", [[["ORG", 0, 4], ["LOC", 3, 4]]], [[["ORG", 0, 2], ["LOC", 3, 4]]]),
    ("nested_gold_same_boundaries_other_label", [[["ORG", 0, 6], ["LOC", 3, 5]]], [[["PER", 3, 5], ["ORG", 5, 6]]]),
    ("nested_gold_three_levels", [[["ORG", 0, 5], ["MISC", 0, 8], ["PER", 1, 3]]], [[["PER", 1, 3], ["ORG", 4, 8]]]),
    # Type mode takes the overlapping gold span of the prediction's label (PER 0..3) over the one
    # with its boundaries (ORG 0..2); exact mode the reverse; strict the first overlapping one.
    ("nested_gold_own_label_over_same_boundaries", [[["ORG", 0, 2], ["PER", 0, 3]]], [[["PER", 0, 2]]]),
    # Two gold spans with the same boundaries and different labels.
    ("gold_same_boundaries_two_labels", [[["LOC", 0, 3], ["ORG", 0, 3], ["PER", 4, 6]]],
     [[["ORG", 0, 3], ["LOC", 4, 6]]]),
    # Overlapping or duplicate predictions: the deliberate differences.
    ("overlapping_duplicate_prediction", [[["PER", 0, 2]]], [[["PER", 0, 2], ["PER", 0, 2]]]),
    ("overlapping_partial_prediction_listed_before_exact", [[["PER", 0, 2]]], [[["PER", 0, 1], ["PER", 0, 2]]]),
    ("overlapping_exact_prediction_listed_before_partial", [[["PER", 0, 2]]], [[["PER", 0, 2], ["PER", 0, 1]]]),
    ("overlapping_two_predictions_inside_one_gold", [[["PER", 0, 4]]], [[["PER", 0, 1], ["PER", 1, 3]]]),
    # The same spans, gold listed outer-first: nervaluate's "first overlapping gold" follows the list.
    ("gold_order_outer_listed_first", [[["PER", 0, 5], ["PER", 0, 2]]], [[["PER", 0, 1], ["PER", 3, 4]]]),
    ("gold_order_canonical", [[["PER", 0, 2], ["PER", 0, 5]]], [[["PER", 0, 1], ["PER", 3, 4]]]),
]


# --- random cases ---------------------------------------------------------------------------

def random_tag(rng):
    r = rng.random()
    if r < 0.45:
        return "O"
    return ("B-" if r < 0.75 else "I-") + rng.choice(LABELS)


def noisy_case(rng):
    """Independent random tags (malformed sequences included); prediction = gold with noise."""
    gold, pred = [], []
    for _ in range(rng.randint(1, 4)):
        g = [random_tag(rng) for _ in range(rng.randint(1, 12))]
        p = [random_tag(rng) if rng.random() < 0.3 else t for t in g]
        gold.append(g)
        pred.append(p)
    return gold, pred


def random_spans(rng, n, rate=0.3, max_len=3):
    """Non-overlapping spans over n tokens: (label, start, end)."""
    spans, i = [], 0
    while i < n:
        if rng.random() < rate:
            end = min(n, i + rng.randint(1, max_len))
            spans.append((rng.choice(LABELS), i, end))
            i = end
        else:
            i += 1
    return spans


def perturb(rng, spans, n):
    """Predicted spans from gold ones: kept, relabelled, moved, dropped, plus spurious ones.
    The result never overlaps itself."""
    out = []
    for label, start, end in spans:
        r = rng.random()
        if r < 0.5:
            out.append((label, start, end))
        elif r < 0.65:
            out.append((rng.choice([x for x in LABELS if x != label]), start, end))
        elif r < 0.85:
            start = min(n - 1, max(0, start + rng.choice([-1, 0, 1])))
            end = min(n, max(start + 1, end + rng.choice([-1, 0, 1])))
            label = label if rng.random() < 0.7 else rng.choice(LABELS)
            out.append((label, start, end))
        # else dropped
    out += random_spans(rng, n, rate=0.08, max_len=2)
    out.sort(key=lambda x: (x[1], x[2], x[0]))
    kept, last_end = [], 0
    for label, start, end in out:
        if start >= last_end:
            kept.append((label, start, end))
            last_end = end
    return kept


def to_iob2(spans, n):
    tags = ["O"] * n
    for label, start, end in spans:
        tags[start] = "B-" + label
        for i in range(start + 1, end):
            tags[i] = "I-" + label
    return tags


def wellformed_case(rng):
    """Well-formed IOB2 from spans; the prediction has label, boundary and missing/spurious errors."""
    gold, pred = [], []
    for _ in range(rng.randint(1, 4)):
        n = rng.randint(1, 12)
        g = random_spans(rng, n)
        gold.append(to_iob2(g, n))
        pred.append(to_iob2(perturb(rng, g, n), n))
    return gold, pred


def nested_case(rng):
    """Gold with nested spans (inner spans inside multi-token ones); non-overlapping predictions."""
    gold, pred = [], []
    for _ in range(rng.randint(1, 3)):
        n = rng.randint(2, 12)
        outer = random_spans(rng, n, rate=0.35, max_len=5)
        inner = []
        for label, start, end in outer:
            if end - start >= 2 and rng.random() < 0.7:
                a = rng.randrange(start, end)
                b = rng.randint(a + 1, end)
                if (a, b) != (start, end) or rng.random() < 0.3:
                    inner.append((rng.choice(LABELS), a, b))
        g = sorted(outer + inner, key=lambda x: (x[1], x[2], x[0]))
        p = perturb(rng, g, n)
        gold.append([list(x) for x in g])
        pred.append([list(x) for x in p])
    return gold, pred


def dense_case(rng):
    """Gold with nesting, spans of two labels on the same boundaries and adjacent spans; the
    predictions never overlap each other but shift boundaries by up to two tokens or join
    neighbouring gold spans, so one prediction often overlaps several gold spans of one or
    more labels (type mode's closest-boundary rule, strict mode's first overlapping span)."""
    gold, pred = [], []
    for _ in range(rng.randint(1, 3)):
        n = rng.randint(3, 14)
        outer = random_spans(rng, n, rate=0.5, max_len=4)
        extra = []
        for label, start, end in outer:
            r = rng.random()
            if r < 0.25:
                extra.append((rng.choice([x for x in LABELS if x != label]), start, end))
            elif r < 0.6 and end - start >= 2:
                a = rng.randrange(start, end)
                b = rng.randint(a + 1, end)
                if (a, b) != (start, end):
                    extra.append((rng.choice(LABELS), a, b))
        g = sorted(set(outer + extra), key=lambda x: (x[1], x[2], x[0]))
        candidates = []
        for i, (label, start, end) in enumerate(g):
            r = rng.random()
            if r < 0.15:
                continue
            if r < 0.45:
                start = min(n - 1, max(0, start + rng.randint(-2, 2)))
                end = min(n, max(start + 1, end + rng.randint(-2, 2)))
            elif r < 0.6 and i + 1 < len(g):
                end = max(end, g[rng.randint(i + 1, min(len(g) - 1, i + 2))][2])
            label = label if rng.random() < 0.6 else rng.choice(LABELS)
            candidates.append((label, start, end))
        candidates += random_spans(rng, n, rate=0.08, max_len=2)
        rng.shuffle(candidates)
        p = []
        for c in candidates:
            if all(c[2] <= q[1] or q[2] <= c[1] for q in p):
                p.append(c)
        p.sort(key=lambda x: (x[1], x[2], x[0]))
        gold.append([list(x) for x in g])
        pred.append([list(x) for x in p])
    return gold, pred


# --- the tools ------------------------------------------------------------------------------

def num(x):
    """A plain float (numpy scalars are not JSON)."""
    return float(x)


def seqeval_numbers(gold, pred, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = classification_report(gold, pred, output_dict=True, **kw)
    micro = report["micro avg"]
    out = {
        "micro": {"precision": num(micro["precision"]), "recall": num(micro["recall"]),
                  "f1": num(micro["f1-score"]), "support": int(micro["support"])},
        "labels": {},
    }
    for label, row in report.items():
        if label.endswith(" avg"):
            continue
        out["labels"][label] = {"precision": num(row["precision"]), "recall": num(row["recall"]),
                                "f1": num(row["f1-score"]), "support": int(row["support"])}
    return out


def conlleval_numbers(gold, pred):
    lines = []
    for g, p in zip(gold, pred):
        lines += [f"x {a} {b}" for a, b in zip(g, p)]
        lines.append("")
    res = conlleval.evaluate(lines)

    def row(r):
        return {"correct": r["stats"]["correct"], "gold": r["stats"]["gold"], "pred": r["stats"]["pred"],
                "precision": num(r["evals"]["prec"]), "recall": num(r["evals"]["rec"]), "f1": num(r["evals"]["f1"])}

    return {"overall": row(res["overall"]["chunks"]),
            "labels": {label: row(r) for label, r in res["slots"]["chunks"].items()}}


def nervaluate_numbers(true, pred, loader):
    res = Evaluator(true, pred, tags=LABELS, loader=loader).evaluate()

    def row(r):
        return {"cor": r.correct, "inc": r.incorrect, "par": r.partial, "mis": r.missed, "spu": r.spurious,
                "precision": num(r.precision), "recall": num(r.recall), "f1": num(r.f1)}

    return {"overall": {m: row(res["overall"][m]) for m in MODES},
            "labels": {label: {m: row(r[m]) for m in MODES} for label, r in res["entities"].items()}}


def to_nervaluate_dicts(docs):
    return [[{"label": label, "start": start, "end": end - 1} for label, start, end in doc] for doc in docs]


def canonical_order(docs):
    """Whether each document lists its spans in goldspan's canonical order (start, end, label)."""
    return all(doc == sorted(doc, key=lambda x: (x[1], x[2], x[0])) for doc in docs)


def overlapping(docs):
    """Whether any two spans of one document overlap."""
    for doc in docs:
        spans = sorted((start, end) for _, start, end in doc)
        if any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
            return True
    return False


# --- writing --------------------------------------------------------------------------------

def dump(path, header, cases):
    buf = io.StringIO()
    buf.write("{\n")
    for key in sorted(header):
        buf.write(f"  {json.dumps(key)}: {json.dumps(header[key], sort_keys=True)},\n")
    buf.write('  "cases": [\n')
    buf.write(",\n".join("    " + json.dumps(c, sort_keys=True, allow_nan=False) for c in cases))
    buf.write("\n  ]\n}\n")
    path.write_text(buf.getvalue(), encoding="utf-8")


def main():
    rng = random.Random(SEED)
    tag_cases = [(name, g, p) for name, g, p in HAND_TAG_CASES]
    for i in range(200):
        kind = "noisy" if i % 2 == 0 else "wellformed"
        g, p = noisy_case(rng) if kind == "noisy" else wellformed_case(rng)
        tag_cases.append((f"random_{kind}_{i:03}", g, p))
    span_cases = [(name, g, p) for name, g, p in HAND_SPAN_CASES]
    for i in range(40):
        g, p = nested_case(rng)
        span_cases.append((f"random_nested_{i:03}", g, p))
    for i in range(80):
        g, p = dense_case(rng)
        span_cases.append((f"random_dense_{i:03}", g, p))

    # Predictions listed in random order (each document's list shuffled), from a generator of
    # their own so the cases above stay as they were: nervaluate pairs in list order, goldspan
    # in text order, so these are compared under --compat nervaluate (tests/tests/parity.rs).
    order_rng = random.Random(SEED + 17)
    shuffled_cases = []
    for i in range(60):
        g, p = nested_case(order_rng) if i % 2 == 0 else dense_case(order_rng)
        for doc in p:
            order_rng.shuffle(doc)
        shuffled_cases.append((f"random_order_{i:03}", g, p))

    seqeval_cases, conlleval_cases, nervaluate_cases = [], [], []
    for name, g, p in tag_cases:
        seqeval_cases.append({"name": name, "gold": g, "pred": p, "default": seqeval_numbers(g, p),
                              "strict_iob2": seqeval_numbers(g, p, mode="strict", scheme=IOB2)})
        conlleval_cases.append({"name": name, "gold": g, "pred": p, **conlleval_numbers(g, p)})
        nervaluate_cases.append({"name": name, "loader": "list", "gold": g, "pred": p, "gold_in_canonical_order": True,
                                 "overlapping_predictions": False, **nervaluate_numbers(g, p, "list")})
    for name, g, p in span_cases:
        nervaluate_cases.append({"name": name, "loader": "dict", "gold": g, "pred": p,
                                 "gold_in_canonical_order": canonical_order(g),
                                 "overlapping_predictions": overlapping(p),
                                 **nervaluate_numbers(to_nervaluate_dicts(g), to_nervaluate_dicts(p), "dict")})
    for name, g, p in shuffled_cases:
        nervaluate_cases.append({"name": name, "loader": "dict", "gold": g, "pred": p,
                                 "gold_in_canonical_order": canonical_order(g),
                                 "overlapping_predictions": overlapping(p), "predictions_shuffled": True,
                                 **nervaluate_numbers(to_nervaluate_dicts(g), to_nervaluate_dicts(p), "dict")})

    OUT.mkdir(parents=True, exist_ok=True)
    generator = "tools/parity/make_fixtures.py (regenerate with tools/parity/run.sh)"
    dump(OUT / "seqeval.json", {
        "tool": "seqeval", "version": version("seqeval"), "generator": generator, "seed": SEED,
        "calls": {"default": "classification_report(gold, pred, output_dict=True)",
                  "strict_iob2": "classification_report(gold, pred, output_dict=True, mode='strict', scheme=IOB2)"},
    }, seqeval_cases)
    dump(OUT / "conlleval.json", {
        "tool": "conlleval", "version": version("conlleval"), "generator": generator, "seed": SEED,
        "calls": "conlleval.evaluate(lines): one 'x GOLD PRED' line per token, a blank line after each sentence",
    }, conlleval_cases)
    dump(OUT / "nervaluate.json", {
        "tool": "nervaluate", "version": version("nervaluate"), "generator": generator, "seed": SEED,
        "calls": "Evaluator(gold, pred, tags=LABELS, loader=LOADER).evaluate(); list: one sentence per "
                 "document; dict: spans [label, start, end) passed with end - 1 (nervaluate's end is inclusive)",
        "labels": LABELS,
    }, nervaluate_cases)
    print(f"wrote {len(seqeval_cases)} seqeval, {len(conlleval_cases)} conlleval and "
          f"{len(nervaluate_cases)} nervaluate cases to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
