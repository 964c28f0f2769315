"""How a git process's input and output are carried (through files in memory, never through sh's buffers), and
read: objects of `cat-file --batch`, unmerged entries of `ls-files -u` and `merge-tree`.

sh keeps only the last ``_internal_bufsize`` chunks of what it reads from a process, stops reading 2 s
after the process ends, reads live output 1 byte at a time and writes input 1 KiB at a time: a large
output could come back cut, silently, and large inputs and outputs were slow. Here git reads its
input from, and writes its output into, files in memory (``memfd``; a temporary file where there is
none), which sh hands to git as they are; live stderr is read back from its file as it grows.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, BinaryIO


class Deadline:
    """Stop a process that is still running after ``seconds``: SIGTERM, then SIGKILL 5 s later."""

    def __init__(self, pid: int, seconds: float) -> None:
        self.pid = pid
        self.passed = threading.Event()
        self.ended = threading.Event()
        self.timer = threading.Timer(seconds, self._stop)
        self.timer.daemon = True
        self.timer.start()

    def cancel(self) -> None:
        """Tell the deadline that the process ended (it was waited for)."""
        self.ended.set()
        self.timer.cancel()

    def _stop(self) -> None:
        self.passed.set()
        for number, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
            if self.ended.is_set():
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(self.pid, number)
            self.ended.wait(grace)


def capture() -> BinaryIO:
    """Return an empty file for a process's output: in memory where the system allows, else a temporary file."""
    if hasattr(os, "memfd_create"):
        return os.fdopen(os.memfd_create("align-git", os.MFD_CLOEXEC), "w+b")
    return tempfile.TemporaryFile()


class Tail:
    """Hand what a process writes to ``file`` to ``callback`` as it comes (looked at every 50 ms), from a thread."""

    def __init__(self, file: BinaryIO, callback: Callable[[str], None]) -> None:
        self.fd = file.fileno()
        self.offset = 0
        self.callback = callback
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._follow, name="align-git-stderr", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Hand on the rest, once the process has ended."""
        self.done.set()
        self.thread.join()
        self._hand_on(final=True)

    def _follow(self) -> None:
        while not self.done.wait(0.05):
            self._hand_on()

    def _hand_on(self, *, final: bool = False) -> None:
        while data := os.pread(self.fd, 1 << 16, self.offset):
            self.offset += len(data)
            if text := self.decoder.decode(data):
                self.callback(text)
        if final and (text := self.decoder.decode(b"", final=True)):
            self.callback(text)


def feed(text: str) -> BinaryIO:
    """Return a file holding ``text`` (encoded like arguments), ready to be read from its start."""
    file = capture()
    file.write(text.encode("utf-8", errors="surrogateescape"))
    file.seek(0)
    return file


def read(file: BinaryIO) -> str:
    """Return all that was written to ``file`` as text, and close it."""
    with file:
        file.seek(0)
        return _text(file.read())


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape")


SPAWN = {"active": 0, "pending": 0}  # a signal that came while git was being started waits in "pending"


def defer(number: int) -> bool:
    """Tell align's signal handlers to keep signal ``number`` for later (True) while git is being started."""
    if SPAWN["active"]:
        SPAWN["pending"] = number
        return True
    return False


def reaped(pid: int, grace: float | None) -> bool:
    """Wait for child ``pid`` to end (at most ``grace`` seconds); tell whether it did (or was reaped already)."""
    deadline = time.monotonic() + (grace if grace is not None else 3600.0)
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return True
        if done:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


# Arguments are encoded like file names: a path git printed in bytes that are not UTF-8 (decoded
# with surrogateescape) goes back to git as the same bytes.
FS_CODEC = "align-fs"


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name != FS_CODEC.replace("-", "_"):
        return None
    utf8 = codecs.lookup("utf-8")

    def encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return utf8.encode(text, "surrogateescape")

    def decode(data: Any, errors: str = "strict") -> tuple[str, int]:
        return utf8.decode(data, "surrogateescape")

    return codecs.CodecInfo(encode, decode, name=FS_CODEC)


codecs.register(_find_codec)


def batch_objects(output: str, oids: Sequence[str]) -> dict[str, tuple[bytes, bytes]]:
    """Return each object of ``git cat-file --batch``'s ``output`` (asked for ``oids``, in that order) as
    (type, body); the output was decoded as ``Git.run`` decodes it, so its bytes come back exactly."""
    raw = output.encode("utf-8", "surrogateescape")
    found: dict[str, tuple[bytes, bytes]] = {}
    position = 0
    for oid in oids:
        end = raw.index(b"\n", position)
        header = raw[position:end].split()
        if len(header) != 3:  # "<oid> missing" (or ambiguous): no body follows
            found[oid] = (b" ".join(header[1:]), b"")
            position = end + 1
            continue
        size = int(header[2])
        found[oid] = (header[1], raw[end + 1 : end + 1 + size])
        position = end + 1 + size + 1
    return found


# The stages an unmerged path has in the index, as ``git status`` names them.
_STAGES = {
    frozenset("123"): "UU", frozenset("23"): "AA", frozenset("12"): "UD", frozenset("13"): "DU",
    frozenset("2"): "AU", frozenset("3"): "UA", frozenset("1"): "DD",
}  # fmt: skip


def unmerged_paths(entries: Iterable[str]) -> list[tuple[str, str]]:
    """Return each path of ``MODE OID STAGE\tPATH`` entries (``ls-files -u``, ``merge-tree``'s conflicted
    entries) once, in order, with the two letters ``git status`` gives it."""
    stages: dict[str, set[str]] = {}
    for entry in entries:
        if "\t" in entry:
            info, path = entry.split("\t", 1)
            stages.setdefault(path, set()).add(info.split()[-1])
    return [(path, _STAGES.get(frozenset(found), "UU")) for path, found in stages.items()]
