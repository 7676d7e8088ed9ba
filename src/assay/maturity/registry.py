"""The check registry: built-in checks plus any registered under the `assay.checks` entry-point group."""

from __future__ import annotations

import importlib
import logging
from functools import cache
from importlib import metadata

from assay.maturity.checks import BUILTIN
from assay.maturity.model import CATEGORIES, Check

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "assay.checks"


@cache
def all_checks() -> tuple[Check, ...]:
    """Every check in category order; a plug-in that fails to load is logged and skipped."""
    checks: list[Check] = []
    for name in BUILTIN:
        module = importlib.import_module(f"assay.maturity.checks.{name}")
        checks.append(module.CHECK)
    seen = {c.id for c in checks}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:  # an organisation's plug-in must not break scoring
            log.warning("maturity check plug-in %s could not be loaded: %s", ep.name, exc)
            continue
        check = getattr(loaded, "CHECK", loaded)
        if not isinstance(check, Check) or check.id in seen:
            log.warning("maturity check plug-in %s is not a new assay Check; ignored", ep.name)
            continue
        seen.add(check.id)
        checks.append(check)
    order = list(CATEGORIES)
    return tuple(sorted(checks, key=lambda c: order.index(c.category)))
