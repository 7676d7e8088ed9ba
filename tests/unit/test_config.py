"""Config: discovery, precedence, interpolation, validation errors naming file and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.config import MetricsSection, StoreSection, deep_merge, interpolate, load_config
from assay.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    cfg = load_config(tmp_path)
    assert cfg.sources == []
    assert cfg.section("store", StoreSection).path == ".assay/assay.db"
    assert cfg.section("metrics", MetricsSection).host == "127.0.0.1"


def test_precedence_pyproject_then_assay_toml_then_config_files(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname="x"\n[tool.assay.metrics]\nport = 1000\njob = "from-pyproject"\n',
    )
    write(tmp_path / "assay.toml", "[metrics]\nport = 2000\n")
    extra_json = write(tmp_path / "extra.json", json.dumps({"metrics": {"job": "from-json"}}))
    extra_yaml = write(tmp_path / "extra.yaml", "metrics:\n  port: 3000\n")
    cfg = load_config(tmp_path, [extra_json, extra_yaml])
    metrics = cfg.section("metrics", MetricsSection)
    assert metrics.port == 3000  # the last --config file wins
    assert metrics.job == "from-json"  # key by key: yaml did not set job
    assert [p.name for p in cfg.sources] == ["pyproject.toml", "assay.toml", "extra.json", "extra.yaml"]


def test_assay_toml_may_use_tool_assay_table(tmp_path: Path) -> None:
    write(tmp_path / "assay.toml", "[tool.assay.store]\npath = 'x.db'\n")
    assert load_config(tmp_path).section("store", StoreSection).path == "x.db"


def test_overrides_beat_files(tmp_path: Path) -> None:
    write(tmp_path / "assay.toml", "[metrics]\nport = 2000\n")
    cfg = load_config(tmp_path, overrides={"metrics": {"port": 4000}})
    assert cfg.section("metrics", MetricsSection).port == 4000


def test_interpolation_with_default_and_escape(tmp_path: Path) -> None:
    write(
        tmp_path / "assay.toml",
        '[metrics]\njob = "${JOB_NAME:-fallback}"\ntextfile = "$${literal}/${DIR}/a.prom"\n',
    )
    cfg = load_config(tmp_path, env={"DIR": "out"})
    section = cfg.section("metrics", MetricsSection)
    assert section.job == "fallback"
    assert section.textfile == "${literal}/out/a.prom"


def test_unset_variable_without_default_names_file_and_key(tmp_path: Path) -> None:
    path = write(tmp_path / "assay.toml", '[metrics]\njob = "${NOT_SET_ANYWHERE}"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, env={})
    message = str(info.value)
    assert str(path) in message and "metrics.job" in message and "NOT_SET_ANYWHERE" in message
    assert "\n" not in message


def test_wrong_type_names_file_key_expected_and_given(tmp_path: Path) -> None:
    path = write(tmp_path / "assay.toml", '[metrics]\nport = "lots"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}: metrics.port:")
    assert "integer" in message and "'lots'" in message


def test_out_of_range_value(tmp_path: Path) -> None:
    write(tmp_path / "assay.toml", "[metrics]\nport = 70000\n")
    with pytest.raises(
        ConfigError, match=r"metrics\.port: input should be less than or equal to 65535, got 70000"
    ):
        load_config(tmp_path)


def test_section_that_is_not_a_table(tmp_path: Path) -> None:
    write(tmp_path / "assay.toml", 'store = "yes"\n')
    with pytest.raises(ConfigError, match=r"\[tool\.assay\.store\]: expected a table"):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.toml", "[metrics\nport=1", "malformed TOML"),
        ("bad.json", '{"metrics": {"port": 1,}}', "malformed JSON"),
        ("bad.yaml", "metrics:\n  port: [1, 2\n", "malformed YAML"),
        ("list.json", "[1, 2]", "expected a table/object at the top level"),
        ("twice.json", '{"metrics": {"port": 1, "port": 2}}', "'port' is defined twice"),
        ("twice.yaml", "metrics:\n  port: 1\n  port: 2\n", "'port' is defined twice (line 3)"),
        ("twice.toml", "[metrics]\nport = 1\n[metrics]\n", "metrics is defined twice"),
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, [path])
    assert expected in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path, [tmp_path / "nope.toml"])


def test_unknown_keys_are_warned_not_fatal(tmp_path: Path) -> None:
    write(tmp_path / "assay.toml", "[metrics]\nprot = 1\n[nonsense]\nx = 1\n")
    cfg = load_config(tmp_path)
    joined = "\n".join(cfg.warnings)
    assert "'metrics.prot'" in joined
    assert "'nonsense'" in joined
    assert "nonsense.x" not in joined  # only the outermost unknown key


def test_redacted_hides_secrets(tmp_path: Path) -> None:
    write(
        tmp_path / "assay.toml",
        '[metrics]\ntoken = "s3cr3t-token"\npushgateway_url = "https://user:pw@push.example.invalid"\n',
    )
    shown = json.dumps(load_config(tmp_path).redacted())
    assert "s3cr3t-token" not in shown and ":pw@" not in shown
    assert "***" in shown


def test_deep_merge_and_interpolate_helpers() -> None:
    assert deep_merge({"a": {"b": 1, "c": 2}}, {"a": {"c": 3}, "d": 4}) == {"a": {"b": 1, "c": 3}, "d": 4}
    assert interpolate({"x": ["${A}", 1]}, None, env={"A": "z"}) == {"x": ["z", 1]}


def test_redact_url_hides_credentials_anywhere_in_a_message() -> None:
    from assay.config import redact_url

    text = "cannot push to https://ci:s3cret@push.example.invalid:9091/x (and smtp://a:b@mail/ too)"
    expected = "cannot push to https://***@push.example.invalid:9091/x (and smtp://***@mail/ too)"
    assert redact_url(text) == expected
    assert redact_url("mailto:ops@example.com, http://h/p") == "mailto:ops@example.com, http://h/p"
