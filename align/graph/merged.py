"""Which branches' commits already reached the target, and how: ``ancestor``, ``rebase`` or ``squash``.

- ``ancestor``: the branch's tip is in the target's history (a merge commit or a fast-forward), and the
  branch has commits of its own (its tip is neither the target's tip nor its recorded base: a branch just
  created has nothing to be merged). The upstream commit is the first commit of the target's first-parent
  line that holds the tip: the merge commit, or the tip itself after a fast-forward.
- ``rebase``: every commit of the branch that the target lacks has its patch (``git patch-id``) upstream
  already (``rev-list --cherry-mark``); the upstream commit is the newest of those equivalents.
- ``squash``: one upstream commit has the patch of the branch's whole diff, either from its base (the
  recorded base or fork point: exactly what a squash merge of the branch onto its parent commits), or
  from its merge base with the target (a branch whose conflicts with the target were resolved before
  the merge: the target holds its tree changes). This is what ``git commit-tree <tip tree> -p <merge
  base>`` and ``git cherry <target>`` would tell, without writing the commit: the diffs of all branches go
  through one ``git diff-tree --stdin`` and one ``git patch-id``, the target's commits through one
  ``git rev-list``, one ``git diff-tree --stdin`` and one ``git patch-id`` (plumbing: no diff config
  changes a diff). Failing both, a branch whose merge into the target would change nothing (``git
  merge-tree --write-tree``: clean, and the target's own tree) is ``squash`` too, with no upstream commit
  named: the target holds every change it has (e.g. the bottom of a stack squashed
  together with the branch above it).

Nothing is written: no ref, and no object but the trees ``merge-tree`` may write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from align.git import Git
from align.graph.build import Loaded, base_of
from align.graph.model import ANCESTOR, REBASE, SQUASH, Merged

MERGE_TREE_VERSION = (2, 38)  # git merge-tree --write-tree
_DIFF = ("-p", "--binary", "--no-renames", "--no-color", "--no-ext-diff", "--no-textconv")


def merged(git: Git, loaded: Loaded, branches: Iterable[str] | None = None) -> dict[str, Merged | None]:
    """Return, per branch (default: every one), how its commits reached the target; None: they did not."""
    graph, history = loaded.graph, loaded.history
    names = sorted(graph.nodes if branches is None else branches)
    found: dict[str, Merged | None] = {}
    rest = []
    for name in names:
        node = graph.nodes[name]
        if node.tip in history.parents:
            rest.append(name)
        elif node.tip not in (graph.onto_sha, node.recorded_base):
            found[name] = Merged(kind=ANCESTOR, upstream=_merged_by(git, node.tip, graph.onto_sha))
        else:
            found[name] = None
    squashed = []
    for name in rest:
        upstream = _rebased(git, graph.onto_sha, graph.nodes[name].tip, history.reach(graph.nodes[name].tip))
        if upstream is not None:
            found[name] = Merged(kind=REBASE, upstream=upstream or None)
        else:
            squashed.append(name)
    found.update(_squashed(git, loaded, squashed))
    return {name: found.get(name) for name in names}


def _merged_by(git: Git, tip: str, onto: str) -> str | None:
    """Return the first commit of ``onto``'s first-parent line that holds ``tip`` (``tip`` itself when it is
    on that line)."""
    listed = git.run("rev-list", "--first-parent", "--ancestry-path", "--parents", f"{tip}..{onto}", "--")
    lines = listed.stdout.split("\n")
    oldest = [line.split() for line in lines if line][-1:]
    if not oldest:
        return None
    commit, *parents = oldest[0]
    return tip if parents and parents[0] == tip else commit


def _rebased(git: Git, onto: str, tip: str, own: frozenset[str]) -> str | None:
    """Return the newest upstream equivalent when every commit of ``tip`` the target lacks is upstream by
    patch ("" when that is so but none could be named); None when one is not."""
    listed = git.run("rev-list", "--cherry-mark", "--no-merges", "--topo-order", f"{onto}...{tip}", "--").stdout
    marks = [(line[0], line[1:]) for line in listed.split() if line]
    mine = [mark for mark, sha in marks if sha in own]
    if not mine or any(mark != "=" for mark in mine):
        return None
    return next((sha for mark, sha in marks if mark == "=" and sha not in own), "")


def _squashed(git: Git, loaded: Loaded, names: list[str]) -> dict[str, Merged | None]:
    """Return the branches whose whole diff is one upstream commit's, by patch id (the rest: None)."""
    graph = loaded.graph
    if not names:
        return {}
    pairs: dict[str, list[tuple[str, str]]] = {}  # tip -> (base, branch) pairs to diff
    bases = []
    for name in names:
        tip = graph.nodes[name].tip
        base = base_of(git, loaded, name)
        merge_base = git.run("merge-base", graph.onto_sha, tip, ok=(0, 1)).stdout.strip()
        for start in dict.fromkeys(sha for sha in (base.sha if base else "", merge_base) if sha and sha != tip):
            pairs.setdefault(start, []).append((tip, name))
        if merge_base:
            bases.append(merge_base)
    upstream = _upstream_patches(git, graph.onto_sha, bases)
    found: dict[str, Merged | None] = dict.fromkeys(names)
    # One diff-tree per round: a round holds each tip once (its output is keyed by the tip).
    rounds: list[list[tuple[str, str, str]]] = []
    for start, items in pairs.items():
        for tip, name in items:
            index = next((i for i, r in enumerate(rounds) if all(t != tip for t, _, _ in r)), len(rounds))
            if index == len(rounds):
                rounds.append([])
            rounds[index].append((tip, start, name))
    for round_ in rounds:
        lines = "".join(f"{tip} {start}\n" for tip, start, _ in round_)
        diffs = git.run("diff-tree", "--stdin", *_DIFF, stdin=lines).stdout
        ids = _patch_ids(git, diffs)
        for tip, _, name in round_:
            commit = upstream.get(ids.get(tip, ""))
            if commit is not None and found[name] is None and not _holds(git, commit, tip):
                found[name] = Merged(kind=SQUASH, upstream=commit)
    left = [name for name in names if found[name] is None]
    if left and git.version()[:2] >= MERGE_TREE_VERSION:
        target_tree = git.run("rev-parse", f"{graph.onto_sha}^{{tree}}").stdout.strip()
        for name in left:
            merge = git.run("merge-tree", "--write-tree", "--no-messages", graph.onto_sha, graph.nodes[name].tip,
                            ok=(0, 1))  # fmt: skip
            if merge.code == 0 and merge.stdout.split("\n", 1)[0].strip() == target_tree:
                found[name] = Merged(kind=SQUASH, upstream=None)
    return found


def _upstream_patches(git: Git, onto: str, bases: list[str]) -> dict[str, str]:
    """Return the patch id of each (non-merge) target commit above ``bases``, newest first wins.

    The diffs come from ``diff-tree``, as the branches' own do: plumbing, which no diff config changes
    (textconv, an external diff, prefixes, the diff algorithm), so equal changes give equal ids.
    """
    if not bases:
        return {}
    listed = git.run("rev-list", "--no-merges", onto, "--not", *sorted(set(bases)), "--").stdout
    if not listed.strip():
        return {}
    diffs = git.run("diff-tree", "--stdin", "--root", *_DIFF, stdin=listed).stdout
    found: dict[str, str] = {}
    for patch_id, commit in _pairs(git, diffs):
        found.setdefault(patch_id, commit)
    return found


def _patch_ids(git: Git, diffs: str) -> Mapping[str, str]:
    """Return each commit's patch id (by the commit heading its diff)."""
    return {commit: patch_id for patch_id, commit in _pairs(git, diffs)}


def _pairs(git: Git, diffs: str) -> list[tuple[str, str]]:
    if not diffs.strip():
        return []
    output = git.run("patch-id", "--stable", stdin=diffs).stdout
    return [(line.split()[0], line.split()[1]) for line in output.splitlines() if line.strip()]


def _holds(git: Git, commit: str, tip: str) -> bool:
    """Tell whether ``tip`` has ``commit`` in its history already (then it was not squashed into it)."""
    return git.run("merge-base", "--is-ancestor", commit, tip, ok=(0, 1)).code == 0
