"""documentation.license: a LICENSE file whose licence is detectable as an SPDX identifier."""

from __future__ import annotations

import re

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict
from assay.results import Location

# Distinctive phrases of common licence texts -> SPDX id (checked in order: most specific first).
FINGERPRINTS: tuple[tuple[str, str], ...] = (
    (r"GNU AFFERO GENERAL PUBLIC LICENSE", "AGPL-3.0"),
    (r"GNU LESSER GENERAL PUBLIC LICENSE", "LGPL"),
    (r"GNU GENERAL PUBLIC LICENSE\s+Version 3", "GPL-3.0"),
    (r"GNU GENERAL PUBLIC LICENSE\s+Version 2", "GPL-2.0"),
    (r"Apache License\s+Version 2\.0", "Apache-2.0"),
    (r"Licensed under the Apache License,\s+Version 2\.0", "Apache-2.0"),  # the short notice form
    (r"Mozilla Public License,?\s+(?:Version|v\.)\s*2\.0", "MPL-2.0"),
    (r"Permission is hereby granted, free of charge", "MIT"),
    (r"Redistributions in binary form.*?Neither the name", "BSD-3-Clause"),
    (r"Redistributions in binary form", "BSD-2-Clause"),
    (r"Permission to use, copy, modify, and(?:/or)? distribute this software for any purpose", "ISC"),
    (r"This is free and unencumbered software released into the public domain", "Unlicense"),
    (r"Boost Software License", "BSL-1.0"),
)
LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENSE.rst", "LICENCE", "LICENCE.md", "COPYING",
                 "COPYING.md")  # fmt: skip
SPDX_TAG = re.compile(r"SPDX-License-Identifier:\s*([\w.+-]+)")
SPDX_LIKE = re.compile(r"^[A-Za-z0-9.+-]+(?:\s+(?:OR|AND|WITH)\s+[A-Za-z0-9.+-]+)*$")


def detect(text: str) -> str | None:
    tag = SPDX_TAG.search(text)
    if tag:
        return tag.group(1)
    for pattern, spdx in FINGERPRINTS:
        if re.search(pattern, text, re.IGNORECASE | re.DOTALL):
            return spdx
    return None


def metadata_license(ev: Evidence) -> str | None:
    project = ev.pyproject.get("project", {})
    if not isinstance(project, dict):
        return None
    value = project.get("license")
    if isinstance(value, dict):
        value = value.get("text")
    if isinstance(value, str) and SPDX_LIKE.match(value.strip()):
        return value.strip()
    return None


def evaluate(ev: Evidence) -> Verdict:
    files = ev.at_root(*LICENSE_FILES)
    declared = metadata_license(ev)
    if files:
        spdx = detect(ev.text(files[0], 65536) or "")
        if spdx:
            return Verdict.scored(10, f"{files[0]}: {spdx}")
        return Verdict.scored(
            4, f"{files[0]}: licence not recognised as an SPDX id", locations=[Location(files[0])]
        )
    if declared:
        return Verdict.scored(
            6, f"pyproject.toml declares {declared!r}, but there is no LICENSE file with the licence text"
        )
    return Verdict.scored(0, "no LICENSE or COPYING file")


CHECK = Check(
    id="documentation.license",
    category="documentation",
    title="Licence detectable (SPDX)",
    weight=2,
    evaluate=evaluate,
    remediation="Add a LICENSE file with the full, unmodified text of an SPDX-listed licence.",
    motivation="Without a clear licence nobody may legally use, change or share the code.",
)
