"""A tour of align on a throw-away repository: ``python -m align.demo`` (``nox -s demo``).

It builds a bare ``origin`` and a clone whose ``origin/main`` is two commits behind, with a
``feature/x`` branch that aligns cleanly and a ``feature/clash`` branch whose commit conflicts
with the new ``main``. It then runs align's CLI in-process on them, checks each exit code and the
refs it promises, explains what happened and deletes the repository. Git is configured only for
the demo (its own global config file, no system config); your own repositories are not touched.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import textwrap
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from align.git import Git

DATE = "2026-01-01T12:00:00+0000"  # fixed dates: the demo's commits have the same ids on every run
GITCONFIG = """\
[user]
\tname = Demo Developer
\temail = demo@align.invalid
[init]
\tdefaultBranch = main
[advice]
\tdetachedHead = false
"""
APP = 'GREETING = "Hello"\n\n\ndef greet(name):\n    return f"{GREETING}, {name}!"\n'


@dataclass(frozen=True, kw_only=True)
class Demo:
    """The demo's repositories: the bare ``origin``, the developer's clone and a teammate's clone."""

    origin: Path
    work: Path
    teammate: Path

    def git(self, *args: str, where: Path | None = None) -> str:
        """Run git in the developer's clone (or ``where``) and return its output, stripped."""
        return Git(where or self.work).run(*args).stdout.strip()

    def commit(self, where: Path, files: dict[str, str], message: str) -> None:
        """Write ``files`` in the clone ``where`` and commit them."""
        for name, text in files.items():
            path = where / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        self.git("add", "--", *files, where=where)
        self.git("commit", "--quiet", "-m", message, where=where)

    def tip(self, branch: str) -> str:
        """Return the commit ``branch`` points at."""
        return self.git("rev-parse", "--verify", f"refs/heads/{branch}")

    def contains(self, branch: str, commit: str) -> bool:
        """Tell whether ``commit`` is in ``branch``'s history."""
        result = Git(self.work).run("merge-base", "--is-ancestor", commit, f"refs/heads/{branch}", ok=(0, 1))
        return result.code == 0


@dataclass(frozen=True, kw_only=True)
class Scene:
    """One command of the tour: what it shows, the exit code it must end with, what must hold after it."""

    title: str
    argv: tuple[str, ...]
    expected: int
    check: Callable[[], str | None] = lambda: None  # None when the state is as promised, else why not


def build(base: Path) -> Demo:
    """Create ``origin``, the developer's clone with two feature branches, and move origin's main on."""
    demo = Demo(origin=base / "origin.git", work=base / "work", teammate=base / "teammate")
    demo.origin.mkdir()
    Git(demo.origin).init_bare()
    demo.git("clone", "--quiet", str(demo.origin), str(demo.work), where=base)
    demo.commit(demo.work, {"README.md": "# shop\n\nA tiny shop.\n", "app.py": APP}, "Start the shop")
    demo.git("push", "--quiet", "origin", "main")
    demo.git("clone", "--quiet", str(demo.origin), str(demo.teammate), where=base)

    demo.git("switch", "--quiet", "-c", "feature/x")
    demo.commit(demo.work, {"cart.py": "def total(prices):\n    return sum(prices)\n"}, "Add a cart")
    demo.commit(
        demo.work,
        {"cart.py": "def total(prices, discount=0):\n    return sum(prices) * (1 - discount)\n"},
        "Cart: discounts",
    )
    demo.commit(demo.work, {"docs/cart.md": "# The cart\n\n`total(prices, discount)`\n"}, "Document the cart")
    demo.git("switch", "--quiet", "-c", "feature/clash", "main")
    demo.commit(demo.work, {"app.py": APP.replace('"Hello"', '"Hi there"')}, "Greet informally")
    demo.git("switch", "--quiet", "main")

    # Meanwhile a teammate pushes to main; the developer's origin/main stays as last fetched.
    demo.commit(demo.teammate, {"CHANGELOG.md": "# Changelog\n\n- the shop opens\n"}, "Add a changelog")
    demo.commit(demo.teammate, {"app.py": APP.replace('"Hello"', '"Good day"')}, "Greet formally")
    demo.git("push", "--quiet", "origin", "main", where=demo.teammate)
    return demo


def scenes(demo: Demo) -> list[Scene]:
    """Return the tour, each command with its expected exit code and a check of the state it leaves."""
    upstream = demo.git("rev-parse", "main", where=demo.teammate)
    clash = demo.tip("feature/clash")
    journal = demo.work / ".git" / "align" / "journal.json"

    def aligned() -> str | None:
        ok = demo.contains("feature/x", upstream) and demo.git("symbolic-ref", "HEAD") == "refs/heads/main"
        return None if ok else "feature/x does not contain origin/main, or HEAD is not back on main"

    def paused() -> str | None:
        ok = journal.exists() and Git(demo.work).progress().rebasing
        return None if ok else "no paused run: the journal or git's rebase is missing"

    def restored() -> str | None:
        ok = demo.tip("feature/clash") == clash and not journal.exists()
        ok = ok and demo.git("symbolic-ref", "HEAD") == "refs/heads/main" and not demo.git("status", "--porcelain")
        return None if ok else "feature/clash, HEAD or the working tree is not as before the run"

    return [
        Scene(
            title="A clean alignment with the default recipe",
            argv=("feature/x",),
            expected=0,
            check=aligned,
        ),
        Scene(
            title="A conflict: the default recipe pauses and guides",
            argv=("feature/clash",),
            expected=3,
            check=paused,
        ),
        Scene(title="Give up: abort puts everything back", argv=("abort",), expected=0, check=restored),
        Scene(
            title="The same conflict with the ci recipe: abort and roll back, no questions",
            argv=("feature/clash", "--recipe", "ci", "--set", "sessions=[]"),
            expected=1,
            check=restored,
        ),
        Scene(title="What align remembers: the last run", argv=("status",), expected=0),
        Scene(title="The backups it keeps before moving a branch", argv=("backups", "list"), expected=0),
    ]


EPILOGUE = """\
What happened:
  1. feature/x was backed up under refs/align/backups/, origin/main was fetched (the teammate's two
     commits), feature/x was rebased onto it and verified (every commit accounted for, authors, dates
     and messages kept); HEAD stayed on main all along.
  2. feature/clash changes the line the teammate changed: align stopped at that commit with git's
     rebase in progress, saved its journal under .git/align/ and exited 3, saying what to do next:
     edit app.py, `git add -- app.py`, then `align continue` (or `align skip`, or `align abort`).
  3. `align abort` finished that run from the journal alone (it works the same from a new shell):
     git's rebase was aborted and feature/clash, HEAD and the working tree are as before (exit 0:
     everything was put back, as `git rebase --abort` does; 1 if something could not be).
  4. The ci recipe says `on_conflict: abort`: the same conflict rolled everything back at once,
     exit 1, as a CI job wants (`--set sessions=[]`: this demo has no noxfile for ci's validation).
  5. `align status` shows the last run. Every run starts with a backup; `align undo BRANCH` or
     `align backups restore BRANCH` puts a branch back from one.
"""


def run_cli(argv: Sequence[str]) -> tuple[int, str]:
    """Run ``align ARGV`` in-process; return its exit code and everything it printed, in order."""
    from align.cli import main  # the demo runs the CLI in-process; cli does not import the demo

    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            code = main(list(argv))
        except Exception:  # a bug: show it, and fail the demo
            traceback.print_exc(file=output)
            code = -1
    return code, output.getvalue()


@contextlib.contextmanager
def environment(base: Path) -> Iterator[None]:
    """Give git a config of its own (and fixed dates) for the demo; put everything back after it."""
    config = base / "gitconfig"
    config.write_text(GITCONFIG, encoding="utf-8")
    values = {
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": DATE,
        "GIT_COMMITTER_DATE": DATE,
    }
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    """Change into ``path`` for the block."""
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def main() -> int:
    """Run the tour; return 0 when every command ended as expected, 1 otherwise."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="align-demo-") as folder:
        base = Path(folder).resolve()
        with environment(base):
            demo = build(base)
            print(f"A throw-away repository in {demo.work}, cloned from {demo.origin}:")
            print("  feature/x      3 commits of its own, behind main")
            print("  feature/clash  1 commit that changes the greeting in app.py")
            print("  origin/main    a teammate pushed 2 commits since (a changelog; the greeting reworded)")
            graph = demo.git("log", "--graph", "--oneline", "--decorate", "--branches", "main@{upstream}")
            print(textwrap.indent(graph, "  "))
            failures = []
            tour = scenes(demo)
            with working_directory(demo.work):
                for number, scene in enumerate(tour, 1):
                    print(f"\n== {number}/{len(tour)}  {scene.title} ==")
                    print(f"$ align {' '.join(scene.argv)}")
                    code, output = run_cli(scene.argv)
                    print(textwrap.indent(output.rstrip("\n"), "  "))
                    problem = scene.check() if code == scene.expected else f"exit {code}, expected {scene.expected}"
                    print(f"-> exit {code}" + (f"  DEMO FAILED: {problem}" if problem else " as expected"))
                    if problem:
                        failures.append(f"align {' '.join(scene.argv)}: {problem}")
            graph = demo.git("log", "--graph", "--oneline", "--decorate", "--branches", "main@{upstream}")
            print("\nThe branches now:\n" + textwrap.indent(graph, "  ") + "\n")
    print(EPILOGUE)
    print(f"The demo repository {base} is deleted. Done in {time.perf_counter() - started:.1f} s.")
    if failures:
        print("\nThe demo did not go as expected:\n" + "\n".join(f"  {line}" for line in failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
