"""The report of a run: kept under the git dir in every format asked for, on success, pause, abort, failure, refusal."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from align.cli import main
from align.journal import (
    Accounting,
    CheckRecord,
    Conflict,
    Dropped,
    Journal,
    Phase,
    Placed,
    RecipeRecord,
    SessionRecord,
)
from align.report import build, render
from align.status import RunStatus, StepStatus
from tests.builders import ALIGN_STEPS, RESOLVED, fetched_feature, moved_upstream, steps_recipe, three_commits
from tests.helpers import BRANCH, Repo, run_record, write
from tests.snapshots import out, rev

Capture = pytest.CaptureFixture[str]
ALL = "report: {formats: [console, json, markdown, junit]}"
FAILING = 'validate: {run: [["false"]]}'
CHECKS = ("contains_target", "linear")
SUBJECT = "feature: reword the readme"
NOXFILE = "import nox\n\n\n@nox.session(venv_backend='none')\ndef tests(session):\n    pass\n"

pytestmark = pytest.mark.usefixtures("in_repo")


def runs(repo: Repo) -> Path:
    return repo.path / ".git" / "align" / "runs"


def kept(repo: Repo, run_id: str = "") -> dict[str, Any]:
    """The report.json kept for ``run_id`` (default: the last finished run, from runs.jsonl)."""
    if not run_id:
        run_id = json.loads((runs(repo).parent / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])["run_id"]
    loaded: dict[str, Any] = json.loads((runs(repo) / run_id / "report.json").read_text(encoding="utf-8"))
    return loaded


def conflicting(repo: Repo) -> list[str]:
    """feature/x whose middle commit conflicts with origin/main (fetched); return its commits."""
    old = three_commits(repo, conflicting=True)
    moved_upstream(repo, conflicting=True)
    repo.git("fetch", "--quiet")
    return old


def junit(path: Path) -> ET.Element:
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    assert root.tag == "testsuites"
    [suite] = root
    assert suite.get("name") == "align"
    return suite


def cases(suite: ET.Element) -> dict[str, ET.Element]:
    return {f"{case.get('classname')}:{case.get('name')}": case for case in suite.iter("testcase")}


def failure(suite: ET.Element, case: str, tag: str = "failure") -> ET.Element:
    """The ``failure`` (or ``error``...) element of the test case ``classname:name``."""
    found = cases(suite)[case].find(tag)
    assert found is not None, f"{case} has no {tag}"
    return found


def test_an_aligned_run_keeps_every_format_asked_for(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    path = steps_recipe(tmp_path, *ALIGN_STEPS, "verify: {checks: [contains_target, linear]}", ALL)

    assert main([BRANCH, "--recipe", path]) == 0

    text = out(capsys)
    tip, onto = rev(repo, BRANCH), rev(repo, "origin/main")
    report = kept(repo)
    assert (report["status"], report["exit_code"], report["message"]) == ("aligned", 0, "")
    assert [report[key] for key in ("branch", "target", "remote", "onto")] == [BRANCH, "main", "origin", "origin/main"]
    assert (report["recipe"]["name"], report["recipe"]["found"]) == ("r", "option")  # chosen by --recipe
    assert re.fullmatch(r"[0-9a-f]{64}", report["recipe"]["sha256"])
    commits = report["commits"]
    assert (commits["before"], commits["after"], commits["onto"]) == (old[-1], tip, onto)
    assert (commits["count_before"], commits["count_after"]) == (3, 3)
    assert report["backup_ref"].startswith("refs/align/backups/feature/x/")
    assert [phase["name"] for phase in report["phases"]] == ["backup", "fetch", "rebase", "verify"]
    assert all(phase["status"] == "ok" for phase in report["phases"])
    assert all(value > 0 for value in (report["git"]["calls"], report["git"]["seconds"], report["duration_s"]))
    assert report["paused_s"] == 0
    assert sorted(path.name for path in (runs(repo) / report["run_id"]).iterdir()) == [
        "journal.json", "junit.xml", "report.json", "report.md",
    ]  # fmt: skip
    # the console summary printed is the rendering of the report kept
    assert render(report, "console") in text
    assert f"  commits: {old[-1][:12]} (3) -> {tip[:12]} (3)" in text
    assert f"  backup:  {report['backup_ref']}" in text
    assert re.search(r"^  phases:  backup ok \d+\.\d\ds, fetch ok .*verify ok \d+\.\d\ds$", text, re.MULTILINE)
    assert re.search(rf"^  git:     \d+ calls, \d+\.\d\d s; run {report['run_id']}, \d+\.\d\d s$", text, re.MULTILINE)
    assert "paused at conflicts" not in text
    markdown = (runs(repo) / report["run_id"] / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("### align: `feature/x` onto `origin/main`: ✅ aligned\n")
    assert f"| commits | `{old[-1][:12]}` (3) → `{tip[:12]}` (3) |" in markdown
    assert re.search(r"^\| rebase \| ✅ ok \| \d+\.\d\d s \| ", markdown, re.MULTILINE)
    suite = junit(runs(repo) / report["run_id"] / "junit.xml")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "0", "0")
    found = cases(suite)
    assert list(found) == ["align.run:align feature/x onto origin/main", *(f"align.verify:{name}" for name in CHECKS)]
    assert not [case for case in found.values() if case.find("failure") is not None]
    assert [(check["check"], check["ok"], check["status"]) for check in report["verify"]] == [
        (name, True, "passed") for name in CHECKS
    ]
    assert "  checks:  2 passed: contains_target, linear" in text


def test_a_paused_run_is_reported_then_reported_again_when_it_ends(repo: Repo, capsys: Capture) -> None:
    old = conflicting(repo)

    assert main([BRANCH]) == 3

    text = out(capsys)
    journal = json.loads((repo.path / ".git" / "align" / "journal.json").read_text(encoding="utf-8"))
    report = kept(repo, journal["run"]["run_id"])
    assert (report["status"], report["exit_code"]) == ("paused", 3)
    [conflict] = report["conflicts"]
    assert conflict == {
        "commit": repo.git("rev-parse", "--short", old[1]),
        "subject": SUBJECT,
        "files": [{"path": "README.md", "kind": "both modified"}],
        "resolution": "pending",
    }
    assert any("align continue" in line for line in report["guidance"])
    assert report["duration_s"] > 0
    assert render(report, "console") in text
    assert "  why:" not in text  # a pause is not a failure

    write(repo.path / "README.md", RESOLVED)
    repo.git("add", "README.md")
    assert main(["continue"]) == 0

    text = out(capsys)
    report = kept(repo, journal["run"]["run_id"])
    assert (report["status"], report["exit_code"]) == ("aligned", 0)
    assert report["conflicts"][0]["resolution"] == "resolved by the user"
    assert report["paused_s"] > 0
    assert report["guidance"] == []
    assert re.search(r"; run \S+, \d+\.\d\d s \(plus \d+\.\d\d s paused at conflicts\)$", text, re.MULTILINE)
    assert kept(repo) == report  # archived as the last run


def test_a_conflict_aborted_by_the_ci_recipe(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    repo.commit("noxfile.py", NOXFILE, "add a noxfile")  # the ci recipe validates with its `tests` session
    repo.git("push", "--quiet", "origin", "main")
    old = conflicting(repo)
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    assert main([BRANCH, "--recipe", "ci"]) == 1

    text = out(capsys)
    report = kept(repo)
    assert (report["status"], report["exit_code"]) == ("conflict_aborted", 1)
    assert report["message"].startswith("a conflict ended the run (on_conflict: abort)")
    assert report["conflicts"][0]["resolution"] == "aborted"
    assert report["commits"]["after"] == report["commits"]["before"] == old[-1]
    assert [phase["name"] for phase in report["phases"]][-2:] == ["rebase", "on_conflict"]
    assert f"  why:     {report['message']}" in text
    assert f"  commits: {old[-1][:12]} (3), unchanged" in text
    markdown = (runs(repo) / report["run_id"] / "report.md").read_text(encoding="utf-8")
    assert "❌ conflict: run aborted, everything rolled back" in markdown
    assert f"**Why:** {report['message'][:20]}" in markdown
    assert "#### Conflicts\n\n- `" in markdown
    assert "`README.md` (both modified): aborted" in markdown
    assert summary.read_text(encoding="utf-8") == markdown + "\n"  # a blank line before the next section
    suite = junit(runs(repo) / report["run_id"] / "junit.xml")
    run = failure(suite, "align.run:align feature/x onto origin/main")
    assert run.get("type") == "conflict_aborted"
    assert (run.get("message") or "").startswith("conflict: run aborted, everything rolled back: a conflict")
    assert "README.md (both modified) [aborted]" in (run.text or "")
    properties = {item.get("name"): item.get("value") for item in suite.iter("property")}
    assert (properties["status"], properties["exit_code"], properties["recipe"]) == ("conflict_aborted", "1", "ci")


def test_a_failed_validation_is_reported_with_its_session(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(repo)
    path = steps_recipe(tmp_path, *ALIGN_STEPS, FAILING, ALL)

    assert main([BRANCH, "--recipe", path]) == 1

    text = out(capsys)
    report = kept(repo)
    assert (report["status"], report["exit_code"]) == ("failed_rolled_back", 1)
    assert "false" in report["message"]
    assert report["commits"]["after"] == old[-1]
    assert [phase["name"] for phase in report["phases"]][-2:] == ["validate", "on_fail"]
    [session] = report["validate"]
    assert (session["session"], session["kind"], session["ok"], session["status"], session["exit_code"]) == (
        "false", "command", False, "failed", 1,
    )  # fmt: skip
    assert re.search(r"^  session: FAILED false \(exit 1, \d+\.\d\d s\)$", text, re.MULTILINE)
    assert "failed: everything rolled back" in text
    suite = junit(runs(repo) / report["run_id"] / "junit.xml")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "2")
    assert failure(suite, "align.validate:false").get("message") == "command false: failed (exit 1)"
    markdown = (runs(repo) / report["run_id"] / "report.md").read_text(encoding="utf-8")
    assert re.search(r"^\| `false` \| command \| ❌ failed \| \d+\.\d\d s \| 1 \|$", markdown, re.MULTILINE)


def test_a_refused_run_is_reported(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    fetched_feature(repo)
    path = steps_recipe(tmp_path, 'rebase: {onto: "origin/nope"}', "report: {formats: [console, junit]}")

    assert main([BRANCH, "--recipe", path]) == 4

    text = out(capsys)
    report = kept(repo)
    assert (report["status"], report["exit_code"], report["onto"]) == ("refused", 4, "origin/nope")
    assert "'origin/nope' does not exist" in report["message"]
    assert report["phases"] == []
    assert report["backup_ref"] == ""
    assert any(line.startswith("refused: ") for line in report["guidance"])
    assert "align: feature/x onto origin/nope: refused" in text
    assert "  commits:" not in text
    suite = junit(runs(repo) / report["run_id"] / "junit.xml")
    assert failure(suite, "align.run:align feature/x onto origin/nope").get("type") == "refused"
    assert not (runs(repo) / report["run_id"] / "report.md").exists()  # not asked for


# -- renderers on a journal with every kind of entry --------------------------------------------------------


def session(name: str, kind: str, status: str, seconds: float, code: int | None, *tail: str) -> SessionRecord:
    """A validate result as the validate step records it."""
    return SessionRecord(
        session=name, kind=kind, ok=status == "passed", status=status, duration_s=seconds, exit_code=code, tail=tail
    )


def full_journal() -> Journal:
    """A finished run that failed its checks, with every list filled and text that needs escaping."""
    record = run_record(
        run_id="20260101T120000Z-abcdef", recipe=RecipeRecord(name="team | ci", source="/r.yaml", sha256="0" * 64)
    )
    journal = Journal(
        run=record, pid=1, onto_sha="b" * 40, base="c" * 40,
        backup_ref="refs/align/backups/feature/x/20260101T120000Z", new_tip="d" * 40, status=RunStatus.FAILED_KEPT,
        message="verify failed: patches_preserved: 1 commit lost", exit_code=1, commits_before=4, commits_after=2,
        duration_s=3.5, paused_s=12.25, git_calls=42, git_seconds=0.5,
    )  # fmt: skip
    journal.found.phases = [Phase(name="rebase", status=StepStatus.OK, duration_s=0.4, detail="a | b"),
                            Phase(name="verify", status=StepStatus.FAILED, duration_s=0.1)]  # fmt: skip
    conflict = Conflict(commit="1234567", subject="fix `x` | *y*", files=[("a|b.txt", "both modified")])
    conflict.resolution = "resolved by the user"
    journal.found.conflicts = [conflict]
    journal.found.checks = [
        CheckRecord(check="linear", ok=True, status="passed", detail="", duration_s=0.01),
        CheckRecord(check="metadata_preserved", ok=True, status="warning", detail="dates changed", duration_s=0.02),
        CheckRecord(check="patches_preserved", ok=False, status="failed", detail="1 commit lost", duration_s=0.03),
        CheckRecord(check="tree_matches_merge", ok=True, status="skipped", detail="needs git 2.38", duration_s=0),
    ]
    journal.found.patches = Accounting(
        preserved=[Placed(sha="1" * 40, new="2" * 40, subject="kept")],
        changed=[Placed(sha="3" * 40, new="4" * 40, subject="resolved", reason="conflict resolution")],
        upstream=[Placed(sha="5" * 40, subject="same upstream", upstream="6" * 40)],
        dropped=[Placed(sha="7" * 40, subject="skipped", reason="skipped by the user")],
        lost=[Placed(sha="8" * 40, subject="vanished <b>")],
    )
    journal.found.dropped = [Dropped(commit="7" * 40, short="7777777", subject="skipped", reason="skipped by the user")]
    journal.found.sessions = [
        session("lint", "nox", "passed", 1.5, 0),
        session("tests", "nox", "failed", 2.0, 1, "\x1b[31mFAILED\x1b[0m test_x", "```", "1 failed\x07"),
        session("slow", "command", "timeout", 9.0, None),
        replace(session("make", "command", "error", 0.0, None), reason="could not start: No such file or directory"),
        session("docs", "nox", "skipped", 0.0, None),
    ]
    journal.found.warnings = ["something to know"]
    return journal


def test_the_console_shows_checks_sessions_and_commit_lists() -> None:
    text = render(build(full_journal(), ["run `align undo` to go back"]), "console")

    assert text.splitlines() == [
        f"align: feature/x onto origin/main ({'b' * 12}): failed: state kept as it is (on_fail: keep)",
        f"  commits: {'a' * 12} (4) -> {'d' * 12} (2)",
        "  backup:  refs/align/backups/feature/x/20260101T120000Z",
        "  why:     verify failed: patches_preserved: 1 commit lost",
        "  conflict 1234567 fix `x` | *y*: a|b.txt (both modified) [resolved by the user]",
        "  upstream 5555555 same upstream (already in origin/main as 6666666)",
        "  dropped 7777777 skipped (skipped by the user)",
        "  changed 3333333 -> 4444444 resolved (conflict resolution)",
        "  LOST    8888888 vanished <b>",
        "  phases:  rebase ok 0.40s, verify failed 0.10s",
        "  checks:  1 passed: linear",
        "  check:   warning metadata_preserved: dates changed",
        "  check:   FAILED patches_preserved: 1 commit lost",
        "  check:   skipped tree_matches_merge: needs git 2.38",
        "  session: ok nox:lint (1.50 s)",
        "  session: FAILED nox:tests (exit 1, 2.00 s)",
        "           | \x1b[31mFAILED\x1b[0m test_x",
        "           | ```",
        "           | 1 failed\x07",
        "  session: TIMEOUT slow (9.00 s)",
        "  session: ERROR make (0.00 s): could not start: No such file or directory",
        "  session: skipped nox:docs (0.00 s)",
        "  git:     42 calls, 0.50 s; run 20260101T120000Z-abcdef, 3.50 s (plus 12.25 s paused at conflicts)",
        "  warning: something to know",
        "run `align undo` to go back",
    ]


def test_the_report_object_follows_the_journal() -> None:
    report = build(full_journal())

    commits = report["commits"]
    assert (commits["patches_checked"], commits["preserved"]) == (True, 1)
    assert commits["dropped"] == [{"sha": "7" * 40, "subject": "skipped", "reason": "skipped by the user"}]
    assert commits["lost"] == [{"sha": "8" * 40, "subject": "vanished <b>"}]
    assert report["validate"][2]["exit_code"] is None
    assert report["recipe"] == {"name": "team | ci", "source": "/r.yaml", "sha256": "0" * 64, "found": ""}
    assert json.loads(render(report, "json")) == report
    with pytest.raises(ValueError, match="unknown report format 'yaml'"):
        render(report, "yaml")


def test_markdown_escapes_and_folds_the_output_of_failed_sessions() -> None:
    text = render(build(full_journal()), "markdown")

    assert "| recipe | `team \\| ci` (`/r.yaml`) |" in text
    assert "| rebase | ✅ ok | 0.40 s | a \\| b |" in text
    assert "- `1234567` fix \\`x\\` \\| \\*y\\*: `a\\|b.txt` (both modified): resolved by the user" in text
    assert "- **lost**: `888888888888` vanished \\<b\\>" in text
    assert "| `patches_preserved` | ❌ failed | 0.03 s | 1 commit lost |" in text
    assert "| `slow` | command | ❌ timeout | 9.00 s |   |" in text
    assert "<details><summary>tests: last 3 line(s) of output</summary>\n\n````text\n" in text
    assert "\n```\n1 failed\x07\n````\n\n</details>" in text  # a longer fence than the ``` in the output
    assert "paused at conflicts: 12.25 s" in text
    assert "#### Warnings\n\n- something to know" in text


def test_junit_counts_failures_errors_and_skips_and_drops_what_xml_cannot_hold() -> None:
    suite = ET.fromstring(render(build(full_journal()), "junit"))[0]

    assert {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")} == {
        "tests": "10", "failures": "3", "errors": "2", "skipped": "2",
    }  # fmt: skip
    found = cases(suite)
    assert list(found) == [
        "align.run:align feature/x onto origin/main",
        *(
            f"align.verify:{name}"
            for name in ("linear", "metadata_preserved", "patches_preserved", "tree_matches_merge")
        ),
        *(f"align.validate:{name}" for name in ("lint", "tests", "slow", "make", "docs")),
    ]
    assert found["align.verify:metadata_preserved"].findtext("system-out") == "warning: dates changed"
    assert failure(suite, "align.validate:tests").text == "FAILED test_x\n```\n1 failed"
    assert failure(suite, "align.validate:slow", "error").get("message") == "command slow: timeout"
    assert failure(suite, "align.validate:make", "error").get("message") == (
        "command make: error: could not start: No such file or directory"
    )
    assert failure(suite, "align.verify:tree_matches_merge", "skipped").get("message") == "needs git 2.38"
    assert found["align.validate:docs"].find("skipped") is not None
    assert found["align.verify:linear"].get("time") == "0.010"
    assert "lost 888888888888 vanished <b>" in (failure(suite, "align.run:align feature/x onto origin/main").text or "")


def test_a_branch_moved_meanwhile_and_commits_skipped_before_any_patch_check() -> None:
    journal = full_journal()
    journal.status, journal.branch_restored, journal.found.patches, journal.new_tip = (
        "failed_rolled_back",
        False,
        None,
        "",
    )
    journal.stacked, journal.stacked_new = {"refs/heads/part": "e" * 40}, {"refs/heads/part": "f" * 40}
    journal.found.conflicts[0].files = [("`odd`.txt", "added by us")]
    journal.found.sessions[0] = replace(journal.found.sessions[0], tail=("2 files checked",))
    report = build(journal, ["align undo"])

    assert report["commits"]["dropped"] == [{"sha": "7" * 40, "subject": "skipped", "reason": "skipped by the user"}]
    assert (report["commits"]["patches_checked"], report["commits"]["after"]) == (False, "a" * 40)
    assert report["stacked"] == [{"ref": "refs/heads/part", "before": "e" * 40, "after": "f" * 40}]
    console = render(report, "console")
    assert ": failed: rolled back, except feature/x, moved meanwhile\n" in console
    assert f"  commits: {'a' * 12} (4), unchanged\n" in console
    markdown = render(report, "markdown")
    assert ": ❌ failed: rolled back, except feature/x, moved meanwhile\n" in markdown
    assert "`` `odd`.txt `` (added by us)" in markdown
    assert f"| stacked | `refs/heads/part` `{'e' * 12}` → `{'f' * 12}` |" in markdown
    assert markdown.endswith("#### Next\n\n```text\nalign undo\n```")
    lint = cases(ET.fromstring(render(report, "junit"))[0])["align.validate:lint"]
    assert (lint.find("failure"), lint.findtext("system-out")) == (None, "2 files checked")
