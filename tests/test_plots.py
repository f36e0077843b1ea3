"""tkimeta.plots: what each figure draws, input checks, and byte-identical saving.

Small synthetic frames stand in for the result CSVs (numeric columns as floats, as
plain ``pd.read_csv`` gives them; the NMA frame keeps numbers as text, as the cleaned
effects table does). What was drawn is read from the layout each figure carries
(``get_layout``) and from the artists' gids.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from tkimeta.plots import (
    ae_plot,
    audit_counts,
    audit_plot,
    contrasts_plot,
    figure_bytes,
    forest_plot,
    get_layout,
    nma_plot,
    save_figure,
)
from tkimeta.plots.style import STATUS_COLOURS, STATUS_ORDER

ROOT = Path(__file__).resolve().parents[1]
NAN = math.nan


# --------------------------------------------------------------------------- #
# synthetic inputs
# --------------------------------------------------------------------------- #
def forest_frames():
    """ORR: liver_met k = 3 (with PI), no_liver_met k = 2, all k = 1; a crc_only row to drop."""
    s = dict(outcome="ORR")
    studies = pd.DataFrame([
        {**s, "subgroup": "liver_met", "study_id": "a", "estimate": 0.10, "ci_lower": 0.03, "ci_upper": 0.24, "weight": 40.0, "events": 4.0, "n": 40.0, "label": "Study A"},
        {**s, "subgroup": "liver_met", "study_id": "b", "estimate": 0.12, "ci_lower": 0.05, "ci_upper": 0.25, "weight": 35.0, "events": 6.0, "n": 50.0, "label": "Study B"},
        {**s, "subgroup": "liver_met", "study_id": "c", "estimate": 0.25, "ci_lower": 0.12, "ci_upper": 0.43, "weight": 25.0, "events": 8.0, "n": 32.0, "label": "Study C"},
        {**s, "subgroup": "no_liver_met", "study_id": "a", "estimate": 0.25, "ci_lower": 0.10, "ci_upper": 0.47, "weight": 55.0, "events": 7.0, "n": 28.0, "label": "Study A"},
        {**s, "subgroup": "no_liver_met", "study_id": "b", "estimate": 0.32, "ci_lower": 0.14, "ci_upper": 0.55, "weight": 45.0, "events": 8.0, "n": 25.0, "label": "Study B"},
        {**s, "subgroup": "all", "study_id": "a", "estimate": 0.162, "ci_lower": 0.084, "ci_upper": 0.271, "weight": NAN, "events": 11.0, "n": 68.0, "label": "Study A"},
    ])
    p = dict(outcome="ORR", method="glmm")
    pooled = pd.DataFrame([
        {**p, "subgroup": "liver_met", "analysis": "primary", "k": 3.0, "estimate": 0.15, "ci_lower": 0.08, "ci_upper": 0.26, "pi_lower": 0.03, "pi_upper": 0.50, "tau2": 0.12, "i2": 35.2, "q": 3.1, "q_pvalue": 0.21, "pooled": True},
        {**p, "subgroup": "no_liver_met", "analysis": "primary", "k": 2.0, "estimate": 0.28, "ci_lower": 0.16, "ci_upper": 0.44, "pi_lower": NAN, "pi_upper": NAN, "tau2": 0.0, "i2": 0.0, "q": 0.3, "q_pvalue": 0.58, "pooled": True},
        {**p, "subgroup": "all", "analysis": "primary", "k": 1.0, "estimate": 0.162, "ci_lower": 0.084, "ci_upper": 0.271, "pi_lower": NAN, "pi_upper": NAN, "tau2": NAN, "i2": NAN, "q": NAN, "q_pvalue": NAN, "pooled": False},
        {**p, "subgroup": "liver_met", "analysis": "crc_only", "k": 2.0, "estimate": 0.11, "ci_lower": 0.05, "ci_upper": 0.2, "pi_lower": NAN, "pi_upper": NAN, "tau2": 0.0, "i2": 0.0, "q": 0.1, "q_pvalue": 0.8, "pooled": True},
    ])
    test = pd.DataFrame([
        {"outcome": "ORR", "analysis": "primary", "method": "glmm", "q_between": 2.71, "df": 1.0, "p_value": 0.0998},
        {"outcome": "DCR", "analysis": "primary", "method": "glmm", "q_between": 0.5, "df": 1.0, "p_value": 0.48},
    ])
    return studies, pooled, test


def forest_figure():
    studies, pooled, test = forest_frames()
    return forest_plot(studies, pooled, test)


def contrast_frames():
    s = pd.DataFrame([
        {"outcome": "HR_PFS_liver", "subgroup": "all", "study_id": "a", "estimate": 1.8, "ci_lower": 1.05, "ci_upper": 3.1},
        {"outcome": "HR_PFS_liver", "subgroup": "all", "study_id": "b", "estimate": 2.6, "ci_lower": 1.4, "ci_upper": 4.9},
        {"outcome": "HR_PFS_liver", "subgroup": "all", "study_id": "c", "estimate": 1.3, "ci_lower": 0.7, "ci_upper": 2.4},
        {"outcome": "RoM_PFS_liver", "subgroup": "all", "study_id": "a", "estimate": 0.55, "ci_lower": 0.35, "ci_upper": 0.86},
        {"outcome": "RoM_PFS_liver", "subgroup": "all", "study_id": "b", "estimate": 0.42, "ci_lower": 0.25, "ci_upper": 0.7},
        {"outcome": "OR_ORR_liver", "subgroup": "all", "study_id": "b", "estimate": 0.12, "ci_lower": 0.03, "ci_upper": 0.5},
        {"outcome": "ORR", "subgroup": "all", "study_id": "b", "estimate": 0.2, "ci_lower": 0.1, "ci_upper": 0.3},
    ])
    p = pd.DataFrame([
        {"outcome": "HR_PFS_liver", "subgroup": "all", "analysis": "primary", "method": "reml_hksj", "k": 3.0, "estimate": 1.85, "ci_lower": 0.9, "ci_upper": 3.8, "pi_lower": 0.2, "pi_upper": 17.0, "tau2": 0.05, "i2": 30.0, "q": 2.9, "q_pvalue": 0.23},
        {"outcome": "HR_PFS_liver", "subgroup": "all", "analysis": "primary", "method": "dl", "k": 3.0, "estimate": 1.85, "ci_lower": 1.2, "ci_upper": 2.8, "pi_lower": 0.6, "pi_upper": 5.0, "tau2": 0.05, "i2": 30.0, "q": 2.9, "q_pvalue": 0.23},
        {"outcome": "RoM_PFS_liver", "subgroup": "all", "analysis": "primary", "method": "reml_hksj", "k": 2.0, "estimate": 0.49, "ci_lower": 0.2, "ci_upper": 1.2, "pi_lower": NAN, "pi_upper": NAN, "tau2": 0.0, "i2": 0.0, "q": 0.6, "q_pvalue": 0.44},
        {"outcome": "OR_ORR_liver", "subgroup": "all", "analysis": "primary", "method": "reml_hksj", "k": 1.0, "estimate": 0.12, "ci_lower": 0.03, "ci_upper": 0.5, "pi_lower": NAN, "pi_upper": NAN, "tau2": NAN, "i2": NAN, "q": NAN, "q_pvalue": NAN},
        {"outcome": "ORR", "subgroup": "all", "analysis": "primary", "method": "glmm", "k": 1.0, "estimate": 0.2, "ci_lower": 0.1, "ci_upper": 0.3},
    ])
    return s, p


def audit_frame():
    statuses = {
        "s1": ["consistent"] * 5 + ["rounding"] * 2 + ["discrepancy"] + ["not_checkable"] * 3,
        "s2": ["consistent"] * 3 + ["not_checkable"],
        "s3": ["discrepancy"] * 2,
    }
    rows = [
        {"study_id": sid, "check": f"c{i}", "quantity": "q", "population": "all", "location": "abstract",
         "reported": "1", "recomputed": "1", "status": status, "detail": ""}
        for sid, values in statuses.items() for i, status in enumerate(values)
    ]
    return pd.DataFrame(rows)


def ae_frame():
    rows = [
        ("s1", "any_ae", "any", 61, 68), ("s1", "any_ae", "high", 41, 68), ("s1", "hypertension", "any", 35, 68),
        ("s1", "hypertension", "high", 11, 68), ("s1", "hypertension", "low", 24, 68),
        ("s2", "any_ae", "any", 29, 32), ("s2", "hypertension", "any", 17, 32), ("s2", "fatigue", "high", 3, 32),
        ("s3", "fatigue", "any", 12, 75),
    ]
    frame = pd.DataFrame(rows, columns=["study_id", "harmonised_term", "grade_group", "count", "n"]).astype({"count": float, "n": float})
    frame["proportion"] = frame["count"] / frame["n"]
    frame["ci_lower"] = (frame["proportion"] - 0.1).clip(lower=0)
    frame["ci_upper"] = (frame["proportion"] + 0.1).clip(upper=1)
    return frame


def nma_frame():
    """As in results/clean/effects.csv: text numbers, a comparison printed twice, another study."""
    header = ["study_id", "population", "endpoint", "factor", "level", "reference", "measure", "estimate",
              "ci_lower", "ci_upper", "ci_level", "interval", "location"]
    rows = [
        ["nma", "liver_met", "OS", "treatment_mechanism", "multi_targeted_therapy", "chemotherapy", "HR", "0.57", "0.37", "0.87", "95", "cri", "abstract"],
        ["nma", "liver_met", "OS", "treatment_mechanism", "multi_targeted_therapy", "chemotherapy", "HR", "0.57", "0.37", "0.87", "95", "cri", "results"],
        ["nma", "liver_met", "OS", "treatment_mechanism", "targeted_therapy", "chemotherapy", "HR", "0.92", "0.54", "1.57", "95", "cri", "results"],
        ["nma", "liver_met", "OS", "treatment", "tas_102_plus_bevacizumab", "ctfu", "HR", "0.58", "0.36", "0.93", "95", "cri", "results"],
        ["nma", "liver_met", "PFS", "treatment", "fruquintinib", "bsc", "HR", "0.24", "0.19", "0.30", "95", "cri", "results"],
        ["nma", "liver_limited", "PFS", "treatment", "ramucirumab", "bsc", "HR", "0.80", "0.59", "1.09", "95", "cri", "results"],
        ["nma", "multiple_site", "OS", "treatment", "napabucasin", "ctfu", "HR", "1.82", "0.82", "4.05", "95", "cri", "results"],
        ["other", "liver_met", "OS", "liver_met", "yes", "no", "HR", "1.5", "1.1", "2.0", "95", "ci", "results"],
    ]
    return pd.DataFrame(rows, columns=header)


def _gids(fig, prefix: str) -> list:
    found = []
    for ax in fig.axes:
        for artist in list(ax.lines) + list(ax.patches):
            gid = artist.get_gid() or ""
            if gid == prefix or gid.startswith(prefix + ":"):
                found.append(artist)
    return found


def _texts(fig) -> list[str]:
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts] + [ax.get_xlabel()]
    return texts


# --------------------------------------------------------------------------- #
# forest
# --------------------------------------------------------------------------- #
def test_forest_rows_diamonds_and_notes():
    fig = forest_figure()
    layout = get_layout(fig)
    assert [label for kind, label in layout.rows if kind == "header"] == [
        "Liver metastases", "No liver metastases", "All patients"]
    assert layout.n_studies == 6
    assert layout.n_diamonds == 2  # k = 3 and k = 2; the k = 1 subgroup has none
    assert len(_gids(fig, "diamond")) == 2
    assert len(_gids(fig, "study")) == 6
    assert len(_gids(fig, "pi")) == 1  # only the k = 3 subgroup has a prediction interval
    notes = layout.notes
    assert any("k = 3" in n and "I² = 35%" in n and "τ² = 0.12" in n and "p = 0.210" in n for n in notes)
    assert any("k = 2: τ² poorly estimated" in n for n in notes)
    assert "k = 1: single study, not pooled" in notes
    assert notes[-1] == "Test for subgroup differences: Q = 2.71, df = 1, p = 0.100"
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Proportion (%)" and ax.get_xscale() == "linear"
    texts = _texts(fig)
    assert "4/40" in texts and "18/122" in texts  # events/N per study and summed for the diamond
    assert "15.0 [8.0, 26.0]" in texts  # proportions in percent, as in the text
    assert layout.extra["method"] == "glmm"
    # the GLMM defines no study weights: no weight column, no weight values
    assert layout.extra["weights_shown"] is False
    assert "IV weight" not in texts and "40.0%" not in texts


def test_forest_k1_only_and_k2_only():
    studies, pooled, _ = forest_frames()
    fig = forest_plot(studies[studies.subgroup == "all"], pooled[pooled.subgroup == "all"])
    layout = get_layout(fig)
    assert layout.n_diamonds == 0 and layout.n_studies == 1
    assert layout.notes == ["k = 1: single study, not pooled"]
    assert not _gids(fig, "diamond")
    # a k = 1 pooled row without a study row is still shown, as a study estimate
    fig = forest_plot(studies[studies.subgroup == "liver_met"], pooled[pooled.subgroup.isin(["liver_met", "all"])])
    assert get_layout(fig).n_studies == 4 and get_layout(fig).n_diamonds == 1
    fig = forest_plot(studies[studies.subgroup == "no_liver_met"], pooled[pooled.subgroup == "no_liver_met"])
    layout = get_layout(fig)
    assert layout.n_diamonds == 1 and layout.n_studies == 2
    assert any("poorly estimated" in n for n in layout.notes)


def test_forest_scales_and_units():
    months = pd.DataFrame([
        {"outcome": "median_PFS", "subgroup": "liver_met", "study_id": "a", "estimate": 3.1, "ci_lower": 2.0, "ci_upper": 4.5, "n": 40.0},
        {"outcome": "median_PFS", "subgroup": "liver_met", "study_id": "b", "estimate": 4.2, "ci_lower": 2.8, "ci_upper": 6.0, "n": 50.0},
    ])
    pooled = pd.DataFrame([{"outcome": "median_PFS", "subgroup": "liver_met", "analysis": "primary", "method": "reml_hksj",
                            "k": 2.0, "estimate": 3.5, "ci_lower": 1.2, "ci_upper": 10.5, "tau2": 0.01, "i2": 12.0, "q": 1.1, "q_pvalue": 0.29}])
    fig = forest_plot(months, pooled)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Median (months, log scale)" and ax.get_xscale() == "log"
    assert ax.get_xlim()[0] <= 1.2 and ax.get_xlim()[1] >= 10.5
    assert get_layout(fig).extra["weights_shown"] == ("weight" in months)  # IV method: weights when given
    assert not _gids(fig, "reference")

    s, p = contrast_frames()
    fig = forest_plot(s, p, outcome="HR_PFS_liver", method="reml_hksj")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "Hazard ratio, liver metastasis vs none (log scale)"
    refs = _gids(fig, "reference")
    assert refs and all(list(line.get_xdata()) == [1.0, 1.0] for line in refs)
    lo, hi = ax.get_xlim()
    assert lo <= 0.2 and hi >= 17.0  # CIs and the (informative) prediction interval inside
    assert _gids(fig, "pi") and not _gids(fig, "pi-clipped")
    assert get_layout(fig).scale == "ratio"
    assert fig.get_figwidth() == pytest.approx(7.0)


def test_forest_height_grows_with_rows():
    studies, pooled, test = forest_frames()
    small = forest_plot(studies[studies.subgroup == "all"], pooled[pooled.subgroup == "all"])
    large = forest_plot(studies, pooled, test)
    assert large.get_figheight() > small.get_figheight() + 1.0


def test_forest_input_errors():
    studies, pooled, test = forest_frames()
    with pytest.raises(ValueError, match="study_rows is empty"):
        forest_plot(studies.iloc[0:0], pooled)
    with pytest.raises(ValueError, match="pooled_rows is empty"):
        forest_plot(studies, pooled.iloc[0:0])
    with pytest.raises(ValueError, match="lacks column"):
        forest_plot(studies.drop(columns="ci_upper"), pooled)
    with pytest.raises(ValueError, match="several methods.*method="):
        forest_plot(studies, pd.concat([pooled, pooled.assign(method="dl")]))
    with pytest.raises(ValueError, match="several outcomes|hold 2"):
        forest_plot(pd.concat([studies, studies.assign(outcome="DCR")]), pooled)
    with pytest.raises(ValueError, match="scale"):
        forest_plot(studies.assign(outcome="weird"), pooled.assign(outcome="weird"))
    with pytest.raises(ValueError, match="DataFrame"):
        forest_plot(None, pooled)
    with pytest.raises(ValueError, match="percentages"):
        forest_plot(studies.assign(estimate=studies.estimate * 100), pooled)


# --------------------------------------------------------------------------- #
# contrasts, audit, AE, NMA
# --------------------------------------------------------------------------- #
def test_contrasts_one_log_panel():
    s, p = contrast_frames()
    fig = contrasts_plot(s, p, method="reml_hksj")
    layout = get_layout(fig)
    assert layout.extra["outcomes"] == ["HR_PFS_liver", "RoM_PFS_liver", "OR_ORR_liver"]  # ORR ignored
    assert layout.n_studies == 6 and layout.n_diamonds == 2  # OR has k = 1
    assert "k = 1: single study, not pooled" in layout.notes
    assert any("k = 2: τ² poorly estimated" in n for n in layout.notes)
    assert len(fig.axes) == 1 and fig.axes[0].get_xscale() == "log"
    assert _gids(fig, "reference")
    # a study keeps its colour and marker in every block
    points = _gids(fig, "study")
    assert len({(p.get_marker(), p.get_markerfacecolor()) for p in points}) == 3
    with pytest.raises(ValueError, match="several methods"):
        contrasts_plot(s, p)
    with pytest.raises(ValueError, match="no contrast outcomes"):
        contrasts_plot(s[s.outcome == "ORR"], p[p.outcome == "ORR"])
    with pytest.raises(ValueError, match="empty"):
        contrasts_plot(s.iloc[0:0], p)


def test_audit_stacked_counts():
    frame = audit_frame()
    counts = audit_counts(frame)
    assert list(counts.columns) == list(STATUS_ORDER)
    assert counts.loc["s1"].tolist() == [5, 2, 1, 3] and counts.loc["s3"].tolist() == [0, 0, 2, 0]
    fig = audit_plot(frame, study_labels={"s1": "Study one"})
    ax = fig.axes[0]
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("bar:")]
    assert len(bars) == 4 + 2 + 1  # non-zero segments only
    first = sorted((p for p in bars if abs(p.get_y() + p.get_height() / 2) < 1e-9), key=lambda p: p.get_x())
    assert [p.get_gid() for p in first] == [f"bar:{s}" for s in STATUS_ORDER]
    assert [matplotlib.colors.to_hex(p.get_facecolor()) for p in first] == [
        STATUS_COLOURS[s].lower() for s in STATUS_ORDER]
    labels = [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("count:")]
    assert sorted(labels) == sorted(["5", "2", "1", "3", "3", "1", "2"])
    totals = [t.get_text() for t in fig.texts if t.get_gid() == "total"]
    assert totals == ["11", "4", "2"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Study one", "s2", "s3"]
    with pytest.raises(ValueError, match="unknown status"):
        audit_plot(frame.assign(status="ok"))
    with pytest.raises(ValueError, match="empty"):
        audit_plot(frame.iloc[0:0])


def test_ae_dot_plot_facets():
    frame = ae_frame()
    fig = ae_plot(frame)
    layout = get_layout(fig)
    assert [t for _, t in layout.rows] == ["any_ae", "hypertension", "fatigue"]
    assert layout.extra["points"] == {"any": 5, "high": 3}  # the 'low' row is ignored
    assert len(_gids(fig, "point")) == 8
    assert [ax.get_title() for ax in fig.axes] == ["Any grade", "Grade ≥3"]
    # an exact duplicate is dropped; a proportion is derived from count/n when missing
    extra = pd.concat([frame, frame.iloc[[0]]])
    extra.loc[extra.index[-1], "proportion"] = NAN
    assert get_layout(ae_plot(extra)).extra["points"] == {"any": 5, "high": 3}
    # two different values for one cell are refused
    clash = pd.concat([frame, frame.iloc[[0]].assign(proportion=0.5)])
    with pytest.raises(ValueError, match="different values"):
        ae_plot(clash)
    with pytest.raises(ValueError, match="empty"):
        ae_plot(frame.iloc[0:0])
    with pytest.raises(ValueError, match="no any-grade"):
        ae_plot(frame[frame.grade_group == "low"])


def test_nma_context_plot():
    fig = nma_plot(nma_frame(), study_id="nma")
    layout = get_layout(fig)
    headers = [label for kind, label in layout.rows if kind == "header"]
    assert headers == [
        "Liver metastases, OS: vs CTFU",
        "Liver metastases, OS: vs Chemotherapy (drug classes)",
        "Liver metastases, PFS: vs BSC",
        "Liver-limited metastases, PFS: vs BSC",
    ]
    assert layout.n_studies == 5  # the comparison printed twice is drawn once; multiple_site is not liver
    assert layout.n_diamonds == 0
    assert fig.axes[0].get_xscale() == "log"
    assert any("not pooled" in t for t in _texts(fig))
    assert "TAS-102 + bevacizumab" in _texts(fig)
    assert "HR [95% CrI]" in _texts(fig)
    fig = nma_plot(nma_frame(), study_id="nma", populations=["multiple_site"])
    assert get_layout(fig).n_studies == 1
    with pytest.raises(ValueError, match="no rows for study"):
        nma_plot(nma_frame(), study_id="missing")
    with pytest.raises(ValueError, match="empty"):
        nma_plot(nma_frame().iloc[0:0])
    with pytest.raises(ValueError, match="population"):
        nma_plot(nma_frame(), study_id="nma", populations=["nowhere"])


def test_rcparams_do_not_leak():
    before = dict(matplotlib.rcParams)
    with matplotlib.rc_context({"font.size": 23.0, "lines.linewidth": 7.0}):
        fig = forest_figure()
        assert matplotlib.rcParams["font.size"] == 23.0
    assert dict(matplotlib.rcParams) == before
    assert all(t.get_fontsize() <= 10 for t in fig.texts)


# --------------------------------------------------------------------------- #
# deterministic output
# --------------------------------------------------------------------------- #
def test_save_twice_identical(tmp_path):
    first = save_figure(forest_figure(), tmp_path / "one" / "forest")
    second = save_figure(forest_figure(), tmp_path / "two" / "forest")
    assert [p.name for p in first] == ["forest.png", "forest.pdf"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    fig = forest_figure()
    assert figure_bytes(fig, "pdf") == figure_bytes(fig, "pdf")
    assert figure_bytes(fig, "svg") == figure_bytes(fig, "svg")
    png = first[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in png and b"matplotlib" not in png
    pdf = first[1].read_bytes()
    assert b"CreationDate" not in pdf and b"Producer" not in pdf and b"matplotlib" not in pdf.lower()
    # 200 dpi: 7 in wide -> 1400 px
    assert int.from_bytes(png[16:20], "big") == 1400


def test_save_paths(tmp_path):
    fig = forest_figure()
    written = save_figure(fig, [tmp_path / "a.pdf", tmp_path / "sub" / "b.png"])
    assert [p.name for p in written] == ["a.pdf", "b.png"] and all(p.exists() for p in written)
    assert save_figure(fig, tmp_path / "c.svg")[0].read_bytes().startswith(b"<?xml")
    assert [p.name for p in save_figure(fig, tmp_path / "forest_ORR.v2", formats=("png",))] == ["forest_ORR.v2.png"]
    with pytest.raises(ValueError, match="format"):
        save_figure(fig, [tmp_path / "a.jpeg"])
    with pytest.raises(ValueError, match="format"):
        save_figure(fig, tmp_path / "x", formats=("tiff",))
    assert not list(tmp_path.glob("**/*.tmp"))


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_plots import forest_figure, audit_frame
from tkimeta.plots import audit_plot, save_figure
save_figure(forest_figure(), sys.argv[1] + "/forest")
save_figure(audit_plot(audit_frame()), sys.argv[1] + "/audit")
"""


def test_identical_across_processes(tmp_path):
    """Two fresh interpreters (different hash seeds, one with a hostile matplotlibrc) write the same bytes."""
    script = tmp_path / "render.py"
    script.write_text(SCRIPT.format(tests=str(Path(__file__).parent)))
    rc_dir = tmp_path / "rc"
    rc_dir.mkdir()
    (rc_dir / "matplotlibrc").write_text(
        "font.size: 15\nfont.family: serif\nlines.linewidth: 3\nsavefig.dpi: 50\n"
        "savefig.bbox: tight\npdf.fonttype: 3\naxes.facecolor: yellow\n"
    )
    outputs, runs = [], []
    for seed, extra in (("0", {}), ("4242", {"MATPLOTLIBRC": str(rc_dir / "matplotlibrc")})):
        out = tmp_path / f"run{seed}"
        out.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("MATPLOTLIBRC", "MPLBACKEND")}
        env.update(PYTHONHASHSEED=seed, **extra)
        runs.append(subprocess.Popen([sys.executable, str(script), str(out)], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs.append(out)
    here = tmp_path / "here"
    save_figure(forest_figure(), here / "forest")
    save_figure(audit_plot(audit_frame()), here / "audit")
    for run in runs:
        _out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    for name in ("forest.png", "forest.pdf", "audit.png", "audit.pdf"):
        blobs = {(d / name).read_bytes() for d in (*outputs, here)}
        assert len(blobs) == 1, name


def test_no_forest_plot_in_the_results_carries_glmm_weights():
    """Every forest plot the workflow draws for a GLMM-pooled outcome has no weight column."""
    root = Path(__file__).resolve().parents[1] / "results" / "pooled"
    if not (root / "study_estimates.csv").exists():
        pytest.skip("workflow results not built")
    studies, estimates = pd.read_csv(root / "study_estimates.csv"), pd.read_csv(root / "estimates.csv")
    glmm = [o for o in estimates.loc[estimates["method"] == "glmm", "outcome"].unique()
            if (studies["outcome"] == o).any()]
    assert glmm
    for outcome in glmm:
        fig = forest_plot(studies[studies["outcome"] == outcome], estimates[estimates["outcome"] == outcome],
                          outcome=outcome, method="glmm")
        assert get_layout(fig).extra["weights_shown"] is False, outcome
        assert "IV weight" not in _texts(fig)
