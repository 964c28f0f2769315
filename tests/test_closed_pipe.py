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


def test_the_guarded_stream_drops_what_a_closed_pipe_cannot_take_and_keeps_the_descriptor_usable() -> None:
    from align.cli import _PipeSafe

    read, write = os.pipe()
    os.close(read)
    stream = open(write, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - line-buffered: each line is written
    try:
        safe = _PipeSafe(stream)
        assert safe.write("first line\n") == len("first line\n")  # EPIPE, swallowed
        assert safe.write("second line\n") == len("second line\n")  # the descriptor now goes to /dev/null
        safe.flush()
        assert safe.isatty() is False  # everything else is the stream's own
        assert os.fstat(write).st_rdev == os.stat(os.devnull).st_rdev
    finally:
        stream.close()
