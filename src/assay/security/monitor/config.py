"""Configuration of the runtime monitor: `[tool.assay.security.monitor]` (or a JSON file given to
`assay security monitor --config`, which holds the same keys at its top level)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from assay.config import SectionModel


class SiemSink(SectionModel):
    """One SIEM output: a file of lines, or a syslog receiver over UDP or TCP."""

    format: Literal["ecs", "cef", "syslog"] = Field("ecs", description="ecs JSON lines, CEF, RFC 5424")
    path: str | None = Field(None, description="append lines to this file")
    host: str | None = Field(None, description="syslog receiver host (with port)")
    port: int = Field(514, ge=1, le=65535)
    protocol: Literal["udp", "tcp"] = "udp"

    @model_validator(mode="after")
    def _somewhere(self) -> SiemSink:
        if not self.path and not self.host:
            raise ValueError("a SIEM output needs a path or a host")
        return self


class ResponseSection(SectionModel):
    quarantine_dir: str = Field(".assay/quarantine", description="0700 directory for quarantined files")
    protected_processes: list[str] = Field(
        default_factory=lambda: ["systemd", "init", "sshd", "assay"],
        description="process names automated response never kills (pid 1 and the daemon always)",
    )
    protected_paths: list[str] = Field(
        default_factory=lambda: ["/bin/*", "/sbin/*", "/usr/*", "/lib/*", "/etc/passwd", "/etc/shadow"],
        description="globs automated quarantine never moves",
    )


class MonitorSection(SectionModel):
    watch: list[str] = Field(default_factory=list, description="directories under file integrity monitoring")
    ignore: list[str] = Field(
        default_factory=lambda: ["*.swp", "*.tmp", "*~", "*/.git/*", "*/__pycache__/*"],
        description="globs (on the full path or the name) never reported",
    )
    growing: list[str] = Field(
        default_factory=lambda: ["*.log", "/var/log/*"],
        description="globs of files that may grow: size/mtime changes alone are not reported",
    )
    interval: float = Field(300.0, gt=0, description="seconds between full integrity checks")
    fallback_interval: float = Field(
        60.0, gt=0, description="seconds between scans of subtrees that real-time watching could not cover"
    )
    poll_interval: float = Field(2.0, gt=0, description="seconds between process/network/login polls")
    realtime: bool = Field(True, description="watch directories with inotify between full checks")
    max_watches: int = Field(
        100_000, ge=0, description="inotify watches the monitor may use; beyond it a subtree is polled"
    )
    hash_workers: int = Field(4, ge=1, le=64, description="threads hashing files")
    io_budget_mb_s: float = Field(0.0, ge=0, description="hashing read budget in MB/s (0: unlimited)")
    http_host: str = Field("127.0.0.1", description="address of /metrics, /health, /api/*")
    http_token: SecretStr | None = Field(
        None, description="bearer token for the HTTP API; required when http_host is not loopback"
    )
    http_port: int = Field(9465, ge=0, le=65535, description="0 picks a free port and prints it")
    pid_file: str = Field(".assay/monitor.pid", description="pid file (relative to the repository root)")
    state_file: str = Field(".assay/monitor.json", description="where the daemon says where it listens")
    intel_dir: str = Field(".assay/intel", description="threat-intelligence files loaded at start and SIGHUP")
    intel_sources: list[str] = Field(
        default_factory=list, description="paths or URLs fetched by `intel update` without --from"
    )
    processes: bool = Field(True, description="watch processes (psutil)")
    report_new_processes: bool = Field(False, description="an info event for every new process")
    root_allow: list[str] | None = Field(
        None, description="process names allowed to run as root; unset disables the check"
    )
    network: bool = Field(True, description="watch listeners and connections (psutil)")
    allowed_ports: list[int] = Field(default_factory=list, description="listening ports never reported")
    logins: bool = Field(True, description="read failed logins from auth logs")
    auth_logs: list[str] = Field(default_factory=lambda: ["/var/log/auth.log", "/var/log/secure"])
    auth_threshold: int = Field(5, ge=1, description="failed logins from one source that make a burst")
    auth_window: float = Field(300.0, gt=0, description="seconds the burst threshold counts over")
    dedup_seconds: float = Field(60.0, ge=0, description="identical events within this are merged")
    auto_ignore_per_hour: int = Field(
        10, ge=0, description="a path changing more often than this per hour is auto-ignored (0: never)"
    )
    event_buffer: int = Field(2000, ge=10, description="events kept in memory for /api/events")
    siem: list[SiemSink] = Field(default_factory=list, description="SIEM outputs")
    playbooks_dir: str = Field("security/playbooks", description="incident playbooks (YAML)")
    response: ResponseSection = Field(default_factory=ResponseSection)  # type: ignore[arg-type]  # pydantic fills defaults

    @field_validator("watch", "ignore", "growing")
    @classmethod
    def _no_empty(cls, value: list[str]) -> list[str]:
        if any(not v.strip() for v in value):
            raise ValueError("entries must not be empty")
        return value
