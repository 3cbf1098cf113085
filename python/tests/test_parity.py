"""The API's numbers are the CLI's: `goldspan.score` on paths and on records in memory gives
the results JSON `goldspan score --format json` writes for the same inputs, on the tiny
fixture corpus and on corpus/news."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import goldspan
from conftest import NEWS, REPO, TINY, TINY_PRED, cli_results, read_jsonl

LABEL_MAP = REPO / "tests" / "fixtures" / "results" / "label-map.toml"


def without(results: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    """The results without the manifest entries that name the inputs (a path on the command
    line, `<predictions>` for records)."""
    copy = json.loads(json.dumps(results))
    for key in keys:
        copy["manifest"].pop(key, None)
    return copy


# (CLI arguments, the same as keyword arguments of goldspan.score)
CASES = [
    ([], {}),
    (["--mode", "strict", "--mode", "exact", "--mode", "partial", "--mode", "type", "--mode", "overlap:0.5", "--mode", "tokens"],
     {"modes": ["strict", "exact", "partial", "type", "overlap:0.5", "tokens"]}),
    (["--label-map", str(LABEL_MAP)], {"label_map": LABEL_MAP}),
    (["--layer", "quotes", "--mode", "strict"], {"layers": ["quotes"], "modes": "strict"}),
    (["--per-document", "--slice", "domain"], {"per_document": True, "slices": ["domain"]}),
    (["--bootstrap", "50", "--seed", "7", "--mode", "strict"], {"bootstrap": 50, "seed": 7, "modes": ["strict"]}),
]


@pytest.mark.parametrize("args,kwargs", CASES, ids=["default", "every-mode", "label-map", "layer", "per-document-slices", "bootstrap"])
def test_tiny_paths_and_records_score_as_the_cli(args: List[str], kwargs: Dict[str, Any]) -> None:
    cli = cli_results("--gold", str(TINY), "--pred", str(TINY_PRED), *args)
    from_paths = goldspan.score(TINY, TINY_PRED, **kwargs)
    assert from_paths.to_dict() == cli
    records = (record for record in read_jsonl(TINY_PRED))  # a generator, read once
    from_records = goldspan.score(str(TINY), records, **kwargs)
    assert without(from_records.to_dict(), "predictions") == without(cli, "predictions")
    assert from_records.manifest.predictions == "<predictions>"


def test_label_map_given_as_a_dict_equals_the_file() -> None:
    # tests/fixtures/results/label-map.toml: GPE → ORG, DATE dropped ("").
    cli = cli_results("--gold", str(TINY), "--pred", str(TINY_PRED), "--label-map", str(LABEL_MAP))
    results = goldspan.score(TINY, read_jsonl(TINY_PRED), label_map={"GPE": "ORG", "DATE": None})
    assert without(results.to_dict(), "predictions") == without(cli, "predictions")


def perturbed(gold: List[Dict[str, Any]], seed: int) -> Iterator[Dict[str, Any]]:
    """Predictions made from gold: some spans missed, some shifted by a character, some
    relabelled (entities), some spurious; keys in a random order, optional fields
    (`id`, `text`, `layer`) sometimes left out."""
    rng = random.Random(seed)
    labels: Dict[str, List[str]] = {}
    for doc in gold:
        for span in doc["spans"]:
            labels.setdefault(span["layer"], [])
            if span["label"] not in labels[span["layer"]]:
                labels[span["layer"]].append(span["label"])
    for doc in gold:
        spans = []
        # Spans without ids are numbered by position (T1, T2, ...), which could clash with
        # the gold ids kept: a record keeps all its span ids (and its relations) or none.
        with_ids = rng.random() < 0.5
        for span in doc["spans"]:
            if "start" not in span or rng.random() < 0.15:
                continue
            start, end = span["start"], span["end"]
            if rng.random() < 0.1 and end - start > 1:
                start += 1
            label = span["label"]
            # Relabelled within the entities layer (a quotation relabelled would break the
            # types of its relations, which the manifest checks).
            if span["layer"] == "entities" and rng.random() < 0.1:
                label = rng.choice(labels[span["layer"]])
            item = {"layer": span["layer"], "label": label, "start": start, "end": end}
            if with_ids:
                item["id"] = span["id"]
            if start == span["start"] and rng.random() < 0.3:
                item["text"] = span["text"]
            keys = list(item)
            rng.shuffle(keys)
            spans.append({k: item[k] for k in keys})
        if doc["text"] and rng.random() < 0.3:
            start = rng.randrange(len(doc["text"]))
            spans.append({"id": "X1", "label": "ORG", "layer": "entities", "start": start, "end": min(start + 5, len(doc["text"]))})
        ids = {s.get("id") for s in spans} if with_ids else set()
        relations = [r for r in doc.get("relations", []) if r["head"] in ids and r["tail"] in ids]
        record = {"spans": spans, "id": doc["id"]}
        if relations:
            record["relations"] = relations
        yield record


@pytest.fixture(scope="module")
def news_predictions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    gold = list(goldspan.load_corpus(NEWS))
    assert len(gold) > 100
    path = tmp_path_factory.mktemp("news") / "pred.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for record in perturbed(gold, seed=14):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@pytest.mark.parametrize("split", [None, "test"])
def test_news_records_score_as_the_cli(news_predictions: Path, split: Any) -> None:
    args = ["--gold", str(NEWS), "--pred", str(news_predictions), "--mode", "strict", "--mode", "partial",
            "--mode", "tokens", "--per-document"]
    if split:
        args += ["--split", split]
    cli = cli_results(*args)
    assert cli["total"]["documents"] > 0
    kwargs: Dict[str, Any] = {"modes": ["strict", "partial", "tokens"], "per_document": True, "split": split}
    results = goldspan.score(NEWS, iter(read_jsonl(news_predictions)), **kwargs)
    assert without(results.to_dict(), "predictions") == without(cli, "predictions")
    # Attribution is scored from the corpus manifest, in the API as in the CLI.
    assert results.total.quotes.strict.gold > 0
    assert goldspan.score(NEWS, news_predictions, **kwargs).to_dict() == cli
    # Every record read through serde from the Python objects (not as JSON lines): the same.
    from goldspan import _goldspan

    text = _goldspan.score(gold_path=str(NEWS), pred_records=read_jsonl(news_predictions), modes=kwargs["modes"],
                           per_document=True, split=split, conversion="serde")
    assert without(json.loads(text), "predictions") == without(cli, "predictions")


def test_gold_records_in_memory_score_as_the_gold_file(tmp_path: Path) -> None:
    gold = list(goldspan.load_corpus(TINY))
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text("".join(json.dumps(d) + "\n" for d in gold), encoding="utf-8")
    cli = cli_results("--gold", str(gold_file), "--pred", str(TINY_PRED))
    results = goldspan.score(gold, read_jsonl(TINY_PRED))
    assert without(results.to_dict(), "predictions", "gold") == without(cli, "predictions", "gold")
    assert results.manifest.gold == "<gold>"
