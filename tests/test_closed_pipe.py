"""A reader that goes away (`align status | head -1`) ends no command with a traceback (review of issue 10)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import Repo


@pytest.mark.parametrize("words", [["status"], ["history"], ["--version"], ["help", "conflicts"]])
def test_output_into_a_closed_pipe_ends_quietly(repo: Repo, words: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before align writes a byte: every write fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "align", *words], cwd=repo.path, stdout=write, stderr=subprocess.PIPE,
            text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr
    assert done.returncode == 0, done.stderr
