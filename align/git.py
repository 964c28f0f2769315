"""The only door to git: every git process align starts goes through ``Git.run``."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from align import gitstate, signals
from align.errors import AlignError, GitError
from align.gitenv import environment
from align.gitio import FS_CODEC, SPAWN, Deadline, Tail, capture, feed, read, reaped, unmerged_paths
from align.gitmemo import Memo, is_pure
from align.gitstate import GIT_PATHS, Progress
from align.gitvalues import Location, Ref, Result, Stats
from align.stopped import note

__all__ = ["ALLOWED_PROTOCOLS", "MIN_VERSION", "ZERO", "Git", "Location", "Ref", "Result", "Stats"]

log = logging.getLogger("align.git")

# Transports a recipe fetched from git may use (``ext::`` and ``fd::`` run commands).
# Only recipe fetches are limited: a user's own remotes keep their configured helpers.
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"
MIN_VERSION = (2, 30)
ZERO = "0" * 40


class Git:
    """git bound to one working directory, with timing and logging of every call."""

    def __init__(
        self,
        cwd: Path,
        *,
        env: Mapping[str, str] | None = None,
        stats: Stats | None = None,
        paths: dict[str, Path] | None = None,
        memo: Memo[Result, Ref] | None = None,
    ) -> None:
        self.cwd = cwd
        self.memo: Memo[Result, Ref] = memo if memo is not None else Memo()  # this run's answers (align.gitmemo)
        self.env = dict(env or {})
        self.stats = stats if stats is not None else Stats()
        self._paths = paths if paths is not None else {}  # git_path's answers, shared with with_env's copies
        self._options: dict[str, Any] = {
            "_cwd": str(cwd), "_env": environment(env), "_tty_out": False, "_encoding": FS_CODEC,
            "_truncate_exc": False,
        }  # fmt: skip
        executable = _git_command()
        self._executable = str(executable)  # git's path, for a ``via`` program to run
        self._command = executable.bake("--no-pager", **self._options)

    @classmethod
    def at(cls, location: Location) -> Git:
        """Return git for the working tree of ``location``, knowing its git paths already (no call to ask)."""
        return cls(location.root, paths=dict(location.paths), memo=location.memo)

    def with_env(self, **extra: str) -> Git:
        """Return git for the same directory with more environment variables, counting calls together."""
        return Git(self.cwd, env={**self.env, **extra}, stats=self.stats, paths=self._paths, memo=self.memo)

    def run(
        self,
        *args: str,
        ok: Sequence[int] = (0,),
        stdin: str | None = None,
        on_stderr: Callable[[str], None] | None = None,
        terminal: bool = False,
        timeout: float | None = None,
        moves: Sequence[str] | None = None,
    ) -> Result:
        """Run ``git ARGS``; raise ``GitError`` unless its exit code is in ``ok``.

        Args:
            on_stderr: called with each piece of stderr as git writes it (live progress).
            terminal: keep git in align's session, so ssh can still ask for a passphrase on the
                terminal (fetch); otherwise git gets its own session, and stops when align is interrupted.
            timeout: stop git (SIGTERM, so that it removes its lock files) after this many seconds; the
                result then says ``timed_out`` and is returned whatever its exit code.
            moves: the only refs this command can move (what git said of other refs still holds).
        """
        # A signal recorded since the last check ends the run here, before another git process starts.
        signals.check()
        known = self.memo.answer(args) if stdin is None else None  # asked before in this run (align.gitmemo)
        if known is not None and known.code in ok:
            return known
        self.memo.ran(args, moves)  # forget what this command may change (align.gitmemo)
        # Input and output go through files in memory, never through sh's buffers (see align.gitio).
        out, err = capture(), capture()
        extra: dict[str, Any] = {"_out": out, "_err": err, "_in": feed(stdin) if stdin is not None else None}
        started = time.perf_counter()
        # Every exit code is accepted here and checked below; git runs in its own session so that,
        # when align is interrupted, git and its hooks are stopped with it rather than left running.
        session = not terminal
        # Outside a run's ``signals.handled()``, a signal that came while sh was starting git would leave git
        # running unseen: cli's handler keeps it (``defer``) until git has a process align can stop.
        SPAWN.update(active=1, pending=0)
        try:
            process = self._command(
                *args, _bg=True, _new_session=session, _ok_code=_ANY_CODE, _return_cmd=True, **extra
            )
        finally:
            SPAWN["active"] = 0
        deadline = Deadline(process.pid, timeout) if timeout is not None else None
        tail = Tail(err, on_stderr) if on_stderr is not None else None
        try:
            # In a run, a signal stops git (``signals.waiting``) and is raised below, after the wait.
            with signals.waiting(process.pid, group=session):
                if SPAWN["pending"]:  # handled now, inside the try that stops git
                    number, SPAWN["pending"] = SPAWN["pending"], 0
                    signal.raise_signal(number)
                process.wait()
        except BaseException:
            _stop(process, group=session)
            raise
        finally:
            if deadline is not None:
                deadline.cancel()
            if tail is not None:
                tail.stop()
        if signals.recorded():  # git was stopped by the signal: its result is not used
            _stop(process, group=session)  # what it left running in its group, and what it left half done
            for file in (out, err, extra["_in"]):
                if file is not None:
                    file.close()
            signals.check()
        timed_out = deadline is not None and deadline.passed.is_set()
        if extra["_in"] is not None:
            extra["_in"].close()
        stderr = read(err)
        result = Result(code=process.exit_code, stdout=read(out), stderr=stderr, timed_out=timed_out)
        elapsed = time.perf_counter() - started
        self.stats.calls += 1
        self.stats.seconds += elapsed
        log.debug("git %s -> %d (%.3f s)", " ".join(args), result.code, elapsed)
        if stdin is None and not timed_out and is_pure(args):
            self.memo.keep(args, result, len(result.stdout) + len(result.stderr))
        if result.code not in ok and not timed_out:
            raise GitError(args, result.code, result.stderr)
        return result

    def config_matching(self, pattern: str) -> list[tuple[str, str]]:
        """Return the config entries (key, value), in git's order, whose key matches ``pattern`` as ``git config
        --get-regexp`` matches it (against the key with section and name in lower case; the pattern must read
        the same as a Python regexp). The whole config is read once per run (``git config -z --list``) and
        read again only after align ran a command that may write it (``align.gitmemo``)."""
        if self.memo.config is None:
            listed = self.run("config", "-z", "--list", ok=(0, 1)).stdout
            self.memo.config = [
                (key, value) for entry in listed.split("\0") if entry for key, _, value in [entry.partition("\n")]
            ]
        found = re.compile(pattern)
        return [(key, value) for key, value in self.memo.config if found.search(key)]

    def command(self, *args: str, via: tuple[str, ...] = (), **options: Any) -> Any:
        """Start ``git ARGS`` through sh with this directory and environment (``align.gitstream`` only);
        ``via``: a program and its arguments that run git (``stdbuf -o0``)."""
        if via:
            import sh  # lazily, as everywhere in this module (start-up time)

            runner = sh.Command(via[0]).bake(*via[1:], self._executable, "--no-pager", **self._options)
            return runner(*args, **options)
        return self._command(*args, **options)

    def toplevel(self) -> Path | None:
        """Return the root of the working tree around ``cwd``, or None outside a repository."""
        result = self.run("rev-parse", "--show-toplevel", ok=(0, 128))
        return Path(result.stdout.strip()) if result.code == 0 else None

    def init_bare(self) -> None:
        """Create a bare repository in ``cwd`` (a no-op when one is already there)."""
        self.run("init", "--quiet", "--bare", ".")

    def fetch_commit(self, url: str, sha: str) -> bool:
        """Fetch one commit from ``url`` (all refs when the server refuses a bare sha)."""
        depth = ("--depth=1", "--end-of-options", url, sha)
        shallow = self.run("fetch", "--quiet", "--no-tags", *depth, ok=(0, 1, 128), terminal=True)
        if shallow.code != 0:
            everything = ("--end-of-options", url, "+refs/*:refs/fetched/*")
            self.run("fetch", "--quiet", "--no-tags", *everything, terminal=True)
        return self.has_commit(sha)

    def has_commit(self, sha: str) -> bool:
        """Tell whether ``sha`` names a commit present in this repository."""
        return self.run("cat-file", "-e", f"{sha}^{{commit}}", ok=(0, 1, 128)).code == 0

    def show_file(self, sha: str, path: str) -> str | None:
        """Return the text of file ``path`` at commit ``sha``, or None when no such file is there."""
        result = self.run("cat-file", "blob", f"{sha}:{path}", ok=(0, 128))
        return result.stdout if result.code == 0 else None

    # -- repository facts -------------------------------------------------------------------

    def version(self) -> tuple[int, ...]:
        """Return git's version as numbers, e.g. ``(2, 39, 5)``."""
        text = self.run("version").stdout
        found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
        if not found:
            raise AlignError(f"cannot read git's version from {text.strip()!r}")
        return tuple(int(part or 0) for part in found.groups())

    def locate(self) -> Location | None:
        """Return the working tree, git dirs, git paths and HEAD around ``cwd`` (None outside a working tree)."""
        places = ("rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir", *_asking(GIT_PATHS))
        result = self.run(*places, "--symbolic-full-name", "HEAD", ok=(0, 128))
        lines = result.stdout.splitlines()
        if result.code != 0:  # outside a repository, or HEAD is unborn (no commit yet)
            found = self.run(*places, ok=(0, 128))
            symbolic = self.run("symbolic-ref", "--quiet", "HEAD", ok=(0, 1, 128)).stdout.strip()
            lines = [*found.stdout.splitlines(), symbolic] if found.code == 0 else []
        if len(lines) != 4 + len(GIT_PATHS):
            return None
        root, git_dir, common, *paths, head = lines
        common_dir = (self.cwd / common).resolve()
        return Location(
            root=Path(root),
            git_dir=Path(git_dir),
            common_dir=common_dir,
            head_ref=head if head.startswith("refs/") else None,
            paths=self._remember(GIT_PATHS, paths),
            memo=self.memo,
        )

    # -- git's state in this working tree: a rebase, a merge... ------------------------------

    def git_path(self, name: str) -> Path:
        """Return where file ``name`` of the git dir is (``rev-parse --git-path``: right in a linked worktree).

        The first question asks git for every path align reads (``GIT_PATHS``) in one call; the answers
        are kept (a ``Git`` made by ``Git.at`` knows them from ``locate`` and asks nothing).
        """
        if name not in self._paths:
            names = tuple(item for item in dict.fromkeys((*GIT_PATHS, name)) if item not in self._paths)
            self._remember(names, self.run("rev-parse", *_asking(names)).stdout.splitlines())
        return self._paths[name]

    def operation_in_progress(self) -> str | None:
        """Return what git operation is half done here (``a rebase``, ``a merge``...), or None."""
        return gitstate.operation(self.git_path)

    def applying(self) -> str | None:
        """Return the pseudo-ref of the commit git's merge or rebase stopped at (``MERGE_HEAD``,
        ``REBASE_HEAD``), or None when it stopped at none."""
        return gitstate.applying(self.git_path)

    def progress(self) -> Progress:
        """Return where git's rebase or merge is (read from its state files; no git process)."""
        return gitstate.progress(self.git_path)

    def _remember(self, names: Sequence[str], lines: Sequence[str]) -> dict[str, Path]:
        """Keep the paths ``rev-parse --git-path`` gave for ``names`` (relative to ``cwd``, or absolute)."""
        found = {name: Path(os.path.normpath(self.cwd / line)) for name, line in zip(names, lines, strict=True)}
        self._paths.update(found)
        return found

    def ignored(self, path: Path) -> bool:
        """Tell whether git ignores ``path`` (a file under this working tree, which need not exist)."""
        return self.run("check-ignore", "--quiet", "--", str(path), ok=(0, 1)).code == 0

    def branch_name_ok(self, name: str) -> bool:
        """Tell whether git accepts ``name`` as a branch name, as written (no ``@{-1}`` expansion)."""
        result = self.run("check-ref-format", "--branch", name, ok=(0, 1, 128))
        return result.code == 0 and result.stdout.strip() == name

    def refs(self, *patterns: str, known: bool = False) -> dict[str, Ref]:
        """Return the refs matching ``patterns`` (for-each-ref patterns), in one call (``known``: none when an
        earlier lookup of this run, still valid, covers them)."""
        remembered = self.memo.refs(patterns) if known else None
        if remembered is not None:
            return remembered
        fields = "%(refname)%00%(objectname)%00%(symref)%00%(objecttype)%00%(worktreepath)"
        result = self.run("for-each-ref", f"--format={fields}", "--end-of-options", *patterns)
        found: dict[str, Ref] = {}
        for line in result.stdout.splitlines():
            name, sha, symref, kind, worktree = line.split("\0")
            found[name] = Ref(name=name, sha=sha, symref=symref, kind=kind, worktree=worktree)
        self.memo.listed_refs(patterns, found)
        return found

    def commit_of(self, rev: str) -> str | None:
        """Return the commit ``rev`` names, or None."""
        result = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", ok=(0, 1, 128))
        return result.stdout.strip() if result.code == 0 else None

    def changes(self) -> list[str]:
        """Return ``status --porcelain`` entries: staged, unstaged and untracked paths (not ignored)."""
        result = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
        return [entry for entry in result.stdout.split("\0") if entry]

    def unmerged(self) -> list[tuple[str, str]]:
        """Return each unmerged path with its two-letter status (``UU``, ``AA``, ``DU``...), from the index
        alone (``ls-files -u``: no look at the working tree's files, unlike ``git status``)."""
        result = self.run("ls-files", "-z", "--unmerged", "--full-name", "--", ":/")
        return unmerged_paths(result.stdout.split("\0"))

    def counts(self, onto: str, tip: str, upstream: str = "") -> tuple[int, int, int, str | None]:
        """Return (behind, ahead, merge commits ahead, merge base) of ``tip`` against ``onto``.

        ``upstream`` (a stacked branch's base, in ``tip``'s history): the branch's own commits are those
        above it, and it is the base returned.
        """
        sides = self.run("rev-list", "--left-right", "--count", f"{onto}...{tip}", "--").stdout.split()
        merges = self.run("rev-list", "--count", "--min-parents=2", f"{upstream or onto}..{tip}", "--").stdout.strip()
        if upstream:
            ahead = self.run("rev-list", "--count", f"{upstream}..{tip}", "--").stdout.strip()
            return int(sides[0]), int(ahead), int(merges), upstream
        base = self.run("merge-base", "--end-of-options", onto, tip, ok=(0, 1)).stdout.strip() or None
        return int(sides[0]), int(sides[1]), int(merges), base

    def last_reflog(self, ref: str) -> tuple[str, str] | None:
        """Return (new sha, message) of the newest reflog entry of ``ref``, or None."""
        result = self.run("log", "-g", "-n1", "--format=%H%x00%gs", ref, "--", ok=(0, 128))
        line = result.stdout.strip()
        return tuple(line.split("\0", 1)) if result.code == 0 and "\0" in line else None  # type: ignore[return-value]

    def remote_url(self, remote: str) -> str | None:
        """Return the URL git would fetch ``remote`` from (insteadOf applied), or None."""
        result = self.run("ls-remote", "--get-url", "--end-of-options", remote, ok=(0, 128))
        url = result.stdout.strip()
        return url if result.code == 0 and url != remote else None

    # -- moving refs ------------------------------------------------------------------------

    def update_ref(self, ref: str, new: str, old: str, message: str) -> bool:
        """Move ``ref`` to ``new`` only if it is at ``old`` (ZERO: create); False when it was not."""
        result = self.run("update-ref", "--create-reflog", "-m", message, ref, new, old, ok=(0, 1, 128), moves=[ref])
        return result.code == 0

    def delete_refs(self, refs: Mapping[str, str], message: str) -> None:
        """Delete each ref if it still points where ``refs`` says, in one transaction."""
        if refs:
            lines = "".join(f"delete {ref} {sha}\n" for ref, sha in refs.items())
            self.run("update-ref", "-m", message, "--stdin", stdin=lines, moves=list(refs))


_ANY_CODE = list(range(-64, 256))


def _asking(names: Sequence[str]) -> list[str]:
    """Return the ``rev-parse`` arguments that ask where each of ``names`` is in the git dir."""
    return [arg for name in names for arg in ("--git-path", name)]


def _stop(process: Any, *, group: bool) -> None:
    """Stop a git process (and, in its own session, everything it started), and wait for it.

    Then note the files git may have left half done (``*.lock``, ``CHERRY_PICK_HEAD``...) that appeared
    while it ran: align's ``abort`` and ``continue`` remove them if they are still exactly as left.
    """
    import sh

    for number, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            (os.killpg if group else os.kill)(process.pid, number)
        try:
            process.wait(timeout=grace)
        except sh.TimeoutException:
            continue
        except Exception:  # sh's bookkeeping, left half-way by the wait the signal interrupted: wait ourselves
            if not reaped(process.pid, grace):
                continue
        break
    with contextlib.suppress(Exception):  # noting is a help for later, never a reason to fail now
        note(Path(process.call_args["cwd"]), float(process.process.started))


def _git_command() -> Any:
    import sh

    try:
        return sh.Command("git")
    except sh.CommandNotFound:
        raise AlignError("git is not installed or not on PATH", hint="install git 2.30 or newer") from None
