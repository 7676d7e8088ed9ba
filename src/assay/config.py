"""Load, merge, interpolate and validate assay's configuration.

Precedence (later wins, key by key): built-in defaults, `[tool.assay]` in pyproject.toml,
`assay.toml`, then each `--config FILE` in the order given, then command-line flags.
Each tool owns one section, validated by its own pydantic model registered below.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from assay.errors import ConfigError

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class SectionModel(BaseModel):
    """Base for every section model: unknown keys are warned about, not rejected."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class StoreSection(SectionModel):
    """`[tool.assay.store]`: where the SQLite store lives and how long runs are kept."""

    path: str = Field(".assay/assay.db", description="SQLite store, relative to the repository root")
    retention_days: int = Field(
        365, ge=1, description="validated but not read yet: `assay store prune` takes `--keep-days`"
    )


class MetricsSection(SectionModel):
    """`[tool.assay.metrics]`: the exporter's address, token and push target."""

    host: str = Field("127.0.0.1", description="address `assay metrics serve` binds")
    port: int = Field(9464, ge=0, le=65535)
    token: SecretStr | None = Field(
        None, description="bearer token; required when binding a non-loopback host"
    )
    textfile: str = Field(".assay/metrics/assay.prom", description="default path for `assay metrics write`")
    pushgateway_url: str | None = None
    job: str = "assay"


# Section path (dotted, below [tool.assay]) -> "module:ModelClass". Tools add their own line.
SECTION_MODELS: dict[str, str] = {
    "store": "assay.config:StoreSection",
    "metrics": "assay.config:MetricsSection",
    "maturity": "assay.maturity.config:MaturitySection",
    "gates": "assay.gates:GatesSection",
    "coverage": "assay.coverage.config:CoverageSection",
    "perf": "assay.perf.config:PerfSection",
    "security.scan": "assay.security.scan.config:ScanSection",
    "security.ignore": "assay.security.scan.config:IgnoreSection",
    "security.monitor": "assay.security.monitor.config:MonitorSection",
    "notify": "assay.notify:NotifySection",
}

_SECRET_KEY = re.compile(
    r"(token|password|passwd|secret|api[_-]?key|webhook|credential|private[_-]?key)", re.I
)
_CREDENTIALS_IN_URL = re.compile(r"([A-Za-z][\w+.-]*://)[^/@\s]+@")
_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def resolve_path(root: Path, value: str | Path) -> Path:
    """A configured path: as given when absolute, else relative to the repository root."""
    path = Path(value)
    return path if path.is_absolute() else root / path


@dataclass
class Config:
    """The merged configuration: raw values, where each came from, and validated sections."""

    raw: dict[str, Any] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    origins: dict[str, Path] = field(default_factory=dict)  # dotted key path -> file it came from
    warnings: list[str] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    _cache: dict[str, BaseModel] = field(default_factory=dict, repr=False)

    def section(self, path: str, model: type[M] | None = None) -> M:
        """The validated model for a section (defaults where nothing was configured)."""
        if path in self._cache:
            return self._cache[path]  # type: ignore[return-value]  # cache holds the registered model type
        cls: type[Any] = model if model is not None else model_for(path)
        value = validate_section(cls, self.get(path, {}), path, self.origins)
        self._cache[path] = value
        return value  # type: ignore[no-any-return]  # cls is a BaseModel subclass

    def get(self, path: str, default: Any = None) -> Any:
        """The raw configuration value at a dotted path, or ``default`` if absent."""
        node: Any = self.raw
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def validate_all(self) -> None:
        """Validate every section that is configured; defaults are valid by construction, and
        leaving unconfigured sections alone keeps their (heavy) tool modules unimported."""
        for path in SECTION_MODELS:
            if self.get(path) is not None:
                self.section(path)

    def redacted(self) -> dict[str, Any]:
        """Every known section with defaults filled in, plus anything else configured; secrets hidden."""
        out: dict[str, Any] = _redact(dict(self.raw))
        for path in sorted(SECTION_MODELS):
            model: BaseModel = self.section(path)
            dumped = _redact(model.model_dump(mode="json"))
            node = out
            parts = path.split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = dumped
        return out


def model_for(path: str) -> type[BaseModel]:
    """The pydantic model registered for a configuration section; raises KeyError if none is."""
    target = SECTION_MODELS.get(path)
    if target is None:
        raise KeyError(f"no configuration section registered as {path!r}")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, attr)
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        raise TypeError(f"{target} is not a pydantic model")
    return cls


def validate_section(cls: type[M], data: Any, path: str, origins: Mapping[str, Path]) -> M:
    """Validate the table at `path` with its model; errors name the file and key path in one line."""
    if not isinstance(data, Mapping):
        where = origins.get(path)
        raise ConfigError(f"{_where(where)}[tool.assay.{path}]: expected a table, got {short_repr(data)}")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        key = f"{path}.{loc}" if loc else path
        where = _origin_of(origins, key)
        got = short_repr(err.get("input"))
        msg = err["msg"][0].lower() + err["msg"][1:]
        if err["type"] == "missing":
            raise ConfigError(f"{_where(where)}{key}: required value is missing") from None
        raise ConfigError(f"{_where(where)}{key}: {msg}, got {got}") from None


def _origin_of(origins: Mapping[str, Path], key: str) -> Path | None:
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        found = origins.get(".".join(parts[:n]))
        if found is not None:
            return found
    return None


def _where(path: Path | None) -> str:
    return f"{path}: " if path else ""


def short_repr(value: Any) -> str:
    """A value as an error message quotes it: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _redact(value: Any, key: str = "") -> Any:
    if isinstance(value, Mapping):
        return {k: _redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, key) for v in value]
    if value not in (None, "") and _SECRET_KEY.search(key):
        return "***"
    if isinstance(value, str):
        return redact_url(value)
    return value


def redact_url(text: str) -> str:
    """Hide the `user:password@` part of every URL in `text` (config output, logs, error messages)."""
    return _CREDENTIALS_IN_URL.sub(r"\1***@", text) if "@" in text else text


# --- reading files -------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    """A key given twice in one mapping: JSON and YAML parsers would silently keep the last one."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f"{key!r} is defined twice; names must be unique")
        out[key] = value
    return out


def _load_yaml(path: Path, text: str) -> Any:
    """Parse YAML with duplicate keys rejected (PyYAML is imported here: most runs read only TOML)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        pass

    def construct_unique(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                line = key_node.start_mark.line + 1
                raise _DuplicateKey(f"{key!r} is defined twice (line {line}); names must be unique")
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_unique)
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}: malformed YAML: {problem}{where}") from None


def read_document(path: Path, what: str = "configuration") -> Any:
    """Read and parse one TOML, JSON or YAML file (by extension), rejecting a key given twice.

    Every problem is one ConfigError line naming the file; `what` names the file's role in them.
    An empty file is an empty table.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    if not text.strip():
        return {}
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return json.loads(text, object_pairs_hook=_unique_pairs)
        if suffix in (".yaml", ".yml"):
            return _load_yaml(path, text)
        return tomllib.loads(text)
    except _DuplicateKey as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"Cannot declare \((.*)\) twice", str(exc))
        if found:
            parts = (part.strip().strip("'\"") for part in found.group(1).split(","))
            dotted = ".".join(part for part in parts if part)  # ("a",) is a one-element tuple
            raise ConfigError(f"{path}: {dotted} is defined twice; names must be unique ({exc})") from None
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def read_file(path: Path) -> dict[str, Any]:
    """Parse one config file (TOML, JSON or YAML by extension) into assay's table; one-line errors."""
    data = read_document(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table/object at the top level, got {type(data).__name__}")
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("assay", {})
    elif isinstance(data.get("tool"), dict) and isinstance(data["tool"].get("assay"), dict):
        data = data["tool"]["assay"]
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.assay] must be a table")
    return data


def interpolate(value: Any, path: Path | None, key: str = "", env: Mapping[str, str] | None = None) -> Any:
    """Replace ${VAR} and ${VAR:-default} in every string; `$$` is a literal dollar."""
    environ = os.environ if env is None else env
    if isinstance(value, dict):
        return {k: interpolate(v, path, f"{key}.{k}" if key else str(k), environ) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, path, f"{key}[{i}]", environ) for i, v in enumerate(value)]
    if not isinstance(value, str) or "$" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(
            f"{_where(path)}{key}: environment variable ${{{name}}} is not set and has no default"
        )

    return _VAR.sub(substitute, value)


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with ``override`` merged in, nested tables merged recursively."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _key_paths(data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        yield path
        if isinstance(value, Mapping):
            yield from _key_paths(value, path)


def discover(root: Path) -> list[Path]:
    """The config files found in a repository root, lowest precedence first."""
    found = []
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        found.append(pyproject)
    assay_toml = root / "assay.toml"
    if assay_toml.is_file():
        found.append(assay_toml)
    return found


def load_config(
    root: Path | str = ".",
    files: Sequence[Path | str] = (),
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Discover, read, interpolate, merge and validate; raise ConfigError on the first bad value."""
    root_path = Path(root).resolve()
    sources = discover(root_path) + [Path(f) for f in files]
    merged: dict[str, Any] = {}
    origins: dict[str, Path] = {}
    for source in sources:
        data = interpolate(read_file(source), source, env=env)
        for key in _key_paths(data):
            origins[key] = source
        merged = deep_merge(merged, data)
    if overrides:
        merged = deep_merge(merged, overrides)
    config = Config(raw=merged, sources=sources, origins=origins, root=root_path)
    config.validate_all()
    config.warnings.extend(unknown_keys(config))
    for warning in config.warnings:
        log.warning(warning)
    return config


def unknown_keys(config: Config) -> list[str]:
    """Keys that no registered section model knows: warned about, never fatal."""
    warnings = []
    for key in _key_paths(config.raw):
        if _known(key):
            continue
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        if parent and not _known(parent):
            continue  # only report the outermost unknown key
        if any(path.startswith(key + ".") for path in SECTION_MODELS):
            continue  # an intermediate table such as [tool.assay.security]
        origin = _origin_of(config.origins, key)
        warnings.append(f"{_where(origin)}unknown configuration key {key!r} (ignored)")
    return warnings


def _known(key: str) -> bool:
    for path in SECTION_MODELS:
        if key == path:
            return True
        if key.startswith(path + "."):
            rest = key[len(path) + 1 :].split(".")
            return _model_knows(model_for(path), rest)
    return any(path.startswith(key + ".") for path in SECTION_MODELS)


def _model_knows(model: type[BaseModel], parts: list[str]) -> bool:
    if model.model_config.get("extra") == "allow":
        return True
    fields = model.model_fields
    names = dict(fields)
    names.update({f.alias: f for f in fields.values() if f.alias})
    info = names.get(parts[0])
    if info is None:
        return False
    if len(parts) == 1:
        return True
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model_knows(annotation, parts[1:])
    return True  # a dict or list value: its keys are data, not configuration keys
