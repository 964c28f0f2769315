"""``report``: always last, whatever happened; renders the run for a person (``console``).

Machine formats (json, markdown, junit) and the run archive come with the reporting work; the
journal of every finished run is already kept under ``<git dir>/align/runs/<run_id>/``.
"""

from __future__ import annotations

from align.engine import Context
from align.report import console


def run(context: Context) -> None:
    """Render the run in each format the recipe asks for that this version knows."""
    formats = context.step("report").formats
    later = [name for name in formats if name != "console"]
    if later and not any(text.startswith("report:") for text in context.warnings):
        context.warnings.append(f"report: not written yet by this version of align: {', '.join(later)}")
    if "console" in formats:
        context.rendered = console.render(context.journal, context.guidance, context.warnings)
