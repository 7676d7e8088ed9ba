"""Threat-intel parsing: plain lists, the three abuse.ch CSV exports, STIX 2.1 bundles, bad lines."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assay.errors import InputError
from assay.security import intel

SHA = "a" * 64

FEODO = """\
################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
################################################################
#
# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2021-01-17 07:30:05","67.213.75.205","443","online","2024-01-01","Pikabot"
"2021-01-17 07:44:46","192.0.2.10","8080","offline","2023-12-30","QakBot"
# Number of entries: 2
"""

BAZAAR = f"""\
# MalwareBazaar recent additions
# "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess"
"2024-01-01 00:00:03", "{SHA}", "{"b" * 32}", "{"c" * 40}", "abuse_ch", "invoice.exe", "exe"
"""

URLHAUS = """\
# URLhaus database dump (CSV)
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"2787","2024-01-01 00:00:00","http://evil.example/bin.sh","online","2024-01-01","malware_download","elf","https://urlhaus.abuse.ch/url/2787/","anonymous"
"""


def test_plain_list_with_comments_and_a_bad_line() -> None:
    found = intel.parse_text(
        f"# list\n198.51.100.1  # c2\n10.0.0.0/8\nevil.example\n{SHA.upper()}\n!!bad\n", "f.txt"
    )
    assert found.ips == {"198.51.100.1"}
    assert [str(n) for n in found.cidrs] == ["10.0.0.0/8"]
    assert found.domains == {"evil.example"}
    assert found.sha256 == {SHA}
    assert found.errors == ["f.txt:6: not an IP, CIDR, domain, URL or sha256: '!!bad'"]
    assert found.match_ip("10.1.2.3") and found.match_ip("198.51.100.1") and not found.match_ip("11.0.0.1")
    assert found.match_sha256(SHA)


def test_feodo_csv_takes_the_destination_ip_only() -> None:
    found = intel.parse_text(FEODO, "feodo.csv")
    assert found.ips == {"67.213.75.205", "192.0.2.10"}
    assert found.errors == [] and found.total() == 2


def test_malwarebazaar_csv_takes_sha256_only() -> None:
    found = intel.parse_text(BAZAAR, "bazaar.csv")
    assert found.sha256 == {SHA}
    assert found.total() == 1 and found.errors == []


def test_urlhaus_csv_takes_the_url_not_the_feed_link() -> None:
    found = intel.parse_text(URLHAUS, "urlhaus.csv")
    assert found.urls == {"http://evil.example/bin.sh"}
    assert found.total() == 1


def test_stix_bundle_with_simple_patterns_and_an_unsupported_one() -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "pattern_type": "stix",
                "pattern": "[ipv4-addr:value = '203.0.113.5']",
            },
            {
                "type": "indicator",
                "pattern_type": "stix",
                "pattern": "[domain-name:value = 'c2.example.org']",
            },
            {"type": "indicator", "pattern_type": "stix", "pattern": f"[file:hashes.'SHA-256' = '{SHA}']"},
            {
                "type": "indicator",
                "pattern_type": "stix",
                "pattern": "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']",
            },
            {"type": "malware", "name": "not an indicator"},
        ],
    }
    found = intel.parse_text(json.dumps(bundle), "b.json")
    assert found.ips == {"203.0.113.5"}
    assert found.domains == {"c2.example.org"}
    assert found.sha256 == {SHA}
    assert len(found.errors) == 1 and found.errors[0].startswith("b.json: objects[3]: unsupported pattern")


def test_malformed_json_names_the_line() -> None:
    found = intel.parse_text('{\n "type": "bundle",\n oops\n}', "b.json")
    assert found.total() == 0
    assert found.errors[0].startswith("b.json:3: malformed JSON")


def test_load_dir_merges_and_ages(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("192.0.2.1\n")
    (tmp_path / "b.csv").write_text(FEODO)
    (tmp_path / ".hidden").write_text("192.0.2.99\n")
    found = intel.load_dir(tmp_path)
    assert found.ips == {"192.0.2.1", "67.213.75.205", "192.0.2.10"}
    assert sorted(found.sources) == ["a.txt", "b.csv"]
    age = found.age()
    assert age is not None and age >= 0
    assert intel.load_dir(tmp_path / "missing").age() is None


@pytest.fixture
def feed_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = FEODO.encode() if self.path == "/ipblocklist.csv" else b""
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_install_from_a_url_and_refuse_an_empty_feed(tmp_path: Path, feed_server: str) -> None:
    target, found = intel.install(f"{feed_server}/ipblocklist.csv", tmp_path / "intel")
    assert target.parent == tmp_path / "intel" and found.total() == 2
    assert intel.load_dir(tmp_path / "intel").ips == {"67.213.75.205", "192.0.2.10"}
    with pytest.raises(InputError, match="cannot download intel"):
        intel.install(f"{feed_server}/missing.csv", tmp_path / "intel")
    with pytest.raises(InputError, match="only local paths and http"):
        intel.install("ftp://example.invalid/x", tmp_path / "intel")
