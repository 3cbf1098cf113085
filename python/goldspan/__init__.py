"""goldspan: score information extractors (named entities, quotations with speaker and cue,
article structure) against gold annotations, from Python.

The numbers come from the same Rust code as the ``goldspan`` command, which this package also
installs. The API mirrors the command's concepts::

    import goldspan

    results = goldspan.score("corpus/news", predictions, modes=["strict", "partial"])
    print(results.total.layers.entities.strict.micro.f1)

    goldspan.score_tags([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]]).micro("entities").f1

    for doc in goldspan.load_corpus("corpus/news", split="test"):
        print(doc["id"], len(doc["spans"]))

Bad input raises :class:`InputError`, whose ``problems`` name the file (or ``<gold>``,
``<predictions>``, ``<tags>`` for records given in memory), line (or record number), document
and what is wrong. docs/python.md is the reference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from goldspan._goldspan import DEFAULT_SEED, GoldspanError, InputError, Problem, __version__
from goldspan._results import Node, Results
from goldspan._serve import serve

from goldspan import _goldspan

PathLike = Union[str, "os.PathLike[str]"]
Record = Mapping[str, Any]

#: The modes ``score`` scores when none are given (as ``goldspan score``).
DEFAULT_MODES = ("strict", "exact", "partial", "type")

__all__ = [
    "DEFAULT_MODES",
    "DEFAULT_SEED",
    "CheckReport",
    "GoldspanError",
    "InputError",
    "Node",
    "Problem",
    "Results",
    "__version__",
    "check",
    "convert",
    "load_corpus",
    "run",
    "score",
    "score_tags",
    "serve",
]


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _names(value: Union[str, Sequence[str], None], what: str) -> Optional[List[str]]:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    names = list(value)
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"{what} must be a name or a list of names")
    return names


def score(
    gold: Union[PathLike, Iterable[Record]],
    predictions: Union[PathLike, Iterable[Record]],
    *,
    modes: Union[str, Sequence[str]] = DEFAULT_MODES,
    layers: Union[str, Sequence[str], None] = None,
    label_map: Union[PathLike, Mapping[str, Optional[str]], None] = None,
    split: Optional[str] = None,
    bootstrap: int = 0,
    seed: int = DEFAULT_SEED,
    slices: Sequence[str] = (),
    per_document: bool = False,
    errors: bool = False,
    manifest: Optional[PathLike] = None,
    pred_format: str = "jsonl",
) -> Results:
    """Scores predictions against gold, as ``goldspan score --format json`` does.

    ``gold``: a corpus directory, an interchange JSON Lines file, or an iterable of records
    with their text (``{"id", "text", "spans": [...]}``).
    ``predictions``: a file (interchange JSON Lines, or another tool's format with
    ``pred_format``) or an iterable of records ``{"id", "spans": [{"label", "start", "end",
    "layer"?, "id"?, "text"?}], "relations"?, "clusters"?}``, offsets in code points (Python
    string indices), end exclusive. A generator is read a batch at a time.

    ``modes``: strict, exact, partial, type, ``overlap:0.5``, tokens. ``layers``: score only
    these. ``label_map``: a TOML file or a dict from predicted label to gold label (``None``
    or ``""`` drops the span). ``split``: a split of a corpus directory. ``bootstrap``:
    samples for confidence intervals (with ``seed``). ``slices``: metadata fields to slice the
    results by. ``per_document``: keep each document's scores (``Results.to_pandas
    ("documents")``). ``errors``: classify every error (``results.errors``). ``manifest``: a
    ``goldspan.toml`` to check a gold file against.

    Raises :class:`InputError` (every problem, with file, line or record number, document
    and message) when the gold or the predictions cannot be used, ``ValueError`` for an
    unknown mode, layer or split.

    >>> results = goldspan.score("corpus/news", "predictions.jsonl", split="test")  # doctest: +SKIP
    >>> results.total.layers.entities.strict.micro.f1  # doctest: +SKIP
    """
    kwargs: Dict[str, Any] = {}
    if _is_path(gold):
        kwargs["gold_path"] = os.fspath(gold)
    else:
        kwargs["gold_records"] = gold
    if _is_path(predictions):
        kwargs["pred_path"] = os.fspath(predictions)
    else:
        kwargs["pred_records"] = predictions
    if label_map is not None:
        if _is_path(label_map):
            kwargs["label_map_path"] = os.fspath(label_map)  # type: ignore[arg-type]
        else:
            kwargs["label_map"] = {str(k): ("" if v is None else str(v)) for k, v in dict(label_map).items()}  # type: ignore[arg-type]
    text = _goldspan.score(
        **kwargs,
        pred_format=pred_format,
        modes=_names(modes, "modes"),
        layers=_names(layers, "layers"),
        split=split,
        bootstrap=bootstrap,
        seed=seed,
        slices=list(slices),
        per_document=per_document,
        errors=errors,
        manifest=None if manifest is None else os.fspath(manifest),
    )
    return Results.from_json(text)


def score_tags(
    gold_tags: Sequence[Sequence[str]],
    pred_tags: Sequence[Sequence[str]],
    scheme: str = "IOB2",
    mode: Union[str, Sequence[str]] = "strict",
    *,
    layer: str = "entities",
    bootstrap: int = 0,
    seed: int = DEFAULT_SEED,
    per_document: bool = False,
    errors: bool = False,
) -> Results:
    """Scores token tags, as seqeval does: one list of tags per sentence, gold and predicted.

    Tags are decoded in ``scheme`` (IOB1, IOB2/BIO, IOE1, IOE2, BIOES/IOBES, BILOU, IO) by the
    lenient rule of conlleval and seqeval 1.2.2's default mode (an ``I-X`` after ``O`` starts
    a chunk), then scored under ``mode`` (strict is seqeval's and conlleval's span F1; exact,
    partial, type, ``overlap:θ``, tokens too). Each sentence is a document ``s1``, ``s2``, ...

    >>> r = goldspan.score_tags([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    >>> r.micro("entities").f1
    0.0

    ``results.total.layers.entities.strict.labels.PER`` holds a label's counts; ``possible``
    is seqeval's support. A tag the scheme does not use, or sentences of different lengths,
    raise :class:`InputError` naming the sentence (``line``) and the token.
    """
    for name, value in (("gold_tags", gold_tags), ("pred_tags", pred_tags)):
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a list of sentences, each a list of tags")
    text = _goldspan.score_tags(
        [list(s) for s in gold_tags],
        [list(s) for s in pred_tags],
        scheme=scheme,
        modes=_names(mode, "mode"),
        layer=layer,
        bootstrap=bootstrap,
        seed=seed,
        per_document=per_document,
        errors=errors,
    )
    return Results.from_json(text)


def load_corpus(
    path: PathLike,
    split: Optional[str] = None,
    *,
    format: Optional[str] = None,
    layer: Optional[str] = None,
    scheme: str = "IOB2",
) -> Iterator[Dict[str, Any]]:
    """Yields the documents of a corpus as plain dicts: ``id``, ``text``, ``meta``, ``spans``
    (``id``, ``layer``, ``label``, ``start``, ``end`` or ``fragments``, ``text``),
    ``relations``, ``clusters`` (the interchange record, docs/protocol.md).

    ``path``: a corpus directory (``split`` narrows it) or an interchange JSON Lines file,
    read a document at a time in id order; or any file ``goldspan convert`` reads, with
    ``format`` (``brat``, ``conll``, ``labelstudio``, ``doccano``, ``spacy``, ...), read whole.
    Every document is checked as it is read; a bad one raises :class:`InputError`.
    """
    if format is None or format.lower() in ("gold", "jsonl"):
        corpus = _goldspan.Corpus(os.fspath(path), split)
        for index in range(len(corpus)):
            yield json.loads(corpus.record(index))
        return
    if split is not None:
        raise ValueError("split applies to a corpus directory; other formats have no splits")
    for line in _goldspan.read_documents(os.fspath(path), format, layer=layer, scheme=scheme):
        yield json.loads(line)


def convert(
    src: PathLike,
    dst: PathLike,
    *,
    from_: str,
    to: str,
    force: bool = False,
    layer: Optional[str] = None,
    scheme: str = "IOB2",
    to_scheme: Optional[str] = None,
) -> List[str]:
    """Converts ``src`` read as ``from_`` into ``dst`` written as ``to`` (``goldspan convert``);
    returns the notes on what reading dropped or assumed and what the target cannot hold.

    Never writes over the input, an existing file or a directory that is not empty unless
    ``force=True`` (``ValueError`` otherwise, saying why).
    """
    notes: List[str] = _goldspan.convert(
        os.fspath(src), os.fspath(dst), from_=from_, to=to, force=force, layer=layer, scheme=scheme, to_scheme=to_scheme
    )
    return notes


class ExtractorError(GoldspanError):
    """The extractor failed (exit code 3 of ``goldspan run``/``check``): before its first
    document, on every document, or on more than allowed. ``results`` holds what the run
    wrote, when it wrote any."""

    def __init__(self, message: str, results: Union[Results, List[Results], None] = None) -> None:
        super().__init__(message)
        self.results = results


def _command(args: List[str], cwd: Optional[PathLike]) -> "Tuple[subprocess.CompletedProcess[str], List[Problem]]":
    """Runs ``goldspan ARGS`` as a child process of this Python (the same wheel); returns it
    with the problems of an input error, which the command writes as JSON to the file named
    by ``GOLDSPAN_PROBLEMS_FILE``."""
    with tempfile.TemporaryDirectory(prefix="goldspan-") as tmp:
        problems_file = Path(tmp) / "problems.json"
        process = subprocess.run(
            [sys.executable, "-m", "goldspan", *args],
            cwd=None if cwd is None else os.fspath(cwd),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "GOLDSPAN_PROBLEMS_FILE": str(problems_file)},
        )
        found = json.loads(problems_file.read_text(encoding="utf-8")) if problems_file.exists() else []
    return process, [Problem(p["file"], p["line"], p["document"], p["message"]) for p in found]


def _failed(process: "subprocess.CompletedProcess[str]", problems: List[Problem]) -> Exception:
    message = process.stderr.strip() or f"goldspan exited {process.returncode}"
    if process.returncode == 2:
        error = InputError(message)
        error.problems = problems
        return error
    return GoldspanError(message)


def run(
    *evals: PathLike,
    extractor: Optional[str] = None,
    corpus: Optional[PathLike] = None,
    split: Optional[str] = None,
    modes: Union[str, Sequence[str], None] = None,
    layers: Union[str, Sequence[str], None] = None,
    jobs: Optional[int] = None,
    timeout: Optional[float] = None,
    cache: Optional[PathLike] = None,
    no_cache: bool = False,
    bootstrap: int = 0,
    args: Sequence[str] = (),
    cwd: Optional[PathLike] = None,
) -> Union[Results, List[Results]]:
    """Runs an extractor and scores it (``goldspan run``): ad hoc with ``extractor`` (a spec:
    ``entities-rules``, ``cmd:python my_extractor.py``, ``file:preds.jsonl``) and ``corpus``,
    or the eval files ``evals`` (default: the project's ``evals/``, found from ``cwd``).

    Returns the results (a list of them when several evals ran). The run is a child
    ``goldspan`` process of this Python: extractor processes are supervised, and stopped on
    Ctrl-C, as in a terminal. Failed documents are listed in ``results.failures``; an
    extractor that fails on every document raises :class:`ExtractorError`. ``args`` passes
    any other ``goldspan run`` option (``["--limit", "10"]``).
    """
    argv: List[str] = ["run", *(os.fspath(e) for e in evals)]
    if extractor is not None:
        argv += ["--extractor", extractor]
    if corpus is not None:
        argv += ["--corpus", os.fspath(corpus)]
    if split is not None:
        argv += ["--split", split]
    for mode in _names(modes, "modes") or []:
        argv += ["--mode", mode]
    for layer in _names(layers, "layers") or []:
        argv += ["--layer", layer]
    if jobs is not None:
        argv += ["--jobs", str(jobs)]
    if timeout is not None:
        argv += ["--timeout", str(timeout)]
    if cache is not None:
        argv += ["--cache", os.fspath(cache)]
    if no_cache:
        argv.append("--no-cache")
    if bootstrap:
        argv += ["--bootstrap", str(bootstrap)]
    with tempfile.TemporaryDirectory(prefix="goldspan-run-") as tmp:
        output = Path(tmp) / "results.json"
        process, problems = _command([*argv, *args, "--format", "json", "--output", str(output)], cwd)
        results: Union[Results, List[Results], None] = None
        if output.exists():
            value = json.loads(output.read_text(encoding="utf-8"))
            results = [Results(v) for v in value] if isinstance(value, list) else Results(value)
    if process.returncode == 0 and results is not None:
        return results
    if process.returncode == 3:
        raise ExtractorError(process.stderr.strip(), results)
    raise _failed(process, problems)


@dataclass(frozen=True)
class CheckReport:
    """What ``goldspan check`` concluded: ``ok`` when every eval matched its snapshot (exit
    0); ``exit_code`` (1 a regression, missing snapshot or changed corpus; 2 a malformed
    eval or snapshot; 3 an extractor failed); ``report``, the JSON report (``--format
    json``); ``stderr``, what the command said there."""

    ok: bool
    exit_code: int
    report: Any
    stderr: str

    def __bool__(self) -> bool:
        return self.ok


def check(
    evals: Optional[PathLike] = None,
    *,
    update: bool = False,
    allow_regression: bool = False,
    cache: Optional[PathLike] = None,
    no_cache: bool = False,
    cwd: Optional[PathLike] = None,
) -> CheckReport:
    """Re-runs every eval and compares it with its snapshot (``goldspan check``), as a child
    ``goldspan`` process; for pytest: ``assert goldspan.check().ok``.

    ``evals``: the directory of eval files (default: the project's ``evals/``, found from
    ``cwd``). ``update`` writes new snapshots (refused where a score fell unless
    ``allow_regression``).
    """
    argv: List[str] = ["check", "--format", "json"]
    if evals is not None:
        argv += ["--evals", os.fspath(evals)]
    if update:
        argv.append("--update")
    if allow_regression:
        argv.append("--allow-regression")
    if cache is not None:
        argv += ["--cache", os.fspath(cache)]
    if no_cache:
        argv.append("--no-cache")
    process, problems = _command(argv, cwd)
    try:
        report = _wrap_report(json.loads(process.stdout))
    except ValueError:
        raise _failed(process, problems) from None
    return CheckReport(process.returncode == 0, process.returncode, report, process.stderr)


def _wrap_report(value: Any) -> Any:
    if isinstance(value, dict):
        return Node(value)
    if isinstance(value, list):
        return [_wrap_report(v) for v in value]
    return value
