"""Development sessions: tests (default), lint, typecheck, docs, demo; align, to align a branch; bench (DESIGN §9)."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]
nox.options.error_on_external_run = True

RUFF = "ruff==0.17.6"
MYPY = ["mypy==2.4.1", "types-PyYAML", "types-jsonschema", "nox"]  # nox: align/nox.py imports its types
# nox: tests/test_nox.py; pytest-rerunfailures: the signal races of the kill sweeps (marked flaky, see their tests)
DOCS_DEPS = ["mkdocs==1.6.*"]  # the site: built into build/site/
TEST_DEPS = ["pytest>=8", "pytest-cov>=5", "pytest-xdist>=3", "pytest-rerunfailures>=14", "hatchling>=1.27", "nox"]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with coverage (fails under 95%); slow tests included."""
    session.install("-e", ".", *TEST_DEPS)
    session.run(
        "pytest",
        "-n",
        "auto",
        "--cov=align",
        "--cov-report=term-missing:skip-covered",
        "--cov-fail-under=95",
        *session.posargs,
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check align/ and bench/ with mypy in strict mode."""
    session.install("-e", ".", *MYPY)
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Regenerate the references (recipe schema, command line, man page) and build the site: mkdocs --strict."""
    session.install("-e", ".", *DOCS_DEPS)
    session.run("python", "-m", "align.recipe.reference", "docs/recipe-reference.md")
    session.run("python", "-m", "align.manpage", "man/git-align.1", "docs/cli-reference.md")
    session.run("mkdocs", "build", "--strict")  # a broken link or anchor between pages is an error


@nox.session
def demo(session: nox.Session) -> None:
    """Align branches of a throw-away repository: clean, paused at a conflict, aborted, rolled back."""
    session.install(".")
    session.run("python", "-m", "align.demo")


@nox.session(default=False)
def align(session: nox.Session) -> None:
    """Align a branch of the repository nox was invoked from: nox -s align -- feature/x [align options]."""
    session.install(".")
    session.chdir(session.invoked_from)
    # no posargs: the current branch; ALIGN_COMMAND: align's hints say `nox -s align -- continue`, not `align continue`
    args = session.posargs or ["run"]
    session.run("align", *args, env={"ALIGN_COMMAND": "nox -s align --"}, interrupt_timeout=10.0)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time align against plain git and `git machete update` (DESIGN §9): nox -s bench -- [--reps N] [--strict]."""
    session.install("-e", ".", "git-machete")
    session.run("python", "bench/bench.py", *session.posargs)
