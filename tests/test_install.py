"""End to end: the wheel carries the recipes and schemas, installs, and its console scripts run anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from align import __version__
from align.recipe import sources

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = "Scripts" if sys.platform == "win32" else "bin"


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
    wheels = list(out.glob("align-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_carries_recipes_and_schemas(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "align/recipes/default.yaml" in names
    assert "align/schemas/recipe.schema.json" in names
    assert {f"align/recipes/{name}.yaml" for name in sources.builtin_names()} <= names
    assert "align/cli.py" in names
    assert not any(name.startswith("tests/") for name in names)


def test_the_installed_wheel_works_outside_the_source_tree(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=tmp_path, timeout=300)
    bin_dir = venv / BIN
    python = bin_dir / "python"
    run([python, "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path, env=clean_environment(), timeout=900)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert not elsewhere.is_relative_to(ROOT)
    env = clean_environment(path_first=bin_dir)

    listed = run([bin_dir / "align", "recipes", "list"], cwd=elsewhere, env=env)
    rows = [line.split()[0] for line in listed.splitlines()]
    assert rows == sources.builtin_names()
    assert all(line.endswith("built-in") for line in listed.splitlines())

    installed = venv.glob("lib/python*/site-packages/align/recipes/default.yaml")
    checked = run([bin_dir / "align", "check", "default"], cwd=elsewhere, env=env)
    assert checked == f"ok: {next(installed)}\n"

    assert run([python, "-m", "align", "--version"], cwd=elsewhere, env=env) == f"align {__version__}\n"
    assert run(["git", "align", "--version"], cwd=elsewhere, env=env) == f"align {__version__}\n"


def test_the_current_environment_runs_align(tmp_path: Path) -> None:
    env = clean_environment()
    assert run([sys.executable, "-m", "align", "--version"], cwd=tmp_path, env=env) == f"align {__version__}\n"
    script = Path(sysconfig.get_path("scripts")) / "align"
    assert script.is_file(), f"the align console script is not installed in {script.parent}"
    assert run([script, "--version"], cwd=tmp_path, env=env) == f"align {__version__}\n"
    assert run([script, "check", "default"], cwd=tmp_path, env=env) == f"ok: {sources.builtin('default').path}\n"
