"""A fingerprint of the machine a measurement was taken on (CPU model, cores, Python, platform).

Performance numbers are only comparable on the same fingerprint; the store records it with every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    """The hardware and Python that benchmarks ran on."""

    cpu_model: str
    cores: int
    python: str
    implementation: str
    platform: str
    arch: str

    @property
    def id(self) -> str:
        """A short stable hash identifying this machine description."""
        blob = json.dumps(asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def to_json(self) -> str:
        """The machine description, id included, as JSON."""
        return json.dumps({**asdict(self), "id": self.id}, sort_keys=True)

    def describe(self) -> str:
        """A one-line human description of the machine."""
        return f"{self.cpu_model}, {self.cores} cores, {self.implementation} {self.python}, {self.platform}"


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "cpu model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


@lru_cache(maxsize=1)
def current() -> Machine:
    """Describe the machine this process runs on."""
    return Machine(
        cpu_model=_cpu_model(),
        cores=os.cpu_count() or 1,
        python=".".join(str(p) for p in sys.version_info[:3]),
        implementation=platform.python_implementation(),
        platform=platform.system(),
        arch=platform.machine(),
    )
