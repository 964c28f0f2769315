"""git runs with an allow-listed environment: what git and its helpers need reaches it, nothing else
(a GIT_DIR, GIT_INDEX_FILE or GIT_CONFIG_PARAMETERS leaked by a hook, or any other variable) (issue 14, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.git import Git
from tests.helpers import Repo, git

# A shell alias of git's: prints the environment git gives the programs it starts (hooks, helpers).
SHOW_ENV = ("-c", "alias.show-env=!env", "show-env")


def seen(repo: Repo) -> dict[str, str]:
    """The environment align's git passes on to what it starts."""
    listed = Git(repo.path).run(*SHOW_ENV).stdout
    return dict(line.split("=", 1) for line in listed.splitlines() if "=" in line)


@pytest.mark.parametrize(
    "name",
    ["GIT_FOO", "GIT_REFLOG_ACTION", "GIT_SEQUENCE_EDITOR", "PYTHONPATH", "AWS_SECRET_ACCESS_KEY", "ALIGN_UNRELATED"],
)
def test_a_variable_git_does_not_need_does_not_reach_it(repo: Repo, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "leaked")

    assert name not in seen(repo)


def test_a_leaked_repository_does_not_reach_git(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    git(tmp_path, "init", "--quiet", str(other))
    git(other, "commit", "--quiet", "--allow-empty", "-m", "elsewhere")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "no-such-index"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'user.name'='Leaked'")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "user.email")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "leaked@example.invalid")
    ours = Git(repo.path)

    assert ours.toplevel() == repo.path
    assert ours.run("log", "-n1", "--format=%s").stdout.strip() == "initial commit"
    assert ours.run("ls-files").stdout.splitlines() == ["README.md"]  # the index of the repository, not the leaked one
    assert ours.run("config", "--get", "user.name").stdout.strip() == "Align Test"
    assert ours.run("config", "--get", "user.email").stdout.strip() == "test@align.invalid"
    env = seen(repo)
    assert not {"GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0"} & set(env)
    assert "Leaked" not in env["GIT_CONFIG_PARAMETERS"]  # git's own: the alias given with -c, nothing more
    assert env.get("GIT_DIR", ".git") == ".git"  # git's own, for its alias (not the leaked one)


def test_what_git_and_its_helpers_need_reaches_it(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "global.gitconfig"
    config.write_text("[user]\n\tname = From The Global File\n\temail = global@align.invalid\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Author From Env")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "1700000000 +0100")
    passed = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "TZ": "Europe/Paris",
        "SSH_AUTH_SOCK": "/tmp/agent.sock",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
        "GNUPGHOME": str(tmp_path / "gnupg"),
        "https_proxy": "http://proxy.invalid:3128",
        "NO_PROXY": "localhost",
        "LANG": "en_US.UTF-8",
        "USER": "someone",
    }
    for name, value in passed.items():
        monkeypatch.setenv(name, value)
    ours = Git(repo.path)

    assert (
        ours.run("var", "GIT_AUTHOR_IDENT").stdout.strip() == "Author From Env <global@align.invalid> 1700000000 +0100"
    )
    assert ours.run("var", "GIT_COMMITTER_IDENT").stdout.split(" <")[0] == "From The Global File"
    env = seen(repo)
    assert {name: env.get(name) for name in passed} == passed
    assert env["GIT_CONFIG_GLOBAL"] == str(config)
    assert env["GIT_CONFIG_NOSYSTEM"] == "1"  # set by the hermetic fixture: it reaches git too
    assert (env["LC_ALL"], env["GIT_TERMINAL_PROMPT"], env["GIT_EDITOR"]) == ("C", "0", "true")  # align's own


def test_git_trace_reaches_git(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_TRACE", "1")

    said = Git(repo.path).run("rev-parse", "HEAD").stderr

    assert "trace: built-in: git rev-parse HEAD" in said


def test_extra_variables_given_to_git_reach_it(repo: Repo) -> None:
    env = dict(
        line.split("=", 1)
        for line in Git(repo.path).with_env(GIT_REFLOG_ACTION="align 1").run(*SHOW_ENV).stdout.splitlines()
        if "=" in line
    )

    assert env["GIT_REFLOG_ACTION"] == "align 1"
