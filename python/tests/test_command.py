"""The wheel's `goldspan` command is the Rust command line: the console script in the
virtual environment's bin runs it in-process with the binary's output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

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
