"""The wheel's `goldspan` command is the Rust command line: the console script in the
virtual environment's bin runs it in-process with the binary's output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import goldspan
from conftest import REPO, TINY, TINY_PRED, command, goldspan as run_goldspan


def test_the_console_script_is_installed_and_reports_the_version() -> None:
    process = run_goldspan("--version")
    assert process.stdout.strip() == f"goldspan {goldspan.__version__}"


def test_python_dash_m_goldspan_is_the_same_command() -> None:
    process = subprocess.run([sys.executable, "-m", "goldspan", "--version"], capture_output=True, text=True)
    assert process.returncode == 0 and process.stdout.strip() == f"goldspan {goldspan.__version__}"


def test_exit_codes_are_the_binarys() -> None:
    # 2: a usage error (clap's message on stderr) and an input error.
    usage = run_goldspan("score", "--no-such-flag", check=False)
    assert usage.returncode == 2 and "--no-such-flag" in usage.stderr
    bad = run_goldspan("score", "--gold", str(TINY), "--pred", "no/such/file.jsonl", check=False)
    assert bad.returncode == 2 and "no/such/file.jsonl" in bad.stderr
    # 0: validate a good corpus; --help prints to stdout.
    assert run_goldspan("validate", str(TINY)).returncode == 0
    assert "Usage: goldspan" in run_goldspan("--help").stdout


def test_score_through_the_command_writes_what_the_api_returns() -> None:
    process = run_goldspan("score", "--gold", str(TINY), "--pred", str(TINY_PRED), "--format", "json")
    assert json.loads(process.stdout) == goldspan.score(TINY, TINY_PRED).to_dict()


def test_a_closed_stdout_is_not_an_error() -> None:
    # `goldspan stats ... | head -1`: the binary exits 0 on a broken pipe.
    shell = f"'{command()}' stats '{REPO / 'corpus' / 'news'}' | head -1"
    process = subprocess.run(["bash", "-c", f"set -o pipefail; {shell}"], capture_output=True, text=True, cwd=REPO)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip()


def test_a_saved_run_scores_through_the_api_as_the_command_scores_it(tmp_path: Path) -> None:
    # A run on one split: the saved file's header names the split, the extractor and the
    # layers it produced (not structure), and both the API and `goldspan score` apply them.
    saved = tmp_path / "saved.jsonl"
    run_goldspan(
        "run", "--extractor", f"file:{TINY_PRED}", "--corpus", str(TINY), "--split", "dev",
        "--save-predictions", str(saved), "--no-cache", "--format", "json",
    )
    header = json.loads(saved.read_text(encoding="utf-8").splitlines()[0])["header"]["run"]
    assert header["split"] == "dev"
    cli = json.loads(run_goldspan("score", "--gold", str(TINY), "--pred", str(saved), "--format", "json").stdout)
    api = goldspan.score(TINY, saved).to_dict()
    assert api == cli
    # The run's identity and split were applied, not those of a plain predictions file.
    assert api["manifest"]["extractor"] == header["extractor"]
    assert api["manifest"]["split"] == "dev"
    assert "structure" not in api["total"]["layers"]
    plain = goldspan.score(TINY, TINY_PRED).to_dict()
    assert plain["manifest"].get("extractor") is None
    with pytest.raises(ValueError, match='holds a run on split "dev", not "test"'):
        goldspan.score(TINY, saved, split="test")
