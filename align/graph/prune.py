"""Delete the branches a run found merged into the target (``prune_merged: true``), each kept as a backup.

Which branches: the ones the caller names (a run's branches that aligned, and the merged parents its
children were moved past, ``Plan.parent_merged``), judged again here, on the graph as it is after the run:

- merged by ``align.graph.merged`` (``ancestor``, ``rebase``, ``squash``), or moved by the run from commits of
  its own to a commit of the target (every commit it had was upstream and was dropped);
- not the target (it is not in the graph), not checked out in any working tree, not being rebased or
  bisected in one (git's own state files say so);
- still at the commit judged: the deletion is a compare-and-swap (``delete refs/heads/B <sha>``) in one ref
  transaction with the creation of its backup ``refs/align/backups/B/<stamp>``, so the branch or its
  backup is always there, whenever the process dies; a branch that moved meanwhile stays.

Before a branch goes, each child whose declared (or imported) parent it is takes its parent instead
(``branch.<child>.alignParent``), and a child that has no recorded base yet gets the one it has now
(``branch.<child>.alignBase``), so that only its own commits move on its next alignment. The branch's
own keys (``alignParent``, ``alignBase``...) go with it; ``align backups restore B`` brings the branch back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from align.git import Git
from align.graph import build, config, merged
from align.refs import PREFIX

_STATE_FILES = (("rebase-merge/head-name", "being rebased"), ("rebase-apply/head-name", "being rebased"),
                ("BISECT_START", "being bisected"))  # fmt: skip
_OWN_KEYS = (config.PARENT, config.IMPORTED, config.IMPORTED_FROM, config.BASE)


@dataclass(frozen=True, kw_only=True)
class Pruned:
    """What became of one branch ``prune`` was asked about."""

    branch: str
    deleted: bool
    detail: str  # how it was merged (deleted), or why it stays
    backup: str = ""  # the backup ref kept of it (deleted)
    reparented: tuple[str, ...] = ()  # the children that took its parent
    quiet: bool = False  # not worth a line: a branch that simply is not merged


def prune(git: Git, *, target: str, onto: str, branches: Mapping[str, str], why: str) -> list[Pruned]:
    """Delete each branch of ``branches`` (name -> its tip before the run, "" when unknown) that is merged
    into ``onto``, parents before children; return what became of each (none for a branch that is gone).

    Args:
        why: the reflog message of the deletions and backups (``align prune_merged of run ...``).
    """
    onto_sha = git.commit_of(onto)
    if onto_sha is None or not branches:
        return []
    loaded = build.load(git, target=target, onto=onto, onto_sha=onto_sha)
    graph, history = loaded.graph, loaded.history
    names = [name for name in graph.order() if name in branches]
    how = merged.merged(git, loaded, names)
    busy = _busy(git)
    parents = {name: node.parent.name for name, node in graph.nodes.items()}
    bases = {name: node.recorded_base for name, node in graph.nodes.items()}
    results = []
    for name in names:
        node = graph.nodes[name]
        before = branches[name] or node.tip
        found = how[name]
        if found is not None:
            detail = f"merged ({found.kind}" + (f" {found.upstream[:12]})" if found.upstream else ")")
        elif node.tip not in history.parents and before != node.tip and _kept(git, history, before, onto_sha):
            detail = "merged (every commit it had was upstream: the run dropped them all)"
        else:
            own = len(history.reach(node.tip))
            # On the target, a branch the run made shorter had commits upstream: say why it stays. Else a
            # branch the run aligned is simply not merged (a stacked one's count holds its parent's commits).
            dropped = node.parent.is_target and before in history.parents and len(history.reach(before)) > own
            quiet = bool(branches[name]) and not dropped
            results.append(Pruned(branch=name, deleted=False, detail=_not_upstream(own), quiet=quiet))
            continue
        held = f"checked out in {node.worktree}" if node.worktree else busy.get(name, "")
        if held:
            results.append(Pruned(branch=name, deleted=False, detail=f"{detail}, but {held}"))
            continue
        children = sorted(child for child, parent in parents.items() if parent == name and child != name)
        moved, undo = _reparent(git, loaded, name, children=children, parents=parents, bases=bases)
        backup = _delete(git, name, node.tip, why)
        if backup is None:
            for child, values in undo.items():  # it stays: so do its children's keys
                config.write(git, child, values)
            parents.update(dict.fromkeys(children, name))
            results.append(Pruned(branch=name, deleted=False, detail=f"{detail}, but it moved meanwhile"))
            continue
        config.write(git, name, dict.fromkeys(_OWN_KEYS))
        parents.pop(name, None)
        results.append(Pruned(branch=name, deleted=True, detail=detail, backup=backup, reparented=moved))
    return results


def lines(results: list[Pruned]) -> list[str]:
    """Return what to print of ``results``: each branch deleted, and each merged one kept with the reason."""
    shown = []
    for item in results:
        if item.deleted:
            shown.append(f"pruned {item.branch}: {item.detail}; kept as {item.backup}")
            shown += [f"  {child} now sits on {item.branch}'s parent" for child in item.reparented]
            shown.append(f"  `align backups restore {item.branch}` brings it back")
        elif not item.quiet:
            shown.append(f"not pruned {item.branch}: {item.detail}")
    return shown


def _not_upstream(count: int) -> str:
    """Say why a branch that is not merged stays."""
    return f"{count} commit{'' if count == 1 else 's'} not upstream" if count else "no commit of its own"


def _kept(git: Git, history: build.History, before: str, onto_sha: str) -> bool:
    """Tell whether the tip a branch had before the run is still reachable: from a backup (the run's own,
    with the commits it dropped as upstream) or from the target (merged by a merge or a fast-forward)."""
    if before in history.parents:
        return True
    return git.run("merge-base", "--is-ancestor", before, onto_sha, ok=(0, 1, 128)).code == 0


def _busy(git: Git) -> dict[str, str]:
    """Return the branches a working tree is rebasing or bisecting (HEAD detached meanwhile), and which."""
    common = (Path(git.cwd) / git.run("rev-parse", "--git-common-dir").stdout.strip()).resolve()  # git 2.30
    found: dict[str, str] = {}
    for folder in [common, *sorted((common / "worktrees").glob("*"))]:
        for name, what in _STATE_FILES:
            try:
                text = (folder / name).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                continue
            branch = text.removeprefix("refs/heads/")
            if branch:
                where = "" if folder == common else f" in worktree {folder.name}"
                found.setdefault(branch, f"{what}{where}")
    return found


def _reparent(
    git: Git,
    loaded: build.Loaded,
    name: str,
    *,
    children: list[str],
    parents: dict[str, str],
    bases: dict[str, str | None],
) -> tuple[tuple[str, ...], dict[str, dict[str, str | None]]]:
    """Give each child of ``name`` that declares (or imported) it as parent ``name``'s own parent, and a base
    to a child that has none; return the children re-parented, and each changed child's keys as they were."""
    moved = []
    undo: dict[str, dict[str, str | None]] = {}
    for child in children:
        keys = loaded.keys
        changes: dict[str, str | None] = {
            key: parents[name] for key in (config.PARENT, config.IMPORTED) if keys.get(child, key) == name
        }
        if changes:
            moved.append(child)
        if bases[child] is None:  # where its own commits start must outlive the parent's branch
            base = build.base_of(git, loaded, child)
            if base is not None:
                changes[config.BASE] = bases[child] = base.sha
        if changes:
            undo[child] = {key: keys.get(child, key) for key in changes}
            config.write(git, child, changes)
        parents[child] = parents[name]
    return tuple(moved), undo


def _delete(git: Git, branch: str, sha: str, why: str) -> str | None:
    """Create ``branch``'s backup and delete the branch (if still at ``sha``) in one ref transaction; return
    the backup's name, or None when the branch had moved (then nothing changed)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    taken = set(git.refs(f"{PREFIX}{branch}/"))
    backup = next(
        name for attempt in range(len(taken) + 1)
        if (name := f"{PREFIX}{branch}/{stamp}" + (f"-{attempt}" if attempt else "")) not in taken
    )  # fmt: skip
    ref = f"refs/heads/{branch}"
    lines = f"create {backup} {sha}\ndelete {ref} {sha}\n"
    done = git.run("update-ref", "--create-reflog", "-m", why, "--stdin", stdin=lines, ok=(0, 128),
                   moves=[backup, ref])  # fmt: skip
    return backup if done.code == 0 else None
