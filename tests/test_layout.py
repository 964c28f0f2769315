"""The layout stays readable: no Python file in align/ or tests/ grows past LIMIT lines (STYLE §1)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 450  # the aim is ~400; past this, split the file along a seam (by topic, each part named for it)


def too_long(root: Path, folders: tuple[str, ...] = ("align", "tests"), limit: int = LIMIT) -> list[str]:
    """``path: N lines`` (relative to ``root``) for every Python file under ``folders`` longer than ``limit``."""
    found = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            count = len(path.read_text(encoding="utf-8").splitlines())
            if count > limit:
                found.append(f"{path.relative_to(root).as_posix()}: {count} lines")
    return found


def test_no_file_in_align_or_tests_passes_the_limit() -> None:
    assert too_long(ROOT) == []


def test_a_file_past_the_limit_is_named_with_its_count(tmp_path: Path) -> None:
    (tmp_path / "align" / "deep").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "align" / "deep" / "long.py").write_text("x = 1\n" * (LIMIT + 1), encoding="utf-8")
    (tmp_path / "align" / "fits.py").write_text("x = 1\n" * LIMIT, encoding="utf-8")
    (tmp_path / "tests" / "test_long.py").write_text("x = 1\n" * 600, encoding="utf-8")
    (tmp_path / "tests" / "notes.txt").write_text("x\n" * 600, encoding="utf-8")

    assert too_long(tmp_path) == ["align/deep/long.py: 451 lines", "tests/test_long.py: 600 lines"]
