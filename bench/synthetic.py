"""The synthetic repository of the bench: built once with ``git fast-import``, cached, copied for each run.

A bare ``origin`` and a clone of it, on ``feature/x``: a root commit with every file, then
``--upstream`` commits on ``main`` and ``--feature`` commits on ``feature/x`` that change other
files (so the rebase has no conflict). With several branches (the batch), ``feature/1`` ...
``feature/N`` each get ``--feature`` commits and the clone stays on ``main``. Dates are fixed; git
runs with its own HOME and config.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

FORMAT = 1  # bump when the synthetic repository changes, so old caches are not reused
BRANCH = "feature/x"
TARGET = "main"
EPOCH = 1_700_000_000  # fixed commit dates
FIXED_DATE = f"@{EPOCH} +0000"
LEAKED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_CONFIG_PARAMETERS", "GIT_PREFIX")


@dataclass(frozen=True, kw_only=True)
class Sizes:
    """The shape of the synthetic repository."""

    files: int
    upstream: int
    feature: int  # commits on each feature branch
    branches: int = 1  # 1: feature/x, checked out; more: feature/1 ... feature/N, main checked out

    @property
    def key(self) -> str:
        """Name the cache entry for these sizes."""
        several = f"-b{self.branches}" if self.branches > 1 else ""
        return f"v{FORMAT}-f{self.files}-u{self.upstream}-x{self.feature}{several}"

    @property
    def names(self) -> tuple[str, ...]:
        """Return the feature branches of the repository."""
        if self.branches == 1:
            return (BRANCH,)
        return tuple(f"feature/{number}" for number in range(1, self.branches + 1))


# -- the hermetic environment -----------------------------------------------------------------


def hermetic_env(home: Path, tools: Sequence[str], pycache: Path) -> dict[str, str]:
    """Return an environment with its own HOME and git config, fixed dates, no editor, ``tools`` on PATH.

    Python keeps its bytecode under ``pycache`` even where PYTHONDONTWRITEBYTECODE is set, as an
    installed align has it: otherwise an editable install would compile align at every start.
    """
    home.mkdir(parents=True, exist_ok=True)
    config = home / ".gitconfig"
    config.write_text(
        "[user]\n\tname = Bench\n\temail = bench@align.invalid\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if key not in (*LEAKED, "PYTHONDONTWRITEBYTECODE")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_DATE=FIXED_DATE,
        GIT_COMMITTER_DATE=FIXED_DATE,
        GIT_EDITOR="true",
        GIT_SEQUENCE_EDITOR="true",
        GIT_TERMINAL_PROMPT="0",
        PYTHONPYCACHEPREFIX=str(pycache),
        PATH=os.pathsep.join([*dict.fromkeys(str(Path(tool).parent) for tool in tools), env.get("PATH", "")]),
    )
    return env


def run(argv: Sequence[str], cwd: Path, env: dict[str, str], stdin: bytes | None = None) -> str:
    """Run a command; return its stdout, or exit with its output when it fails."""
    done = subprocess.run(list(argv), cwd=cwd, env=env, input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")
        sys.exit(f"bench: `{' '.join(argv)}` failed with exit {done.returncode} in {cwd}:\n{output}")
    return done.stdout.decode(errors="replace")


# -- the synthetic repository -----------------------------------------------------------------


def file_path(index: int) -> str:
    """Return the path of file number ``index`` (100 files per folder)."""
    return f"src/m{index // 100:03d}/f{index:05d}.txt"


def file_text(index: int, change: str = "") -> bytes:
    """Return the content of file number ``index``, with a changed last line when ``change`` is given."""
    lines = [f"file {index}", *(f"line {number} of file {index}" for number in range(1, 9)), change or "end"]
    return ("\n".join(lines) + "\n").encode()


def commit_header(ref: str, number: int, message: str, mark: str = "") -> bytes:
    """Return a fast-import ``commit`` header with a fixed, increasing date."""
    who = f"Bench <bench@align.invalid> {EPOCH + number} +0000"
    body = message.encode()
    marked = f"mark {mark}\n" if mark else ""
    return f"commit {ref}\n{marked}author {who}\ncommitter {who}\ndata {len(body)}\n".encode() + body + b"\n"


def modify(index: int, change: str = "") -> bytes:
    """Return a fast-import ``M`` command that writes file ``index`` inline."""
    data = file_text(index, change)
    return f"M 100644 inline {file_path(index)}\ndata {len(data)}\n".encode() + data + b"\n"


def fast_import_stream(sizes: Sizes) -> bytes:
    """Return a fast-import stream: a root commit with every file, then ``main`` and ``feature/x`` on top.

    Upstream commits change two files of the first half, feature commits two of the second half
    (each branch of a batch its own, as far as there are files).
    """
    half = max(1, sizes.files // 2)
    rest = max(1, sizes.files - half)
    parts = [commit_header(f"refs/heads/{TARGET}", 0, "initial import", mark=":1")]
    parts += [modify(index) for index in range(sizes.files)]
    for number in range(1, sizes.upstream + 1):
        parts.append(commit_header(f"refs/heads/{TARGET}", number, f"upstream change {number}"))
        parts += [modify((2 * number + extra) % half, f"upstream {number}") for extra in (0, 1)]
    for branch, name in enumerate(sizes.names):
        shift = 2 * sizes.feature * branch
        suffix = "" if sizes.branches == 1 else f" of {name}"
        for number in range(1, sizes.feature + 1):
            date = sizes.upstream + number
            parts.append(commit_header(f"refs/heads/{name}", date, f"feature change {number}{suffix}"))
            if number == 1:
                parts.append(b"from :1\n")
            parts += [
                modify(half + (shift + 2 * number + extra) % rest, f"feature {number}{suffix}") for extra in (0, 1)
            ]
    return b"".join([*parts, b"done\n"])


def build(sizes: Sizes, cache: Path, env: dict[str, str]) -> tuple[Path, float | None]:
    """Return the prepared clone for ``sizes`` (building and caching it first) and the build time, if built."""
    entry = cache / sizes.key
    work = entry / "work"
    if work.is_dir():
        return work, None
    started = time.perf_counter()
    building = Path(tempfile.mkdtemp(prefix=f".{sizes.key}-", dir=cache))
    origin = building / "origin.git"
    origin.mkdir()
    run(["git", "init", "--quiet", "--bare"], origin, env)
    run(["git", "fast-import", "--quiet", "--done"], origin, env, stdin=fast_import_stream(sizes))
    run(["git", "clone", "--quiet", str(origin), "work"], building, env)
    if sizes.branches == 1:
        run(["git", "switch", "--quiet", BRANCH], building / "work", env)
    else:  # the batch: every branch local, main checked out
        for name in sizes.names:
            run(["git", "branch", "--quiet", "--track", name, f"origin/{name}"], building / "work", env)
    run(["git", "remote", "set-url", "origin", "../origin.git"], building / "work", env)  # relocatable
    building.rename(entry)
    return work, time.perf_counter() - started


@dataclass(frozen=True, kw_only=True)
class Copy:
    """A copy of a prepared clone, put back exactly as the clone was before each use."""

    path: Path  # the copy's working tree
    pristine: Path  # the prepared clone it copies
    env: dict[str, str]

    @classmethod
    def make(cls, pristine: Path, folder: Path, env: dict[str, str]) -> Copy:
        """Copy the prepared clone (and its origin) into ``folder``, with the index's stat data refreshed."""
        folder.mkdir(parents=True)
        subprocess.run(["cp", "-a", str(pristine), str(pristine.parent / "origin.git"), str(folder)], check=True)
        copy = cls(path=folder / pristine.name, pristine=pristine, env=env)
        run(["git", "update-index", "-q", "--refresh"], copy.path, env)
        return copy

    def restore(self) -> Path:
        """Undo whatever a run did: tree and index reset, git's files copied back, new loose objects removed.

        Only the files the run changed are rewritten, so this is much cheaper than a new copy of
        the whole tree; the object store is exactly the clone's again (its objects are all packed).
        """
        git_dir, pristine = self.path / ".git", self.pristine / ".git"
        tip = run(["git", "rev-parse", "HEAD"], self.pristine, self.env).strip()
        run(["git", "reset", "--quiet", "--hard", tip], self.path, self.env)
        run(["git", "clean", "--quiet", "-d", "--force"], self.path, self.env)  # the untracked work a scenario made
        for entry in git_dir.iterdir():
            if entry.name not in ("objects", "index"):
                remove(entry)
        for entry in pristine.iterdir():
            if entry.name not in ("objects", "index"):
                if entry.is_dir():
                    shutil.copytree(entry, git_dir / entry.name, symlinks=True)
                else:
                    shutil.copy2(entry, git_dir / entry.name, follow_symlinks=False)
        for folder in ("objects", "objects/pack", "objects/info"):
            kept = {entry.name for entry in (pristine / folder).iterdir()} | {"pack", "info"}
            for entry in (git_dir / folder).iterdir():
                if entry.name not in kept:
                    remove(entry)
        status = run(["git", "status", "--porcelain", "--untracked-files=all"], self.path, self.env)
        if status.strip() or run(["git", "rev-parse", "HEAD"], self.path, self.env).strip() != tip:
            sys.exit(f"bench: cannot put {self.path} back as it was:\n{status}")
        os.sync()  # write the rewritten files out now, not during the timed run
        return self.path


def remove(path: Path) -> None:
    """Delete a file or a folder."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
