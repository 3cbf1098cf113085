"""`goldspan.score_tags` gives the numbers seqeval 1.2.2 (default mode) and the conlleval 0.2
port recorded in tests/fixtures/parity/ (committed by tools/parity/make_fixtures.py; never
regenerated here). seqeval's support is goldspan's `possible`; conlleval's correct, gold and
pred are `cor`, `possible` and `actual`."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

import goldspan
from conftest import PARITY

TOLERANCE = 1e-9


def fixture(tool: str, version: str) -> Dict[str, Any]:
    value: Dict[str, Any] = json.loads((PARITY / f"{tool}.json").read_text(encoding="utf-8"))
    assert value["version"] == version, f"{tool} fixtures were recorded with another version"
    return value


def close(ours: float, theirs: float, what: str) -> None:
    assert abs(ours - theirs) <= TOLERANCE, f"{what}: goldspan {ours}, reference {theirs}"


def test_score_tags_equals_seqeval_default_mode() -> None:
    cases = fixture("seqeval", "1.2.2")["cases"]
    assert len(cases) >= 200
    for case in cases:
        expected = case["default"]
        strict = goldspan.score_tags(case["gold"], case["pred"], scheme="IOB2", mode="strict")
        layers = strict.total.layers
        if "entities" not in layers:
            # No chunk in gold or predictions: seqeval reports no label and zero support.
            assert expected["micro"]["support"] == 0 and not expected["labels"], case["name"]
            continue
        micro = layers.entities.strict.micro
        for key in ("precision", "recall", "f1"):
            close(micro[key], expected["micro"][key], f"{case['name']} micro {key}")
        assert micro.possible == expected["micro"]["support"], case["name"]
        labels = layers.entities.strict.labels
        assert set(labels) == set(expected["labels"]), case["name"]
        for label, theirs in expected["labels"].items():
            for key in ("precision", "recall", "f1"):
                close(labels[label][key], theirs[key], f"{case['name']} {label} {key}")
            assert labels[label].possible == theirs["support"], f"{case['name']} {label}"


def test_score_tags_equals_conlleval() -> None:
    cases = fixture("conlleval", "0.2")["cases"]
    assert len(cases) >= 200
    for case in cases:
        results = goldspan.score_tags(case["gold"], case["pred"])
        layers = results.total.layers
        rows = [("overall", layers.entities.strict.micro if "entities" in layers else None, case["overall"])]
        labels = layers.entities.strict.labels if "entities" in layers else {}
        assert set(labels) == set(case["labels"]), case["name"]
        rows += [(label, labels[label], theirs) for label, theirs in case["labels"].items()]
        for what, ours, theirs in rows:
            name = f"{case['name']} {what}"
            if ours is None:
                assert theirs["gold"] == 0 and theirs["pred"] == 0, name
                continue
            assert (ours.cor, ours.possible, ours.actual) == (theirs["correct"], theirs["gold"], theirs["pred"]), name
            # The port's precision without predictions is 1 (conlleval.pl and goldspan say 0).
            if theirs["pred"] > 0:
                close(ours.precision, theirs["precision"], f"{name} precision")
            close(ours.recall, theirs["recall"], f"{name} recall")
            close(ours.f1, theirs["f1"], f"{name} f1")


def test_i_after_o_starts_a_chunk_as_in_seqeval_default() -> None:
    # By hand: gold PER 0..2 and LOC 3..4; the prediction's I-PER after O starts PER 1..2.
    results = goldspan.score_tags([["B-PER", "I-PER", "O", "B-LOC"]], [["O", "I-PER", "O", "B-LOC"]])
    micro = results.micro("entities")
    assert (micro.cor, micro.possible, micro.actual) == (1, 2, 2)
    partial = goldspan.score_tags([["B-PER", "I-PER", "O", "B-LOC"]], [["O", "I-PER", "O", "B-LOC"]], mode="partial")
    assert partial.micro("entities", "partial").par == 1


def test_bioes_tags_decode_in_their_scheme() -> None:
    # S-PER is one chunk, B-LOC E-LOC another: both right.
    results = goldspan.score_tags([["S-PER", "B-LOC", "E-LOC"]], [["S-PER", "B-LOC", "E-LOC"]], scheme="BIOES")
    assert results.micro("entities").cor == 2


@pytest.mark.parametrize(
    "gold,pred,line,fragment",
    [
        ([["B-PER"], ["B-PER", "X-PER"]], [["B-PER"], ["B-PER", "O"]], 2, "gold tag 2 (token 2)"),
        ([["O", "O"], ["B-PER", "O"]], [["O", "O"], ["B-PER"]], 2, "2 gold tags and 1 predicted tags"),
        ([["S-PER"]], [["O"]], 1, "S- belongs to"),
    ],
)
def test_bad_tags_raise_input_error_naming_the_sentence(gold: Any, pred: Any, line: int, fragment: str) -> None:
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score_tags(gold, pred)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.document) == ("<tags>", line, f"s{line}")
    assert fragment in problem.message


def test_sentence_counts_must_agree() -> None:
    with pytest.raises(ValueError, match="1 sentences and the predictions 2"):
        goldspan.score_tags([["O"]], [["O"], ["O"]])
