"""The shared Prometheus exporter over the metric catalogue (assay.catalogue).

Tools produce Measurements named after catalogue entries; the exporter turns the latest ones into
Prometheus families three ways: a node_exporter textfile, an HTTP /metrics endpoint, and a Pushgateway push.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

import assay
from assay.catalogue import CATALOGUE, COUNTER, GAUGE, Catalogue, MetricSpec, UnknownMetric
from assay.config import redact_url
from assay.errors import InputError, StoreError
from assay.results import Measurement

__all__ = [
    "CATALOGUE",
    "COUNTER",
    "GAUGE",
    "Catalogue",
    "MeasurementCollector",
    "MeasurementSource",
    "MetricSpec",
    "UnknownMetric",
    "build_info",
    "push",
    "registry_for",
    "render",
    "store_source",
    "write_textfile",
]

log = logging.getLogger(__name__)

# --- the exporter -------------------------------------------------------------------------------

MeasurementSource = Callable[[], Iterable[Measurement]]


class MeasurementCollector(Collector):
    """A prometheus-client collector that turns measurements into families on every collect."""

    def __init__(self, sources: Sequence[MeasurementSource]) -> None:
        self._sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        """Yield metric families built from the sources' catalogued measurements."""
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for source in self._sources:
            for m in source():
                spec = CATALOGUE.get(m.name) if m.name in CATALOGUE else None
                if spec is None:
                    log.warning("skipping measurement %s: not in the metric catalogue", m.name)
                    continue
                values = tuple(str(m.labels.get(label, "")) for label in spec.labels)
                if (m.name, values) in seen:
                    continue  # the first source wins for a series
                seen.add((m.name, values))
                family = families.get(m.name)
                if family is None:
                    cls = CounterMetricFamily if spec.type == COUNTER else GaugeMetricFamily
                    family = cls(m.name, spec.help, labels=list(spec.labels))
                    families[m.name] = family
                family.add_metric(list(values), float(m.value))
        yield from families.values()


def build_info() -> list[Measurement]:
    """The ``assay_build_info`` measurement labelled with the running version."""
    return [Measurement("assay_build_info", 1, {"version": assay.version()})]


def store_source(store_path: Path, repo_root: Path | None = None) -> MeasurementSource:
    """Latest measurements of every tool in the store, plus each tool's last-run time."""

    def read() -> list[Measurement]:
        from assay.store import Store

        if not store_path.exists():
            return []
        out: list[Measurement] = []
        try:
            with Store(store_path, readonly=True) as store:
                latest = store.latest_measurements(repo_root=repo_root)
        except StoreError as exc:
            log.error("cannot read store for metrics: %s", exc)
            return []
        for tool, (run, measurements) in sorted(latest.items()):
            out.extend(measurements)
            out.append(Measurement("assay_last_run_timestamp_seconds", run.finished_at, {"tool": tool}))
            out.append(
                Measurement(
                    "assay_run_duration_seconds", max(0.0, run.finished_at - run.started_at), {"tool": tool}
                )
            )
        return out

    return read


def registry_for(sources: Sequence[MeasurementSource]) -> CollectorRegistry:
    """A Prometheus registry exporting build info and the measurements of these sources."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MeasurementCollector([build_info, *sources]))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    """The registry's metrics in the Prometheus text exposition format."""
    return generate_latest(registry)


def write_textfile(path: Path, registry: CollectorRegistry) -> Path:
    """Write the node_exporter textfile atomically (temp file in the same directory, then rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path.parent}: cannot create directory: {exc.strerror or exc}") from None
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(render(registry))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write metrics file: {exc.strerror or exc}") from None
    return path


def push(url: str, job: str, registry: CollectorRegistry, *, timeout: float = 10.0) -> None:
    """Replace this job's group on a Pushgateway (PUT semantics)."""
    from prometheus_client import push_to_gateway

    try:
        push_to_gateway(url, job=job, registry=registry, timeout=timeout)
    except OSError as exc:
        raise InputError(redact_url(f"cannot push to Pushgateway {url}: {exc}")) from None
    except ValueError as exc:
        raise InputError(redact_url(f"invalid Pushgateway URL {url}: {exc}")) from None
