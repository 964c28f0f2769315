"""The JUnit XML report: the alignment, each verify check and each validate session as test cases.

One ``<testsuite name="align">`` per report (several branches: ``align BRANCH`` each): the test case
``align.run`` fails unless the branch is aligned or already up to date; ``align.verify`` cases fail
when their check failed, are skipped when it did not apply (a warning passes, with the detail in
``system-out``); ``align.validate`` cases fail (failed), error (error, timeout) or are skipped.
Characters XML 1.0 cannot hold (terminal colour codes...) are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from align.report.console import headline, outcome

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def render(report: dict[str, Any]) -> str:
    """Return the report as a JUnit XML document (``<testsuites>`` with one ``<testsuite name="align">``)."""
    return _document([_suite(report, name="align")])


def render_many(reports: Sequence[dict[str, Any]]) -> str:
    """Return the reports of several branches as one JUnit XML document: a ``<testsuite name="align BRANCH">`` each."""
    return _document([_suite(report, name=f"align {report['branch']}") for report in reports])


def _document(suites: list[ET.Element]) -> str:
    """Return ``suites`` in one ``<testsuites>`` document with their totals."""
    root = ET.Element("testsuites", name="align")
    for key in ("tests", "time", "failures", "errors"):
        total = sum(float(suite.get(key, "0")) for suite in suites)
        root.set(key, _time(total) if key == "time" else str(int(total)))
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _suite(report: dict[str, Any], *, name: str) -> ET.Element:
    """Return the ``<testsuite>`` of one report: the alignment, its checks and its sessions as test cases."""
    suite = ET.Element("testsuite", name=clean(name), timestamp=report["started_at"], time=_time(report["duration_s"]))
    properties = ET.SubElement(suite, "properties")
    for key in ("run_id", "branch", "target", "remote", "onto", "status", "exit_code", "tool_version"):
        ET.SubElement(properties, "property", name=key, value=clean(report[key]))
    ET.SubElement(properties, "property", name="recipe", value=clean(report["recipe"]["name"]))
    cases = [_alignment(suite, report)]
    cases += [_check(suite, check) for check in report["verify"]]
    cases += [_session(suite, session) for session in report["validate"]]
    counts = {kind: sum(1 for case in cases if case == kind) for kind in ("failure", "error", "skipped")}
    suite.set("tests", str(len(cases)))
    for kind, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        suite.set(attribute, str(counts[kind]))
    return suite


def clean(value: object) -> str:
    """Return ``value`` as text XML can hold: colour codes and control characters dropped."""
    return _NOT_XML.sub("", _ANSI.sub("", str(value)))


def _alignment(suite: ET.Element, report: dict[str, Any]) -> str:
    """Add the test case of the alignment itself; return its outcome (pass or failure)."""
    name = f"align {report['branch']} onto {report['onto']}"
    case = _case(suite, "align.run", name, report["duration_s"])
    lines = [headline(report)]
    if report["message"]:
        lines.append(report["message"])
    for conflict in report["conflicts"]:
        files = ", ".join(f"{item['path']} ({item['kind']})" for item in conflict["files"])
        lines.append(f"conflict {conflict['commit']} {conflict['subject']}: {files} [{conflict['resolution']}]")
    lines += [f"lost {item['sha'][:12]} {item['subject']}" for item in report["commits"]["lost"]]
    lines += [f"warning: {text}" for text in report["warnings"]]
    lines += report["guidance"]
    if report["status"] in ("aligned", "up_to_date"):
        _text(case, "system-out", "\n".join(lines))
        return "pass"
    if report["status"] == "skipped":  # never started: its parent's case holds the failure
        _text(case, "skipped", "\n".join(lines), message=report["message"])
        return "skipped"
    message = outcome(report)
    if report["message"]:
        message = f"{message}: {report['message']}"
    _text(case, "failure", "\n".join(lines), message=message, type=report["status"])
    return "failure"


def _check(suite: ET.Element, check: dict[str, Any]) -> str:
    case = _case(suite, "align.verify", check["check"], check["duration_s"])
    if check["status"] == "failed":
        _text(case, "failure", check["detail"], message=check["detail"] or "failed", type="check failed")
        return "failure"
    if check["status"] == "skipped":
        ET.SubElement(case, "skipped", message=clean(check["detail"] or "skipped"))
        return "skipped"
    if check["detail"]:
        _text(case, "system-out", f"{check['status']}: {check['detail']}")
    return "pass"


def _session(suite: ET.Element, session: dict[str, Any]) -> str:
    case = _case(suite, "align.validate", session["session"], session["duration_s"])
    tail = "\n".join(session["tail"])
    status = session["status"]
    if status == "skipped":
        ET.SubElement(case, "skipped", message="skipped")
        return "skipped"
    if session["ok"] or status == "passed":
        if tail:
            _text(case, "system-out", tail)
        return "pass"
    code = "" if session["exit_code"] is None else f" (exit {session['exit_code']})"
    reason = f": {session['reason']}" if session["reason"] else ""
    kind = "failure" if status == "failed" else "error"
    _text(case, kind, tail, message=f"{session['kind']} {session['session']}: {status}{code}{reason}", type=status)
    return kind


def _case(suite: ET.Element, classname: str, name: str, seconds: float) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=clean(name), time=_time(seconds))


def _text(parent: ET.Element, tag: str, body: str, **attributes: str) -> None:
    element = ET.SubElement(parent, tag, {key: clean(value) for key, value in attributes.items()})
    element.text = clean(body)


def _time(seconds: float) -> str:
    return f"{seconds:.3f}"
