"""--report-json, --report-markdown and --report-junit PATH: one branch writes its report as it is kept under the
git dir; several branches write all their reports into each file (one batch object, a Markdown table and
sections, a JUnit <testsuite> per branch), also across a pause; never only the last one (issue 10, items 5 and 6)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from align.cli import main
from align.report import render
from align.resources import schema
from align.state import Store
from tests.builders import RESOLVED, two_features
from tests.helpers import BRANCH, OTHER, REF, Repo, write
from tests.snapshots import head, refs, rev, snapshot, stashes

Capture = pytest.CaptureFixture[str]
OPTIONS = {"json": "--report-json", "markdown": "--report-markdown", "junit": "--report-junit"}

pytestmark = pytest.mark.usefixtures("in_repo")


def asked(tmp_path: Path) -> dict[str, Path]:
    """One file per format, outside the working tree."""
    folder = tmp_path / "out"
    folder.mkdir(exist_ok=True)
    return {"json": folder / "all.json", "markdown": folder / "all.md", "junit": folder / "all.xml"}


def options(paths: dict[str, Path]) -> list[str]:
    return [word for fmt, path in paths.items() for word in (OPTIONS[fmt], str(path))]


def kept(repo: Repo) -> list[dict[str, Any]]:
    """The report.json kept for each run, oldest first."""
    store = Store(repo.path / ".git")
    return [
        json.loads((store.run_dir(run["run_id"]) / "report.json").read_text(encoding="utf-8"))
        for run in store.past_runs()
    ]


def valid(report: Any) -> bool:
    return not list(Draft202012Validator(schema("report")).iter_errors(report))


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_one_branch_writes_each_report_as_one_document(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    two_features(repo)
    paths = asked(tmp_path)

    assert main([*options(paths), BRANCH]) == 0  # options before the branch: still `align run`

    [report] = kept(repo)
    assert report["status"] == "aligned"
    assert json.loads(text(paths["json"])) == report
    assert text(paths["markdown"]) == render(report, "markdown") + "\n"
    assert text(paths["junit"]) == render(report, "junit") + "\n"
    assert [suite.get("name") for suite in ET.fromstring(text(paths["junit"]))] == ["align"]


def test_several_branches_write_every_report_into_each_file(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old_x, old_y = two_features(repo)
    paths = asked(tmp_path)

    assert main([BRANCH, OTHER, *options(paths)]) == 0

    reports = kept(repo)
    assert [(item["branch"], item["status"]) for item in reports] == [(BRANCH, "aligned"), (OTHER, "aligned")]
    written = json.loads(text(paths["json"]))
    assert (written["schema_version"], written["kind"], written["status"], written["exit_code"]) == (
        2, "batch", "succeeded", 0,
    )  # fmt: skip
    assert written["branches"] == reports  # in the order the branches were given
    assert written["run_ids"] == [item["run_id"] for item in reports]
    assert (written["counts"], written["pending"]) == ({"aligned": 2}, [])
    assert written["git"]["calls"] == sum(item["git"]["calls"] for item in reports)
    assert all(valid(item) for item in written["branches"])
    markdown = text(paths["markdown"])
    assert markdown.startswith("## align: 2 branches onto `origin/main`: ✅ succeeded (2 aligned)\n\n")
    assert f"| `{BRANCH}` | ✅ aligned | 3 → 3 commit(s) | `origin/main` |" in markdown
    assert markdown.endswith(render(reports[0], "markdown") + "\n\n" + render(reports[1], "markdown") + "\n")
    assert [line for line in markdown.splitlines() if line.startswith("### ")] == [
        "### align: `feature/x` onto `origin/main`: ✅ aligned",
        "### align: `feature/y` onto `origin/main`: ✅ aligned",
    ]
    root = ET.fromstring(text(paths["junit"]))
    assert [suite.get("name") for suite in root] == [f"align {BRANCH}", f"align {OTHER}"]
    assert [case.get("name") for case in root.iter("testcase") if case.get("classname") == "align.run"] == [
        f"align {BRANCH} onto origin/main",
        f"align {OTHER} onto origin/main",
    ]
    assert root.get("tests") == str(sum(int(suite.get("tests", "0")) for suite in root))
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    assert rev(repo, f"{BRANCH}~3") == rev(repo, f"{OTHER}~1") == rev(repo, "origin/main")
    assert [rev(repo, BRANCH), rev(repo, OTHER)] == [item["commits"]["after"] for item in reports]
    assert [item["commits"]["before"] for item in reports] == [old_x, old_y]
    assert head(repo) == f"refs/heads/{OTHER}"
    assert stashes(repo) == []


def test_a_pause_in_a_batch_keeps_the_earlier_reports_and_continue_completes_them(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    two_features(repo, conflicting=True)  # feature/x conflicts with origin/main, feature/y does not
    paths = asked(tmp_path)

    assert main([OTHER, BRANCH, *options(paths)]) == 3

    written = json.loads(text(paths["json"]))
    assert [(item["branch"], item["status"]) for item in written["branches"]] == [
        (OTHER, "aligned"), (BRANCH, "paused"),
    ]  # fmt: skip
    assert (written["status"], written["exit_code"]) == ("paused", 3)
    assert [suite.get("name") for suite in ET.fromstring(text(paths["junit"]))] == [f"align {OTHER}", f"align {BRANCH}"]
    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")

    assert main(["continue"]) == 0

    reports = kept(repo)
    assert [(item["branch"], item["status"]) for item in reports] == [(OTHER, "aligned"), (BRANCH, "aligned")]
    assert json.loads(text(paths["json"]))["branches"] == reports
    assert text(paths["markdown"]).endswith("\n\n".join(render(item, "markdown") for item in reports) + "\n")
    assert text(paths["junit"]).count("<testsuite ") == 2
    assert repo.git("show", f"{REF}:README.md") == RESOLVED.strip()


def test_a_refused_branch_among_several_is_reported_in_the_batch(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old_x, old_y = two_features(repo)
    paths = asked(tmp_path)
    before = snapshot(repo)

    assert main([BRANCH, "feature/nope", *options(paths)]) == 4

    assert "feature/nope" in capsys.readouterr().err
    written = json.loads(text(paths["json"]))
    [report] = written["branches"]
    assert (report["branch"], report["status"], report["exit_code"]) == ("feature/nope", "refused", 4)
    assert (written["status"], written["exit_code"]) == ("failed", 4)
    assert valid(report)
    assert [suite.get("name") for suite in ET.fromstring(text(paths["junit"]))] == ["align feature/nope"]
    assert "\n\n### align: `feature/nope`" in text(paths["markdown"])
    assert snapshot(repo) == before
    assert (rev(repo, BRANCH), rev(repo, OTHER)) == (old_x, old_y)


@pytest.mark.parametrize("fmt", ["markdown", "junit"])
def test_a_report_file_in_the_tree_that_git_does_not_ignore_is_refused(repo: Repo, fmt: str, capsys: Capture) -> None:
    old_x, _ = two_features(repo)
    before = snapshot(repo)
    all_refs = refs(repo)

    assert main([BRANCH, OPTIONS[fmt], "align-report.out"]) == 2

    assert f"{OPTIONS[fmt]} align-report.out is inside the working tree" in capsys.readouterr().err
    assert snapshot(repo) == before
    assert refs(repo) == all_refs
    assert not (repo.path / "align-report.out").exists()
    assert rev(repo, REF) == old_x


@pytest.mark.parametrize("fmt", ["markdown", "junit"])
def test_a_report_file_over_a_file_git_owns_is_refused(repo: Repo, fmt: str, capsys: Capture) -> None:
    two_features(repo)
    config = (repo.path / ".git" / "config").read_bytes()
    before = snapshot(repo)

    assert main([BRANCH, OPTIONS[fmt], ".git/config"]) == 2

    assert f"{OPTIONS[fmt]} .git/config would write into git's own directory" in capsys.readouterr().err
    assert (repo.path / ".git" / "config").read_bytes() == config
    assert snapshot(repo) == before


def test_a_branch_refused_after_others_ran_is_added_to_their_reports(
    repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    two_features(repo)  # feature/y (checked out) gets a merge commit: refused (rebasing would flatten it)
    repo.git("switch", "--quiet", "-c", "side", "main")
    repo.commit("side.txt", "side\n", "side: add side")
    repo.git("switch", "--quiet", OTHER)
    repo.git("merge", "--quiet", "--no-ff", "--no-edit", "side")
    old_y = rev(repo, OTHER)
    paths = asked(tmp_path)

    assert main([BRANCH, OTHER, *options(paths)]) == 4

    assert "feature/y has 1 merge commit(s)" in capsys.readouterr().err
    written = json.loads(text(paths["json"]))["branches"]
    assert [(item["branch"], item["status"]) for item in written] == [(BRANCH, "aligned"), (OTHER, "refused")]
    assert written == kept(repo)
    assert all(valid(item) for item in written)
    assert [suite.get("name") for suite in ET.fromstring(text(paths["junit"]))] == [f"align {BRANCH}", f"align {OTHER}"]
    assert rev(repo, f"{BRANCH}~3") == rev(repo, "origin/main")
    assert rev(repo, OTHER) == old_y
    assert head(repo) == f"refs/heads/{OTHER}"
    assert repo.git("status", "--porcelain") == ""
