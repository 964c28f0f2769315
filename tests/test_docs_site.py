"""The docs site: every page in the nav, every link inside it resolves, generated pages are current, examples are files.

``nox -s docs`` builds the site with ``mkdocs build --strict`` (broken links and anchors fail it); these tests
check the same without mkdocs, and what mkdocs cannot: that each recipe shown is a file that ``align check`` passes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from align import manpage
from align.cli import main
from align.commands.help import topics
from align.manpage import MAN_PAGE, MARKDOWN_PAGE, render_man, render_markdown
from align.resources import schema

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
PAGES = sorted(DOCS.glob("*.md"))
WRONG = EXAMPLES / "wrong"
# Every ```yaml block says what it is on the line before: a recipe kept in a file, a recipe kept in a file that
# is wrong on purpose (the page shows what align says about it), or not a recipe.
MARKER = re.compile(r"^<!-- (example: (?P<path>\S+)|wrong on purpose: (?P<wrong>\S+)|not a recipe: [^>]+) -->$")
LINK = re.compile(r"\]\((?!https?://|mailto:)(?P<target>[^)\s]+)\)")


def nav_pages(node: object) -> list[str]:
    """Every page file named in mkdocs.yml's nav, in order."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in nav_pages(value)]
    return []


def yaml_blocks(path: Path) -> list[tuple[int, str, str]]:
    """Each ```yaml block of ``path``: (line number, the line before it, its text)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for index, line in enumerate(lines):
        if line == "```yaml":
            end = lines.index("```", index + 1)
            blocks.append((index + 1, lines[index - 1] if index else "", "\n".join(lines[index + 1 : end]) + "\n"))
    return blocks


def examples_shown(kind: str = "path") -> list[tuple[str, str, str]]:
    """(where, example file, the block's text) for every recipe example in README.md and docs/.

    ``kind="wrong"`` gives the recipes shown as wrong on purpose instead.
    """
    shown = []
    for path in [ROOT / "README.md", *PAGES]:
        for number, before, text in yaml_blocks(path):
            where = f"{path.relative_to(ROOT)}:{number}"
            marker = MARKER.match(before)
            assert marker, f"{where}: a ```yaml block needs `<!-- example: docs/examples/NAME.yaml -->` before it"
            if marker[kind]:
                shown.append((where, marker[kind], text))
    return shown


def test_the_site_has_every_page_and_only_pages_that_exist() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs"
    assert config["strict"] is True
    assert config["validation"]["links"]["anchors"] == "warn"  # a warning fails a strict build
    nav = nav_pages(config["nav"])
    assert len(nav) == len(set(nav))
    assert sorted(nav) == [page.name for page in PAGES]


def test_the_guide_is_split_into_the_pages_the_readme_names() -> None:
    assert not (DOCS / "branch_alignment_guide.md").exists()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ("getting-started", "recipes", "conflicts", "safety", "ci", "troubleshooting", "cli-reference"):
        assert f"(docs/{page}.md)" in readme


@pytest.mark.parametrize("path", [ROOT / "README.md", *PAGES], ids=lambda path: path.name)
def test_every_relative_link_names_a_file_that_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    missing = []
    for match in LINK.finditer(text):
        target = match["target"].split("#")[0]
        if target and not (path.parent / target).exists():
            missing.append(match["target"])
    assert missing == []


@pytest.mark.parametrize(("path", "render"), [(MAN_PAGE, render_man), (MARKDOWN_PAGE, render_markdown)])
def test_the_command_line_references_are_generated_from_the_parser(path: str, render: object) -> None:
    assert callable(render)
    written = (ROOT / path).read_text(encoding="utf-8")
    assert written == render(), f"{path} is out of date with align/parser.py: run `nox -s docs`"


def test_every_page_is_a_help_topic() -> None:
    assert sorted(page.name for page in topics().values()) == sorted(page.name for page in PAGES)


def test_every_recipe_example_is_a_file_shown_verbatim() -> None:
    shown = examples_shown()
    assert {path for _, path, _ in shown} == {str(path.relative_to(ROOT)) for path in EXAMPLES.glob("*.yaml")}
    for where, path, text in shown:
        assert text == (ROOT / path).read_text(encoding="utf-8"), f"{where} differs from {path}"


def test_every_wrong_on_purpose_recipe_is_a_file_that_align_check_fails_as_the_page_says(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = examples_shown("wrong")
    assert {path for _, path, _ in shown} == {str(path.relative_to(ROOT)) for path in WRONG.glob("*.yaml")}
    assert shown, "the recipes page shows why `steps:` must not leave out rebase"
    monkeypatch.chdir(ROOT)
    for where, path, text in shown:
        assert text == (ROOT / path).read_text(encoding="utf-8"), f"{where} differs from {path}"
        assert main(["check", path]) == 2, f"{where}: align check passes {path}, which the page says is wrong"
        captured = capsys.readouterr()
        problems = [line for line in captured.out.splitlines() if line.startswith(f"{path}:")]
        assert problems, f"align check {path} names no problem: {captured.out!r} {captured.err!r}"
        page = (ROOT / where.split(":")[0]).read_text(encoding="utf-8")
        for problem in problems:
            message = problem.split(": ", 1)[1]  # without `path:line:col`, which the page shows as .align.yaml
            assert message in page, f"{where}: the page does not show what align check says: {message}"


def test_the_readme_example_runs_its_sessions() -> None:
    # extends: default has no validate step: `vars: sessions` there would never run (issue 10, item 3)
    readme = [path for where, path, _ in examples_shown() if where.startswith("README.md")]
    assert readme == ["docs/examples/team.yaml"]
    recipe = yaml.safe_load((ROOT / readme[0]).read_text(encoding="utf-8"))
    assert recipe["extends"] == "validated"
    assert "sessions" in recipe["vars"]


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda path: path.name)
def test_align_check_passes_every_example_without_a_word(
    example: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    relative = str(example.relative_to(ROOT))
    assert main(["check", relative]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (f"ok: {relative}\n", "")  # no warning either


@pytest.mark.parametrize(("part", "name"), [(0, "report"), (1, "batch-report")])
def test_the_report_reference_describes_every_key_of_the_report_schemas(part: int, name: str) -> None:
    text = (DOCS / "report-reference.md").read_text(encoding="utf-8").split("\n## Batch report\n")[part]
    described = {
        key for cell in re.findall(r"^\| (`[^|]+`) \|", text, re.MULTILINE) for key in re.findall(r"`(\w+)`", cell)
    }
    assert described == set(schema(name)["properties"])


def test_the_generator_writes_both_references(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    man, markdown = tmp_path / "man" / "git-align.1", tmp_path / "docs" / "cli.md"
    assert manpage.main([str(man), str(markdown)]) == 0
    assert (man.read_text(encoding="utf-8"), markdown.read_text(encoding="utf-8")) == (render_man(), render_markdown())
    assert manpage.main([str(man)]) == 2
    assert capsys.readouterr().err == "usage: python -m align.manpage [MAN_PAGE MARKDOWN_PAGE]\n"


def test_the_overview_links_every_page_with_its_topic() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| \[[^]]+\]\(([\w-]+\.md)\) \| `([\w-]+)` \|", index, re.MULTILINE))
    assert rows == {page.name: name for name, page in topics().items() if name != "overview"}
