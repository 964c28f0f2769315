"""Group the kill sweep's failures by cause, from a JUnit XML file of a pytest run.

    python -m pytest tests/test_kill_sweep.py -n 2 -p no:cacheprovider --tb=no --junitxml=sweep.xml
    python -m tests.sweep_summary sweep.xml

Prints the pass counts per mode, action and scenario, then one group per distinct cause: the problems, the
fields of the state that differ, align's errors and warnings (run ids, shas and pids blanked), and the cases.
"""

from __future__ import annotations

import collections
import re
import sys
import xml.etree.ElementTree as ET

_CASE = re.compile(r"\[(\w+)-(\d+)-(\w+)-(.*)-(on\w+)\]")
_NOISE = (
    (re.compile(r"\d{8}T\d{6}Z(-\w+)?"), "RUN"),
    (re.compile(r"[0-9a-f]{12,40}"), "SHA"),
    (re.compile(r"pid \d+"), "pid N"),
)


def _blank(text: str) -> str:
    for pattern, replacement in _NOISE:
        text = pattern.sub(replacement, text)
    return text


def _cause(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    head, *outputs = text.split("\n--- ")
    problems = [_blank(line)[:100] for line in head.splitlines()[2:] if line and not line.startswith("  ")]
    problems = [line for line in problems if not line.startswith("after align")]
    fields = sorted({_blank(found) for found in re.findall(r"^  (\w+(?:\[[^\]]*\])?):", head, re.MULTILINE)})
    said = [
        _blank(line.strip())[:140]
        for output in outputs
        for line in output.splitlines()
        if line.startswith(("align: error", "align: internal error", "TypeError", "Traceback"))
        or "warning:" in line
        or "removed the lock" in line
    ]
    return tuple(problems), tuple(fields), tuple(dict.fromkeys(said))


def main(path: str) -> None:
    total: collections.Counter[str] = collections.Counter()
    passed: collections.Counter[str] = collections.Counter()
    groups: dict[tuple[tuple[str, ...], ...], list[str]] = collections.defaultdict(list)
    for case in ET.parse(path).iter("testcase"):
        found = _CASE.search(case.get("name", ""))
        if not found:
            continue
        mode, _, action, _, where = found.groups()
        total[f"{mode}-{action}-{where}"] += 1
        failure = case.find("failure")
        if failure is None:
            passed[f"{mode}-{action}-{where}"] += 1
            continue
        groups[_cause(failure.text or failure.get("message") or "")].append(found.group(0)[1:-1])
    for key in sorted(total):
        print(f"{key}: {passed[key]}/{total[key]} pass")
    for (problems, fields, said), names in sorted(groups.items(), key=lambda item: -len(item[1])):
        print(f"\n## {len(names)} case(s)")
        for line in [*problems, *([f"differs: {', '.join(fields)}"] if fields else []), *said]:
            print(f"   {line}")
        print(f"   cases: {' '.join(names)}")


if __name__ == "__main__":
    main(sys.argv[1])
