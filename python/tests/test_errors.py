"""Bad input raises `goldspan.InputError` naming file (or `<gold>`/`<predictions>`), line (or
record number), document and what is wrong — never a panic (`pyo3_runtime.PanicException`,
which `pytest.raises(InputError)` would not catch) and never a crash of the interpreter.
Well-formed records are accepted in any key order, without their optional fields, from any
iterable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

import goldspan
from conftest import TINY, TINY_PRED, read_jsonl

# tests/fixtures/tiny/docs/b.txt: "Ann said that prices rose. ..."; its gold entities (from
# b.ann) include PERSON 0..3 ("Ann"); the manifest declares entities, quotes and structure.
TEXT_B = (TINY / "docs" / "b.txt").read_text(encoding="utf-8")


def problems(error: pytest.ExceptionInfo[goldspan.InputError]) -> List[Any]:
    return [(p.file, p.line, p.document) for p in error.value.problems]


def test_keys_in_any_order_and_optional_fields_left_out_are_accepted() -> None:
    reference = goldspan.score(TINY, TINY_PRED, modes="strict")
    records = []
    for record in read_jsonl(TINY_PRED):
        spans = [dict(reversed(list(span.items()))) for span in record["spans"]]
        for span in spans:
            span.pop("text", None)  # optional, verified when present
        records.append(dict(reversed(list({**record, "spans": spans}.items()))))
    results = goldspan.score(str(TINY), records, modes="strict")
    assert results.total == reference.total


def test_a_record_with_only_an_id_is_a_document_without_predictions() -> None:
    results = goldspan.score(TINY, [{"id": "a"}], modes="strict")
    assert results.documents.scored == 3
    assert results.documents.missing_predictions == ["b", "c"]
    assert results.total.layers.entities.strict.micro.actual == 0


def test_offset_past_the_end_names_record_and_document() -> None:
    bad = {"id": "b", "spans": [{"layer": "entities", "label": "PERSON", "start": 0, "end": len(TEXT_B) + 5}]}
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(TINY, [{"id": "a", "spans": []}, bad])
    assert problems(caught) == [("<predictions>", 2, "b")]
    assert "past the end of the text" in caught.value.problems[0].message


def test_covered_text_that_differs_is_a_problem() -> None:
    bad = {"id": "b", "spans": [{"layer": "entities", "label": "PERSON", "start": 0, "end": 3, "text": "Bob"}]}
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(TINY, [bad])
    assert problems(caught) == [("<predictions>", 1, "b")]


def test_unknown_label_is_a_problem_naming_the_span() -> None:
    bad = {"id": "a", "spans": [{"label": "PERSONNE", "start": 0, "end": 2}]}
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(TINY, [bad])
    assert problems(caught) == [("<predictions>", 1, "a")]
    assert "PERSONNE" in caught.value.problems[0].message


@pytest.mark.parametrize(
    "record,fragment",
    [
        ({"id": "a", "spans": [{"label": "PERSON", "start": "0", "end": 2}]}, "spans[0].start: "),
        ({"id": "a", "spans": [{"label": "PERSON", "start": -1, "end": 2}]}, "invalid"),
        ({"id": "a", "spans": [{"label": "PERSON", "start": 2, "end": 2}]}, "empty or reversed"),
        ({"id": "a", "spans": [{"label": "PERSON", "start": 0}]}, "either \"start\" and \"end\""),
        ({"id": "a", "spans": [{"label": "PERSON", "start": 0, "end": 2, "confidence": 1}]}, "unknown field `confidence`"),
        ({"id": "a", "spans": {"label": "PERSON"}}, "spans: "),
        ({"id": "a", "goldspan": 7}, "record version 7"),
        ({"id": "a", "spans": [{"label": "PERSON", "start": 2**70, "end": 2**71}]}, "invalid"),
    ],
)
def test_malformed_records_raise_input_error_not_a_panic(record: Dict[str, Any], fragment: str) -> None:
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(TINY, [record])
    assert problems(caught) == [("<predictions>", 1, "a")]
    assert fragment in caught.value.problems[0].message


def test_every_problem_is_reported_together() -> None:
    records = [{"id": "zz"}, 42, {"spans": []}, {"id": "a"}, {"id": "a"}]
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(TINY, records)
    found = sorted(problems(caught), key=lambda p: p[1])
    assert found == [
        ("<predictions>", 1, "zz"),  # no such gold document
        ("<predictions>", 2, None),  # not a dict
        ("<predictions>", 3, None),  # no id
        ("<predictions>", 5, "a"),  # a second record for a
    ]


def test_gold_records_problems_name_the_gold() -> None:
    gold = [
        {"id": "d1", "text": "Ann met Bob.", "spans": [{"layer": "entities", "label": "PERSON", "start": 0, "end": 3}]},
        {"id": "d2", "spans": []},  # no text
        {"id": "d1", "text": "Again."},  # repeated id
    ]
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(gold, [])
    assert problems(caught) == [("<gold>", 2, "d2")]
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score([gold[0], gold[2]], [])
    assert problems(caught) == [("<gold>", 2, "d1")]
    assert "tmp" not in str(caught.value)


def test_paths_as_str_and_pathlib_and_generators_agree(tmp_path: Path) -> None:
    as_path = goldspan.score(TINY, TINY_PRED, modes="strict")
    as_str = goldspan.score(str(TINY), str(TINY_PRED), modes="strict")
    from_generator = goldspan.score(TINY, (r for r in read_jsonl(TINY_PRED)), modes="strict")
    assert as_path.to_dict() == as_str.to_dict()
    assert as_path.total == from_generator.total


def test_a_missing_file_is_an_input_error_naming_it() -> None:
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(TINY, Path("no/such/pred.jsonl"))
    assert caught.value.problems[0].file == "no/such/pred.jsonl"


def test_a_bad_line_in_a_predictions_file_names_the_line(tmp_path: Path) -> None:
    pred = tmp_path / "pred.jsonl"
    pred.write_text('{"id": "a", "spans": []}\n{"id": "b", "spans": [\n', encoding="utf-8")
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.score(TINY, pred)
    assert [(p.file, p.line) for p in caught.value.problems] == [(str(pred), 2)]


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"modes": ["strictest"]}, "strictest"),
        ({"modes": []}, "at least one mode"),
        ({"layers": ["entitys"]}, "entities"),  # did you mean
        ({"split": "nope"}, "nope"),
    ],
)
def test_unknown_names_raise_value_error(kwargs: Dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        goldspan.score(TINY, TINY_PRED, **kwargs)


def test_predictions_that_are_not_iterable_raise_value_error() -> None:
    with pytest.raises(ValueError, match="not int"):
        goldspan.score(TINY, 42)  # type: ignore[arg-type]


def test_an_exception_in_a_generator_propagates_unchanged() -> None:
    def records() -> Any:
        yield {"id": "a"}
        raise KeyError("from the generator")

    with pytest.raises(KeyError, match="from the generator"):
        goldspan.score(TINY, records())


def test_a_json_string_is_not_mistaken_for_records() -> None:
    text = json.dumps({"id": "a"})
    with pytest.raises(goldspan.InputError):
        goldspan.score(TINY, text)  # a str is a path


@pytest.mark.parametrize(
    "records",
    [
        [{"id": "a", "spans": [{"label": "PERSON", "start": 0, "end": 2, "score": 0.5}]}],
        [{"id": "b", "spans": [{"layer": "entities", "label": "PERSON", "start": 0, "end": 3, "text": "Ann", "id": None}]}],
        [{"id": "a", "spans": [], "relations": [{"type": "speaker", "head": "T1", "tail": "T2"}]}],
        [{"id": "a", "spans": [{"label": "PERSON", "start": True, "end": 2}]}],
        [{"id": "a", "spans": [{"label": "PERSON", "start": 0, "end": 2.0}]}],
        [{"id": "a", "clusters": [["T1"]], "goldspan": 1}, {"id": "b", "goldspan": 2}],
        [{"id": "a", "spans": [{"label": "PERSON", "fragments": [[0, 1], [3, 4]]}]}],
        [{"id": "a", "spans": [("label", "PERSON")]}],  # a tuple, not a dict
        [{"id": "a\ud800"}],
    ],
)
def test_both_conversions_of_records_agree(records: List[Dict[str, Any]]) -> None:
    # Plain records are written as JSON lines and parsed by the predictions files' parser;
    # the rest go through serde from the Python objects. Either way, the same outcome.
    from goldspan import _goldspan

    def outcome(conversion: str) -> Any:
        try:
            text = _goldspan.score(gold_path=str(TINY), pred_records=records, modes=["strict"], conversion=conversion)
            return json.loads(text)["total"]
        except goldspan.InputError as e:
            return sorted((p.file, p.line, p.document) for p in e.problems)

    assert outcome("lines") == outcome("serde")


def test_run_on_a_bad_prediction_file_raises_input_error_with_its_problems(tmp_path: Path) -> None:
    # goldspan.run is the command in a child process: its input error's problems come back
    # typed (through GOLDSPAN_PROBLEMS_FILE), not only as text. Line 2 names no gold document.
    pred = tmp_path / "pred.jsonl"
    lines = TINY_PRED.read_text(encoding="utf-8").splitlines()
    pred.write_text(lines[0] + "\n" + '{"id": "a", "spans": [{"label": "PERSON", "start": 0, "end": 999}]}\n', encoding="utf-8")
    with pytest.raises(goldspan.InputError) as caught:
        goldspan.run(extractor=f"file:{pred}", corpus=TINY, no_cache=True)
    assert [(p.file, p.line, p.document) for p in caught.value.problems] == [(str(pred), 2, "a")]
    assert "duplicate" in caught.value.problems[0].message.lower() or "twice" in caught.value.problems[0].message.lower()
    assert str(pred) in str(caught.value)
