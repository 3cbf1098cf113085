"""Results of a scoring, as the CLI's results JSON (schema ``goldspan.results/1``) with
attribute access: ``results.total.layers.entities.strict.micro.f1``.

The numbers are the Rust scorer's; nothing here computes a metric. A key that is not a Python
identifier (a mode such as ``overlap:0.5``) is read by subscript: ``node["overlap:0.5"]``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Mapping, Optional


class Node(Mapping[str, Any]):
    """A JSON object of the results, read by key or by attribute. Read-only."""

    __slots__ = ("_data",)

    def __init__(self, data: Dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key])

    def __getattr__(self, name: str) -> Any:
        try:
            return _wrap(self._data[name])
        except KeyError:
            raise AttributeError(f"no {name!r} here; the keys are {', '.join(sorted(self._data))}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("results are read-only")

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __dir__(self) -> List[str]:
        return sorted(set(self._data) | set(dir(type(self))))

    def __repr__(self) -> str:
        return f"Node({self._data!r})"

    def to_dict(self) -> Dict[str, Any]:
        """This part of the results as plain dicts and lists (a deep copy)."""
        result: Dict[str, Any] = json.loads(json.dumps(self._data))
        return result


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Node(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


_COUNTS = ("cor", "inc", "par", "mis", "spu", "possible", "actual", "precision", "recall", "f1")


class Results(Node):
    """What ``score``, ``score_tags`` and ``run`` return: the results JSON of
    ``goldspan score --format json`` (docs/results.md) with attribute access.

    >>> results.total.layers.entities.strict.micro.f1   # doctest: +SKIP
    0.47058823529411764
    """

    __slots__ = ()

    @classmethod
    def from_json(cls, text: str) -> "Results":
        """Results from the JSON text the CLI writes (``--format json`` or ``--output``)."""
        return cls(json.loads(text))

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The results JSON, keys sorted, as the CLI writes it."""
        return json.dumps(self._data, indent=indent, sort_keys=True, ensure_ascii=False)

    def micro(self, layer: str, mode: str = "strict") -> Node:
        """The micro-averaged counts and P/R/F1 of ``layer`` under ``mode``."""
        node: Node = self.total.layers[layer][mode].micro
        return node

    def to_pandas(self, kind: str = "labels") -> Any:
        """A pandas DataFrame (pandas must be installed).

        ``kind="labels"``: one row per (layer, mode, label) with the counts and P/R/F1, plus a
        row per (layer, mode) whose label is ``"(micro)"``. ``kind="documents"``: one row per
        (document, layer, mode), from the per-document results (score with
        ``per_document=True``).
        """
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("Results.to_pandas needs pandas: pip install pandas") from e
        rows: List[Dict[str, Any]] = []
        if kind == "labels":
            for layer, modes in self._data["total"]["layers"].items():
                for mode, scores in modes.items():
                    rows.append({"layer": layer, "mode": mode, "label": "(micro)", **_counts(scores["micro"])})
                    for label, counts in scores.get("labels", {}).items():
                        rows.append({"layer": layer, "mode": mode, "label": label, **_counts(counts)})
            columns = ["layer", "mode", "label", *_COUNTS]
        elif kind == "documents":
            documents = self._data.get("per_document")
            if documents is None:
                raise ValueError("these results have no per-document scores: score with per_document=True")
            for document in documents:
                for layer, modes in document["layers"].items():
                    for mode, counts in modes.items():
                        rows.append({"document": document["id"], "layer": layer, "mode": mode, **_counts(counts)})
            columns = ["document", "layer", "mode", *_COUNTS]
        else:
            raise ValueError(f"kind must be 'labels' or 'documents', not {kind!r}")
        return pd.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        manifest = self._data.get("manifest", {})
        return f"<Results gold={manifest.get('gold')!r} predictions={manifest.get('predictions')!r} modes={manifest.get('modes')!r}>"


def _counts(counts: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: counts.get(key) for key in _COUNTS}
