"""JUnit XML: one testcase per outcome and one per finding, for CI test-report widgets."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from assay.formats.interface import printable
from assay.results import Result, Severity, Status


def junit_tree(result: Result) -> ET.Element:
    """A JUnit ``testsuite`` element with a test case per outcome and per finding."""
    suite = ET.Element("testsuite", name=f"assay.{result.tool}")
    failures = errors = skipped = 0
    for o in result.outcomes:
        case = ET.SubElement(suite, "testcase", classname=f"assay.{result.tool}", name=o.name)
        if o.status == Status.FAIL:
            failures += 1
            ET.SubElement(case, "failure", message=o.message or "failed").text = o.message
        elif o.status == Status.ERROR:
            errors += 1
            ET.SubElement(case, "error", message=o.message or "error").text = o.message
        elif o.status == Status.SKIP:
            skipped += 1
            ET.SubElement(case, "skipped", message=o.message or "skipped")
        elif o.message:
            ET.SubElement(case, "system-out").text = o.message
    for f in result.findings:
        where = f" ({f.location})" if f.location else ""
        classname = f"assay.{result.tool}.{f.id}"
        case = ET.SubElement(suite, "testcase", classname=classname, name=f"{f.id}{where}")
        if f.severity >= Severity.LOW:
            failures += 1
            failure = ET.SubElement(case, "failure", message=f.message, type=f.severity.value)
            failure.text = f"{f.message}\n{f.remediation}".strip()
        else:
            ET.SubElement(case, "system-out").text = f.message
    if not (result.outcomes or result.findings):
        ET.SubElement(suite, "testcase", classname=f"assay.{result.tool}", name=result.tool)
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))
    for element in suite.iter():  # XML 1.0 cannot hold most control characters: show them instead
        if element.text:
            element.text = printable(element.text)
        for key, value in element.attrib.items():
            element.set(key, printable(value))
    return suite


class JunitWriter:
    """Writes results as JUnit XML."""

    name = "junit"

    def render(self, result: Result) -> str:
        """The result as a JUnit XML document."""
        root = ET.Element("testsuites")
        root.append(junit_tree(result))
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
