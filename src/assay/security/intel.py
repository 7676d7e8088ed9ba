"""Offline threat intelligence: plain lists, abuse.ch CSV exports and STIX 2.1 bundles.

A malformed line is reported with its line number and the rest of the file still loads.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import os
import re
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from assay.errors import InputError

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}\.?$")
# STIX patterns this loader understands: one comparison per indicator.
STIX_PATTERN = re.compile(
    r"^\[\s*(ipv4-addr|ipv6-addr|domain-name|url|file):(value|hashes\.'?(?:SHA-256|SHA256)'?)\s*=\s*'([^']+)'\s*\]$",
    re.I,
)
CSV_COLUMNS = {"dst_ip": "ip", "ip_address": "ip", "sha256_hash": "sha256", "url": "url"}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_DOWNLOAD = 256 * 1024 * 1024


@dataclass
class Indicators:
    """Threat-intelligence indicators of compromise: IPs, networks, domains, hashes and URLs."""

    ips: set[str] = field(default_factory=set)
    cidrs: list[Network] = field(default_factory=list)
    domains: set[str] = field(default_factory=set)
    sha256: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    sources: dict[str, float] = field(default_factory=dict)  # source name -> fetched/modified time

    def counts(self) -> dict[str, int]:
        """Number of indicators of each kind."""
        return {
            "ip": len(self.ips),
            "cidr": len(self.cidrs),
            "domain": len(self.domains),
            "sha256": len(self.sha256),
            "url": len(self.urls),
        }

    def total(self) -> int:
        """Number of indicators of all kinds."""
        return sum(self.counts().values())

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the oldest source was fetched; None when nothing is loaded."""
        if not self.sources:
            return None
        return max(0.0, (now or time.time()) - min(self.sources.values()))

    def merge(self, other: Indicators) -> None:
        """Add another set's indicators, errors and sources to this one."""
        self.ips |= other.ips
        self.cidrs.extend(other.cidrs)
        self.domains |= other.domains
        self.sha256 |= other.sha256
        self.urls |= other.urls
        self.errors.extend(other.errors)
        self.sources.update(other.sources)

    def match_ip(self, text: str) -> bool:
        """Whether the address is a listed IP or falls in a listed network."""
        if text in self.ips:
            return True
        if not self.cidrs:
            return False
        try:
            addr = ipaddress.ip_address(text)
        except ValueError:
            return False
        return any(addr.version == net.version and addr in net for net in self.cidrs)

    def match_sha256(self, digest: str | None) -> bool:
        """Whether the digest (any case) is a listed SHA-256."""
        return digest is not None and digest.lower() in self.sha256

    def add(self, value: str, kind: str | None = None) -> str | None:
        """Classify and add one indicator; returns an error text when it is none of the known kinds."""
        value = value.strip()
        if not value:
            return "empty value"
        if kind == "url" or (kind is None and "://" in value):
            if urllib.parse.urlsplit(value).scheme not in ("http", "https", "ftp", "tcp"):
                return f"not a URL: {value[:60]!r}"
            self.urls.add(value)
            return None
        if kind == "sha256" or (kind is None and SHA256.match(value)):
            if not SHA256.match(value):
                return f"not a sha256: {value[:60]!r}"
            self.sha256.add(value.lower())
            return None
        try:
            if "/" in value:
                net = ipaddress.ip_network(value, strict=False)
                if net.num_addresses == 1:
                    self.ips.add(str(net.network_address))
                else:
                    self.cidrs.append(net)
                return None
            self.ips.add(str(ipaddress.ip_address(value)))
            return None
        except ValueError:
            if kind == "ip":
                return f"not an IP address: {value[:60]!r}"
        if DOMAIN.match(value):
            self.domains.add(value.lower().rstrip("."))
            return None
        return f"not an IP, CIDR, domain, URL or sha256: {value[:60]!r}"


def parse_text(text: str, source: str) -> Indicators:
    """Parse one intel file of any supported format; errors name the source and line."""
    out = Indicators()
    stripped = text.lstrip()
    if stripped.startswith("{"):
        _parse_stix(text, source, out)
    elif _looks_like_csv(text):
        _parse_csv(text, source, out)
    else:
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            error = out.add(line.split()[0])
            if error:
                out.errors.append(f"{source}:{number}: {error}")
    return out


def _looks_like_csv(text: str) -> bool:
    for raw in text.splitlines()[:200]:
        line = raw.strip()
        if line.startswith("#"):
            continue
        if line:
            return re.match(r'^"[^"]*",\s*"', line) is not None
    return any(line.lstrip("# ").startswith('"') or "dst_ip" in line for line in text.splitlines()[:20])


def _parse_csv(text: str, source: str, out: Indicators) -> None:
    """abuse.ch exports: `#` comments, the last comment line before the data often names the columns."""
    header: list[str] | None = None
    lines = text.splitlines()
    for raw in lines:
        if raw.startswith("#") and ("," in raw):
            candidate = next(csv.reader([raw.lstrip("# ").strip()], skipinitialspace=True), [])
            if any(c.strip() in CSV_COLUMNS for c in candidate):
                header = [c.strip() for c in candidate]
    wanted = {i: CSV_COLUMNS[c] for i, c in enumerate(header or []) if c in CSV_COLUMNS}
    for number, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            row = next(csv.reader(io.StringIO(raw), skipinitialspace=True))
        except (csv.Error, StopIteration) as exc:
            out.errors.append(f"{source}:{number}: malformed CSV: {exc}")
            continue
        if wanted:
            for index, kind in wanted.items():
                if index >= len(row):
                    out.errors.append(f"{source}:{number}: expected at least {index + 1} columns")
                    break
                error = out.add(row[index], kind)
                if error:
                    out.errors.append(f"{source}:{number}: {error}")
        else:
            added = False
            for cell in row:
                cell = cell.strip()
                if "urlhaus.abuse.ch" in cell or "bazaar.abuse.ch" in cell:
                    continue  # a link to the feed's own page, not an indicator
                if cell and (SHA256.match(cell) or "://" in cell or _is_ip(cell)) and out.add(cell) is None:
                    added = True
            if not added:
                out.errors.append(f"{source}:{number}: no IP, URL or sha256 in this row")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _parse_stix(text: str, source: str, out: Indicators) -> None:
    try:
        bundle = json.loads(text)
    except json.JSONDecodeError as exc:
        out.errors.append(f"{source}:{exc.lineno}: malformed JSON: {exc.msg}")
        return
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        out.errors.append(f"{source}:1: a JSON intel file must be a STIX 2.1 bundle")
        return
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        out.errors.append(f"{source}:1: STIX bundle without an objects list")
        return
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict) or obj.get("type") != "indicator":
            continue
        where = f"{source}: objects[{index}]"
        if obj.get("pattern_type", "stix") != "stix":
            out.errors.append(f"{where}: pattern_type {obj.get('pattern_type')!r} is not supported")
            continue
        match = STIX_PATTERN.match(str(obj.get("pattern", "")).strip())
        if match is None:
            out.errors.append(f"{where}: unsupported pattern {str(obj.get('pattern'))[:80]!r}")
            continue
        kind, prop, value = match.group(1).lower(), match.group(2).lower(), match.group(3)
        as_kind = {"ipv4-addr": "ip", "ipv6-addr": "ip", "url": "url", "domain-name": None}.get(kind)
        if kind == "file":
            as_kind = "sha256" if prop.startswith("hashes") else None
        error = out.add(value, as_kind)
        if error:
            out.errors.append(f"{where}: {error}")


def load_file(path: Path) -> Indicators:
    """Parse one indicator file; raises InputError if it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read intel file: {exc.strerror or exc}") from None
    found = parse_text(data.decode("utf-8", "replace"), str(path))
    try:
        found.sources[path.name] = path.stat().st_mtime
    except OSError:
        found.sources[path.name] = time.time()
    return found


def load_dir(directory: Path) -> Indicators:
    """Every intel file in a directory (hidden files skipped); an absent directory is empty intel."""
    out = Indicators()
    if not directory.is_dir():
        return out
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        out.merge(load_file(path))
    return out


def fetch(source: str, timeout: float = 60.0) -> tuple[str, bytes]:
    """Read a local path or an http(s) URL; returns (a file name for it, the bytes)."""
    parts = urllib.parse.urlsplit(source)
    if parts.scheme in ("http", "https"):
        request = urllib.request.Request(source, headers={"User-Agent": "assay-monitor"})  # noqa: S310 - scheme checked
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
                body: bytes = response.read(MAX_DOWNLOAD + 1)
        except OSError as exc:
            raise InputError(f"{source}: cannot download intel: {exc}") from None
        if len(body) > MAX_DOWNLOAD:
            raise InputError(f"{source}: intel download larger than {MAX_DOWNLOAD // 2**20} MiB")
        name = os.path.basename(parts.path) or parts.netloc
        return re.sub(r"[^A-Za-z0-9._-]", "_", f"{parts.netloc}-{name}"), body
    if parts.scheme not in ("", "file"):
        raise InputError(f"{source}: only local paths and http(s) URLs are supported")
    path = Path(parts.path if parts.scheme == "file" else source)
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read intel source: {exc.strerror or exc}") from None


def install(source: str, directory: Path) -> tuple[Path, Indicators]:
    """Validate a source and, when it holds at least one indicator, move it into the intel directory."""
    name, body = fetch(source)
    found = parse_text(body.decode("utf-8", "replace"), source)
    if found.total() == 0:
        first = found.errors[0] if found.errors else f"{source}: no indicators found"
        raise InputError(f"{first} (nothing installed)")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    os.replace(tmp, target)
    found.sources = {target.name: time.time()}
    return target, found


__all__ = ["Indicators", "install", "load_dir", "load_file", "parse_text"]
