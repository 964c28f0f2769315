"""A bug in align: one line on the terminal, the details in a crash log, exit 70.

``cli.main`` calls :func:`report` for any exception that is not an ``AlignError`` (those are the errors a
user can act on). The log holds what a bug report needs: align's, git's, Python's and the platform's
versions, the command line, the traceback, and the journal of a run left unfinished. It is written to
``<git common dir>/align/crash.log`` inside a repository (when writable), else to align's cache folder;
writing it never raises.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from align import __version__, invocation
from align.git import Git
from align.recipe.sources import cache_dir
from align.state import Store, align_dir

EXIT_CODE = 70  # EX_SOFTWARE (sysexits.h): an internal error; none of a run's own exit codes (DESIGN §5)
LOG_NAME = "crash.log"


def report(error: BaseException, words: Sequence[str]) -> int:
    """Print one line about ``error`` and where its log is; write the log; return exit code 70."""
    common_dir = _common_dir()
    journal = _unfinished(common_dir)
    text = _log(error, words, journal)
    where = _write(text, _places(common_dir))
    print(f"align: internal error: {one_line(error)}", file=sys.stderr)
    said = f"details are in {where}" if where else "no crash log could be written"
    unfinished = (
        f"; a run is unfinished: `{invocation.command('abort')}` puts everything back" if journal is not None else ""
    )
    print(f"align: this is a bug in align, please report it ({said}){unfinished}", file=sys.stderr)
    return EXIT_CODE


def one_line(error: BaseException) -> str:
    """Return ``TYPE: message`` on one line (the message's first line; just ``TYPE`` without one)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def _log(error: BaseException, words: Sequence[str], journal: Path | None) -> str:
    """Return the crash log's text."""
    if journal is not None:
        run = (
            f"{journal} (a run is unfinished: `{invocation.command('abort')}` puts everything back, "
            f"`{invocation.command('continue')}` tries again, `{invocation.command('status')}` shows where it is)"
        )
    else:
        run = "none (no run left unfinished)"
    lines = [
        f"align internal error at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
        f"error: {one_line(error)}",
        "",
        f"command: {shlex.join([invocation.prefix(), *words])}",
        f"directory: {_cwd()}",
        f"align: {__version__}",
        f"git: {_git_version()}",
        f"python: {' '.join(sys.version.split())} ({sys.executable})",
        f"platform: {_platform()}",
        f"journal: {run}",
        "",
        "".join(traceback.format_exception(error)).rstrip(),
        "",
    ]
    return "\n".join(lines)


def _write(text: str, places: Iterator[Path]) -> Path | None:
    """Write ``text`` to the first of ``places`` that takes it; return that file, or None."""
    for path in places:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", errors="backslashreplace")
        except (OSError, ValueError):
            continue
        return path
    return None


def _places(common_dir: Path | None) -> Iterator[Path]:
    """Yield where the log may go: the repository's align folder, then align's cache folder."""
    if common_dir is not None and os.access(common_dir, os.W_OK):
        yield align_dir(common_dir) / LOG_NAME
    try:
        yield cache_dir() / LOG_NAME
    except (OSError, RuntimeError):  # no HOME to find ~/.cache in
        return


def _common_dir() -> Path | None:
    """Return the git common dir around the working directory, or None (outside one, or git fails)."""
    try:
        location = Git(Path.cwd()).locate()
    except Exception:  # the bug may be anywhere, git included: the log is written all the same
        return None
    return location.common_dir if location is not None else None


def _unfinished(common_dir: Path | None) -> Path | None:
    """Return the journal of a run left unfinished in the repository, or None."""
    if common_dir is None:
        return None
    path = Store(common_dir).journal_path
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def _git_version() -> str:
    try:
        return ".".join(map(str, Git(Path.cwd()).version()))
    except Exception as error:  # git missing or broken, or no working directory: say so in the log
        return f"unknown ({one_line(error)})"


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError as error:
        return f"unknown ({error.strerror})"


def _platform() -> str:
    try:
        return platform.platform()
    except Exception:  # platform probes the system; nothing it does may stop the log
        return sys.platform
