"""The rest of the API: load_corpus, convert, Results (attribute access, JSON, pandas), run
and check, each against the CLI's own output, a committed fixture or the files themselves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import List

import pytest

import goldspan
from conftest import NEWS, REPO, TINY, TINY_PRED, cli_results, goldspan as run_goldspan

RESULTS = REPO / "tests" / "fixtures" / "results"


def split_ids(name: str) -> List[str]:
    """The ids corpus/news/goldspan.toml lists under `[splits] NAME = [...]`."""
    text = (NEWS / "goldspan.toml").read_text(encoding="utf-8")
    block = re.search(rf"^{name} = \[(.*?)\]", text, re.S | re.M)
    assert block, f"no split {name}"
    return re.findall(r'"([^"]+)"', block.group(1))


def test_load_corpus_yields_every_document_as_plain_dicts() -> None:
    docs = list(goldspan.load_corpus(TINY))
    assert [d["id"] for d in docs] == ["a", "b", "c"]
    b = docs[1]
    assert b["text"] == (TINY / "docs" / "b.txt").read_text(encoding="utf-8")
    for span in b["spans"]:
        assert b["text"][span["start"]:span["end"]] == span["text"]
    assert isinstance(b["meta"], dict) and isinstance(b.get("relations", []), list)


def test_load_corpus_narrows_to_a_split() -> None:
    ids = [d["id"] for d in goldspan.load_corpus(str(NEWS), split="test")]
    assert ids == sorted(split_ids("test"))
    with pytest.raises(ValueError, match="nope"):
        list(goldspan.load_corpus(NEWS, split="nope"))


def test_load_corpus_reads_other_formats_through_the_registry() -> None:
    # tests/fixtures/conll/conll2003.txt: CoNLL-2003 (token POS chunk NER), IOB1 tags.
    docs = list(goldspan.load_corpus(REPO / "tests" / "fixtures" / "conll" / "conll2003.txt", format="conll", scheme="iob1"))
    assert docs and all(d["text"][s["start"]:s["end"]] == s["text"] for d in docs for s in d["spans"])


def test_convert_round_trips_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "tiny.jsonl"
    goldspan.convert(TINY, out, from_="gold", to="jsonl")
    assert list(goldspan.load_corpus(out)) == list(goldspan.load_corpus(TINY))
    with pytest.raises(ValueError, match="already exists"):
        goldspan.convert(TINY, out, from_="gold", to="jsonl")
    goldspan.convert(TINY, out, from_="gold", to="jsonl", force=True)
    with pytest.raises(ValueError, match="is the input"):
        goldspan.convert(out, out, from_="jsonl", to="jsonl", force=True)
    notes = goldspan.convert(TINY, tmp_path / "tiny.conll", from_="gold", to="conll")
    assert any("relation" in n for n in notes), notes  # CoNLL holds no relations: said so


def test_results_attribute_access_and_json() -> None:
    results = goldspan.score(TINY, TINY_PRED)
    cli = cli_results("--gold", str(TINY), "--pred", str(TINY_PRED))
    micro = results.total.layers.entities.strict.micro
    assert micro.f1 == cli["total"]["layers"]["entities"]["strict"]["micro"]["f1"]
    assert results.micro("entities").to_dict() == micro.to_dict()
    assert json.loads(results.to_json()) == cli
    assert goldspan.Results.from_json(results.to_json()).to_dict() == cli
    with pytest.raises(AttributeError, match="the keys are"):
        results.total.no_such_key
    with pytest.raises(AttributeError):
        results.total = None  # type: ignore[misc]


def test_to_pandas_frames_hold_the_numbers() -> None:
    pd = pytest.importorskip("pandas")
    results = goldspan.score(TINY, TINY_PRED, modes="strict", per_document=True)
    labels = results.to_pandas()
    row = labels[(labels.layer == "entities") & (labels["mode"] == "strict") & (labels.label == "GPE")].iloc[0]
    assert row.f1 == results.total.layers.entities.strict.labels.GPE.f1
    assert len(labels[labels.label == "(micro)"]) == len(results.total.layers)
    documents = results.to_pandas("documents")
    assert sorted(set(documents.document)) == ["a", "b", "c"]
    assert isinstance(documents, pd.DataFrame)
    with pytest.raises(ValueError, match="per_document=True"):
        goldspan.score(TINY, TINY_PRED).to_pandas("documents")


def test_run_returns_the_results_the_command_writes() -> None:
    # tests/fixtures/results/run-default.json: `goldspan run --extractor file:PRED --corpus
    # tests/fixtures/tiny --no-cache --format json` (tools/results-fixtures.sh).
    expected = json.loads((RESULTS / "run-default.json").read_text(encoding="utf-8"))
    expected["manifest"]["goldspan_version"] = goldspan.__version__
    results = goldspan.run(extractor="file:tests/fixtures/tiny-pred.jsonl", corpus="tests/fixtures/tiny", no_cache=True, cwd=REPO)
    assert isinstance(results, goldspan.Results)
    assert results.to_dict() == expected


def test_run_with_a_bad_extractor_raises() -> None:
    # An unknown extractor is a usage error (exit 2).
    with pytest.raises(goldspan.InputError, match="unknown extractor"):
        goldspan.run(extractor="no-such-extractor", corpus=TINY, no_cache=True, cwd=REPO)


def test_check_passes_on_the_repositorys_evals(tmp_path: Path) -> None:
    report = goldspan.check(cwd=REPO, cache=tmp_path / "cache")
    assert report.ok, report.stderr
    assert report.exit_code == 0
    # The command says the same.
    assert run_goldspan("check", "--cache", str(tmp_path / "cache")).returncode == 0
