"""Shared fixtures of the Python test suite: the repository's paths, and the installed
`goldspan` command (the wheel's console script in the virtual environment running the tests),
which the parity tests treat as the reference the API must equal."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "tiny"
TINY_PRED = REPO / "tests" / "fixtures" / "tiny-pred.jsonl"
NEWS = REPO / "corpus" / "news"
PARITY = REPO / "tests" / "fixtures" / "parity"


def command() -> str:
    """The `goldspan` console script beside this interpreter (the wheel installed it)."""
    path = Path(sys.executable).parent / "goldspan"
    assert path.exists(), f"the wheel did not install {path}"
    return str(path)


def goldspan(*args: str, cwd: Path = REPO, check: bool = True, **kwargs: Any) -> "subprocess.CompletedProcess[str]":
    """Runs the installed `goldspan` command."""
    process = subprocess.run([command(), *args], cwd=cwd, capture_output=True, text=True, **kwargs)
    if check:
        assert process.returncode == 0, f"goldspan {' '.join(args)} exited {process.returncode}:\n{process.stderr}"
    return process


def cli_results(*args: str) -> Dict[str, Any]:
    """The results JSON of `goldspan score ARGS --format json`."""
    value: Dict[str, Any] = json.loads(goldspan("score", *args, "--format", "json").stdout)
    return value


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture()
def python_on_path() -> Dict[str, str]:
    """An environment whose `python` is this virtual environment's (for `cmd:python ...`
    extractors that import goldspan)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


__all__ = ["REPO", "TINY", "TINY_PRED", "NEWS", "PARITY", "goldspan", "cli_results", "read_jsonl", "shutil"]
