"""The environment git runs in: only what git and the programs it starts need, nothing leaked."""

from __future__ import annotations

import os
from collections.abc import Mapping

# What git and the programs it starts (ssh, gpg, credential helpers, hooks) need from our environment:
# nothing else reaches git, so a variable a hook or a parent git leaked (GIT_DIR, GIT_INDEX_FILE,
# GIT_CONFIG_PARAMETERS...) cannot point align's git at another repository or another configuration.
PASSED = frozenset(
    {
        # where programs, home, temporary files and the terminal are; who the user is
        "PATH", "HOME", "SHELL", "TMPDIR", "TEMP", "TMP", "TERM", "TZ", "LANG", "USER", "LOGNAME", "USERNAME",
        "EMAIL", "DISPLAY", "WAYLAND_DISPLAY",
        # ssh, gpg and credentials
        "SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "GIT_ASKPASS", "GIT_SSH",
        "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GNUPGHOME", "GPG_AGENT_INFO", "GPG_TTY", "PINENTRY_USER_DATA",
        "KRB5CCNAME",
        # https: proxies and certificates
        "http_proxy", "https_proxy", "no_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "GIT_SSL_NO_VERIFY",
        "GIT_HTTP_PROXY_AUTHMETHOD", "GIT_HTTP_USER_AGENT", "GIT_PROXY_COMMAND", "GIT_CURL_VERBOSE",
        # which git, which configuration files, which identity and dates (hermetic tests set them)
        "GIT_EXEC_PATH", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_ALLOW_PROTOCOL",
        "GIT_PROTOCOL_FROM_USER", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
        # Windows
        "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "HOMEDRIVE", "HOMEPATH",
        "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "PROGRAMFILES",
    }
)  # fmt: skip
PASSED_PREFIXES = ("XDG_", "GIT_TRACE")  # XDG_CONFIG_HOME (git's config), XDG_RUNTIME_DIR (gpg); GIT_TRACE*


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return a hardened environment for git: only what git and its helpers need (``PASSED``), no
    prompts, C locale, no optional locks, then ``extra``."""
    env = {key: value for key, value in os.environ.items() if key in PASSED or key.startswith(PASSED_PREFIXES)}
    env.update(
        GIT_EDITOR="true",
        GIT_TERMINAL_PROMPT="0",
        LC_ALL="C",
        # `git status` and friends must not rewrite the index to refresh its stat data: a run that does
        # not touch the working tree does not touch the index file either (not even its mtime).
        GIT_OPTIONAL_LOCKS="0",
    )
    env.update(extra or {})
    return env


# Variables that a git hook or a parent git process may leak into our environment and that would
# point a command at another repository. git itself gets only what ``environment`` lets through; this
# deny-list is for the commands that are not git (a recipe's validate commands keep the user's environment).
LEAKED = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_NAMESPACE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_PREFIX",
    "GIT_QUARANTINE_PATH",
    "GIT_WORK_TREE",
)
