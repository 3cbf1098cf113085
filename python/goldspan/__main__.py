"""The ``goldspan`` command of the wheel: the Rust command line, run in this process.

``pip install goldspan`` installs ``goldspan`` as a console script calling :func:`main`, which
hands ``sys.argv`` to the same entry point as the native binary (``goldspan_cli::run_with``),
so commands, output and exit codes are the binary's. Python's own SIGINT handler would hold
Ctrl-C until the Rust code returned; :func:`main` restores the default action first, so
Ctrl-C stops a command at once as it stops the binary, and the commands that start
extractor processes install their own handlers (kill every worker, exit 128 + N) as they do
in the binary.
"""

from __future__ import annotations

import signal
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    """Runs ``goldspan`` with ``argv`` (default ``sys.argv``) and returns its exit code."""
    from goldspan import _goldspan

    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = "goldspan"
    else:
        args = ["goldspan"]
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    sys.stderr.flush()
    return int(_goldspan.cli(args))


def _console() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _console()
