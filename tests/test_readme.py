"""The README's two commands: the first thing a new user runs, on a fresh machine with only Python 3.11+ and git."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
# What a Debian/Ubuntu python3 says (PEP 668) when pip is asked to install outside a virtualenv.
REFUSAL = "externally-managed-environment"


def readme_commands() -> list[str]:
    """The lines of the README's first code block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```bash\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert block, "the README has no ```bash block"
    return block[1].splitlines()


def externally_managed_python() -> str | None:
    """A python3 (3.11+) whose pip refuses to install outside a virtualenv (PEP 668), and that can make one."""
    probe = (
        "import os, sys, sysconfig, ensurepip, venv; assert sys.version_info >= (3, 11); "
        "assert sys.prefix == sys.base_prefix; "
        "assert os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))"
    )
    for candidate in SYSTEM_PYTHONS:
        if Path(candidate).exists():
            done = subprocess.run([candidate, "-c", probe], capture_output=True, check=False)
            if done.returncode == 0:
                return candidate
    return None


def test_the_readme_starts_with_two_commands_that_need_no_pip_outside_a_virtualenv() -> None:
    demo, tests = readme_commands()
    assert demo == "python3 -m venv .venv && .venv/bin/python -m pip install -q nox && .venv/bin/nox -s demo"
    assert tests == demo.replace("-s demo", "-s tests")
    assert "python3 -m pip install" not in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    _, tests = readme_commands()
    assert tests in script


@pytest.mark.slow
def test_the_readme_demo_command_works_where_pip_refuses_to_install(tmp_path: Path) -> None:
    python = externally_managed_python()
    if python is None:
        pytest.skip(f"no externally-managed python3 3.11+ with venv here (looked at {', '.join(SYSTEM_PYTHONS)})")
    checkout = tmp_path / "align"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(".git", ".nox", ".venv", "build", "__pycache__"))
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "python3").symlink_to(python)
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env["PATH"] = os.pathsep.join([str(shim), "/usr/bin", "/bin", str(Path(shutil.which("git") or "git").parent)])

    def shell(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", command], cwd=checkout, env=env, capture_output=True, text=True, timeout=900, check=False
        )

    refused = shell("python3 -m pip install nox")  # the README's old first command
    assert refused.returncode != 0
    assert REFUSAL in refused.stderr

    demo, _ = readme_commands()
    done = shell(demo)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Session demo was successful" in done.stderr
    assert (checkout / ".venv" / "bin" / "nox").exists()
    assert sys.prefix != str(checkout / ".venv")  # the test's own environment is untouched


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pipx") is None, reason="pipx is not installed here: `pipx run nox` not tried")
def test_pipx_run_nox_runs_the_demo_as_the_readme_says(tmp_path: Path) -> None:
    assert "`pipx run nox -s demo` does the same" in (ROOT / "README.md").read_text(encoding="utf-8")
    checkout = tmp_path / "align"
    shutil.copytree(ROOT, checkout, ignore=shutil.ignore_patterns(".git", ".nox", ".venv", "build", "__pycache__"))
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx")}
    done = subprocess.run(
        ["pipx", "run", "nox", "-s", "demo"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Session demo was successful" in done.stderr
