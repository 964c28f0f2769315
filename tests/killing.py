"""A kill harness: run ``python -m align`` as its own process with a ``git`` wrapper first on its PATH.

The wrapper (a small ``sh`` script) counts the git calls align makes, logs each call's argv, and at call
number K either:

- ``after``: runs the real git to its end, then SIGKILLs align (its parent) and exits with git's code —
  align is killed right after call K, with git's work complete;
- ``sigint`` / ``sigterm``: sends the signal to align at the start of call K, then execs the real git at
  once. This is what a Ctrl-C or a ``kill`` landing as git starts does: align's handler then stops git,
  which may not have started, be halfway, or be done (a race, on purpose: align must cope with each);
- ``count``: nothing but counting (every call runs the real git).

With ``partial`` (a name in ``PARTIAL``), a ``sigint``/``sigterm`` call does not race: the wrapper does part
of git's work itself (what a ``git switch`` stopped half-way leaves: the target's files written but not its
index, or its index too but not HEAD...), then signals align and waits until align stops it, as it stops git.

Only align's own git calls are counted: the wrapper checks that its parent is the align process (whose pid
a trampoline writes before exec'ing python; align starts git through ``sh`` in a new session, but git's
parent is still align's python process). git's own children (hooks, ``git-upload-pack``...) and any other
process find the real git straight away. The counter is updated under ``flock`` and renamed into place.
The real git is resolved (absolute path) before PATH is changed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests import builders
from tests.helpers import Repo, write

REAL_GIT = os.path.realpath(shutil.which("git") or "/usr/bin/git")
FIXED_DATE = "2026-01-01T12:00:00+0000"
MODES = ("count", "after", "sigint", "sigterm")
# What a git command stopped half-way may have done, as sh (``$G`` is the real git, ``$D`` the wrapper's
# folder, ``$@`` the command). A ``git switch [--detach] TARGET`` (TARGET its last argument) writes the working
# tree (removals first), then the index, then HEAD; a ``git stash drop`` rewrites the list, then the ref.
_TARGET = "for T; do :; done; "
_SPARE_INDEX = 'cp "$("$G" rev-parse --git-path index)" "$D/index"; export GIT_INDEX_FILE="$D/index"; '
PARTIAL = {
    # every file of the target written (and the files it lacks removed), the index and HEAD not
    "files": _TARGET + _SPARE_INDEX + '"$G" read-tree -m -u HEAD "$T"',
    # only the removals done
    "removals": _TARGET + '"$G" diff --name-only -z --diff-filter=D HEAD "$T" | xargs -0 -r rm -f --',
    # one file written, and only its first byte (the signal came during the write)
    "cut": _TARGET + 'P=$("$G" diff --name-only --diff-filter=AM HEAD "$T" | head -n1); '
    '"$G" cat-file blob "$T:$P" | head -c 1 > "$P"',
    # the files and the index written, HEAD not (the signal came between the two)
    "index": _TARGET + '"$G" read-tree -m -u HEAD "$T"',
    # a `git stash drop`: the stash list (refs/stash's reflog) rewritten, refs/stash not moved yet
    "drop": 'O=$("$G" rev-parse refs/stash); "$G" "$@" >/dev/null; '
    'echo "$O" > "$("$G" rev-parse --git-path refs/stash)"',
}
# Variables of the caller's environment that would point git at another repository or change its output.
_LEAKED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG_PARAMETERS", "NO_COLOR")

_WRAPPER = """\
#!/bin/sh
# git wrapper written by tests/killing.py: counts align's git calls, acts at call {call} ({mode})
D='{folder}'
if [ "$PPID" != "$(cat "$D/pid" 2>/dev/null)" ]; then exec '{git}' "$@"; fi
exec 9>"$D/lock"
flock 9
n=$(( $(cat "$D/count" 2>/dev/null || echo 0) + 1 ))
printf '%s\\0' "$@" > "$D/calls/$n.tmp" && mv "$D/calls/$n.tmp" "$D/calls/$n"
echo "$n" > "$D/count.tmp" && mv "$D/count.tmp" "$D/count"
flock -u 9
exec 9>&-
if [ "$n" = '{call}' ]; then
  case '{mode}' in
    after) '{git}' "$@"; code=$?; echo "$n" > "$D/acted"; kill -KILL "$PPID"; exit $code ;;
    sigint) echo "$n" > "$D/acted"; {partial}kill -INT "$PPID"{hold} ;;
    sigterm) echo "$n" > "$D/acted"; {partial}kill -TERM "$PPID"{hold} ;;
  esac
fi
exec '{git}' "$@"
"""


def hermetic_env(home: Path) -> dict[str, str]:
    """The environment the tests give git and align (see tests/conftest.py), with ``home`` as HOME.

    ``home/.gitconfig`` is written when missing.
    """
    home.mkdir(parents=True, exist_ok=True)
    template = home / "git-template"
    template.mkdir(exist_ok=True)
    config = home / ".gitconfig"
    if not config.exists():
        config.write_text(
            "[user]\n\tname = Align Test\n\temail = test@align.invalid\n"
            f"[init]\n\tdefaultBranch = main\n\ttemplateDir = {template}\n"
            "[advice]\n\tdetachedHead = false\n",
            encoding="utf-8",
        )
    env = {key: value for key, value in os.environ.items() if key not in _LEAKED}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_DATE=FIXED_DATE,
        GIT_COMMITTER_DATE=FIXED_DATE,
        GIT_EDITOR="false",
        GIT_TERMINAL_PROMPT="0",
    )
    return env


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Use ``env`` as this process's environment for a while (to build repositories outside a test)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass(frozen=True)
class Finished:
    """How an align process ended and what it printed."""

    code: int  # negative: killed by that signal
    output: str


class Wrapper:
    """A ``git`` wrapper in ``folder`` (bin/git, counter, call log), acting at call ``call`` as ``mode`` says."""

    def __init__(self, folder: Path, mode: str = "count", call: int = 0, partial: str = "") -> None:
        assert mode in MODES, mode
        assert not partial or mode in ("sigint", "sigterm"), (mode, partial)
        self.folder = folder
        self.mode = mode
        self.call = call
        (folder / "bin").mkdir(parents=True)
        (folder / "calls").mkdir()
        script = folder / "bin" / "git"
        work = f"(G='{REAL_GIT}'; {PARTIAL[partial]}); " if partial else ""
        hold = "; sleep 60; exit 1" if partial else ""  # align stops its git (here: this script) on the signal
        text = _WRAPPER.format(folder=folder, git=REAL_GIT, call=call, mode=mode, partial=work, hold=hold)
        script.write_text(text, encoding="utf-8")
        script.chmod(0o755)

    def count(self) -> int:
        """How many git calls align made."""
        path = self.folder / "count"
        return int(path.read_text(encoding="utf-8")) if path.exists() else 0

    def acted(self) -> bool:
        """Whether the wrapper reached call ``call`` and did what ``mode`` says."""
        return (self.folder / "acted").exists()

    def argv(self, number: int) -> list[str]:
        """The arguments of git call ``number`` (1-based), as align passed them."""
        path = self.folder / "calls" / str(number)
        return path.read_bytes().decode("utf-8", "surrogateescape").split("\0")[:-1] if path.exists() else []

    def calls(self) -> list[list[str]]:
        """The argv of every call, in order."""
        return [self.argv(number) for number in range(1, self.count() + 1)]

    def run(self, cwd: Path, env: Mapping[str, str], *args: str, timeout: float = 120.0) -> Finished:
        """Run ``python -m align ARGS`` in ``cwd`` with this wrapper first on PATH."""
        path = f"{self.folder / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return run_align(cwd, {**env, "PATH": path}, *args, pid_file=self.folder / "pid", timeout=timeout)


def run_align(
    cwd: Path, env: Mapping[str, str], *args: str, pid_file: Path | None = None, timeout: float = 120.0
) -> Finished:
    """Run ``python -m align ARGS`` in its own session; its pid goes to ``pid_file`` before python starts."""
    argv = [sys.executable, "-m", "align", *args]
    if pid_file is not None:  # sh writes its pid, then becomes python (same pid)
        argv = ["/bin/sh", "-c", 'echo $$ > "$0"; exec "$@"', str(pid_file), *argv]
    log = cwd.parent / f"align-{os.getpid()}-{len(args)}.log"
    with open(log, "w+b") as output:
        process = subprocess.Popen(
            argv, cwd=cwd, env=dict(env), stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = process.wait(timeout=timeout)
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever align left in its group
            process.wait()
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    log.unlink()
    return Finished(code=code, output=text)


def subcommand(argv: list[str]) -> str:
    """A short name for a git call: its subcommand (and the next word for stash, rebase...), e.g. ``stash-push``."""
    words = iter(argv)
    for word in words:
        if word in ("-c", "-C", "--git-dir", "--work-tree"):
            next(words, None)
        elif not word.startswith("-"):
            following = next(words, "")
            if word in ("stash", "worktree", "notes", "remote") and following[:1].isalpha():
                return f"{word}-{following}"
            if word == "rebase" and following in ("--abort", "--continue", "--quit", "--skip"):
                return f"{word}-{following[2:]}"
            return word
    return "none"


def scenario(base: Path, checked_out: str) -> Repo:
    """The kill sweep's scenario, in ``base`` (run with the hermetic environment in place): ``feature/x`` (3
    commits) behind a moved and fetched ``origin/main``, a dirty tree (staged, unstaged, untracked, an ignored
    file) and two stashes of the user's, ``checked_out`` (``feature/x`` or ``main``) checked out."""
    repo = Repo.create(base / "repos")
    builders.track_notes(repo)
    builders.three_commits(repo)
    builders.moved_upstream(repo)
    repo.git("fetch", "--quiet", "origin")
    repo.git("switch", "--quiet", checked_out)
    builders.user_stashes(repo)
    builders.make_dirty(repo)
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "exclude").write_text("*.log\n", encoding="utf-8")
    write(repo.path / "local.log", "ignored, the user's own\n")  # no checkout touches it; nothing may lose it
    return repo


def copy(work: Path, into: Path) -> Repo:
    """A copy of the clone ``work`` in ``into`` (same origin)."""
    shutil.copytree(work, into / "clone", symlinks=True)
    return Repo(path=into / "clone", origin=work.parent / "origin.git")


def killing_git(tmp_path: Path, pattern: str) -> dict[str, str]:
    """An environment whose ``git`` runs the real git, then SIGKILLs its caller (align) the first time its
    arguments contain ``pattern`` (simpler than ``run_align``: no counting, no trampoline; for in-process tests
    that start ``python -m align`` themselves)."""
    marker = tmp_path / "killed"
    script = write(
        tmp_path / "killing-bin" / "git",
        f"""\
        #!{sys.executable}
        import os, signal, subprocess, sys
        done = subprocess.run([{REAL_GIT!r}, *sys.argv[1:]])
        if {pattern!r} in " ".join(sys.argv[1:]) and not os.path.exists({str(marker)!r}):
            open({str(marker)!r}, "w").close()
            os.kill(os.getppid(), signal.SIGKILL)
        sys.exit(done.returncode)
        """,
    )
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}"}
