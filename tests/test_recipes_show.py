"""``align recipes show --resolved``: the resolved recipe, each value with where it came from, resolves again."""

from __future__ import annotations

import textwrap
from pathlib import Path

from align.recipe.show import render_resolved
from tests.helpers import write
from tests.variables_helpers import CHILD, DEFAULT, PARENT, args, resolved

# -- align recipes show --resolved ------------------------------------------------------------------------------------

SMALL = """\
version: 1
target: main
vars:
  sessions: [lint]
steps:
  - fetch: {attempts: 2}
  - validate: {nox: "${sessions}"}
"""


def test_render_resolved_names_where_each_value_came_from() -> None:
    rendered = render_resolved(resolved(SMALL, overrides={"sessions": ["docs", "tests"]}))
    assert rendered == textwrap.dedent(
        """\
        # r (file), resolved from: r.yaml
        version: 1
        target: main                       # r.yaml:2:9
        remote: origin                     # schema default
        vars:
          sessions: [docs, tests]          # --set
        steps:
          - fetch:                         # r.yaml:6:5
              prune: true                  # schema default
              offline: false               # schema default
              attempts: 2                  # r.yaml:6:23
              backoff: 1.0                 # schema default
              timeout: 300                 # schema default
              deepen: false                # schema default
          - validate:                      # r.yaml:7:5
              nox: [docs, tests]           # r.yaml:7:21; ${sessions} from --set
              noxfile: noxfile.py          # schema default
              args: []                     # schema default
              run: []                      # schema default
              timeout: 900                 # schema default
        """
    )


def test_render_resolved_names_inherited_values_by_file_line_and_column() -> None:
    rendered = render_resolved(resolved("version: 1\nextends: default\ntarget: main\n"))
    assert f"      rerere: true                        # {DEFAULT}:9:83\n" in rendered


def test_render_resolved_is_a_recipe_that_resolves_to_the_same_steps() -> None:
    write(Path("parent.yaml"), PARENT)
    first = resolved(CHILD + "target: main\n", name="child.yaml", overrides={"level": "cli"})
    again = resolved(render_resolved(first), name="rendered.yaml")
    assert (again.steps, again.target, again.remote) == (first.steps, "main", "upstream")


def test_render_resolved_without_a_target_resolves_again() -> None:
    first = resolved("version: 1\nextends: default\n")
    again = resolved(render_resolved(first), name="rendered.yaml")
    assert (again.steps, again.target) == (first.steps, None)


def test_render_resolved_says_an_unset_target_is_chosen_at_run_time() -> None:
    rendered = render_resolved(resolved("version: 1\nextends: default\n")).splitlines()
    assert rendered[2] == "# target: set at run time (the remote's HEAD branch, else main, else master)"


def test_render_resolved_keeps_escaped_dollar_brace_literal() -> None:
    text = (
        "version: 1\ntarget: main\nvars: {literal: '$${x}'}\nsteps:\n  - validate: {args: ['$${HOME}', '${branch}']}\n"
    )
    first = resolved(text)
    again = resolved(render_resolved(first), name="rendered.yaml")
    assert (args(again), again.variables["literal"]) == (("${HOME}", "${branch}"), "${x}")
