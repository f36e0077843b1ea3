"""Forest plots to the standard of R meta's forest(): measure columns, weights only
where a model defines them, the prediction interval as its own row (named, and left out
when it says nothing), favours labels, the overall block set apart from subgroups fed
by the same studies, large k, and text of at least 7 pt where the report places the
figure (font sizes read from the figure's PDF, the placed width from the report PDF)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tkimeta.plots import figure_bytes, forest_plot, get_layout
from tkimeta.plots.forest import pi_says_nothing

from test_plots import _gids, _texts, contrast_frames, forest_frames

ROOT = Path(__file__).resolve().parents[1]
MIN_PT = 7.0


# --------------------------------------------------------------------------- #
# font sizes in a figure's PDF and the width the report gives it
# --------------------------------------------------------------------------- #
def pdf_font_sizes(data: bytes) -> list[float]:
    """Every text size (the Tf operator) in a matplotlib PDF's content streams."""
    sizes = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        raw = match.group(1)
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass
        sizes += [float(x) for x in re.findall(rb"/F\d+\s+([\d.]+)\s+Tf", raw)]
    return sizes


def pdf_width_in(data: bytes) -> float:
    box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    return (float(box.group(3)) - float(box.group(1))) / 72.0


def _length_in(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)\s*(cm|mm|in|pt)", str(text).strip()).groups()
    return float(number) * {"cm": 1 / 2.54, "mm": 1 / 25.4, "in": 1.0, "pt": 1 / 72.0}[unit]


def report_text_width_in() -> float:
    """A4 width less the left and right margins of report/_quarto.yml (typst)."""
    typst = yaml.safe_load((ROOT / "report" / "_quarto.yml").read_text())["format"]["typst"]
    assert typst["papersize"] == "a4"
    return 210 / 25.4 - 2 * _length_in(typst["margin"]["x"])


def smallest_placed_pt(pdf: bytes, placed_width_in: float) -> float:
    """The smallest text size once the figure is scaled to ``placed_width_in``."""
    scale = min(1.0, placed_width_in / pdf_width_in(pdf))
    return min(pdf_font_sizes(pdf)) * scale


def test_font_parser_reads_the_sizes_it_is_given():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 2))
    fig.text(0.1, 0.5, "six", fontsize=6.0)
    fig.text(0.1, 0.2, "nine", fontsize=9.0)
    data = figure_bytes(fig, "pdf")
    assert sorted(set(pdf_font_sizes(data))) == [6.0, 9.0]
    assert pdf_width_in(data) == pytest.approx(4.0)
    assert smallest_placed_pt(data, 2.0) == pytest.approx(3.0)  # half the width, half the size


@pytest.mark.parametrize("which", ["proportion", "ratio", "large_k"])
def test_forest_text_is_at_least_7pt_at_the_report_width(which):
    if which == "proportion":
        fig = forest_plot(*forest_frames())
    elif which == "ratio":
        s, p = contrast_frames()
        fig = forest_plot(s, p, outcome="HR_PFS_liver", method="reml_hksj")
    else:
        fig = forest_plot(*many_studies(300))
    smallest = smallest_placed_pt(figure_bytes(fig, "pdf"), report_text_width_in())
    assert smallest >= MIN_PT, f"{which}: smallest text {smallest:.2f} pt at the report's text width"


def test_forest_pdfs_in_the_report_are_readable_where_placed():
    """Each forest plot the rendered report shows: its text, scaled to the width the PDF
    places it at (pdfimages: pixels / ppi), is at least 7 pt."""
    report, figures = ROOT / "results" / "report" / "report.pdf", ROOT / "results" / "figures"
    if not report.exists() or not shutil.which("pdfimages"):
        pytest.skip("report not built or poppler-utils missing")
    listing = subprocess.run(["pdfimages", "-list", str(report)], capture_output=True, text=True, check=True).stdout
    placed = {}
    for line in listing.splitlines()[2:]:
        cols = line.split()
        if len(cols) > 13 and cols[2] == "image":
            placed.setdefault((int(cols[3]), int(cols[4])), float(cols[12]))
    from matplotlib.image import imread

    checked = 0
    for png in sorted(figures.glob("forest_*.png")):
        height, width = imread(png).shape[:2]
        if (width, height) not in placed:
            continue
        smallest = smallest_placed_pt((png.with_suffix(".pdf")).read_bytes(), width / placed[(width, height)])
        assert smallest >= MIN_PT, f"{png.name}: {smallest:.2f} pt as placed in the report"
        checked += 1
    assert checked, "no forest plot found in the report PDF"


# --------------------------------------------------------------------------- #
# columns, weights, prediction interval, favours, blocks
# --------------------------------------------------------------------------- #
def test_measure_columns_and_percent():
    fig = forest_plot(*forest_frames())
    texts = _texts(fig)
    assert "Events/N" in texts and "% [95% CI]" in texts and "15.0 [8.0, 26.0]" in texts
    s, p = contrast_frames()
    texts = _texts(forest_plot(s, p, outcome="HR_PFS_liver", method="reml_hksj"))
    assert "HR [95% CI]" in texts


def test_weights_only_under_a_reml_model_and_named():
    s, p = contrast_frames()
    s = s.assign(weight=[40.0, 35.0, 25.0, 50.0, 50.0, 100.0, 100.0])
    fig = forest_plot(s, p, outcome="HR_PFS_liver", method="reml_hksj")
    assert get_layout(fig).extra["weights_shown"] and "Weight" in _texts(fig)
    assert any("weight of the REML model" in t for t in _texts(fig))
    # a study alone in its block (OR, k = 1) is not pooled: no weight beside it
    fig = forest_plot(s, p, outcome="OR_ORR_liver", method="reml_hksj")
    assert "100.0%" not in _texts(fig)
    # the study weights are REML weights: not shown beside DerSimonian-Laird diamonds
    fig = forest_plot(s, p, outcome="HR_PFS_liver", method="dl")
    assert not get_layout(fig).extra["weights_shown"] and "40.0%" not in _texts(fig)


def test_prediction_interval_is_its_own_named_row():
    fig = forest_plot(*forest_frames())
    rows = get_layout(fig).rows
    pi = [label for kind, label in rows if kind == "pi"]
    assert pi == ["Prediction interval (normal)"]  # GLMM: normal quantiles, as metafor
    index = rows.index(("pi", pi[0]))
    assert rows[index - 1][0] == "pooled"  # right under its diamond
    assert "[3.0, 50.0]" in _texts(fig)
    assert not any("prediction interval" in n for n in get_layout(fig).notes if n.startswith("Heterogeneity"))
    fig = forest_plot(*forest_frames(), pi_method="hts")
    assert [label for kind, label in get_layout(fig).rows if kind == "pi"] == ["Prediction interval (t, k − 2 df)"]
    assert any("k − 2 df" in t for t in _texts(fig))
    s, p = contrast_frames()
    fig = forest_plot(s, p, outcome="HR_PFS_liver", method="reml_hksj")
    assert [label for kind, label in get_layout(fig).rows if kind == "pi"] == ["Prediction interval (t, k − 1 df)"]
    with pytest.raises(ValueError, match="pi_method"):
        forest_plot(*forest_frames(), pi_method="riley")


def test_prediction_interval_that_says_nothing_is_left_out():
    assert pi_says_nothing(0.02, 0.97, "proportion") and not pi_says_nothing(0.03, 0.50, "proportion")
    assert pi_says_nothing(0.05, 20.0, "ratio") and not pi_says_nothing(0.5, 5.0, "ratio")
    studies, pooled, test = forest_frames()
    pooled.loc[pooled.subgroup == "liver_met", ["pi_lower", "pi_upper"]] = [0.01, 0.98]
    fig = forest_plot(studies, pooled, test)
    layout = get_layout(fig)
    assert layout.count("pi") == 0 and not _gids(fig, "pi")
    assert any(n.startswith("Prediction interval not shown: [1.0, 98.0]") for n in layout.notes)


def test_favours_labels_for_contrasts_only():
    s, p = contrast_frames()
    fig = forest_plot(s, p, outcome="HR_PFS_liver", method="reml_hksj")
    assert get_layout(fig).extra["favours"] == ("better with liver metastases", "worse with liver metastases")
    assert fig.axes[0].get_xlabel() == "Hazard ratio, liver metastasis vs none (log scale)"
    fig = forest_plot(s, p, outcome="OR_ORR_liver", method="reml_hksj")
    assert get_layout(fig).extra["favours"] == ("worse with liver metastases", "better with liver metastases")
    assert "favours" not in get_layout(forest_plot(*forest_frames())).extra


def test_overall_block_is_set_apart_when_it_shares_studies():
    fig = forest_plot(*forest_frames())  # study "a" feeds both subgroups and the overall block
    rows = get_layout(fig).rows
    header = rows.index(("header", "All patients"))
    assert rows[header - 1][0] == "rule" and [a for a in fig.artists if a.get_gid() == "block-rule"]
    assert rows[header + 1] == ("note", "Includes the patients of the subgroups above: not an independent group")
    studies, pooled, test = forest_frames()
    apart = studies.assign(study_id=np.where(studies.subgroup == "all", "z", studies.study_id))
    fig = forest_plot(apart, pooled, test)
    assert get_layout(fig).count("rule") == 0 and not get_layout(fig).extra["shared_overall"]


def test_clipped_diamond_and_interval_end_in_arrows():
    s, p = contrast_frames()
    p.loc[(p.outcome == "HR_PFS_liver") & (p.method == "reml_hksj"), ["ci_lower", "ci_upper"]] = [0.5, 400.0]
    fig = forest_plot(s, p, outcome="HR_PFS_liver", method="reml_hksj")
    assert _gids(fig, "diamond-clipped")


def test_subgroup_test_names_wald_and_knapp_hartung():
    studies, pooled, _ = forest_frames()
    test = {"q_between": 2.71, "df": 1, "p_value": 0.0998, "knha_f": 1.9, "knha_df1": 1, "knha_df2": 3, "knha_p": 0.26}
    notes = get_layout(forest_plot(studies, pooled, test)).notes
    assert notes[-1] == ("Test for subgroup differences: Q = 2.71, df = 1, p = 0.100 (Wald); "
                         "F = 1.90, df = 1, 3, p = 0.260 (meta-regression, Knapp-Hartung)")


# --------------------------------------------------------------------------- #
# large k
# --------------------------------------------------------------------------- #
def many_studies(k: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 200, size=k).astype(float)
    events = np.floor(n * rng.uniform(0.05, 0.6, size=k))
    p = events / n
    rows = []
    for subgroup, share in (("liver_met", 0.5), ("no_liver_met", 0.5), ("all", 1.0)):
        for i in range(k):
            rows.append(dict(outcome="ORR", subgroup=subgroup, study_id=f"s{i:05d}", estimate=p[i],
                             ci_lower=max(p[i] - 0.1, 0), ci_upper=min(p[i] + 0.1, 1),
                             events=math.floor(events[i] * share), n=math.floor(n[i] * share)))
    studies = pd.DataFrame(rows)
    pooled = pd.DataFrame([dict(outcome="ORR", subgroup=g, analysis="primary", method="glmm", k=float(k),
                                estimate=0.3, ci_lower=0.28, ci_upper=0.32, pi_lower=0.1, pi_upper=0.6,
                                tau2=0.3, i2=80.0, q=2000.0, q_pvalue=0.0, pooled=True)
                           for g in ("liver_met", "no_liver_met", "all")])
    return studies, pooled, {"q_between": 0.4, "df": 1, "p_value": 0.53}


def test_large_k_shows_pooled_rows_with_study_counts_and_stays_small():
    studies, pooled, test = many_studies(1000)
    fig = forest_plot(studies, pooled, test)
    layout = get_layout(fig)
    assert layout.extra["aggregated"] and layout.n_studies == 0 and layout.n_diamonds == 3
    assert sum("1000 studies, not drawn one by one" in n for n in layout.notes) == 3
    assert fig.get_figheight() < 6.0
    assert len(figure_bytes(fig, "pdf")) < 60_000 and len(figure_bytes(fig, "png")) < 250_000
    # at the threshold the studies are still drawn one by one
    few = forest_plot(*many_studies(13))  # 39 study rows
    assert not get_layout(few).extra["aggregated"] and get_layout(few).n_studies == 39


def test_large_k_contrasts_show_pooled_rows_only():
    from tkimeta.plots import contrasts_plot

    rng = np.random.default_rng(3)
    hr = np.exp(rng.normal(0.4, 0.2, size=300))
    studies = pd.DataFrame(dict(outcome="HR_PFS_liver", subgroup="all", study_id=[f"s{i:04d}" for i in range(300)],
                                estimate=hr, ci_lower=hr / 1.8, ci_upper=hr * 1.8))
    pooled = pd.DataFrame([dict(outcome="HR_PFS_liver", subgroup="all", analysis="primary", method="reml_hksj",
                                k=300.0, estimate=1.5, ci_lower=1.4, ci_upper=1.6, pi_lower=0.9, pi_upper=2.4,
                                tau2=0.04, i2=30.0, q=400.0, q_pvalue=0.0, pooled=True)])
    fig = contrasts_plot(studies, pooled, outcomes=["HR_PFS_liver"], method="reml_hksj")
    layout = get_layout(fig)
    assert layout.n_studies == 0 and layout.n_diamonds == 1
    assert any("300 studies, not drawn one by one" in n for n in layout.notes)
    assert fig.get_figheight() < 6.0
    few = contrasts_plot(studies.head(12), pooled, outcomes=["HR_PFS_liver"], method="reml_hksj")
    assert get_layout(few).n_studies == 12
