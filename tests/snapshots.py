"""The whole state of a repository, as a run promises to put it back (DESIGN §7), and a readable diff of two.

A ``Snapshot`` holds: every ref but align's backups, HEAD, the index (entries, ``ls-files -v`` tags and the raw
flags git keeps in the index file: assume-unchanged, skip-worktree, intent-to-add), every path under the working
tree (ignored files and empty directories included) with its kind, mode and bytes (a symlink's bytes are its
target), the stash list, ``.git/config``, leftover ``*.lock`` files anywhere in the git dir, git's operations in
progress and align's own journal and lock.
"""

from __future__ import annotations

import os
import stat
import struct
import subprocess
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

from align.lock import lock_holder
from tests.helpers import REF, Repo

BACKUPS = "refs/align/backups/"
# What git leaves in its dir while an operation is under way (or half-finished).
OPERATIONS = ("rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "sequencer")


def rev(repo: Repo, name: str) -> str:
    """The commit ``name`` points at."""
    return repo.git("rev-parse", "--verify", name)


def head(repo: Repo) -> str:
    """The branch HEAD points at (refs/heads/...), or '' when detached."""
    argv = ["git", "symbolic-ref", "-q", "HEAD"]
    done = subprocess.run(argv, cwd=repo.path, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def refs(repo: Repo, prefix: str = "") -> dict[str, str]:
    """Every ref (under ``prefix``) and the object it points at."""
    lines = repo.git("for-each-ref", "--format=%(refname) %(objectname)", *([prefix] if prefix else []))
    return dict(line.split(" ") for line in lines.splitlines())


def backups(repo: Repo) -> dict[str, str]:
    """align's backup refs."""
    return refs(repo, BACKUPS)


def stashes(repo: Repo) -> list[str]:
    """The stash list as ``sha subject`` lines, newest first."""
    return repo.git("stash", "list", "--format=%H %gs").splitlines()


def subjects(repo: Repo, revs: str) -> list[str]:
    """Subjects of the commits ``revs`` selects, oldest first."""
    return repo.git("log", "--reverse", "--format=%s", revs, "--").splitlines()


def is_ancestor(repo: Repo, ancestor: str, descendant: str) -> bool:
    """Whether ``ancestor`` is reachable from ``descendant``."""
    done = subprocess.run(["git", "merge-base", "--is-ancestor", ancestor, descendant], cwd=repo.path, check=False)
    return done.returncode == 0


def in_progress(repo: Repo) -> bool:
    """Whether git has a rebase or merge in progress."""
    where = git_dir(repo)
    return any((where / name).exists() for name in ("rebase-merge", "rebase-apply", "MERGE_HEAD"))


def out(capsys: pytest.CaptureFixture[str]) -> str:
    """Return what was printed (stdout then stderr) since the last call."""
    captured = capsys.readouterr()
    return captured.out + captured.err


def git_dir(repo: Repo) -> Path:
    return Path(repo.git("rev-parse", "--absolute-git-dir"))


def walk(root: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every path under ``root`` but ``.git``: (file bytes or symlink target, kind and mode of every path).

    Ignored files are files like any other; a directory is listed too, so an empty one is seen.
    """
    contents: dict[str, bytes] = {}
    modes: dict[str, str] = {}
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root:
            dirs[:] = [name for name in dirs if name != ".git"]
        for name in [*dirs, *names]:
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                modes[relative] = "symlink"
                contents[relative] = os.readlink(path).encode("utf-8", "surrogateescape")
            elif stat.S_ISDIR(info.st_mode):
                modes[relative] = f"dir {stat.S_IMODE(info.st_mode):o}"
            elif stat.S_ISREG(info.st_mode):
                modes[relative] = f"file {stat.S_IMODE(info.st_mode):o}"
                contents[relative] = path.read_bytes()
            else:
                modes[relative] = f"special {info.st_mode:o}"
    return contents, modes


def files(repo: Repo) -> dict[str, bytes]:
    """Every file of the working tree (outside .git, ignored ones too) and its bytes; a symlink's are its target."""
    return walk(repo.path)[0]


def index_flags(index: Path) -> dict[str, str]:
    """The flags git keeps per entry in the raw index file (``path [stage]`` -> flags), for flagged entries only:
    assume-unchanged (``update-index --assume-unchanged``), skip-worktree, intent-to-add (``add -N``)."""
    if not index.exists():
        return {}
    data = index.read_bytes()
    signature, version, count = struct.unpack(">4sII", data[:12])
    assert signature == b"DIRC", f"{index} is not an index file"
    found: dict[str, str] = {}
    offset, previous = 12, b""
    for _ in range(count):
        start = offset
        offset += 40 + 20  # stat data (10 x 4 bytes), then the sha-1
        (flags,) = struct.unpack(">H", data[offset : offset + 2])
        offset += 2
        extended = 0
        if version >= 3 and flags & 0x4000:
            (extended,) = struct.unpack(">H", data[offset : offset + 2])
            offset += 2
        if version == 4:  # the path is compressed against the previous one: strip N bytes, then a suffix
            byte = data[offset]
            offset += 1
            strip = byte & 0x7F
            while byte & 0x80:  # git's offset varint
                byte = data[offset]
                offset += 1
                strip = ((strip + 1) << 7) + (byte & 0x7F)
            end = data.index(b"\0", offset)
            path = previous[: len(previous) - strip] + data[offset:end]
            offset = end + 1
        else:
            end = data.index(b"\0", offset)
            path = data[offset:end]
            offset = start + (end - start + 8) // 8 * 8  # entries are NUL-padded to a multiple of 8 bytes
        previous = path
        names = [
            name
            for name, on in (
                ("assume-unchanged", flags & 0x8000),
                ("skip-worktree", extended & 0x4000),
                ("intent-to-add", extended & 0x2000),
            )
            if on
        ]
        if names:
            found[f"{path.decode('utf-8', 'surrogateescape')} [{(flags >> 12) & 3}]"] = " ".join(names)
    return found


@dataclass(frozen=True)
class Snapshot:
    """Everything a run promises to put back: refs (not align's backups), HEAD, index, tree, stashes, config,
    lock files, operations in progress and align's journal and lock."""

    refs: dict[str, str]
    head: str
    index: str
    staged: str
    status: str
    files: dict[str, bytes]
    stashes: list[str]
    modes: dict[str, str]
    index_tags: str
    index_flags: dict[str, str]
    config: str
    locks: list[str]
    operations: list[str]
    align: list[str]


def snapshot(repo: Repo) -> Snapshot:
    """Take a snapshot of the repository's state."""
    where = git_dir(repo)
    contents, modes = walk(repo.path)
    return Snapshot(
        refs={name: sha for name, sha in refs(repo).items() if not name.startswith(BACKUPS)},
        head=head(repo) or rev(repo, "HEAD"),
        index=repo.git("ls-files", "--stage"),
        staged=repo.git("diff", "--cached", "--name-only"),
        status=repo.git("status", "--porcelain", "--untracked-files=all"),
        files=contents,
        stashes=stashes(repo),
        modes=modes,
        index_tags=repo.git("ls-files", "-v"),
        index_flags=index_flags(where / "index"),
        config=(where / "config").read_text(encoding="utf-8", errors="surrogateescape"),
        locks=sorted(path.relative_to(where).as_posix() for path in where.rglob("*.lock")),
        operations=sorted(name for name in OPERATIONS if (where / name).exists()),
        align=[
            *(["journal.json"] if (where / "align" / "journal.json").exists() else []),
            *(["lock"] if lock_holder(where / "align" / "lock") else []),  # held: the file itself stays
        ],
    )


def assert_untouched(repo: Repo, before: Snapshot, old_tip: str) -> None:
    """The run changed nothing but (maybe) a backup ref: branch, HEAD, index, tree and stashes as before."""
    assert snapshot(repo) == before
    assert rev(repo, REF) == old_tip
    assert refs(repo, "refs/align/stash/") == {}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else f"{text[:200]}... ({len(text)} chars)"


def difference(before: Snapshot, after: Snapshot) -> str:
    """What differs between two snapshots, one line per changed field (per key for mappings), '' when equal."""
    lines = []
    for field in fields(Snapshot):
        old, new = getattr(before, field.name), getattr(after, field.name)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    lines.append(f"  {field.name}[{key}]: {_short(old.get(key))} -> {_short(new.get(key))}")
        elif isinstance(old, str) and isinstance(new, str):
            gone = [line for line in old.splitlines() if line not in new.splitlines()]
            added = [line for line in new.splitlines() if line not in old.splitlines()]
            lines.append(f"  {field.name}: lost {_short(gone)}, gained {_short(added)}")
        else:
            lines.append(f"  {field.name}: {_short(old)} -> {_short(new)}")
    return "\n".join(lines)
