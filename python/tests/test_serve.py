"""`goldspan.serve` speaks the `cmd:` protocol (docs/protocol.md) as the real `goldspan run`
drives it: the hello declares name and version (protocol 2), each request gets exactly one
flushed answer line, stdout carries answers only, and an exception in the function fails
that document alone, recorded in the run's failures with its message."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, List

import goldspan
from conftest import REPO, TINY, command

EXTRACTOR = textwrap.dedent(
    """
    import re
    import goldspan

    def extract(doc):
        if doc["id"] == "b":
            raise ValueError("cannot tag document b")
        print("a log line, which must not reach stdout")
        return [{"layer": "entities", "label": "PERSON", "start": m.start(), "end": m.end()}
                for m in re.finditer(r"\\b[A-Z]\\w+", doc["text"])]

    goldspan.serve(extract, name="capitalised", version="2.1.0", config={"pattern": "caps"})
    """
)


def capitalised(text: str) -> List[Dict[str, Any]]:
    return [
        {"layer": "entities", "label": "PERSON", "start": m.start(), "end": m.end()}
        for m in re.finditer(r"\b[A-Z]\w+", text)
    ]


def test_goldspan_run_drives_serve_and_records_the_exception_as_a_failure(
    tmp_path: Path, python_on_path: Dict[str, str]
) -> None:
    script = tmp_path / "extractor.py"
    script.write_text(EXTRACTOR, encoding="utf-8")
    output = tmp_path / "results.json"
    process = subprocess.run(
        [command(), "run", "--extractor", f"cmd:python {script}", "--corpus", str(TINY), "--mode", "strict",
         "--layer", "entities", "--no-cache", "--jobs", "1", "--format", "json", "--output", str(output)],
        cwd=REPO, env=python_on_path, capture_output=True, text=True, timeout=120,
    )
    assert process.returncode == 0, process.stderr
    run = json.loads(output.read_text(encoding="utf-8"))
    # The hello's declaration is the extractor's identity.
    assert run["manifest"]["extractor"]["version"] == "capitalised 2.1.0"
    # The exception failed document b only, with its message.
    [failure] = run["failures"]
    assert failure["document"] == "b"
    assert "ValueError: cannot tag document b" in failure["reason"]
    # a and c were answered: the run's numbers are those of the same spans scored directly
    # (b, failed, counts as empty predictions).
    docs = {d["id"]: d for d in goldspan.load_corpus(TINY)}
    expected = goldspan.score(
        TINY,
        [{"id": i, "spans": capitalised(docs[i]["text"])} for i in ("a", "c")],
        modes="strict",
        layers="entities",
    )
    assert run["total"] == expected.total.to_dict()
    assert expected.total.layers.entities.strict.micro.actual > 0


def answers(requests: List[Dict[str, Any]], script: str, tmp_path: Path) -> "subprocess.CompletedProcess[str]":
    path = tmp_path / "serve.py"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    lines = "".join(json.dumps(r) + "\n" for r in requests)
    return subprocess.run([sys.executable, str(path)], input=lines, capture_output=True, text=True, timeout=60)


HELLO = {"goldspan": 1, "id": "goldspan:hello", "text": "", "meta": {}, "hello": {"protocol": 2, "goldspan": "0.1.0"}}


def test_one_answer_line_per_request_and_logs_on_stderr(tmp_path: Path) -> None:
    script = """
        import goldspan
        def extract(doc):
            print("log to stdout, moved to stderr")
            if doc["text"] == "boom":
                raise RuntimeError("boom")
            return {"spans": [{"label": "PERSON", "start": 0, "end": 1}], "clusters": []}
        goldspan.serve(extract)
    """
    requests = [HELLO, {"id": "d1", "text": "Ann", "meta": {}}, {"id": "d2", "text": "boom", "meta": {}}]
    process = answers(requests, script, tmp_path)
    lines = process.stdout.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"goldspan": 1, "id": "goldspan:hello", "spans": []},  # protocol 1: no name given
        {"goldspan": 1, "id": "d1", "spans": [{"label": "PERSON", "start": 0, "end": 1}], "clusters": []},
        {"goldspan": 1, "id": "d2", "error": "RuntimeError: boom"},
    ]
    assert "log to stdout, moved to stderr" in process.stderr
    assert "Traceback" in process.stderr


def test_hello_declares_name_version_and_config(tmp_path: Path) -> None:
    script = """
        import goldspan
        goldspan.serve(lambda doc: [], name="n", version="1", config={"model": "m"})
    """
    process = answers([HELLO], script, tmp_path)
    assert json.loads(process.stdout) == {
        "goldspan": 2, "id": "goldspan:hello", "hello": {"name": "n", "version": "1", "config": {"model": "m"}}
    }


def test_answers_are_flushed_one_at_a_time(tmp_path: Path) -> None:
    # The answer to the first request must arrive while stdin is still open.
    path = tmp_path / "serve.py"
    path.write_text("import goldspan\ngoldspan.serve(lambda doc: [])\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps({"id": "d1", "text": "x", "meta": {}}) + "\n")
    process.stdin.flush()
    assert json.loads(process.stdout.readline()) == {"goldspan": 1, "id": "d1", "spans": []}
    process.stdin.close()
    assert process.wait(timeout=30) == 0


def test_ctrl_c_stops_a_run_and_its_workers_with_exit_130(tmp_path: Path, python_on_path: Dict[str, str]) -> None:
    # As the native binary does (docs/protocol.md, Processes): SIGINT kills every worker
    # group and the command exits 128 + 2.
    script = tmp_path / "slow.py"
    marker = tmp_path / "started"
    script.write_text(
        "import pathlib, time, goldspan\n"
        "def extract(doc):\n"
        f"    pathlib.Path({str(marker)!r}).touch()\n"
        "    time.sleep(600)\n"
        "    return []\n"
        "goldspan.serve(extract)\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [command(), "run", "--extractor", f"cmd:python {script}", "--corpus", str(TINY), "--no-cache", "--jobs", "1"],
        cwd=REPO, env=python_on_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the extractor never got a document"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "stopped by SIGINT" in stderr
