"""Forest plot of one outcome by liver-metastasis subgroup.

Input contracts (frames read with plain ``pd.read_csv``; numeric columns as floats):

``study_rows`` (results/pooled/study_estimates.csv, one outcome):
    outcome, subgroup, study_id, estimate, ci_lower, ci_upper
    optional: weight (percent, primary method), events, n, label (study display label)
``pooled_rows`` (results/pooled/estimates.csv, one outcome):
    outcome, subgroup, k, estimate, ci_lower, ci_upper
    optional: analysis (rows other than ``analysis`` are dropped), method, pi_lower,
    pi_upper, tau2, i2 (percent), q, q_pvalue, pooled (true/false), scale, label
``subgroup_test`` (results/pooled/subgroup_tests.csv rows, or a mapping):
    q_between, df, p_value (optional outcome, analysis, method used to select the row)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..vocab import (
    CONTRAST_MEASURES,
    MAX_LISTED_STUDIES,
    CONTRAST_WORSE_ABOVE_ONE,
    SCALES,
    SUBGROUP_DISPLAY_ORDER,
    OVERALL,
    method_abbreviation,
    method_description,
    outcome_label,
    outcome_scale,
    subgroup_label,
)
from ._table import (
    DIAMOND_COLOUR,
    PI_COLOUR,
    POINT_COLOUR,
    Column,
    Row,
    as_bool,
    draw_rows,
    finite,
    fmt_ci as _fmt_ci,
    fmt_num,
    fmt_p,
    fmt_sig,
    numeric,
    ratio_limits,
    require_frame,
    to_float,
)
from ..stats.prediction import PI_METHODS
from .style import style_context

#: Methods whose study weights are inverse-variance weights (the GLMM has none).
IV_WEIGHT_METHODS = ("reml_hksj", "reml", "dl", "ft_reml", "ce")
#: The weights in study_estimates.csv are those of the REML model (pooling/analysis.py):
#: shown, so named, only when the diamonds come from a REML model.
REML_WEIGHT_METHODS = ("reml_hksj", "reml")
# Above MAX_LISTED_STUDIES study rows (tkimeta.vocab) a forest plot shows the pooled rows
# only, each with a note saying how many studies it holds (legible, and its file small).
#: A prediction interval "says nothing" when it covers this much of 0-100% (proportions)
#: or spans this factor from its lower to its upper end (log scales): it is then left out,
#: with a note giving its bounds.
PI_UNINFORMATIVE_PROPORTION = 0.9
PI_UNINFORMATIVE_RATIO = 100.0

__all__ = [
    "forest_plot",
    "infer_scale",
    "axis_label",
    "heterogeneity_text",
]

DIGITS = {"proportion": 2, "months": 1, "ratio": 2}
STUDY_COLUMNS = ("outcome", "subgroup", "study_id", "estimate", "ci_lower", "ci_upper")
POOLED_COLUMNS = ("outcome", "subgroup", "k", "estimate", "ci_lower", "ci_upper")
NUMERIC = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2", "q", "q_pvalue",
           "k", "weight", "events", "n")


def infer_scale(outcome: str, declared=None) -> str:
    """proportion, months or ratio, from a ``scale`` cell or the outcome name."""
    if declared is not None and isinstance(declared, str) and declared.strip():
        scale = declared.strip().lower()
        if scale not in SCALES:
            raise ValueError(f"unknown scale {declared!r} for {outcome}; use one of {', '.join(SCALES)}")
        return scale
    name = str(outcome)
    if name.startswith(("rate_", "prop_")):
        return "proportion"
    scale = outcome_scale(name)
    if scale is not None:
        return scale
    raise ValueError(f"cannot tell the scale of outcome {name!r}; pass scale='proportion'|'months'|'ratio'")


def _contrast(outcome: str) -> str | None:
    match = re.match(r"^(HR|RoM|OR)_", str(outcome))
    return match.group(1) if match else None


def axis_label(scale: str, outcome: str = "", ci_level: float = 0.95) -> str:
    if scale == "proportion":
        return "Proportion (%)"
    if scale == "months":
        return "Median (months, log scale)"
    measure = _contrast(outcome)
    if measure is None:
        return "Ratio (log scale)"
    return f"{CONTRAST_MEASURES[measure]}, liver metastasis vs none (log scale)"


def favours_labels(outcome: str) -> tuple[str, str] | None:
    """What each side of 1 means for a liver-metastasis contrast (R meta's label.left /
    label.right); None where direction does not apply (rates, medians)."""
    measure = _contrast(outcome)
    if measure is None or not str(outcome).endswith("_liver"):
        return None
    if CONTRAST_WORSE_ABOVE_ONE[measure]:
        return "better with liver metastases", "worse with liver metastases"
    return "worse with liver metastases", "better with liver metastases"


def estimate_header(scale: str, outcome: str, ci_level: float = 0.95) -> str:
    """The estimate column's header names the measure: %, median (months), HR, ..."""
    level = f"{ci_level * 100:.0f}% CI"
    if scale == "proportion":
        return f"% [{level}]"
    if scale == "months":
        return f"Median, mo [{level}]"
    measure = _contrast(outcome)
    return f"{measure or 'Ratio'} [{level}]"


#: The forms of a prediction interval: (the row label's name, the footnote's account).
_PI_FORMS = {
    "hts": ("t, k − 2 df", "t distribution with k − 2 df (Higgins-Thompson-Spiegelhalter 2009, as R meta)"),
    "knha": ("t, k − 1 df", "t distribution with k − 1 df, as metafor's predict() after Hartung-Knapp"),
    "normal": ("normal", "normal quantiles, as metafor's predict()"),
}


def _pi_form(method: str | None, pi_method: str | None) -> str:
    if pi_method == "hts":
        return "hts"
    return "knha" if method == "reml_hksj" else "normal"


def pi_label(method: str | None, pi_method: str | None) -> str:
    """'Prediction interval (t, k − 1 df)': the row label names the interval's form."""
    return f"Prediction interval ({_PI_FORMS[_pi_form(method, pi_method)][0]})"


def pi_says_nothing(lower: float, upper: float, scale: str) -> bool:
    """True when a prediction interval spans nearly the whole axis (see the constants)."""
    if not finite(lower, upper):
        return True
    if scale == "proportion":
        return upper - lower >= PI_UNINFORMATIVE_PROPORTION
    return lower <= 0 or upper / lower >= PI_UNINFORMATIVE_RATIO


def heterogeneity_text(row: Mapping, scale: str, ci_level: float = 0.95, with_pi: bool = True) -> str:
    """'Heterogeneity: k = 3, I² = 45%, τ² = 0.12, Q = 3.61 (p = 0.164)' (+ k = 2 flag, PI)."""
    k = to_float(row.get("k"))
    parts = []
    if finite(k):
        parts.append(f"k = {int(k)}")
    i2, tau2, q, qp = (to_float(row.get(c)) for c in ("i2", "tau2", "q", "q_pvalue"))
    if finite(i2):
        parts.append(f"I² = {i2:.0f}%")
    if finite(tau2):
        parts.append(f"τ² = {fmt_sig(tau2)}")
    if finite(q):
        parts.append(f"Q = {q:.2f}" + (f" (p {fmt_p(qp)})" if finite(qp) else ""))
    elif finite(qp):
        parts.append(f"Q test p {fmt_p(qp)}")
    text = "Heterogeneity: " + ", ".join(parts)
    if finite(k) and int(k) == 2:
        text += "; k = 2: τ² poorly estimated"
    lo, hi = to_float(row.get("pi_lower")), to_float(row.get("pi_upper"))
    if with_pi and finite(lo, hi):
        if scale == "proportion":
            text += f"; {ci_level * 100:.0f}% prediction interval {100 * lo:.1f}% to {100 * hi:.1f}%"
        else:
            digits = DIGITS[scale]
            text += f"; {ci_level * 100:.0f}% prediction interval {fmt_num(lo, digits)} to {fmt_num(hi, digits)}"
    return text


def _select_outcome(study: pd.DataFrame, pooled: pd.DataFrame, outcome) -> str:
    if outcome is not None:
        return str(outcome)
    outcomes = sorted(set(study["outcome"].astype(str)) | set(pooled["outcome"].astype(str)))
    if len(outcomes) != 1:
        raise ValueError(
            f"forest_plot draws one outcome but the inputs hold {len(outcomes)} "
            f"({', '.join(outcomes)}); pass outcome= or filter the frames"
        )
    return outcomes[0]


def _select_method(pooled: pd.DataFrame, method, outcome: str, who: str) -> tuple[pd.DataFrame, str | None]:
    if "method" not in pooled.columns:
        return pooled, None
    methods = sorted(set(pooled["method"].dropna().astype(str)))
    if method is None:
        if len(methods) > 1:
            raise ValueError(
                f"{who}: pooled rows for {outcome} hold several methods ({', '.join(methods)}); "
                "pass method= (the primary method of the config)"
            )
        return pooled, (methods[0] if methods else None)
    chosen = pooled[pooled["method"].astype(str) == str(method)]
    if chosen.empty:
        raise ValueError(f"{who}: no pooled rows for {outcome} with method {method!r} (have: {', '.join(methods)})")
    return chosen, str(method)


def select_pooled(pooled: pd.DataFrame, outcome: str, analysis, method, who: str):
    """Rows of ``pooled`` for ``outcome``/``analysis``/``method`` (method may be a mapping)."""
    rows = pooled[pooled["outcome"].astype(str) == outcome]
    if analysis is not None and "analysis" in rows.columns:
        rows = rows[rows["analysis"].astype(str) == str(analysis)]
    if isinstance(method, Mapping):
        method = method.get(outcome)
    rows, chosen = _select_method(rows, method, outcome, who)
    duplicated = rows[rows.duplicated("subgroup", keep=False)]
    if not duplicated.empty:
        raise ValueError(
            f"{who}: several pooled rows for {outcome} in subgroup(s) "
            f"{', '.join(sorted(set(duplicated['subgroup'].astype(str))))}; filter analysis/method first"
        )
    return rows, chosen


def _subgroup_test_text(subgroup_test, outcome: str, analysis, method) -> str | None:
    if subgroup_test is None:
        return None
    if isinstance(subgroup_test, pd.DataFrame):
        rows = subgroup_test
        for column, value in (("outcome", outcome), ("analysis", analysis), ("method", method)):
            if value is not None and column in rows.columns:
                rows = rows[rows[column].astype(str) == str(value)]
        if rows.empty:
            return None
        if len(rows) > 1:
            raise ValueError(
                f"forest_plot: {len(rows)} subgroup-test rows match {outcome}; filter to one (analysis, method)"
            )
        record = rows.iloc[0].to_dict()
    elif isinstance(subgroup_test, Mapping):
        record = dict(subgroup_test)
    else:
        raise ValueError(f"forest_plot: subgroup_test must be a DataFrame or a mapping, got {type(subgroup_test).__name__}")
    q, df, p = (to_float(record.get(c)) for c in ("q_between", "df", "p_value"))
    if not finite(q):
        return None
    df_text = f"{int(df)}" if finite(df) and float(df).is_integer() else fmt_sig(df)
    text = f"Test for subgroup differences: Q = {q:.2f}, df = {df_text}, p {fmt_p(p)}"
    f, df1, df2, fp = (to_float(record.get(c)) for c in ("knha_f", "knha_df1", "knha_df2", "knha_p"))
    if finite(f, df1, df2):
        # the diamonds use HKSJ: the meta-regression F-test is the test on the same basis
        text += (f" (Wald); F = {f:.2f}, df = {int(df1)}, {int(df2)}, p {fmt_p(fp)} "
                 "(meta-regression, Knapp-Hartung)")
    return text


def _subgroups(study: pd.DataFrame, pooled: pd.DataFrame, subgroups) -> list[str]:
    present = list(dict.fromkeys(list(study["subgroup"].astype(str)) + list(pooled["subgroup"].astype(str))))
    if subgroups is not None:
        wanted = [str(s) for s in subgroups]
        return [s for s in wanted if s in present]
    known = [s for s in SUBGROUP_DISPLAY_ORDER if s in present]
    return known + sorted(s for s in present if s not in SUBGROUP_DISPLAY_ORDER)


def _marker_sizes(weights: pd.Series) -> pd.Series:
    """Marker side (points) with area proportional to weight: 3.5 to 10 pt."""
    w = pd.to_numeric(weights, errors="coerce")
    top = w.max()
    if not finite(to_float(top)) or top <= 0:
        return pd.Series(5.0, index=weights.index)
    return (3.5 + 6.5 * np.sqrt(w.clip(lower=0) / top)).fillna(5.0)


def forest_plot(
    study_rows: pd.DataFrame,
    pooled_rows: pd.DataFrame,
    subgroup_test=None,
    *,
    title: str | None = None,
    scale: str | None = None,
    outcome: str | None = None,
    method=None,
    analysis: str | None = "primary",
    subgroups=None,
    study_labels: Mapping[str, str] | None = None,
    xlim: tuple[float, float] | None = None,
    ci_level: float = 0.95,
    pi_method: str | None = None,
    max_study_rows: int = MAX_LISTED_STUDIES,
) -> Figure:
    """Forest plot of one outcome, one block per subgroup (liver_met, no_liver_met, all),
    drawn to the conventions of R meta's ``forest()``.

    Each block: a header, one row per study (square, CI line, events/N or N, estimate
    [CI], and the REML weight when the diamonds come from a REML model: the GLMM
    defines no study weights), then the pooled diamond, the prediction interval on its
    own row with its form named (``pi_method``: ``metafor`` or ``hts``; left out, with a
    note, when it spans nearly the whole axis) and a heterogeneity line (k, I², τ², Q p;
    k = 2 is flagged as poorly estimating τ²). A pooled row with k = 1 or ``pooled``
    false gets no diamond but the note "single study, not pooled". When the overall
    block holds studies that also feed a subgroup block, a rule and a note set it apart.
    The subgroup-difference test, when given, is the last line. Proportions read in
    percent; medians and ratios on a log axis (ratios with a reference line at 1 and
    labels saying which side is better); intervals cut off by the axis end in arrows.

    More than ``max_study_rows`` study rows: the study rows are left out and each block
    shows its pooled rows with a note of how many studies it holds.

    ``outcome``: which outcome to draw when the frames hold several. ``method``: which
    pooling method to show when ``pooled_rows`` holds several (required then).
    ``analysis``: keep only pooled rows of this analysis (``None`` keeps all).
    ``subgroups``: order/selection of subgroups. ``study_labels``: study_id -> label.
    Returns a Figure; ``tkimeta.plots.get_layout(fig)`` lists the rows drawn.
    """
    who = "forest_plot"
    if pi_method is not None and pi_method not in PI_METHODS:
        raise ValueError(f"{who}: unknown pi_method {pi_method!r}; use one of {', '.join(PI_METHODS)}")
    study = numeric(require_frame(study_rows, "study_rows", STUDY_COLUMNS, who), NUMERIC)
    pooled = numeric(require_frame(pooled_rows, "pooled_rows", POOLED_COLUMNS, who), NUMERIC)
    outcome = _select_outcome(study, pooled, outcome)
    study = study[study["outcome"].astype(str) == outcome]
    if study.empty:
        raise ValueError(f"{who}: study_rows has no rows for outcome {outcome!r}")
    pooled, chosen_method = select_pooled(pooled, outcome, analysis, method, who)
    if pooled.empty:
        raise ValueError(f"{who}: pooled_rows has no rows for outcome {outcome!r} (analysis {analysis!r})")

    declared = None
    if "scale" in pooled.columns:
        values = sorted(set(pooled["scale"].dropna().astype(str)))
        declared = values[0] if len(values) == 1 else None
    scale = infer_scale(outcome, scale if scale is not None else declared)
    digits = DIGITS[scale]
    if scale == "proportion":
        cells = pd.concat([study[c] for c in ("estimate", "ci_lower", "ci_upper")]
                          + [pooled[c] for c in ("estimate", "ci_lower", "ci_upper")])
        if ((cells < 0) | (cells > 1)).any():
            raise ValueError(
                f"{who}: {outcome} is on the proportion scale but has values outside [0, 1] "
                f"(e.g. {cells[(cells < 0) | (cells > 1)].iloc[0]!r}); percentages instead of proportions?"
            )
    if title is None:
        labels = pooled["label"].dropna().astype(str).unique() if "label" in pooled.columns else []
        title = labels[0] if len(labels) == 1 and labels[0].strip() else outcome_label(outcome)

    aggregated = len(study) > max_study_rows
    has_counts = "n" in study.columns and study["n"].notna().any()
    show_events = scale == "proportion" and has_counts and "events" in study.columns and study["events"].notna().any()
    # Study weights exist only for an inverse-variance model (metafor defines none for the
    # GLMM), and the weights at hand are the REML model's: shown, and named, only when the
    # diamonds come from a REML model.
    has_weight = (not aggregated and "weight" in study.columns and study["weight"].notna().any()
                  and chosen_method in REML_WEIGHT_METHODS)
    left = [Column("Events/N" if show_events else "N", 0.65)] if has_counts else []
    right = [Column(estimate_header(scale, outcome, ci_level), 1.35)]
    if has_weight:
        right.append(Column("Weight", 0.55))
    sizes = _marker_sizes(study["weight"]) if has_weight else pd.Series(5.0, index=study.index)

    if scale == "proportion":
        def fmt_ci(est, lo, hi, digits):  # noqa: F811 - proportions read in percent, as in the text
            return _fmt_ci(*(100 * x if finite(x) else x for x in (est, lo, hi)), 1)

        def fmt_bounds(lo, hi):
            return f"[{100 * lo:.1f}, {100 * hi:.1f}]"
    else:
        fmt_ci = _fmt_ci

        def fmt_bounds(lo, hi):
            return f"[{fmt_num(lo, digits)}, {fmt_num(hi, digits)}]"

    def count_cell(events, n) -> str:
        if not has_counts:
            return ""
        if not finite(n):
            return "–"
        if show_events:
            return f"{int(events)}/{int(n)}" if finite(events) else f"–/{int(n)}"
        return f"{int(n)}"

    def study_label(record) -> str:
        sid = str(record["study_id"])
        if study_labels and sid in study_labels:
            return str(study_labels[sid])
        if "label" in record and isinstance(record["label"], str) and record["label"].strip():
            return record["label"]
        return sid

    order = _subgroups(study, pooled, subgroups)
    # The overall block shares studies with the subgroup blocks (halves of the same
    # studies): it is set apart by a rule and says so, so nobody reads it as a third group.
    ids = {g: set(study.loc[study["subgroup"].astype(str) == g, "study_id"].astype(str)) for g in order}
    others = set().union(*(ids[g] for g in order if g != OVERALL)) if len(order) > 1 else set()
    shared_overall = OVERALL in ids and bool(ids[OVERALL] & others)

    rows: list[Row] = []
    values: list[float] = []
    any_pi = False
    hidden_pi = False
    for subgroup in order:
        block = study[study["subgroup"].astype(str) == subgroup]
        prow = pooled[pooled["subgroup"].astype(str) == subgroup]
        if rows:
            rows.append(Row("rule") if subgroup == OVERALL and shared_overall else Row("spacer"))
        rows.append(Row("header", subgroup_label(subgroup), group=subgroup))
        if subgroup == OVERALL and shared_overall:
            rows.append(Row("note", "Includes the patients of the subgroups above: not an independent group",
                            group=subgroup))
        if aggregated:
            rows.append(Row("note", f"{len(block)} studies, not drawn one by one", group=subgroup))
        else:
            for index, record in block.iterrows():
                est, lo, hi = (to_float(record[c]) for c in ("estimate", "ci_lower", "ci_upper"))
                values += [est, lo, hi]
                rows.append(Row(
                    "study", study_label(record), group=subgroup,
                    cells=(count_cell(record.get("events"), record.get("n")),) if left else (),
                    # a study alone in its block is not pooled there: no weight to show
                    right=(fmt_ci(est, lo, hi, digits),) + ((f"{to_float(record['weight']):.1f}%"
                           if finite(to_float(record["weight"])) and len(block) > 1 else "",)
                           if has_weight else ()),
                    estimate=est, lower=lo, upper=hi, size=float(sizes.loc[index]), marker="s", colour=POINT_COLOUR,
                ))
        if prow.empty:
            continue
        record = prow.iloc[0].to_dict()
        est, lo, hi = (to_float(record[c]) for c in ("estimate", "ci_lower", "ci_upper"))
        k = to_float(record.get("k"))
        flag = as_bool(record.get("pooled"))
        single = (finite(k) and int(k) <= 1) or flag is False
        if single:
            if (block.empty or aggregated) and finite(est):
                values += [est, lo, hi]
                rows.append(Row(
                    "study", "Single study", group=subgroup,
                    cells=("",) if left else (), right=(fmt_ci(est, lo, hi, digits),) + (("",) if has_weight else ()),
                    estimate=est, lower=lo, upper=hi, marker="s", colour=POINT_COLOUR,
                ))
            why = "single study, not pooled" if (not finite(k) or int(k) <= 1) else "not pooled"
            rows.append(Row("note", f"k = {int(k) if finite(k) else '?'}: {why}", group=subgroup))
            continue
        values += [est, lo, hi]
        totals = ("",)
        if left and not block.empty:
            n_sum = block["n"].sum(min_count=len(block)) if "n" in block else math.nan
            e_sum = block["events"].sum(min_count=len(block)) if show_events else math.nan
            totals = (count_cell(e_sum, n_sum) if finite(to_float(n_sum)) else "",)
        method_name = str(record.get("method")) if isinstance(record.get("method"), str) else chosen_method
        rows.append(Row(
            "pooled", "Pooled" + (f" ({method_abbreviation(method_name)})" if method_name else ""),
            group=subgroup, cells=totals if left else (),
            right=(fmt_ci(est, lo, hi, digits),) + (("",) if has_weight else ()),
            estimate=est, lower=lo, upper=hi, colour=DIAMOND_COLOUR,
        ))
        pi_lo, pi_hi = to_float(record.get("pi_lower")), to_float(record.get("pi_upper"))
        if finite(pi_lo, pi_hi):
            if pi_says_nothing(pi_lo, pi_hi, scale):
                hidden_pi = True
                rows.append(Row("note", f"Prediction interval not shown: {fmt_bounds(pi_lo, pi_hi)} spans "
                                        "nearly the whole axis", group=subgroup))
            else:
                any_pi = True
                values += [pi_lo, pi_hi]
                rows.append(Row("pi", pi_label(method_name, pi_method), group=subgroup,
                                cells=("",) if left else (),
                                right=(fmt_bounds(pi_lo, pi_hi),) + (("",) if has_weight else ()),
                                pi_lower=pi_lo, pi_upper=pi_hi, colour=PI_COLOUR))
        rows.append(Row("note", heterogeneity_text(record, scale, ci_level, with_pi=False), group=subgroup))

    test_text = _subgroup_test_text(subgroup_test, outcome, analysis, chosen_method)
    if test_text:
        rows.append(Row("spacer"))
        rows.append(Row("note", test_text, group="test"))

    if scale == "proportion":
        limits, xscale, ref = (0.0, 1.0), "linear", None
        ticks = [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    elif scale == "months":  # medians are ratios in nature: log axis, no reference line
        finite_values = [v for v in values if finite(v) and v > 0]
        limits, xscale, ref, ticks = ratio_limits(values, ref=min(finite_values) if finite_values else 1.0), "log", None, None
    else:
        limits, xscale, ref, ticks = ratio_limits(values), "log", 1.0, None
    if xlim is not None:
        limits = (float(xlim[0]), float(xlim[1]))

    level = f"{ci_level * 100:.0f}%"
    any_diamond = any(row.kind == "pooled" for row in rows)
    common = chosen_method == "ce"
    model = "common-effect" if common else "random-effects"
    legend = [] if aggregated else [f"Squares: study estimates with {level} CI"
                                    + (", area proportional to weight" if has_weight else ", all of one size")]
    if any_diamond:
        legend.append(f"diamonds: {model} estimates with {level} CI")
    if any_pi:
        legend.append(f"vermillion bars: {level} prediction intervals")
    legend.append("arrows: an interval continues beyond the axis")
    foot = ["; ".join(legend)[0].upper() + "; ".join(legend)[1:] + "."]
    if aggregated:
        foot.append(f"More than {max_study_rows} study rows: each block shows its pooled estimate only; every "
                    "study's estimate is in results/pooled/study_estimates.csv.")
    if chosen_method and any_diamond:
        foot.append(f"Pooled ({method_abbreviation(chosen_method)}): {model} model, "
                    f"{method_description(chosen_method)}.")
    if any_pi or hidden_pi:
        foot.append(f"Prediction interval: {_pi_footnote(chosen_method, pi_method)}; left out when it "
                    "spans nearly the whole axis.")
    if has_weight:
        foot.append(f"Weight: inverse-variance weight of the REML model ({method_abbreviation(chosen_method)}).")
    elif chosen_method and chosen_method not in IV_WEIGHT_METHODS and any_diamond and not aggregated:
        foot.append(f"No study weights: the {method_abbreviation(chosen_method)} model defines none.")
    with style_context():
        fig = draw_rows(
            rows, kind="forest", label_header="Study", left_columns=left, right_columns=right,
            xscale=xscale, xlim=limits, xticks=ticks, xlabel=axis_label(scale, outcome, ci_level), ref=ref,
            title=title, footnotes=foot, scale_name=scale, favours=favours_labels(outcome),
            extra={"outcome": outcome, "method": chosen_method, "subgroup_test": test_text,
                   "weights_shown": has_weight, "aggregated": aggregated, "shared_overall": shared_overall,
                   "pi_method": pi_method or "metafor"},
        )
        if scale == "proportion":
            from matplotlib.ticker import FuncFormatter

            for ax in fig.axes:
                if tuple(round(x, 6) for x in ax.get_xlim()) == (0.0, 1.0):
                    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:.0f}%"))
        return fig


def _pi_footnote(method: str | None, pi_method: str | None) -> str:
    return _PI_FORMS[_pi_form(method, pi_method)][1]
