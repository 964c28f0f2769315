"""Conflict guidance names the upstream commits that changed the conflicting lines (issue 10 item 7)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from align.cli import main
from align.steps.cause import conflicting_ranges
from tests.helpers import Repo, write

LINES = [f"line {number}" for number in range(1, 41)]


def text(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def commit_as(repo: Repo, author: str, day: int, files: dict[str, str | None], message: str) -> str:
    """Commit ``files`` (None: delete) by ``author`` on 2025-03-DAY; return the short sha."""
    for name, body in files.items():
        if body is None:
            repo.git("rm", "--quiet", "--", name)
        else:
            write(repo.path / name, body)
            repo.git("add", "--", name)
    date = f"2025-03-{day:02d}T10:00:00+0000"
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "commit", "--quiet", "-m", message], cwd=repo.path, env=env, check=True)
    return repo.git("rev-parse", "--short", "HEAD")


def noise(repo: Repo, lines: list[str], count: int, *, first_day: int) -> list[str]:
    """``count`` upstream commits that each change a line far from the conflict (the end of app.py)."""
    shas = []
    for number in range(count):
        lines[len(lines) - 5 + number % 5] = f"tail line {number % 5}, tidied {first_day}.{number}"
        shas.append(commit_as(repo, "Noisy Neighbour", first_day + number, {"app.py": text(lines)}, f"tidy {number}"))
    return shas


def setup(repo: Repo, feature_lines: list[str]) -> None:
    """app.py on main (pushed); feature/x changes it as ``feature_lines``; back on main."""
    commit_as(repo, "Base Author", 1, {"app.py": text(LINES)}, "add app.py")
    repo.git("push", "--quiet", "origin", "main")
    repo.git("switch", "--quiet", "-c", "feature/x")
    commit_as(repo, "Feature Author", 2, {"app.py": text(feature_lines)}, "feature: change app.py")
    repo.git("switch", "--quiet", "main")


def paused_text(repo: Repo, capsys: pytest.CaptureFixture[str]) -> str:
    repo.git("push", "--quiet", "origin", "main")
    capsys.readouterr()
    assert main(["feature/x"]) == 3
    return capsys.readouterr().out


def file_block(out: str, path: str) -> list[str]:
    """The guidance lines under ``path``'s line, up to the next file or section."""
    lines = out.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("  ") and f"  {path}" in line)
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("      "):
            break
        block.append(line.strip())
    return block


def test_the_commit_that_changed_the_conflicting_lines_is_named_though_six_newer_ones_touched_the_file(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    mine = list(LINES)
    mine[4] = "line 5, as the feature wants it"
    setup(repo, mine)
    upstream = list(LINES)
    upstream[4] = "line 5, as upstream wants it"
    culprit = commit_as(repo, "Real Cause", 3, {"app.py": text(upstream)}, "upstream: rework line 5")
    noise(repo, upstream, 6, first_day=4)

    out = paused_text(repo, capsys)

    assert file_block(out, "app.py") == [
        f"conflicting lines changed upstream by {culprit} upstream: rework line 5 (Real Cause, 2025-03-03)",
        "and 6 other upstream commit(s) touched this file",
    ]


def test_a_commit_that_removed_the_conflicting_lines_is_named(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The flask case: upstream deleted the block the feature edits; `git log -S` finds it, so does align."""
    monkeypatch.chdir(repo.path)
    mine = list(LINES)
    mine[10:12] = ["line 11, fixed by the feature", "line 12, fixed by the feature"]
    setup(repo, mine)
    upstream = list(LINES)
    noise(repo, upstream, 2, first_day=3)
    del upstream[8:14]
    remover = commit_as(repo, "Remover", 6, {"app.py": text(upstream)}, "upstream: remove the deprecated block")
    noise(repo, upstream, 5, first_day=7)

    out = paused_text(repo, capsys)

    assert file_block(out, "app.py") == [
        f"conflicting lines changed upstream by {remover} upstream: remove the deprecated block (Remover, 2025-03-06)",
        "and 7 other upstream commit(s) touched this file",
    ]


def test_every_commit_that_changed_the_conflicting_lines_is_named_newest_first(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    mine = list(LINES)
    mine[19] = "line 20, feature"
    setup(repo, mine)
    upstream = list(LINES)
    upstream[19] = "line 20, first try"
    first = commit_as(repo, "First", 3, {"app.py": text(upstream)}, "upstream: first try")
    noise(repo, upstream, 3, first_day=4)
    upstream[19] = "line 20, second try"
    upstream.insert(20, "line 20 and a half")
    second = commit_as(repo, "Second", 8, {"app.py": text(upstream)}, "upstream: second try")
    unrelated = commit_as(repo, "Other", 9, {"other.py": "other\n"}, "upstream: other file")

    out = paused_text(repo, capsys)

    assert file_block(out, "app.py") == [
        f"conflicting lines changed upstream by {second} upstream: second try (Second, 2025-03-08)",
        f"conflicting lines changed upstream by {first} upstream: first try (First, 2025-03-03)",
        "and 3 other upstream commit(s) touched this file",
    ]
    assert "upstream: other file" not in out
    assert unrelated


def test_a_file_deleted_upstream_names_the_commit_that_deleted_it(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.path)
    mine = list(LINES)
    mine[0] = "line 1, feature"
    setup(repo, mine)
    upstream = list(LINES)
    noise(repo, upstream, 3, first_day=3)
    deleter = commit_as(repo, "Deleter", 7, {"app.py": None}, "upstream: drop app.py")

    out = paused_text(repo, capsys)

    assert file_block(out, "app.py") == [
        f"deleted upstream by {deleter} upstream: drop app.py (Deleter, 2025-03-07)",
        "and 3 other upstream commit(s) touched this file",
    ]


def test_conflicting_ranges_follow_changes_and_removals() -> None:
    base = ["a", "b", "c", "d", "e", "f"]
    mine_b = [(1, 2)]  # the other side changed "b"
    assert conflicting_ranges(base, ["a", "b, edited", "c", "d", "e", "f"], mine_b) == ([(2, 2)], [(2, 2)])  # an edit
    assert conflicting_ranges(base, ["a", "e", "f"], [(2, 3)]) == ([(2, 4)], [])  # b-d removed
    assert conflicting_ranges(base, ["a", "b", "c", "d", "e", "F"], [(0, 1)]) == ([], [])  # elsewhere
    assert conflicting_ranges(base, ["a", "new", "b", "c", "d", "e", "f"], mine_b) == ([], [(2, 2)])  # inserted
    other = ["a", "something else entirely", "c", "d", "e", "f"]
    assert conflicting_ranges(base, other, mine_b) == ([(2, 2)], [])  # replaced by other code: its history is not
    assert conflicting_ranges([], ["x"], []) == ([], [])
    # flask: the removed method ends one blank line before the edited one in Python's diff; git's hunk meets it
    methods = ["return rv", "", "def redirect():", "    return 1", "", "def make_response():", "    body"]
    assert conflicting_ranges(methods, [*methods[:2], *methods[5:]], [(5, 6)]) == ([(2, 4)], [])
    assert conflicting_ranges(methods, methods[:5], [(0, 1)]) == ([], [])  # far away: still nothing


def test_the_lookup_stays_cheap_on_a_long_history(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """300 newer upstream commits touched the file: the one behind the conflicting lines is still named."""
    monkeypatch.chdir(repo.path)
    mine = list(LINES)
    mine[2] = "line 3, feature"
    setup(repo, mine)
    upstream = list(LINES)
    upstream[2] = "line 3, upstream"
    culprit = commit_as(repo, "Real Cause", 3, {"app.py": text(upstream)}, "upstream: line 3")
    script = "".join(
        f"commit refs/heads/main\ncommitter N <n@x> {1741000000 + n} +0000\ndata 8\nnoise{n:03d}\n"
        f"M 100644 inline app.py\ndata <<EOF\n{text([*upstream[:35], f'tail {n}', *upstream[36:]])}EOF\n\n"
        for n in range(300)
    )
    first = f"from {repo.git('rev-parse', 'HEAD')}\n"
    script = script.replace("data 8\nnoise000\n", "data 8\nnoise000\n" + first, 1)
    importing = ["git", "fast-import", "--quiet"]
    done = subprocess.run(importing, cwd=repo.path, input=script, text=True, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    repo.git("reset", "--quiet", "--hard", "main")

    out = paused_text(repo, capsys)

    assert file_block(out, "app.py") == [
        f"conflicting lines changed upstream by {culprit} upstream: line 3 (Real Cause, 2025-03-03)",
        "and 300 other upstream commit(s) touched this file",
    ]


@pytest.mark.parametrize("recipe", ["default", "merge"])
def test_a_later_commit_of_the_branch_and_a_merge_find_the_cause_too(
    recipe: str, repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The conflict is at the branch's second commit (whose parent is not the merge base), or in a merge."""
    monkeypatch.chdir(repo.path)
    first = ["line 1, feature's first commit", *LINES[1:]]
    setup(repo, first)
    repo.git("switch", "--quiet", "feature/x")
    second = list(first)
    second[29] = "line 30, feature's second commit"
    commit_as(repo, "Feature Author", 3, {"app.py": text(second)}, "feature: change line 30")
    repo.git("switch", "--quiet", "main")
    upstream = list(LINES)
    upstream[29] = "line 30, upstream"
    culprit = commit_as(repo, "Real Cause", 4, {"app.py": text(upstream)}, "upstream: line 30")
    noise(repo, upstream, 6, first_day=5)
    repo.git("push", "--quiet", "origin", "main")
    capsys.readouterr()

    assert main(["feature/x", "--recipe", recipe]) == 3

    out = capsys.readouterr().out
    assert ("commit 2 of 2" in out) is (recipe == "default")
    assert file_block(out, "app.py") == [
        f"conflicting lines changed upstream by {culprit} upstream: line 30 (Real Cause, 2025-03-04)",
        "and 6 other upstream commit(s) touched this file",
    ]


def test_a_removal_next_to_the_edited_line_is_named_wherever_the_diff_puts_the_blank_line(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found on flask: upstream removed the method before the one the feature edits; git's hunk ends at
    the edited line, Python's diff keeps a blank line between them. The remover is still named."""
    monkeypatch.chdir(repo.path)
    methods = ["class App:", ""]
    for name in ("first", "redirect", "make_response"):
        methods += [f"    def {name}(self):", f'        """The {name} method."""', f"        return {name!r}", ""]
    mine = list(methods)
    mine[10] = "    def make_response(self):  # feature: annotated"
    setup_lines(repo, methods, mine)
    upstream = list(methods)
    noise_free = commit_as(repo, "Other", 3, {"other.py": "other\n"}, "upstream: other file")
    del upstream[6:10]
    remover = commit_as(repo, "Remover", 4, {"app.py": text(upstream)}, "upstream: move redirect elsewhere")
    upstream[0] = "class App:  # tidied"
    commit_as(repo, "Tidy", 5, {"app.py": text(upstream)}, "upstream: tidy the class line")

    out = paused_text(repo, capsys)

    assert file_block(out, "app.py") == [
        f"conflicting lines changed upstream by {remover} upstream: move redirect elsewhere (Remover, 2025-03-04)",
        "and 1 other upstream commit(s) touched this file",
    ]
    assert noise_free


def setup_lines(repo: Repo, base: list[str], feature: list[str]) -> None:
    """app.py as ``base`` on main (pushed); feature/x changes it to ``feature``; back on main."""
    commit_as(repo, "Base Author", 1, {"app.py": text(base)}, "add app.py")
    repo.git("push", "--quiet", "origin", "main")
    repo.git("switch", "--quiet", "-c", "feature/x")
    commit_as(repo, "Feature Author", 2, {"app.py": text(feature)}, "feature: change app.py")
    repo.git("switch", "--quiet", "main")


def test_lines_upstream_moved_to_another_file_name_the_commit_that_took_them_out(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found on flask (app.py split into sansio/app.py): blame follows the lines into the other file, so the
    commit that took them out of this one is found as `git log -S` finds it; a fallback says it is one."""
    monkeypatch.chdir(repo.path)
    mine = list(LINES)
    mine[30] = "line 31, as the feature wants it"
    setup(repo, mine)
    repo.git("mv", "app.py", "core.py")
    mover = commit_as(repo, "Mover", 3, {}, "upstream: move app.py to core.py")
    split = commit_as(repo, "Splitter", 4, {"app.py": text(LINES[:20])}, "upstream: a new app.py, the rest in core")
    upstream = LINES[:20]
    upstream[0] = "line 1, tidied"
    commit_as(repo, "Tidy", 5, {"app.py": text(upstream)}, "upstream: tidy app.py")

    out = paused_text(repo, capsys)

    assert file_block(out, "app.py") == [
        f"conflicting lines changed upstream by {mover} upstream: move app.py to core.py (Mover, 2025-03-03)",
        "and 2 other upstream commit(s) touched this file",
    ]
    assert split
