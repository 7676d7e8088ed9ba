"""`assay metrics write|serve|push|docs|list`: the shared Prometheus exporter."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click
from prometheus_client import CollectorRegistry

from assay.cli.context import AppContext, pass_app
from assay.config import MetricsSection, redact_url
from assay.metrics import CATALOGUE, push, registry_for, store_source, write_textfile
from assay.server import HttpService


@click.group()
def metrics() -> None:
    """Export the latest measurements to Prometheus (textfile, HTTP, Pushgateway)."""


def _registry(app: AppContext) -> CollectorRegistry:
    return registry_for([store_source(app.store_path)])


@metrics.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), required=False)
@pass_app
def write(app: AppContext, path: Path | None) -> None:
    """Write a node_exporter textfile (.prom) atomically (default from [tool.assay.metrics].textfile)."""
    section = app.config.section("metrics", MetricsSection)
    target = path or (app.root / section.textfile)
    write_textfile(target, _registry(app))
    click.echo(str(target), err=True)


@metrics.command()
@click.option("--host", help="Address to bind (default 127.0.0.1; anything else needs a token).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (0 picks a free one and prints it).")
@pass_app
def serve(app: AppContext, host: str | None, port: int | None) -> None:
    """Serve /metrics and /health over HTTP until interrupted."""
    section = app.config.section("metrics", MetricsSection)
    token = section.token.get_secret_value() if section.token else None
    service = HttpService(host=host or section.host, port=section.port if port is None else port, token=token)
    service.add_metrics(_registry(app))
    bound = service.start()
    click.echo(f"serving metrics on {service.url}/metrics", err=True)
    click.echo(f"port={bound}", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()


@metrics.command(name="push")
@click.argument("url", required=False)
@click.option("--job", help="Pushgateway job name (default from config, 'assay').")
@pass_app
def push_cmd(app: AppContext, url: str | None, job: str | None) -> None:
    """Push the latest measurements to a Pushgateway at URL."""
    section = app.config.section("metrics", MetricsSection)
    target = url or section.pushgateway_url
    if not target:
        raise click.UsageError("give a Pushgateway URL or set [tool.assay.metrics].pushgateway_url")
    job = job or section.job
    push(target, job, _registry(app))
    click.echo(redact_url(f"pushed to {target} as job {job}"), err=True)


@metrics.command()
def docs() -> None:
    """Print docs/metrics.md, generated from the metric catalogue."""
    click.echo(CATALOGUE.to_markdown(), nl=False)
    click.echo("")


@metrics.command(name="list")
def list_cmd() -> None:
    """List the catalogue's metric names, one per line."""
    for name in CATALOGUE.names():
        click.echo(name)
