"""``goldspan.serve``: a Python function as a ``cmd:`` extractor (docs/protocol.md).

The loop reads one request per line from stdin and writes exactly one answer line per request
to stdout, flushed at once. stdout is reserved for answers: while ``serve`` runs, ``print``
and anything else that writes to ``sys.stdout`` go to stderr, so a stray log line cannot
take the place of an answer. An exception in the function becomes an error answer for that
document (``{"id": ..., "error": "ValueError: ..."}``): goldspan records the document as
failed, with the message, and the process goes on with the next one.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, TextIO, Union

HELLO_ID = "goldspan:hello"
PROTOCOL = 2

Answer = Union[Mapping[str, Any], Iterable[Mapping[str, Any]]]


def _spans(result: Any, doc_id: str) -> Dict[str, Any]:
    """The answer record for what ``fn`` returned: a record (a dict with ``spans`` and maybe
    ``relations``, ``clusters``) or a list of spans."""
    if isinstance(result, Mapping):
        record = dict(result)
        record.setdefault("id", doc_id)
        if record["id"] != doc_id:
            raise ValueError(f"the function answered for document {record['id']!r}, not {doc_id!r}")
        record.setdefault("spans", [])
    elif result is None:
        raise TypeError("the function returned None; return a list of spans or a record with 'spans'")
    else:
        record = {"id": doc_id, "spans": list(result)}
    record["goldspan"] = 1
    return record


def _number(value: Any) -> Any:
    """Numbers of other libraries (numpy's int64 offsets from spaCy or a tokenizer) as ints."""
    if hasattr(value, "__index__"):
        return value.__index__()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def serve(
    extract: Callable[[Dict[str, Any]], Answer],
    *,
    name: Optional[str] = None,
    version: Optional[str] = None,
    config: Any = None,
    stdin: Optional[TextIO] = None,
    stdout: Optional[TextIO] = None,
) -> None:
    """Serves ``extract`` over the ``cmd:`` protocol until stdin closes.

    ``extract(doc)`` gets each request as a dict (``id``, ``text``, ``meta``) and returns the
    document's spans: a list of span dicts (``label``, ``start``, ``end``, optionally
    ``layer``, ``id``, ``text``; offsets are Python string indices) or a whole record
    (``{"spans": [...], "relations": [...], "clusters": [...]}``).

    With ``name`` and ``version`` the program speaks protocol 2: it declares itself in answer
    to goldspan's hello, and ``name``, ``version`` and ``config`` (any JSON) become part of
    the extractor's identity, so a new version gets its own cache. Without them it answers the
    hello as an empty document (protocol 1).

    Run it as the program of a ``cmd:`` extractor::

        # my_extractor.py
        import re, goldspan

        def extract(doc):
            return [{"layer": "entities", "label": "PERSON", "start": m.start(), "end": m.end()}
                    for m in re.finditer(r"\\b[A-Z]\\w+", doc["text"])]

        goldspan.serve(extract, name="capitalised", version="1.0.0")

    and ``goldspan run --extractor 'cmd:python my_extractor.py' --corpus corpus/news``.
    """
    if (name is None) != (version is None):
        raise ValueError("give both name and version (protocol 2), or neither (protocol 1)")
    source = stdin if stdin is not None else sys.stdin
    out = stdout if stdout is not None else sys.stdout
    # Answers only on stdout: everything else printed meanwhile goes to stderr.
    saved = sys.stdout
    if stdout is None:
        sys.stdout = sys.stderr
    try:
        for line in source:
            if not line.strip():
                continue
            out.write(_answer(extract, line, name, version, config) + "\n")
            out.flush()
    finally:
        sys.stdout = saved


def _answer(
    extract: Callable[[Dict[str, Any]], Answer], line: str, name: Optional[str], version: Optional[str], config: Any
) -> str:
    try:
        request = json.loads(line)
        doc_id = request["id"]
    except (ValueError, KeyError, TypeError) as e:
        # Not a request goldspan would send; say so on stderr, answer nothing sensible.
        print(f"goldspan.serve: cannot read the request {line[:200]!r}: {e}", file=sys.stderr, flush=True)
        return json.dumps({"goldspan": 1, "id": "", "error": f"cannot read the request: {e}"})
    if "hello" in request:
        if name is None:
            return json.dumps({"goldspan": 1, "id": doc_id, "spans": []})
        hello: Dict[str, Any] = {"name": name, "version": version}
        if config is not None:
            hello["config"] = config
        return json.dumps({"goldspan": PROTOCOL, "id": doc_id, "hello": hello}, ensure_ascii=False)
    try:
        record = _spans(extract(request), doc_id)
        return json.dumps(record, ensure_ascii=False, default=_number)
    except Exception as e:  # noqa: BLE001 - any failure of the function fails this document only
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        message = f"{type(e).__name__}: {e}"
        return json.dumps({"goldspan": 1, "id": doc_id, "error": message}, ensure_ascii=False)




__all__ = ["serve"]
