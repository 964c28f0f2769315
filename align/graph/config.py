"""What align keeps of the branch graph in git config, and what git-machete and git-town keep.

align's keys, all under the branch's own section, so ``git config --get-regexp '^branch\\.'`` shows them and
they survive rebases, renames (``git branch -m`` moves the section) and clones of the config:

- ``branch.<name>.alignParent``: the parent declared with ``align track BRANCH --parent PARENT``;
- ``branch.<name>.alignImportedParent`` and ``branch.<name>.alignImportedFrom`` (``machete`` or ``git-town``):
  the parent ``align track --import`` copied from the other tool. Import copies, it does not read the other
  tool's files live: what ``align tree`` shows does not change when the other tool edits its layout, until
  the next import. A declared parent always beats an imported one, so an import never overrides a choice
  made with ``align track``;
- ``branch.<name>.alignBase``: the parent's tip the branch sat on after its last alignment.

Every key is read from the run's one read of the config (``Git.config_matching``: ``git config -z --list``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from align.git import Git

PARENT, IMPORTED, IMPORTED_FROM, BASE = "alignparent", "alignimportedparent", "alignimportedfrom", "alignbase"
NAMES = {PARENT: "alignParent", IMPORTED: "alignImportedParent", IMPORTED_FROM: "alignImportedFrom", BASE: "alignBase"}
_KEYS = r"^(branch\..*\.align(parent|importedparent|importedfrom|base)|git-town-branch\..*\.parent)$"
MACHETE, GIT_TOWN = "machete", "git-town"


@dataclass(frozen=True, kw_only=True)
class Keys:
    """The graph's keys as git config holds them, by branch name."""

    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # branch -> lower-case key -> value
    town: Mapping[str, str] = field(default_factory=dict)  # branch -> git-town's parent

    def get(self, branch: str, key: str) -> str | None:
        """Return ``branch.<branch>.<key>`` (``key`` in lower case), or None."""
        return self.values.get(branch, {}).get(key)


def read(git: Git) -> Keys:
    """Return every align and git-town graph key (the run's one read of the config, ``Git.config_matching``)."""
    values: dict[str, dict[str, str]] = {}
    town: dict[str, str] = {}
    for key, value in git.config_matching(_KEYS):
        section, _, rest = key.partition(".")
        branch, _, name = rest.rpartition(".")
        if not branch:
            continue
        if section == "git-town-branch":
            town[branch] = value
        elif section == "branch":
            values.setdefault(branch, {})[name] = value
    return Keys(values=values, town=town)


def write(git: Git, branch: str, values: Mapping[str, str | None]) -> None:
    """Set (or, for None, remove) align's keys of ``branch`` in the repository's config."""
    for key, value in values.items():
        name = f"branch.{branch}.{NAMES[key]}"
        if value is None:
            git.run("config", "--unset-all", name, ok=(0, 5))  # 5: it was not set
        else:
            git.run("config", "--replace-all", name, value)


def record_base(git: Git, branch: str, sha: str) -> None:
    """Record ``sha`` (the parent's tip ``branch`` now sits on) as the branch's base, after an alignment."""
    write(git, branch, {BASE: sha})


def machete_layout(path: Path) -> dict[str, str] | None:
    """Return each branch's parent from a git-machete layout file (None when there is no file).

    The layout is one branch per line, a child indented deeper than its parent (spaces or tabs, as
    git-machete reads them); what follows the name on a line is an annotation. A top-level branch has no
    parent (it is a root: usually the target).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    parents: dict[str, str] = {}
    open_: list[tuple[int, str]] = []  # (indent, branch) of the lines above that may be parents
    for line in text.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        name = line.split()[0]
        while open_ and open_[-1][0] >= indent:
            open_.pop()
        if open_:
            parents[name] = open_[-1][1]
        open_.append((indent, name))
    return parents


def machete_path(git: Git) -> Path:
    """Return where git-machete keeps its layout: ``machete`` in the common git dir."""
    found = git.run("rev-parse", "--git-common-dir").stdout.strip()
    return (git.cwd / found / "machete").resolve()


def valid_name(name: str) -> bool:
    """Tell whether ``name`` could be a branch name (a cheap check before git's own)."""
    return bool(name) and not name.startswith("-") and re.search(r"[\s~^:?*\[\\]|\.\.|@\{", name) is None
