"""The store: the only place assay's SQL lives.

`interface.py` is what every backend provides; `sqlite.py` the embedded default (.assay/assay.db); one module
per area holds that area's tables and named queries.
"""

from __future__ import annotations

from assay.store.interface import ResultStore
from assay.store.model import Run
from assay.store.sqlite import (
    BUSY_TIMEOUT_S,
    CORE,
    CORE_MIGRATIONS,
    SQLITE_HEADER,
    WRITE_ATTEMPTS,
    Store,
    check_sqlite_file,
)

__all__ = [
    "BUSY_TIMEOUT_S",
    "CORE",
    "CORE_MIGRATIONS",
    "SQLITE_HEADER",
    "WRITE_ATTEMPTS",
    "ResultStore",
    "Run",
    "Store",
    "check_sqlite_file",
]
