"""The branch graph's parents (issue 12): declared beats imported beats inferred; `align track` / `untrack` and
their refusals; git-machete's layout and git-town's keys imported; a cycle set by hand refused. Only git config
changes, and only the keys the command names."""

from __future__ import annotations

import pytest

from align.cli import main
from tests.graphing import by_branch, config_keys, index_mtime, read_graph, stack, tree_json
from tests.helpers import Repo, write
from tests.snapshots import git_dir, out, snapshot

Capture = pytest.CaptureFixture[str]


def parents(repo: Repo) -> dict[str, tuple[str, str]]:
    """Each branch's parent and its source, as the graph reads them."""
    graph = read_graph(repo).graph
    return {name: (node.parent.name, node.parent.source) for name, node in graph.nodes.items()}


def test_a_stack_is_inferred_from_the_history_and_ordered_parents_first(in_repo: Repo) -> None:
    stack(in_repo)
    in_repo.git("branch", "z-alone", "main")  # at the target's tip: no commit of its own
    in_repo.git("branch", "b-twin", "b")  # at b's commit: never b's parent, nor b its

    graph = read_graph(in_repo).graph

    assert parents(in_repo) == {
        "a": ("main", "inferred"),
        "b": ("a", "inferred"),
        "b-twin": ("a", "inferred"),
        "c": ("b", "inferred"),  # b and b-twin are as near: the first name wins
        "z-alone": ("main", "inferred"),
    }
    assert graph.order() == ["a", "b", "c", "b-twin", "z-alone"]
    assert graph.order(["c", "z-alone", "a"]) == ["a", "c", "z-alone"]
    assert graph.stack("b") == ["a", "b", "c"]
    assert graph.children(None) == ["a", "z-alone"]
    assert graph.parent_tip("a") == in_repo.git("rev-parse", "origin/main")


def test_a_branch_merged_into_the_target_is_not_a_parent(in_repo: Repo) -> None:
    tips = stack(in_repo)
    in_repo.git("push", "--quiet", "origin", f"{tips['a']}:refs/heads/main")  # a fast-forwarded upstream
    in_repo.git("fetch", "--quiet")

    assert parents(in_repo)["b"] == ("main", "inferred")


def test_track_declares_and_untrack_forgets(in_repo: Repo, capsys: Capture) -> None:
    stack(in_repo)
    in_repo.git("config", "branch.c.alignBase", in_repo.git("rev-parse", "b"))
    before = snapshot(in_repo)

    assert main(["track", "c", "--parent", "a"]) == 0
    assert out(capsys) == (
        "c: parent a, declared in branch.c.alignParent\n"
        "c: removed branch.c.alignBase: the base is taken from a from now on\n"
    )
    assert config_keys(in_repo) == {"branch.c.alignparent": "a"}
    assert parents(in_repo)["c"] == ("a", "declared")
    assert main(["track", "c", "--parent", "a"]) == 0
    assert out(capsys) == "c: parent a, declared in branch.c.alignParent (already so)\n"
    assert main(["track", "c", "--parent", "main"]) == 0  # the target, whether or not a local branch has its name
    assert out(capsys) == "c: parent main, declared in branch.c.alignParent (was a)\n"
    assert parents(in_repo)["c"] == ("main", "declared")

    assert main(["untrack", "c"]) == 0
    assert out(capsys) == "c: removed branch.c.alignParent (main)\nc: its parent is inferred from now on\n"
    assert main(["untrack", "c"]) == 0
    assert out(capsys) == "c: nothing to untrack (its parent is inferred)\n"
    after = snapshot(in_repo)
    assert after.config != before.config  # the alignBase key is gone; nothing else differs
    assert after == before.__class__(**{**before.__dict__, "config": after.config})
    assert config_keys(in_repo) == {}
    assert parents(in_repo)["c"] == ("b", "inferred")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["track", "nope", "--parent", "a"], "align: error: no branch 'nope' in this repository\n"),
        (
            ["track", "b", "--parent", "nope"],
            "align: error: no branch 'nope' in this repository to be the parent of b\n",
        ),
        (["track", "b", "--parent", "b"], "align: error: b cannot be its own parent\n"),
        (["track", "b"], "align: error: name the branch and its parent: `align track BRANCH --parent PARENT`\n"),
        (["track", "b", "--parent", "a", "--import", "machete"], "align: error: --import takes no BRANCH and no"),
        (["untrack", "nope"], "align: error: no branch 'nope' in this repository\n"),
        (
            ["track", "a", "--parent", "c"],
            "align: error: a cannot sit on c: that makes a cycle: a -> c -> b -> a (each arrow points at the parent)\n",
        ),
    ],
)
def test_track_refuses_what_it_cannot_declare_and_changes_nothing(
    in_repo: Repo, capsys: Capture, argv: list[str], message: str
) -> None:
    stack(in_repo)
    in_repo.git("config", "branch.c.alignParent", "b")
    in_repo.git("config", "branch.b.alignParent", "a")
    before = snapshot(in_repo)

    assert main(argv) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert snapshot(in_repo) == before


def test_a_cycle_set_by_hand_is_refused_and_track_can_break_it(in_repo: Repo, capsys: Capture) -> None:
    stack(in_repo)
    in_repo.git("config", "branch.a.alignParent", "b")
    in_repo.git("config", "branch.b.alignParent", "a")
    before = snapshot(in_repo)

    assert main(["tree"]) == 4
    assert capsys.readouterr().err == (
        "align: error: the parents declared (or imported) in git config form a cycle: a -> b -> a (each arrow "
        "points at the parent)\n"
        "align: hint: break it: `align untrack a` or `align track a --parent BRANCH`\n"
    )
    assert snapshot(in_repo) == before
    assert main(["track", "a", "--parent", "main"]) == 0
    assert parents(in_repo)["a"] == ("main", "declared")
    assert parents(in_repo)["b"] == ("a", "declared")


def test_declared_beats_imported_beats_inferred(in_repo: Repo, capsys: Capture) -> None:
    stack(in_repo)
    write(git_dir(in_repo) / "machete", "main\n  a\n    c  PR #3\n  b\n")
    in_repo.git("config", "branch.c.alignParent", "a")

    assert main(["track", "--import", "machete"]) == 0
    assert out(capsys) == ("imported a: parent main\nimported b: parent main\nimported c: parent a\n")
    assert parents(in_repo) == {"a": ("main", "imported"), "b": ("main", "imported"), "c": ("a", "declared")}
    assert main(["track", "c", "--parent", "b"]) == 0
    capsys.readouterr()
    entries = by_branch(tree_json(capsys))
    assert entries["c"]["parent"] == {
        "name": "b",
        "source": "declared",
        "is_target": False,
        "imported_from": None,
        "ignored": ["imported parent a: the declared one wins"],
    }
    assert entries["b"]["parent"]["imported_from"] == "machete"
    assert entries["b"]["parent"]["is_target"] is True


def test_machete_import_copies_the_layout_and_a_new_import_refreshes_it(in_repo: Repo, capsys: Capture) -> None:
    stack(in_repo)
    layout = git_dir(in_repo) / "machete"
    assert main(["track", "--import", "machete"]) == 0
    assert out(capsys) == f"nothing imported: there is no git-machete layout here ({layout})\n"
    write(layout, "main\n\ta\n\t\tb\n\t\t\tc\n\tgone\n\tb\n")  # tabs; b twice: the last line wins
    before = snapshot(in_repo)  # (its `git status` may refresh the index: the mtime is taken after it)
    mtime = index_mtime(in_repo)

    assert main(["track", "--import", "machete"]) == 0

    assert index_mtime(in_repo) == mtime

    assert out(capsys) == (
        "imported a: parent main\nimported b: parent main\nimported c: parent b\nskipped gone: not a local branch\n"
    )
    assert config_keys(in_repo) == {
        "branch.a.alignimportedparent": "main",
        "branch.a.alignimportedfrom": "machete",
        "branch.b.alignimportedparent": "main",
        "branch.b.alignimportedfrom": "machete",
        "branch.c.alignimportedparent": "b",
        "branch.c.alignimportedfrom": "machete",
    }
    after = snapshot(in_repo)
    assert after == before.__class__(**{**before.__dict__, "config": after.config})
    layout.unlink()
    write(layout, "main\n  a\n    c\n")  # b left the layout: its imported parent goes
    assert main(["track", "--import", "machete"]) == 0
    assert out(capsys) == (
        "imported a: parent main\nimported c: parent a\nforgot b: its parent is no longer in the machete layout\n"
    )
    assert parents(in_repo) == {"a": ("main", "imported"), "b": ("a", "inferred"), "c": ("a", "imported")}


def test_git_town_import_reads_its_config_keys(in_repo: Repo, capsys: Capture) -> None:
    stack(in_repo)
    assert main(["track", "--import", "git-town"]) == 0
    assert out(capsys) == "nothing imported: git config has no git-town-branch.<name>.parent key\n"
    for branch, parent in (("a", "b"), ("b", "c"), ("c", "a"), ("gone", "main"), ("z", "main")):
        in_repo.git("config", f"git-town-branch.{branch}.parent", parent)  # a cycle: the last to close it is skipped
    in_repo.git("branch", "z", "main")

    assert main(["track", "--import", "git-town"]) == 0

    assert out(capsys) == (
        "imported a: parent b\nimported b: parent c\nskipped c: parent a would make a cycle: a -> b -> c -> a\n"
        "skipped gone: not a local branch\nimported z: parent main\n"
    )
    # c's nearest branches, b and a, both sit on c now: c sits on the target
    assert parents(in_repo) == {
        "a": ("b", "imported"),
        "b": ("c", "imported"),
        "c": ("main", "inferred"),
        "z": ("main", "imported"),
    }
    data = tree_json(capsys)
    assert [entry["branch"] for entry in data["branches"]] == ["c", "b", "a", "z"]
    assert by_branch(data)["b"]["parent"]["imported_from"] == "git-town"


def test_untrack_cleans_up_after_a_deleted_branch(in_repo: Repo, capsys: Capture) -> None:
    stack(in_repo)
    in_repo.git("branch", "--quiet", "-D", "c")
    in_repo.git(
        "config", "branch.c.alignParent", "a"
    )  # left behind (git branch -D removes the section; a tool may not)

    assert main(["untrack", "c"]) == 0

    assert out(capsys) == "c: removed branch.c.alignParent (a)\nc: its parent is inferred from now on\n"
    assert config_keys(in_repo) == {}
