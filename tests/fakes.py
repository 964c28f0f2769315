"""Stand-ins for what a test cannot use for real: a terminal, a remote that counts or fails, a Ctrl-C."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.helpers import Repo, write


class Terminal:
    """A stand-in for a terminal's stderr: says it is a tty, keeps what is written."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def counting_upload_pack(repo: Repo, tmp_path: Path, *, fail: bool) -> Path:
    """Make origin's upload-pack count its calls in a file (and fail when ``fail``); return the file."""
    count = tmp_path / "upload-pack-calls"
    tail = "exit 1" if fail else 'exec git-upload-pack "$@"'
    script = write(tmp_path / "upload-pack.sh", f"#!/bin/sh\necho call >> '{count}'\n{tail}\n")
    script.chmod(0o755)
    repo.git("config", "remote.origin.uploadpack", str(script))
    return count


def calls(count: Path) -> int:
    """How many times the counting upload-pack ran."""
    return len(count.read_text().splitlines()) if count.exists() else 0


def interrupting(marker: Path) -> list[str]:
    """A validate command that, the first time, creates ``marker`` and sends SIGINT to its parent (align, which is
    the test process when align runs in-process); once ``marker`` exists it just succeeds."""
    code = (
        "import os, pathlib, signal, sys, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if marker.exists(): sys.exit(0)\n"
        "marker.touch()\n"
        "os.kill(os.getppid(), signal.SIGINT)\n"
        "time.sleep(10)\n"
    )
    return [sys.executable, "-c", code]
