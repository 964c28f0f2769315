"""The in-memory engine: replay a branch's commits onto a new base inside the object database.

Commits in, new commits (or the first conflict) out. It knows nothing of recipes, journals or working
trees: it never touches the index, the working tree, HEAD or a ref; it only adds objects. The caller
moves the refs (``align/steps/memory.py``, in one transaction).

It does what ``git rebase --merge --no-fork-point ONTO`` does (git 2.39's sequencer), with git's own
merge machinery:

- The commits to pick are ``git rev-list --cherry-mark --right-only --no-merges --topo-order --reverse
  ONTO...TIP``; a commit marked ``=`` (its patch id is already in ONTO) is skipped, as git skips it,
  unless it is empty.
- Each pick of C (parent P) onto the new head N is the merge of X and C (``align.merges``), X being a
  throw-away commit with N's tree and parent P: their only merge base is P, so the merge is the
  three-way merge of P, N and C that a cherry-pick is (ort, with the repository's merge config).
- A pick whose result has N's tree "became empty" and is dropped (git's ``--empty=drop``); a commit
  that was empty to begin with is kept (git's default since 2.26). (git fast-forwards a pick whose parent
  is the head already; with the target as upstream and the branch behind it, no pick's parent is.)
- The new commit keeps the author line and the message byte for byte; the committer is the current
  identity (``git var GIT_COMMITTER_IDENT``). A message in another encoding (an ``encoding`` header) is
  re-encoded to UTF-8 and the header dropped, as git's sequencer does (``logmsg_reencode``); other
  headers (a ``gpgsig``) are not carried over, as git does not carry them.

Objects are read with one ``git cat-file --batch`` and written through one long-running
``git hash-object -w --stdin-paths``; the merges go through one long-running ``git merge-tree --stdin``
where git allows (``align.merges``), so the processes do not grow with the commits.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from align.git import Git
from align.gitio import batch_objects, unmerged_paths
from align.gitstream import Stream, stream
from align.merges import Merger, merges

MEMORY_VERSION = (2, 38)  # git merge-tree --write-tree
_UTF8 = {"utf-8", "utf8"}
# Encodings whose spelling glibc's iconv (git's re-encoder) knows and whose table Python's codec shares;
# for any other (SHIFT_JIS maps a backslash to a yen sign in iconv, not in Python; ``koi8_r`` is a name
# only Python knows, so git keeps the bytes) the replay stands aside for git.
_REENCODED = re.compile(r"(?i)(iso[-_]?8859-(1[0-6]|[1-9])|latin-?1|(cp|windows-)125[0-8])")
# git's isspace() (sane_ctype): what makes a line blank for skip_blank_lines().
_BLANK = b" \t\n\r"


class Unsupported(Exception):
    """The memory engine cannot give git's result for this history; the reason says why (disk can)."""


@dataclass(frozen=True, kw_only=True)
class Original:
    """A commit of the branch as the object database holds it."""

    sha: str
    parents: tuple[str, ...]
    tree: str
    author: bytes  # the author line's value (name, email, date, zone), re-encoded like the message
    message: bytes
    mark: str = "+"  # rev-list --cherry-mark: "+" to pick, "=" already upstream

    @property
    def subject(self) -> str:
        """Return the first line of the message."""
        return self.message.split(b"\n", 1)[0].decode("utf-8", "replace")


@dataclass(frozen=True, kw_only=True)
class Left:
    """A commit of the branch the replay left out, and why (git's words)."""

    sha: str
    subject: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Replayed:
    """The branch replayed: its new tip, each old commit's rewrite, what was left out."""

    tip: str
    tree: str
    rewritten: tuple[tuple[str, str], ...] = ()  # (old, new), in order
    left: tuple[Left, ...] = ()  # already upstream, or became empty
    picks: int = 0  # commits picked (one merge-tree each)


@dataclass(frozen=True, kw_only=True)
class Conflicted:
    """The first commit whose pick conflicts, its conflicted files, and what was replayed before it."""

    commit: str
    subject: str
    files: tuple[tuple[str, str], ...]  # (path, git status's two letters: UU, AA, DU, UD, AU, UA, DD)
    messages: tuple[str, ...]  # git's CONFLICT lines
    before: Replayed


@dataclass(kw_only=True)
class _Head:
    sha: str
    tree: str
    rewritten: list[tuple[str, str]] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    picks: int = 0

    def result(self) -> Replayed:
        return Replayed(
            tip=self.sha, tree=self.tree, rewritten=tuple(self.rewritten), left=tuple(self.left), picks=self.picks
        )


def commits(git: Git, onto: str, tip: str, base: str, *, upstream: str = "") -> tuple[list[Original], dict[str, str]]:
    """Return the branch's commits as git's rebase lists them (oldest first), and the trees of ``onto``
    and ``base`` by sha: two git processes.

    ``upstream`` (``git rebase --onto ONTO UPSTREAM``, a stacked branch): the commits are those of
    ``UPSTREAM...TIP``, marked against UPSTREAM, as git's sequencer lists them."""
    listed = git.run("rev-list", "--cherry-mark", "--right-only", "--no-merges", "--topo-order", "--reverse",
                     f"{upstream or onto}...{tip}", "--").stdout.split()  # fmt: skip
    marks = {line[1:]: line[0] for line in listed}
    raw = read_objects(git, [onto, base, *marks])
    trees = {sha: _header(body, b"tree") for sha, body in raw.items()}
    found = [_original(sha, raw[sha], marks[sha]) for sha in marks]
    return found, {sha: tree.decode() for sha, tree in trees.items() if tree is not None}


def read_objects(git: Git, shas: Sequence[str]) -> dict[str, bytes]:
    """Return the raw bodies of commit objects ``shas``, in one ``git cat-file --batch``."""
    unique = list(dict.fromkeys(shas))
    data = git.run("cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in unique)).stdout
    found = batch_objects(data, unique)
    for sha, (kind, _) in found.items():
        if kind != b"commit":
            raise Unsupported(f"{sha} is not a commit the object database can read ({kind.decode(errors='replace')})")
    return {sha: body for sha, (_, body) in found.items()}


def replay(
    git: Git,
    onto: str,
    originals: Sequence[Original],
    trees: dict[str, str],
    *,
    committer: bytes,
    picked: Callable[[int, int], None] = lambda done, total: None,
) -> Replayed | Conflicted:
    """Pick ``originals`` onto ``onto`` (whose tree ``trees`` knows, as each parent's): the new commits
    are written, no ref moves. ``picked(done, total)`` is told after each pick (git's ``Rebasing (k/N)``:
    the commits already upstream are not counted)."""
    known_trees = dict(trees)
    for item in originals:
        known_trees[item.sha] = item.tree
    head = _Head(sha=onto, tree=trees[onto])
    try:
        with (
            tempfile.TemporaryDirectory(prefix="align-replay-") as folder,
            stream(git, "hash-object", "-w", "-t", "commit", "--stdin-paths", "--no-filters") as writer,
            merges(git) as merger,
        ):
            objects = _Writer(writer, Path(folder), merger)
            total, done = sum(1 for item in originals if not _upstream(item, known_trees)), 0
            for item in originals:
                if _upstream(item, known_trees):
                    head.left.append(Left(sha=item.sha, subject=item.subject, reason="already upstream"))
                    continue
                stopped = _pick(objects, head, item, known_trees, committer=committer)
                if stopped is not None:
                    return stopped
                done += 1
                picked(done, total)
    except OSError as error:  # no usable TMPDIR (missing, unwritable, full): git's rebase on disk needs none
        raise Unsupported(f"the replay cannot write its temporary files ({error.strerror}: {error.filename})") from None
    return head.result()


def _upstream(item: Original, trees: dict[str, str]) -> bool:
    """Tell whether git's rebase leaves ``item`` out: its patch is upstream, and it is not empty."""
    return item.mark == "=" and item.tree != trees.get(item.parents[0])


def _pick(
    objects: _Writer, head: _Head, item: Original, trees: dict[str, str], *, committer: bytes
) -> Conflicted | None:
    parent = item.parents[0]
    if parent not in trees:
        raise Unsupported(f"the parent of {item.sha[:12]} is outside the branch")
    if item.tree == trees[parent]:  # empty to begin with: kept, as git keeps it
        tree = head.tree
    else:
        throwaway = objects.write(_commit(head.tree, [parent], committer, committer, b"align replay\n"))
        merged = objects.merger.merge(throwaway, item.sha)
        head.picks += 1
        if not merged.clean:
            files, messages = conflicts(merged.output)
            return Conflicted(
                commit=item.sha, subject=item.subject, files=files, messages=messages, before=head.result()
            )
        tree = merged.tree
        if tree == head.tree:  # became empty: git drops it (--empty=drop)
            reason = "became empty (already upstream)"
            head.left.append(Left(sha=item.sha, subject=item.subject, reason=reason))
            return None
    new = objects.write(_commit(tree, [head.sha], item.author, committer, item.message))
    head.sha, head.tree = new, tree
    head.rewritten.append((item.sha, new))
    return None


def conflicts(output: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Return the conflicted files (path, status letters) and git's messages from ``merge-tree -z``'s output."""
    _, _, rest = output.partition("\0")
    entries, _, informational = rest.partition("\0\0")
    files = tuple(unmerged_paths(entries.split("\0")))
    return files, _messages(informational)


def _messages(informational: str) -> tuple[str, ...]:
    """Return the CONFLICT lines of merge-tree's ``-z`` messages: ``N\\0path...\\0type\\0message\\n\\0``."""
    fields = informational.split("\0")
    found, index = [], 0
    while index < len(fields) and fields[index].isdigit():
        count = int(fields[index])
        message_at = index + count + 2
        if message_at >= len(fields):
            break
        message = fields[message_at].rstrip("\n")
        if message.startswith("CONFLICT"):
            found.append(message)
        index = message_at + 1
    return tuple(found)


class _Writer:
    """Writes commit objects through one ``hash-object --stdin-paths`` (each body through a file), and
    merges them (``merger``)."""

    def __init__(self, stream_: Stream, folder: Path, merger: Merger) -> None:
        self._stream = stream_
        self._folder = folder
        self.merger = merger
        self._count = 0

    def write(self, body: bytes) -> str:
        self._count += 1
        path = self._folder / str(self._count)
        path.write_bytes(body)
        sha = self._stream.ask(str(path))
        path.unlink()
        return sha


def _commit(tree: str, parents: Sequence[str], author: bytes, committer: bytes, message: bytes) -> bytes:
    lines = [b"tree " + tree.encode()]
    lines += [b"parent " + parent.encode() for parent in parents]
    lines += [b"author " + author, b"committer " + committer]
    return b"\n".join(lines) + b"\n\n" + message


def _header(body: bytes, name: bytes) -> bytes | None:
    for line in body.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(name + b" "):
            return line[len(name) + 1 :]
    return None


def _original(sha: str, body: bytes, mark: str) -> Original:
    headers, _, message = body.partition(b"\n\n")
    if b"\0" in body:  # git's pick reads the message as a C string: it ends at the NUL
        raise Unsupported(f"commit {sha[:12]} holds a NUL byte (git's rebase cuts its message there)")
    encoding = _header(body, b"encoding")
    if encoding is not None and encoding.decode("ascii", "replace").lower() not in _UTF8:
        headers, message = _utf8(sha, encoding.decode("ascii", "replace"), headers, message)
    elif not _git_utf8(headers + b"\n\n" + message):
        # git's commit_tree_extended() rewrites bytes that are not UTF-8 as if Latin-1 (verify_utf8());
        # align does not copy that rewriting: git's rebase does it.
        raise Unsupported(f"commit {sha[:12]} is not UTF-8 (git's rebase rewrites its bytes as Latin-1)")
    found: dict[bytes, list[bytes]] = {}
    for line in headers.split(b"\n"):
        if line[:1] != b" ":  # continuation lines (a signature) belong to the header before
            name, _, value = line.partition(b" ")
            found.setdefault(name, []).append(value)
    return Original(
        sha=sha,
        parents=tuple(parent.decode() for parent in found.get(b"parent", [])),
        tree=found[b"tree"][0].decode(),
        author=found[b"author"][0],
        message=_skip_blank_lines(message),  # a pick's message starts at the subject (find_commit_subject())
        mark=mark,
    )


def _utf8(sha: str, encoding: str, headers: bytes, message: bytes) -> tuple[bytes, bytes]:
    """Re-encode a commit's headers and message to UTF-8, as git's sequencer does; refuse what iconv
    and Python might see differently (an unknown encoding, bytes that are not in it)."""
    try:
        codecs.lookup(encoding)
        if not _REENCODED.fullmatch(encoding):
            raise LookupError(encoding)
        return (
            headers.decode(encoding).encode("utf-8"),
            message.decode(encoding).encode("utf-8"),
        )
    except (LookupError, UnicodeError):
        raise Unsupported(f"commit {sha[:12]} has a message in encoding {encoding!r} align cannot re-encode") from None


def committer_ident(git: Git) -> bytes:
    """Return who git says commits now: ``Name <email> seconds zone``."""
    ident = git.run("var", "GIT_COMMITTER_IDENT").stdout.rstrip("\n").encode("utf-8", "surrogateescape")
    if not _git_utf8(ident):  # git would rewrite it as Latin-1 in each commit (verify_utf8())
        raise Unsupported("the committer's name is not UTF-8 (git's rebase rewrites it as Latin-1)")
    return ident


def _skip_blank_lines(message: bytes) -> bytes:
    """Return ``message`` without its leading blank lines, as git's skip_blank_lines() does."""
    while message:
        line, newline, rest = message.partition(b"\n")
        if line.strip(_BLANK):
            break
        message = rest if newline else b""
    return message


def _git_utf8(text: bytes) -> bool:
    """Tell whether git's find_invalid_utf8() accepts ``text``: strict UTF-8 without the noncharacters
    (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF) that git also rejects."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(0xFDD0 <= ord(c) <= 0xFDEF or ord(c) & 0xFFFE == 0xFFFE for c in decoded if ord(c) >= 0xFDD0)


_SHA = re.compile(r"\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b")


def as_git_labels(git: Git, found: Conflicted) -> Conflicted:
    """Name the sides as git's rebase does: ``merge-tree`` labels them by the object names it was given (the
    throw-away commit for the new head, the full sha of the commit picked), git's rebase by ``HEAD`` and
    ``SHORT (subject)``; they show in the paths of files moved out of the way (``f.txt~HEAD``)."""
    picked = f"{git.run('rev-parse', '--short', found.commit).stdout.strip()} ({found.subject})"

    def relabel(text: str) -> str:
        return _SHA.sub(lambda match: picked if match.group(0) == found.commit else "HEAD", text)

    files = tuple((relabel(path), code) for path, code in found.files)
    return dataclasses.replace(found, files=files, messages=tuple(relabel(message) for message in found.messages))
