"""Report rendering (tkimeta.render): offline pandoc + typst path, and the
Quarto path's plumbing with a stand-in `quarto` executable."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tkimeta.render import (
    CrossrefError,
    MissingFigureError,
    MissingIncludeError,
    MissingVariableError,
    ReportRenderError,
    ShortcodeError,
    render_report,
)

DEMO = Path(__file__).parent / "data" / "report_demo"

VARIABLES = {
    "report": {"date": "21 November 2025"},
    "summary": {"n_studies": 3, "n_patients": 2581},
    "results": {
        "orr": {
            "estimate": "0.62",
            "ci": "0.55–0.69",
            "i2": 87.5,
            "loo_min": "0.58",
            "loo_max": "0.66",
        }
    },
    "methods": {"estimator": "REML", "hksj": True},
}

TABLE_MD = """\
| Study | Year | Design | N | Regimen | ORR (%) |
|:------|-----:|:-------|--:|:--------|--------:|
| KEYNOTE-426 | 2019 | Phase 3 RCT | 861 | Axitinib + pembrolizumab | 59.3 |
| CheckMate 9ER | 2021 | Phase 3 RCT | 651 | Cabozantinib + nivolumab | 55.7 |
| CLEAR | 2021 | Phase 3 RCT | 1069 | Lenvatinib + pembrolizumab | 71.0 |

: Characteristics of the included studies {#tbl-characteristics}
"""

FIG = r"Figure[ \u00a0]1"  # crossref text uses a non-breaking space, as Quarto does


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    """What earlier workflow rules would produce: a figure and a markdown table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = tmp_path_factory.mktemp("generated")
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.errorbar([0.59, 0.56, 0.71], [3, 2, 1], xerr=0.05, fmt="s")
    ax.set_yticks([1, 2, 3], ["CLEAR", "CheckMate 9ER", "KEYNOTE-426"])
    ax.set_xlabel("ORR")
    fig.tight_layout()
    fig.savefig(d / "forest_ORR.png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    (d / "characteristics.md").write_text(TABLE_MD, encoding="utf-8")
    return {
        "figures/forest_ORR.png": d / "forest_ORR.png",
        "_generated/characteristics.md": d / "characteristics.md",
    }


def _render(out: Path, generated, *, source=DEMO, variables=VARIABLES, quarto="never", **kw):
    return render_report(
        source,
        variables,
        out / "report.html",
        out / "report.pdf",
        out / "work",
        quarto=quarto,
        extra_files=kw.pop("extra_files", generated),
        **kw,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, generated):
    out = tmp_path_factory.mktemp("render1")
    t = time.perf_counter()
    res = _render(out, generated)
    res.seconds["wall"] = time.perf_counter() - t
    return res


def test_engine_and_speed(rendered):
    assert rendered.engine == "pandoc"
    assert rendered.seconds["wall"] < 30, rendered.seconds  # a few seconds in practice


def test_html_content(rendered):
    html = rendered.html.read_text(encoding="utf-8")
    # variables, including ones inside an included file and in the YAML header
    for text in ("2581 patients", "0.55–0.69", "REML estimator", "adjustment (true)",
                 "87.5%", "21 November 2025", "from 0.58 to 0.66"):
        assert text in html, text
    # title block and table of contents
    assert '<h1 class="title">Demo meta-analysis report</h1>' in html
    assert 'id="TOC"' in html
    # cross-references and captions
    assert re.search(r'<a href="#fig-forest-orr"[^>]*>' + FIG + "</a>", html)
    assert re.search(r'<a href="#tbl-characteristics"[^>]*>Table[ \u00a0]1</a>', html)
    assert re.search(r'<a href="#sec-methods"[^>]*>Section[ \u00a0]2</a>', html)
    assert re.search(r'<a href="#sec-sensitivity"[^>]*>3\.1</a>', html)  # [-@sec-...]
    assert re.search(r"<figcaption>" + FIG + ": Forest plot", html)
    assert re.search(r"<caption>Table[ \u00a0]1: Characteristics", html)
    assert re.search(r'<span class="header-section-number">3\.1</span> Sensitivity', html)
    assert not re.search(r'header-section-number">\d+</span> References', html)
    # shortcodes: all expanded, escaped one printed literally
    assert html.count("{{&lt;") + html.count("{{<") == 1
    assert "{{&lt; var not.a.key &gt;}}" in html
    assert "?var" not in html and "@fig-" not in html and "@tbl-" not in html


def test_html_self_contained(rendered):
    html = rendered.html.read_text(encoding="utf-8")
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    srcs = re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', html)
    assert srcs, "no src/href found at all?"
    external = [s for s in srcs if re.match(r"(https?:)?//", s)]
    assert external == []
    assert "<script" not in html  # no MathJax or other scripts
    assert "<link" not in html  # CSS is inlined
    assert "<style" in html


def test_pdf(rendered):
    pdf = rendered.pdf.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/CreationDate" not in pdf and b"xmp:CreateDate" not in pdf
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(rendered.pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout
        assert re.search(FIG + ": Forest plot", text)
        assert re.search(r"Table[ \u00a0]1: Characteristics", text)
        assert "2581 patients" in text and "KEYNOTE-426" in text


def test_source_dir_untouched(rendered):
    assert not (DEMO / "_variables.yml").exists()
    assert not (DEMO / ".render").exists()
    assert (rendered.html.parent / "work" / "_variables.yml").is_file()


def test_two_renders_byte_identical(rendered, generated, tmp_path):
    again = _render(tmp_path, generated)  # different work dir and output paths
    assert again.html.read_bytes() == rendered.html.read_bytes()
    assert again.pdf.read_bytes() == rendered.pdf.read_bytes()


def test_missing_variable_names_key_and_line(generated, tmp_path):
    variables = {**VARIABLES, "summary": {"n_studies": 3}}
    with pytest.raises(MissingVariableError) as err:
        _render(tmp_path, generated, variables=variables)
    msg = str(err.value)
    assert "summary.n_patients" in msg and "report.qmd, line 10" in msg
    assert err.value.key == "summary.n_patients"
    assert not (tmp_path / "report.html").exists()


def test_missing_variable_in_included_file(generated, tmp_path):
    variables = {k: v for k, v in VARIABLES.items() if k != "methods"}
    with pytest.raises(MissingVariableError, match=r"methods\.estimator.*_methods\.qmd, line 3"):
        _render(tmp_path, generated, variables=variables)


def test_missing_include(generated, tmp_path):
    extra = {k: v for k, v in generated.items() if not k.startswith("_generated")}
    with pytest.raises(MissingIncludeError, match=r"_generated/characteristics\.md.*report\.qmd, line \d+"):
        _render(tmp_path, generated, extra_files=extra)


def test_missing_figure(generated, tmp_path):
    extra = {k: v for k, v in generated.items() if not k.startswith("figures")}
    with pytest.raises(MissingFigureError, match=r"figures/forest_ORR\.png"):
        _render(tmp_path, generated, extra_files=extra)


def _demo_copy(tmp_path: Path, replace: tuple[str, str]) -> Path:
    src = tmp_path / "src"
    shutil.copytree(DEMO, src)
    qmd = src / "report.qmd"
    text = qmd.read_text(encoding="utf-8")
    assert replace[0] in text
    qmd.write_text(text.replace(replace[0], replace[1]), encoding="utf-8")
    return src


def test_unresolved_crossref(generated, tmp_path):
    src = _demo_copy(tmp_path, ("see\n@fig-forest-orr", "see\n@fig-nonexistent"))
    with pytest.raises(CrossrefError, match=r"@fig-nonexistent"):
        _render(tmp_path, generated, source=src)


def test_unknown_shortcode(generated, tmp_path):
    src = _demo_copy(tmp_path, ("# Introduction {#sec-intro}", "# Introduction {#sec-intro}\n\n{{< env HOME >}}"))
    with pytest.raises(ShortcodeError, match=r"env HOME"):
        _render(tmp_path, generated, source=src)


FAKE_QUARTO = """#!{python}
import os, sys
from pathlib import Path
args = sys.argv[1:]
with open("quarto-calls.log", "a") as fh:
    fh.write(" ".join(args) + " SOURCE_DATE_EPOCH=" + os.environ.get("SOURCE_DATE_EPOCH", "") + "\\n")
to = args[args.index("--to") + 1]
out = Path(args[args.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
stem = Path(args[1]).stem
assert Path("_variables.yml").is_file()
if to == "html":
    (out / (stem + ".html")).write_text("<html><body>quarto html</body></html>")
else:
    (out / (stem + ".pdf")).write_bytes(b"%PDF-1.7 quarto")
"""


def test_metadata_override(generated, tmp_path):
    res = _render(tmp_path, generated, metadata={"date": "1 January 2030"})
    html = res.html.read_text(encoding="utf-8")
    assert '<p class="date">1 January 2030</p>' in html
    assert "21 November 2025" not in html


def test_quarto_path_with_stand_in_cli(generated, tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "quarto"
    exe.write_text(FAKE_QUARTO.replace("{python}", sys.executable))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    res = _render(tmp_path, generated, quarto="auto", metadata={"date": "1 May 2030"})
    assert res.engine == "quarto"
    assert res.html.read_text() == "<html><body>quarto html</body></html>"
    assert res.pdf.read_bytes().startswith(b"%PDF")
    calls = (tmp_path / "work" / "quarto-calls.log").read_text().splitlines()
    assert len(calls) == 2
    assert calls[0].startswith("render report.qmd --to html --output-dir")
    assert calls[1].startswith("render report.qmd --to typst --output-dir")
    assert all("--no-execute-daemon" in c and "SOURCE_DATE_EPOCH=" in c for c in calls)
    assert all('-M date:"1 May 2030"' in c for c in calls)
    # validation still runs first on the Quarto path
    with pytest.raises(MissingVariableError):
        _render(tmp_path / "again", generated, quarto="auto", variables={})


def test_quarto_always_without_cli(generated, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(ReportRenderError, match="quarto"):
        _render(tmp_path, generated, quarto="always")
