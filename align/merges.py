"""git's merges for the in-memory engine: all of a replay's picks through one ``git merge-tree --stdin``.

``git merge-tree --stdin`` (git 2.39+) makes one merge per line of input with the very function that
``git merge-tree --write-tree`` calls (``real_merge``, ort, the repository's merge config), so a replay
starts one process for all its merges instead of one per commit (~1 ms a merge instead of ~7 ms).

git 2.39 to 2.48 do not flush the answer after each merge: it stays in stdio's buffer until the input
ends, and a caller that waits for it waits forever. align therefore runs that git under ``stdbuf -o0``
(GNU coreutils), where there is one; git 2.49 flushes on its own ("merge-tree --stdin: flush stdout").
Where neither holds, each merge is its own ``git merge-tree --write-tree``. And whatever the version
says, if the first answer does not come within ``FIRST_ANSWER`` seconds (a git that ``stdbuf`` cannot
unbuffer, a statically linked one), align ends git's input — git then answers — and makes the rest of
the merges one process each: slower, never stuck, the same trees.

An answer of ``--stdin --messages`` is ``STATUS\\0TREE\\0`` then the conflicted entries (``MODE OID
STAGE\\tPATH\\0`` each), an empty field, the messages (``COUNT\\0PATH...\\0TYPE\\0TEXT\\0`` each) and an
empty field. ``--messages`` is always given: without it, git 2.39 decides from the first merge whether
the later ones show messages.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

from align.errors import GitError
from align.git import Git
from align.gitstream import Stream, stream

BATCHED = (2, 39)  # git merge-tree --stdin
FLUSHES = (2, 49)  # git flushes each answer of merge-tree --stdin itself
FIRST_ANSWER = 5.0  # seconds the first merge may take before align stops waiting for the stream
_ARGS = ("merge-tree", "--stdin", "--messages")

_OID = re.compile("[0-9a-f]{40}([0-9a-f]{24})?")
log = logging.getLogger("align.git")


@dataclass(frozen=True, kw_only=True)
class Merge:
    """One merge's result: clean or not, the tree written, and ``merge-tree --write-tree -z``'s output."""

    clean: bool
    tree: str
    output: str  # TREE\0, the conflicted entries, an empty field, the messages (align.replay.conflicts)


class Merger:
    """Merges two commits as ``git merge-tree --write-tree OURS THEIRS`` does, through one process when
    git answers merge by merge. ``streamed`` counts the merges answered by the long-running process."""

    def __init__(self, git: Git, stack: contextlib.ExitStack, *, via: tuple[str, ...] | None) -> None:
        self._git = git
        self._stack = stack
        self._via = via  # None: one process per merge; () plain git; ("stdbuf", "-o0"): unbuffered
        self._stream: Stream | None = None
        self._pending = b""
        self._proven = False  # the stream answered a merge before its input ended
        self.streamed = 0

    def merge(self, ours: str, theirs: str) -> Merge:
        """Return the merge of ``ours`` and ``theirs`` (commits), its tree written to the object database."""
        if self._via is not None:
            if self._stream is None:
                self._stream = self._stack.enter_context(stream(self._git, *_ARGS, chunks=True, via=self._via))
            self._stream.send(f"{ours} {theirs}")
            try:
                found = self._answer(self._stream)
            except GitError as error:
                if self._proven:
                    raise
                # It never answered (a ``stdbuf`` that is not GNU's, a git that cannot run under it): the
                # rest one process each, which names git's own error if the merge itself is what failed.
                log.debug("git merge-tree --stdin gave no answer (%s); one process per merge", error.one_line())
                self._stream.abandon()
                self._via = None
            else:
                self.streamed += 1
                return found
        merged = self._git.run("merge-tree", "--write-tree", "-z", ours, theirs, ok=(0, 1))
        tree = merged.stdout.split("\0", 1)[0].strip()
        if not _OID.fullmatch(tree):  # git says "not something we can merge" with the exit code of a conflict
            raise GitError(("merge-tree", "--write-tree", ours, theirs), merged.code, merged.stderr)
        return Merge(clean=merged.code == 0, tree=tree, output=merged.stdout)

    def _answer(self, opened: Stream) -> Merge:
        while True:
            found = record(self._pending)
            if found is not None:
                merge, used = found
                self._pending = self._pending[used:]
                self._proven = not opened.closed
                return merge
            if opened.closed:
                raise GitError(_ARGS, -1, "git merge-tree ended without answering")
            chunk = opened.receive(None if self._proven else FIRST_ANSWER)
            if chunk is None:  # git keeps its answer in its buffer: end its input (git answers, then
                opened.close()  # exits) and make the next merges one process each
                self._via = None
                self._pending += b"".join(_bytes(piece) for piece in opened.rest())
                continue
            self._pending += _bytes(chunk)


@contextlib.contextmanager
def merges(git: Git) -> Iterator[Merger]:
    """Give a ``Merger`` for the block; its long-running git (started at the first merge) ends with it."""
    via: tuple[str, ...] | None = None
    version = git.version()[:2]
    if version >= FLUSHES:
        via = ()
    elif version >= BATCHED and shutil.which("stdbuf"):
        via = ("stdbuf", "-o0")
    with contextlib.ExitStack() as stack:
        yield Merger(git, stack, via=via)


def record(data: bytes) -> tuple[Merge, int] | None:
    """Return the first complete answer of ``merge-tree --stdin --messages`` in ``data`` and the number of
    bytes it takes, or None while it is incomplete."""
    fields = data.split(b"\0")
    complete = len(fields) - 1  # the last piece has no NUL after it yet
    if complete < 2:
        return None
    status, tree = fields[0], fields[1]
    if status not in (b"0", b"1"):
        raise GitError(_ARGS, -1, f"unexpected answer from git merge-tree: {data[:80]!r}")
    end = 2
    while end < complete and fields[end]:  # the conflicted entries, up to an empty field
        end += 1
    entries = fields[2:end]
    start = end = end + 1
    while end < complete and fields[end]:  # the messages: COUNT, COUNT paths, TYPE, TEXT each
        if not fields[end].isdigit():
            raise GitError(_ARGS, -1, f"unexpected message from git merge-tree: {fields[end][:80]!r}")
        end += int(fields[end]) + 3
    if end >= complete:
        return None
    messages = fields[start:end]
    used = sum(len(field) + 1 for field in fields[: end + 1])
    shown = (tree,) if status == b"1" else (tree, *entries, b"", *messages)  # as --write-tree shows them
    output = b"".join(field + b"\0" for field in shown)
    text = output.decode("utf-8", "surrogateescape")  # as Git.run decodes git's output
    return Merge(clean=status == b"1", tree=tree.decode("ascii"), output=text), used


def _bytes(chunk: str) -> bytes:
    return chunk.encode("utf-8", "surrogateescape")  # sh decoded it so (align.gitio.FS_CODEC)
