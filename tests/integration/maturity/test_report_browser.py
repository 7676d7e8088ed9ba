"""The HTML report in a real browser (Debian's headless Chromium): it renders, draws the trend chart,
and runs nothing that came from the repository."""

from __future__ import annotations

import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from conftest import GitRepo, require_binary

XSS_FILE = "<script>alert(1)</script>.py"
IMG_FILE = "<img src=x onerror=document.title='pwned'>.py"


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = require_binary("chromium")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             *args],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip


def png_pixels(path: Path) -> tuple[int, int, set[bytes]]:
    """Width, height and the set of distinct pixels of a non-interlaced 8-bit RGB(A) PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 4
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    distinct: set[bytes] = set()
    # Sample rows without undoing PNG filters: distinct filtered bytes still prove the page is not blank.
    for row in range(0, height, max(1, height // 50)):
        line = raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)]
        distinct.update(line[i : i + channels] for i in range(0, len(line), channels * 7))
    return width, height, distinct


@pytest.mark.integration
@pytest.mark.slow
def test_report_renders_in_chromium_and_executes_nothing(
    git_repo: GitRepo, assay_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    require_binary("chromium")
    git_repo.write("README.md", "# <b>demo</b>\n\n## Install\n\n## Usage\n")
    for name in (XSS_FILE, IMG_FILE):
        target = git_repo.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("def f():\n    pass\n")
    # Hostile names reach the evidence through a committed "secret" in the hostile file.
    (git_repo.path / XSS_FILE).write_text('api_token = "' + "q8ZrT1vXm4NcW7pKs2LhY9bD" + '"\n')
    git_repo.commit("hostile names")
    store = tmp_path / "s.db"
    for _ in range(3):
        assert assay_cli("--store", store, "score", git_repo.path, "-f", "json").exit_code == 0
    git_repo.write("SECURITY.md", "security@example.org\n")
    git_repo.commit("policy")
    assert assay_cli("--store", store, "score", git_repo.path, "-f", "json").exit_code == 0
    page = tmp_path / "report.html"
    done = assay_cli("--store", store, "--repo", git_repo.path, "report", "-o", page)
    assert done.exit_code == 0, done.stderr
    html = page.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the name is shown, as text

    dom = chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<script" not in dom.stdout.lower()  # no element was created from the file name
    assert "<title>Maturity report" in dom.stdout  # the onerror handler did not rename the page
    assert "pwned" not in dom.stdout.split("</title>", 1)[0]
    assert "<polyline" in dom.stdout and 'id="trend"' in dom.stdout

    shot = tmp_path / "report.png"
    taken = chromium(f"--screenshot={shot}", "--window-size=1200,1600", "--hide-scrollbars", page.as_uri())
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    width, height, distinct = png_pixels(shot)
    assert (width, height) == (1200, 1600)
    assert len(distinct) > 20  # text, bars, the chart: not a blank page
