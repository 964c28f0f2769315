"""The branch graph (issue 12): which branch sits on which, where each one's own commits start, which are merged.

- ``build.load(git, target=, onto=, onto_sha=)`` reads the graph (``Graph``: nodes, parents, orders);
- ``build.base_of`` gives the base a child is rebased from (``--onto <parent tip> <base>``);
- ``merged.merged`` tells which branches reached the target (``ancestor``, ``rebase``, ``squash``);
- ``config`` reads and writes align's keys (``branch.<name>.alignParent``, ``alignBase``...), and reads
  git-machete's layout and git-town's keys for ``align track --import``.

Nothing here moves a ref or touches the working tree; only ``config.write`` and ``config.record_base``
change anything (git config keys).
"""
