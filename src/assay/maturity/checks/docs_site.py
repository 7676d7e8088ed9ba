"""documentation.site: documentation beyond the README (a docs/ directory or a site configuration)."""

from __future__ import annotations

from assay.maturity.evidence import Evidence
from assay.maturity.model import Check, Verdict

DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".ipynb")


def evaluate(ev: Evidence) -> Verdict:
    configs = [
        p
        for p in ("mkdocs.yml", "mkdocs.yaml", ".readthedocs.yaml", ".readthedocs.yml", "docs/conf.py",
                  "doc/conf.py", "docs/source/conf.py", "book.toml", "docusaurus.config.js")
        if ev.exists(p)
    ]  # fmt: skip
    pages = [p for p in ev.under("docs") + ev.under("doc") if p.endswith(DOC_SUFFIXES)]
    if configs:
        return Verdict.scored(10, f"documentation site: {', '.join(configs)}; {len(pages)} page(s)")
    if len(pages) >= 3:
        return Verdict.scored(10, f"{len(pages)} documentation page(s) under docs/")
    if pages:
        return Verdict.scored(6, f"only {len(pages)} documentation page(s) under docs/")
    return Verdict.scored(0, "no docs/ directory and no documentation site configuration")


CHECK = Check(
    id="documentation.site",
    category="documentation",
    title="Documentation beyond the README",
    weight=1,
    evaluate=evaluate,
    remediation="Add docs/ with configuration and reference pages (or an mkdocs/Sphinx site).",
    motivation="Configuration, formats and procedures do not fit in a README.",
    effort="medium",
)
