"""End to end: the wheel (distribution git-align) carries the recipes, schemas, guide and man page, installs, and its
console scripts, `align help` and `man git-align` work anywhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

from align import __version__
from align.recipe import sources

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = "Scripts" if sys.platform == "win32" else "bin"
MAN_PAGE = Path("share", "man", "man1", "git-align.1")  # beside bin/ in an environment


def run(argv: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """Run ``argv`` and return its stdout; fail the test (showing stderr) unless it exits 0."""
    done = subprocess.run(
        [str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(map(str, argv))} exited with {done.returncode}:\n{done.stderr}"
    return done.stdout


def clean_environment(*, path_first: Path | None = None) -> dict[str, str]:
    """Return os.environ without what would point a subprocess at the source tree or the test's virtualenv."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    if path_first is not None:
        env["PATH"] = os.pathsep.join([str(path_first), env.get("PATH", "")])
    return env


def build_wheel(out: Path) -> Path:
    """Build align's wheel from the source tree into ``out`` and return it."""
    out.mkdir(parents=True)
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", out, ROOT],
        cwd=out,
        timeout=300,
    )
    wheels = list(out.glob("*.whl"))
    assert [wheel.name for wheel in wheels] == [f"git_align-{__version__}-py3-none-any.whl"]
    return wheels[0]


@dataclass(frozen=True)
class Installed:
    """align's wheel, installed into a fresh virtualenv, and a folder outside the source tree."""

    wheel: Path
    venv: Path
    elsewhere: Path

    @property
    def bin_dir(self) -> Path:
        return self.venv / BIN

    def env(self) -> dict[str, str]:
        """An environment whose PATH starts with the virtualenv's bin (as after `activate`), MANPATH unset."""
        env = clean_environment(path_first=self.bin_dir)
        env.pop("MANPATH", None)
        return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel once for this module and install it into a virtualenv."""
    base = tmp_path_factory.mktemp("install")
    wheel = build_wheel(base / "dist")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=base, timeout=300)
    env = {**clean_environment(), "HOME": str(base), "PIP_NO_CACHE_DIR": "1"}
    run([venv / BIN / "python", "-m", "pip", "install", "--quiet", wheel], cwd=base, env=env, timeout=900)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    assert not elsewhere.is_relative_to(ROOT)
    return Installed(wheel=wheel, venv=venv, elsewhere=elsewhere)


def test_the_wheel_carries_recipes_schemas_guide_and_man_page(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(f"git_align-{__version__}.dist-info/METADATA").decode())
        man_page = archive.read(f"git_align-{__version__}.data/data/share/man/man1/git-align.1")
    assert metadata["Name"] == "git-align"
    assert "align/recipes/default.yaml" in names
    assert "align/schemas/recipe.schema.json" in names
    assert {f"align/recipes/{name}.yaml" for name in sources.builtin_names()} <= names
    assert {f"align/docs/{page.name}" for page in (ROOT / "docs").glob("*.md")} <= names
    assert man_page == (ROOT / "man" / "git-align.1").read_bytes()
    assert "align/cli.py" in names
    assert not any(name.startswith("tests/") for name in names)


def test_the_installed_wheel_works_outside_the_source_tree(installed: Installed) -> None:
    bin_dir, venv, elsewhere, env = installed.bin_dir, installed.venv, installed.elsewhere, installed.env()
    python = bin_dir / "python"

    listed = run([bin_dir / "align", "recipes", "list"], cwd=elsewhere, env=env)
    rows = [line.split()[0] for line in listed.splitlines()]
    assert rows == sources.builtin_names()
    assert all(line.endswith("built-in") for line in listed.splitlines())

    default = venv.glob("lib/python*/site-packages/align/recipes/default.yaml")
    checked = run([bin_dir / "align", "check", "default"], cwd=elsewhere, env=env)
    assert checked == f"ok: {next(default)}\n"

    assert run([python, "-m", "align", "--version"], cwd=elsewhere, env=env) == f"align {__version__}\n"
    assert run(["git", "align", "--version"], cwd=elsewhere, env=env) == f"align {__version__}\n"
    version = "import importlib.metadata as m; print(m.version('git-align'))"
    assert run([python, "-c", version], cwd=elsewhere, env=env) == f"{__version__}\n"


def test_the_installed_guide_is_there_for_align_help(installed: Installed) -> None:
    env = installed.env()
    listed = run([installed.bin_dir / "align", "help"], cwd=installed.elsewhere, env=env)
    assert "  conflicts " in listed
    page = run([installed.bin_dir / "align", "help", "troubleshooting"], cwd=installed.elsewhere, env=env)
    assert page == (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("man") is None, reason="man is not installed here: man page lookup not tried")
def test_man_and_git_align_help_find_the_man_page_in_the_virtualenv(installed: Installed) -> None:
    env = installed.env()
    # man looks in ../share/man beside each PATH entry: the virtualenv's bin/ is enough
    found = run(["man", "-w", "git-align"], cwd=installed.elsewhere, env=env)
    assert Path(found.strip()) == installed.venv / MAN_PAGE
    shown = run(["git", "align", "--help"], cwd=installed.elsewhere, env={**env, "MANPAGER": "cat", "PAGER": "cat"})
    assert "git-align, align - Keep a feature branch aligned" in " ".join(shown.split())
    assert "align run" in shown
    # without the virtualenv's bin on PATH (nor any other environment that has align's page), man finds nothing
    others = [entry for entry in env["PATH"].split(os.pathsep) if not (Path(entry).parent / MAN_PAGE).exists()]
    missing = {**env, "PATH": os.pathsep.join(others)}
    done = subprocess.run(["man", "-w", "git-align"], env=missing, capture_output=True, text=True, check=False)
    assert done.returncode != 0, done.stdout


def test_the_current_environment_runs_align(tmp_path: Path) -> None:
    env = clean_environment()
    assert run([sys.executable, "-m", "align", "--version"], cwd=tmp_path, env=env) == f"align {__version__}\n"
    script = Path(sysconfig.get_path("scripts")) / "align"
    assert script.is_file(), f"the align console script is not installed in {script.parent}"
    assert run([script, "--version"], cwd=tmp_path, env=env) == f"align {__version__}\n"
    assert run([script, "check", "default"], cwd=tmp_path, env=env) == f"ok: {sources.builtin('default').path}\n"
