"""Rendering: the trend chart's geometry, and escaping of everything that comes from the repository."""

from __future__ import annotations

from pathlib import Path

from assay.maturity.config import MaturitySection
from assay.maturity.render import render
from assay.maturity.service import assess
from assay.report.chart import trend
from assay.report.history import Report, Snapshot
from assay.report.html import render_report
from assay.vcs import repo_info

XSS = "<script>alert(1)</script>"


def snap(run_id: int, percent: float, at: float) -> Snapshot:
    return Snapshot(run_id, at, "f" * 40, percent, 2, "Developing", {}, [], [], [])


def test_trend_points_scale_percent_to_height() -> None:
    chart = trend([snap(1, 0, 0), snap(2, 100, 86400)])
    low, high = chart.points
    assert low.y > high.y  # SVG y grows downwards
    assert low.x < high.x
    assert chart.polyline == f"{low.x},{low.y} {high.x},{high.y}"


def test_single_point_is_centred() -> None:
    (point,) = trend([snap(1, 50, 0)]).points
    assert 300 < point.x < 420


def hostile_doc(tmp_path: Path) -> dict[str, object]:
    # The '/' in '</script>' makes this a directory '<script>alert(1)<' holding 'script>.py'.
    hostile = tmp_path / f"{XSS}.py"
    hostile.parent.mkdir(parents=True)
    hostile.write_text("def f():\n    pass\n")
    (tmp_path / "README.md").write_text(f"# {XSS}\n## Install\n")
    card = assess(repo_info(tmp_path), MaturitySection())
    doc = card.to_json()
    # A check whose evidence quotes the hostile file name, and one whose location is that file.
    checks = doc["checks"]
    assert isinstance(checks, list)
    checks[0]["evidence"].append(f"file {XSS}.py")
    checks[0]["locations"].append({"path": f"{XSS}.py", "line": 1})
    return doc


def test_html_escapes_repository_content(tmp_path: Path) -> None:
    html = render(hostile_doc(tmp_path), "html")
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()


def test_markdown_escapes_repository_content(tmp_path: Path) -> None:
    text = render(hostile_doc(tmp_path), "markdown")
    assert XSS not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # rendered, escaped: not merely left out


def test_table_shows_top_actions_with_gain(tmp_path: Path) -> None:
    text = render(hostile_doc(tmp_path), "table")
    assert "Top actions to raise the score:" in text
    assert "+" in text.split("Top actions", 1)[1] and "pts" in text


def test_report_html_escapes_titles_and_draws_svg() -> None:
    history = [snap(1, 40, 0), snap(2, 80, 86400)]
    latest = Snapshot(
        3,
        2 * 86400,
        "e" * 40,
        85,
        3,
        "Defined",
        {
            "x": {
                "id": "x",
                "title": XSS,
                "status": "fail",
                "score": 0,
                "evidence": [XSS],
                "weight": 1,
                "remediation": "r",
            }
        },
        [{"check": "x", "gain": 4.0, "remediation": XSS}],
        [{"title": "CI/CD", "percent": 50.0}],
        [{"check": "y", "reason": XSS}],
    )
    report = Report("/r", 3 * 86400, [*history, latest], latest, history[-1], "previous run")
    html = render_report(report, "html")
    assert "<svg" in html and "<polyline" in html
    assert XSS not in html
    md = render_report(report, "markdown")
    assert XSS not in md and "+5.0 points since the previous run" in md
