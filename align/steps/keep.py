"""The raw bytes of the user's working tree, kept aside so that it comes back byte for byte.

git's stash stores what ``git add`` would store: clean filters, ``core.autocrlf``, ``eol``, ``ident``
and ``working-tree-encoding`` change the bytes on the way in and smudge them on the way out, and
``stash --include-untracked`` removes empty untracked folders. Checkouts rewrite tracked files that a
filter calls clean although their bytes differ from what git would write. So before a run moves
anything, align hashes as they are on disk (``hash-object -w --no-filters``):

- every path the stash will carry (staged, unstaged, untracked; a deleted one comes back deleted from the stash);
- every tracked file a checkout of the run may rewrite (``at_risk``) while a conversion applies to it;

and lists empty untracked folders. The blobs are held by ``refs/align/keep/<run_id>`` (a tree) and the
list by the journal. When the run ends, each kept path whose content the alignment did not change
(the same blob at the kept base and at HEAD) gets its bytes and mode back if they differ.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from align.errors import AlignError
from align.git import Git
from align.gitio import batch_objects
from align.journal import Journal

# Attributes that make the bytes on disk differ from the bytes git stores.
CONVERSIONS = ("filter", "text", "eol", "ident", "working-tree-encoding")


def save(
    git: Git, journal: Journal, paths: list[str], *, head: str, empty_dirs: bool, record: Callable[[], None]
) -> None:
    """Keep the raw bytes and modes of ``paths`` (and, with ``empty_dirs``, the empty untracked folders)
    as they are with HEAD at commit ``head``; ``record`` writes the journal."""
    if journal.keep or not (paths or empty_dirs):
        return  # kept already (a resumed run: the tree may have been stashed since)
    root = Path(journal.run.worktree)
    files: list[list[Any]] = []
    hashed: list[str] = []
    for path in sorted(set(paths)):
        try:
            info = (root / path).lstat()
        except FileNotFoundError:  # deleted: the stash puts that back
            continue
        if stat.S_ISLNK(info.st_mode):
            files.append([path, "link", os.readlink(root / path), 0])
        elif stat.S_ISREG(info.st_mode):
            files.append([path, "file", "", stat.S_IMODE(info.st_mode)])
            hashed.append(path)
    if hashed:
        listed = "".join(f"{root / path}\n" for path in hashed)
        oids = git.run("hash-object", "-w", "--no-filters", "--stdin-paths", stdin=listed).stdout.split()
        by_path = dict(zip(hashed, oids, strict=True))
        for entry in files:
            if entry[1] == "file":
                entry[2] = by_path[entry[0]]
    folders = _empty_untracked_dirs(git, root) if empty_dirs else []
    if not (files or folders):
        return
    ref = f"refs/align/keep/{journal.run.run_id}"
    blobs = "".join(f"100644 blob {entry[2]}\t{index}\n" for index, entry in enumerate(files) if entry[1] == "file")
    tree = git.run("mktree", stdin=blobs).stdout.strip()
    journal.keep = {"ref": ref, "tree": tree, "base": head, "files": files, "dirs": folders}
    record()  # before the ref: a run killed in between drops the ref with the rest of the keep
    git.run("update-ref", "-m", f"align {journal.run.run_id}: raw bytes of the working tree", ref, tree)


def restore(git: Git, journal: Journal) -> int:
    """Give every kept path its bytes and mode back where the alignment left its content as it was.

    Returns how many files were rewritten. It can run again (after a kill) with the same result;
    ``forget`` drops the keep once everything else is back too.
    """
    keep = journal.keep
    if not keep:
        return 0
    root = Path(journal.run.worktree)
    head = git.commit_of("HEAD") or ""
    changed: set[str] = set()
    if keep["base"] and head != keep["base"]:
        listed = git.run("diff", "--name-only", "-z", "--no-renames", keep["base"], head, "--").stdout
        changed = {path for path in listed.split("\0") if path}
    wanted = [entry for entry in keep["files"] if entry[0] not in changed]
    blobs = _read_blobs(git, [entry[2] for entry in wanted if entry[1] == "file"])
    rewritten = 0
    for path, kind, value, mode in wanted:
        target = root / path
        if kind == "link":
            if target.is_symlink() and os.readlink(target) == value:
                continue
            _clear(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(value, target)
            rewritten += 1
            continue
        data = blobs[value]
        if not target.is_symlink() and target.is_file() and target.read_bytes() == data:
            if stat.S_IMODE(target.stat().st_mode) != mode:
                os.chmod(target, mode)
            continue
        _clear(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, mode)
        rewritten += 1
    for folder in keep["dirs"]:
        (root / folder).mkdir(parents=True, exist_ok=True)
    return rewritten


def forget(git: Git, journal: Journal, *, record: Callable[[], None] | None) -> None:
    """Drop the keep: its ref, then the journal's list (written by ``record``; None: the caller writes it
    with more)."""
    if not journal.keep:
        return
    ref, tree = journal.keep["ref"], journal.keep["tree"]
    git.run("update-ref", "-d", ref, tree, ok=(0, 1, 128))  # gone already after a kill: nothing to do
    journal.keep = {}
    if record is not None:
        record()


@dataclass(frozen=True, kw_only=True)
class AtRisk:
    """The paths the checkouts of a run may write: all of them, and those the target changes."""

    everything: frozenset[str]
    target: frozenset[str]


def at_risk(git: Git, head: str, tip: str, base: str, onto: str) -> AtRisk:
    """Return every path a checkout of the run may write: the switch from ``head`` to the branch, the
    rebase's checkout of ``onto`` and its picks of the branch's commits, and the way back."""

    def names(*args: str) -> set[str]:
        return {path.strip("\n") for path in git.run(*args).stdout.split("\0")} - {""}

    target = names("diff", "--name-only", "-z", "--no-renames", base, onto, "--") if base else set()
    own = names("log", "--format=", "--name-only", "-z", "--no-renames", f"{base}..{tip}", "--") if base else set()
    switch = names("diff", "--name-only", "-z", "--no-renames", head, tip, "--") if head and head != tip else set()
    return AtRisk(everything=frozenset(target | own | switch), target=frozenset(target))


def convertible(git: Git, paths: list[str], attributes_possible: bool) -> list[str]:
    """Return the ``paths`` whose bytes on disk a conversion (filter, eol, autocrlf...) may differ from."""
    if not paths:
        return []
    config = git.run("config", "-z", "--get-regexp", r"^core\.(autocrlf|eol|attributesfile)$", ok=(0, 1)).stdout
    settings = dict(item.split("\n", 1) for item in config.split("\0") if "\n" in item)
    if settings.get("core.autocrlf", "false").lower() not in ("false", "0", "no", "off", ""):
        return paths
    if not attributes_possible and "core.attributesfile" not in settings:
        return []
    listed = git.run("check-attr", "-z", "--stdin", *CONVERSIONS, stdin="".join(f"{path}\0" for path in paths))
    fields = listed.stdout.split("\0")
    found: set[str] = set()
    for index in range(0, len(fields) - 2, 3):
        path, _, value = fields[index : index + 3]
        if value not in ("unspecified", "unset"):
            found.add(path)
    return [path for path in paths if path in found]


def unusual_modes(root: Path, paths: list[str]) -> list[str]:
    """Return the ``paths`` whose permissions differ from what a checkout would give them (``chmod 600``)."""
    mask = os.umask(0)
    os.umask(mask)
    found = []
    for path in paths:
        with contextlib.suppress(OSError):
            info = (root / path).lstat()
            if stat.S_ISREG(info.st_mode):
                written = (0o777 if info.st_mode & 0o100 else 0o666) & ~mask
                if stat.S_IMODE(info.st_mode) != written:
                    found.append(path)
    return found


def _empty_untracked_dirs(git: Git, root: Path) -> list[str]:
    """Return the empty folders inside untracked folders (``stash --include-untracked`` removes them)."""
    listed = git.run("ls-files", "-z", "--others", "--directory", "--exclude-standard").stdout
    found: list[str] = []
    for entry in listed.split("\0"):
        if not entry.endswith("/"):
            continue
        for folder, dirs, names in os.walk(root / entry):
            if not dirs and not names:
                found.append(Path(folder).relative_to(root).as_posix())
    return found


def _read_blobs(git: Git, oids: list[str]) -> dict[str, bytes]:
    """Return the contents of blobs ``oids``, read in one ``cat-file --batch``."""
    unique = sorted(set(oids))
    if not unique:
        return {}
    data = git.run("cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in unique)).stdout
    found = batch_objects(data, unique)
    missing = [oid for oid, (kind, _) in found.items() if kind != b"blob"]
    if missing:  # never a short or empty copy of the user's bytes
        raise AlignError(f"git cannot read the kept blob(s) {', '.join(missing)}", hint="run `git fsck`")
    return {oid: body for oid, (_, body) in found.items()}


def _clear(path: Path) -> None:
    """Remove a file or link at ``path`` so another kind of entry can take its place (never a folder)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
