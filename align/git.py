"""The only door to git: every git process align starts goes through ``Git.run``."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from align.errors import AlignError, GitError

log = logging.getLogger("align.git")

# Variables that a git hook or a parent git process may leak into our
# environment and that would point our git calls at another repository.
_LEAKED = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_NAMESPACE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_PREFIX",
    "GIT_QUARANTINE_PATH",
    "GIT_WORK_TREE",
)

# Transports a recipe fetched from git may use (``ext::`` and ``fd::`` run commands).
# Only recipe fetches are limited: a user's own remotes keep their configured helpers.
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"


@dataclass(frozen=True, kw_only=True)
class Result:
    """What a finished git process said."""

    code: int
    stdout: str
    stderr: str


@dataclass(kw_only=True)
class Stats:
    """How many git processes ran and how long they took."""

    calls: int = 0
    seconds: float = 0.0


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return a hardened environment for git: no leaked repository, no prompts, C locale."""
    env = {key: value for key, value in os.environ.items() if key not in _LEAKED}
    env.update(
        GIT_EDITOR="true",
        GIT_TERMINAL_PROMPT="0",
        LC_ALL="C",
    )
    env.update(extra or {})
    return env


class Git:
    """git bound to one working directory, with timing and logging of every call."""

    def __init__(self, cwd: Path, *, env: Mapping[str, str] | None = None) -> None:
        self.cwd = cwd
        self.stats = Stats()
        self._command = _git_command().bake(
            "--no-pager",
            _cwd=str(cwd),
            _env=environment(env),
            _tty_out=False,
            _truncate_exc=False,
        )

    def run(self, *args: str, ok: Sequence[int] = (0,), stdin: str | None = None) -> Result:
        """Run ``git ARGS``; raise ``GitError`` unless its exit code is in ``ok``."""
        import sh

        extra: dict[str, Any] = {"_in": stdin} if stdin is not None else {}
        started = time.perf_counter()
        try:
            done = self._command(*args, _ok_code=list(ok), _return_cmd=True, **extra)
        except sh.ErrorReturnCode as error:
            result = Result(code=error.exit_code, stdout=_text(error.stdout), stderr=_text(error.stderr))
        else:
            result = Result(code=done.exit_code, stdout=_text(done.stdout), stderr=_text(done.stderr))
        elapsed = time.perf_counter() - started
        self.stats.calls += 1
        self.stats.seconds += elapsed
        log.debug("git %s -> %d (%.3f s)", " ".join(args), result.code, elapsed)
        if result.code not in ok:
            raise GitError(args, result.code, result.stderr)
        return result

    def toplevel(self) -> Path | None:
        """Return the root of the working tree around ``cwd``, or None outside a repository."""
        result = self.run("rev-parse", "--show-toplevel", ok=(0, 128))
        return Path(result.stdout.strip()) if result.code == 0 else None

    def init_bare(self) -> None:
        """Create a bare repository in ``cwd`` (a no-op when one is already there)."""
        self.run("init", "--quiet", "--bare", ".")

    def fetch_commit(self, url: str, sha: str) -> bool:
        """Fetch one commit from ``url`` (all refs when the server refuses a bare sha)."""
        shallow = self.run("fetch", "--quiet", "--no-tags", "--depth=1", "--end-of-options", url, sha, ok=(0, 1, 128))
        if shallow.code != 0:
            self.run("fetch", "--quiet", "--no-tags", "--end-of-options", url, "+refs/*:refs/fetched/*")
        return self.has_commit(sha)

    def has_commit(self, sha: str) -> bool:
        """Tell whether ``sha`` names a commit present in this repository."""
        return self.run("cat-file", "-e", f"{sha}^{{commit}}", ok=(0, 1, 128)).code == 0

    def show_file(self, sha: str, path: str) -> str | None:
        """Return the text of file ``path`` at commit ``sha``, or None when no such file is there."""
        result = self.run("cat-file", "blob", f"{sha}:{path}", ok=(0, 128))
        return result.stdout if result.code == 0 else None


def _git_command() -> Any:
    import sh

    try:
        return sh.Command("git")
    except sh.CommandNotFound:
        raise AlignError("git is not installed or not on PATH", hint="install git 2.30 or newer") from None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")
