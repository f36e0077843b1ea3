"""Per-study inputs of every pooled outcome, built from the clean tables.

One row per outcome, subgroup and study, saying exactly what enters the pooling and
where it came from:

* proportions (ORR, DCR, CBR, AE rates): ``events`` and ``n``;
* log-scale measures (medians, landmark rates on the logit scale, hazard ratios, ratio
  of medians, odds ratios): ``yi`` and ``sei``, with the printed estimate and CI kept
  for display;
* ``source`` says how the numbers were obtained (which table row, which SE formula) and
  ``approximation`` flags SEs that rest on an assumption rather than a printed CI;
* ``excluded`` is empty for a row that enters the pooling; for a study that reports the
  outcome but whose printed numbers cannot be used (a median outside its CI, a CI of
  zero width, more responders than patients, ...) it says why, and the row carries no
  ``yi``/``sei``/``events``. Such rows stay visible, never silently dropped, and the
  pooling leaves them out.

The level of a printed interval is the row's own (``ci_level``, via
:func:`tkimeta.clean.ci_level_fraction`); ``Context.ci_level`` is only the level of the
intervals computed here (ratio of medians, Tierney HR, odds ratios).

Numbers are never invented. Two derivations are made, both labelled: a best-response
category that a paper does not print counts as zero only when the printed categories
already add up to n; and subgroup counts are recovered from printed subgroup
percentages only when exactly one split of the printed overall count and denominator
reproduces both percentages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..audit.proportion_checks import grim_candidates
from ..clean import RESPONSE_MEASURES, ci_level_fraction, location_rank, response_wide, responders_of
from ..stats import distributions as D
from ..stats import effects as fx
from ..stats.proportions import logit
from ..vocab import KIND_FAMILY, LIVER_SUBGROUPS, SUBGROUPS, outcome_kind

INPUT_COLUMNS = [
    "outcome", "family", "subgroup", "study_id", "cancer", "events", "n", "yi", "sei",
    "estimate", "ci_lower", "ci_upper", "approximation", "source", "excluded",
]

#: Grade bands that count as "grade 3 or higher", best coverage first.
HIGH_BANDS = ["3plus", "3_5", "3_4", "3"]


@dataclass(frozen=True)
class Context:
    """What the builders need besides the clean tables."""

    studies: dict[str, dict]  # study_id -> config entry (role, cancer, ...)
    response_denominator: str  # "evaluable" or "itt"
    ci_level: float

    @property
    def single_arm(self) -> list[str]:
        return [s for s, c in self.studies.items() if c["role"] == "single_arm"]


def _num(text) -> float | None:
    return float(text) if isinstance(text, str) and text != "" else None


def _row(outcome, kind, subgroup, study, ctx, **values) -> dict:
    """One input row; ``kind`` is the outcome kind, which sets the family (:mod:`tkimeta.vocab`)."""
    row = dict.fromkeys(INPUT_COLUMNS, "")
    row.update(outcome=outcome, family=KIND_FAMILY[kind], subgroup=subgroup, study_id=study,
               cancer=ctx.studies[study]["cancer"], approximation=False)
    row.update(values)
    return row


def _left_out(outcome, kind, subgroup, study, ctx, reason, source="") -> dict:
    """A study that reports ``outcome`` but cannot enter its pooling, with the reason."""
    return _row(outcome, kind, subgroup, study, ctx, source=source, excluded=reason)


Row = dict  # one clean-table row: column -> text, as the clean tables hold it


def _preferred(rows: list[Row]) -> list[Row]:
    """Order rows by location detail (tables first) keeping the file order otherwise."""
    return [row for _, row in sorted(enumerate(rows), key=lambda item: (location_rank(item[1]["location"]), item[0]))]


def _where(rows: list[Row], **equal) -> list[Row]:
    """The rows whose columns hold the given texts, in order."""
    return [row for row in rows if all(row[column] == value for column, value in equal.items())]


class StudyTables(dict):
    """The clean tables by kind, with each study's rows as plain records.

    Every builder below loops over the studies and looks at a handful of one study's
    rows. Filtering the whole table with pandas for each study made building the
    inputs quadratic in the number of studies, and pandas' cost per operation on a
    tiny frame dominated even then (minutes at 1,000 studies); the split is made once
    per table, and a study's rows are the same rows in the same order.
    """

    def __init__(self, tables: dict[str, pd.DataFrame]):
        super().__init__(tables)
        self._split: dict[str, dict[str, list[Row]]] = {}

    def rows(self, kind: str, study: str) -> list[Row]:
        """The rows of table ``kind`` that belong to ``study``, in table order."""
        if kind not in self._split:
            self._split[kind] = _by_study(self[kind])
        return self._split[kind].get(study, [])

    def best_response(self, study: str) -> list[Row]:
        """The study's best-response rows pivoted (clean.response_wide), from the long
        counts given, so that an edited counts table is what the pooling sees."""
        if _BEST_RESPONSE not in self._split:
            self._split[_BEST_RESPONSE] = _by_study(response_wide(self["response_counts"]))
        return self._split[_BEST_RESPONSE].get(study, [])


_BEST_RESPONSE = "response_counts, pivoted"  # its key among the split tables


def _by_study(frame: pd.DataFrame) -> dict[str, list[Row]]:
    split: dict[str, list[Row]] = {}
    for record in frame.to_dict("records"):
        split.setdefault(record["study_id"], []).append(record)
    return split


def study_tables(tables) -> StudyTables:
    return tables if isinstance(tables, StudyTables) else StudyTables(tables)


# --- proportions ----------------------------------------------------------------------

def split_counts(total_events: int, total_n: int, percent_a: str, percent_b: str,
                 max_a: int | None = None, max_b: int | None = None):
    """Recover subgroup counts (events_a, n_a, events_b, n_b) from two printed percentages.

    Returns the split only if it is the unique one with n_a + n_b = total_n,
    events_a + events_b = total_events and both printed percentages reproduced;
    ``max_a``/``max_b`` bound the subgroup sizes (e.g. the subgroup's ITT size).
    """
    solutions = []
    for n_a in range(1, total_n):
        n_b = total_n - n_a
        if (max_a is not None and n_a > max_a) or (max_b is not None and n_b > max_b):
            continue
        for e_a in grim_candidates(percent_a, n_a):
            e_b = total_events - e_a
            if 0 <= e_b <= n_b and e_b in grim_candidates(percent_b, n_b):
                solutions.append((e_a, n_a, e_b, n_b))
    return solutions[0] if len(solutions) == 1 else None


def _subgroup_sizes(tables: StudyTables, study: str) -> dict[str, int]:
    sizes = {}
    for row in _preferred(_where(tables.rows("baseline", study), characteristic="liver_metastasis")):
        if row["count"].isdigit():
            sizes.setdefault({"yes": "liver_met", "no": "no_liver_met"}.get(row["category"], row["category"]),
                             int(row["count"]))
    return sizes


def _rate_rows(tables, study, population, measure):
    return _preferred(_where(tables.rows("rates", study), population=population, measure=measure))


def response_inputs(tables: dict[str, pd.DataFrame], ctx: Context, measure: str) -> list[dict]:
    """ORR, DCR or CBR per study: overall, and by liver metastasis where reported."""
    rows = []
    tables = study_tables(tables)
    for study in ctx.single_arm:
        overall = None
        own = tables.rows("response_counts", study)
        wide = tables.best_response(study)
        fallback = "itt" if ctx.response_denominator == "evaluable" else "evaluable"
        for denominator in (ctx.response_denominator, fallback):
            found = responders_of(wide, "all", measure, denominator)
            if found:
                overall = (found.events, found.n, found.describe())
                break
        if overall is None:  # a rate printed with its count and denominator
            for r in _rate_rows(tables, study, "all", measure):
                if r["count"].isdigit() and r["n"].isdigit():
                    overall = (int(r["count"]), int(r["n"]),
                               f"{measure} printed as {r['count']}/{r['n']}, {r['location']} ({r['row_id']})")
                    break
        if overall is None:
            overall_rows = _where(own, population="all")
            if measure in RESPONSE_MEASURES and overall_rows:
                rows.append(_left_out(measure, "response", "all", study, ctx,
                                      f"the printed best-response categories do not give {measure} (a category "
                                      "not printed and the printed ones do not add up to n)",
                                      ";".join(r["row_id"] for r in overall_rows)))
            continue
        if overall[0] > overall[1]:
            rows.append(_left_out(measure, "response", "all", study, ctx,
                                  f"{overall[0]} responders of {overall[1]} patients (more than n)", overall[2]))
            continue
        rows.append(_row(measure, "response", "all", study, ctx, events=overall[0], n=overall[1], source=overall[2]))
        rows += _liver_split(tables, study, measure, overall, ctx)
    return rows


def _liver_split(tables, study, measure, overall, ctx) -> list[dict]:
    liver = {p: _rate_rows(tables, study, p, measure) for p in LIVER_SUBGROUPS}
    if any(len(v) == 0 for v in liver.values()):
        return []
    a, b = liver["liver_met"][0], liver["no_liver_met"][0]
    if a["count"].isdigit() and a["n"].isdigit() and b["count"].isdigit() and b["n"].isdigit():
        split = (int(a["count"]), int(a["n"]), int(b["count"]), int(b["n"]))
        how = "printed subgroup counts"
    else:
        sizes = _subgroup_sizes(tables, study)
        split = split_counts(overall[0], overall[1], a["percent"], b["percent"],
                             sizes.get("liver_met"), sizes.get("no_liver_met"))
        how = (f"derived: the only split of {overall[0]}/{overall[1]} that gives the printed "
               f"{a['percent']}% and {b['percent']}% ({a['row_id']}, {b['row_id']})")
    if split is None:
        return []
    e_a, n_a, e_b, n_b = split
    if e_a > n_a or e_b > n_b:
        reason = f"subgroup counts {e_a}/{n_a} and {e_b}/{n_b}: more events than patients"
        return [_left_out(measure, "response", g, study, ctx, reason, how) for g in LIVER_SUBGROUPS]
    return [
        _row(measure, "response", "liver_met", study, ctx, events=e_a, n=n_a, source=how),
        _row(measure, "response", "no_liver_met", study, ctx, events=e_b, n=n_b, source=how),
    ]


def adverse_event_inputs(tables: dict[str, pd.DataFrame], ctx: Context, term: str, high: bool, outcome: str) -> list[dict]:
    """Patients with an adverse event (harmonised term, any grade or grade >= 3) per study."""
    tables = study_tables(tables)
    rows = []
    for study in ctx.single_arm:
        own = _preferred([r for r in tables.rows("adverse_events", study)
                          if r["harmonised_term"] == term and r["count"] != ""])
        bands = HIGH_BANDS if high else ["any"]
        for band in bands:
            chosen = [r for r in own if r["grade_band"] == band and r["n"] != ""]
            if chosen:
                r = chosen[0]
                rows.append(_row(outcome, outcome_kind(outcome), "all", study, ctx, events=int(r["count"]), n=int(r["n"]),
                                 source=f"'{r['term']}' grade {band}, {r['location']} ({r['row_id']})"))
                break
    return rows


# --- medians, landmark rates, contrasts -------------------------------------------------

def median_shapes(audit: pd.DataFrame | None) -> dict[str, str]:
    """The CI shape the audit found for each survival row it checked ("linear" or
    "log"; the first check of a row decides). A row not in it is taken as log."""
    if audit is None or not len(audit):
        return {}
    shapes: dict[str, str] = {}
    checked = audit[audit["check"] == "median_ci_shape"]
    for row_id, recomputed in zip(checked["rows"], checked["recomputed"]):
        shapes.setdefault(row_id, "linear" if recomputed == "linear" else "log")
    return shapes


def _survival_row(tables, study, population, endpoint):
    rows = _where(tables.rows("survival", study), population=population, endpoint=endpoint, preferred="true")
    return rows[0] if rows else None

def log_median(row, shapes: dict[str, str]) -> fx.LogEstimate | None:
    """Log median and SE: from the CI on the audited scale, else events, else one bound.

    The level of the printed CI is the row's own (``ci_level``, 95 when not printed),
    never the configured level of the intervals this analysis reports."""
    level = ci_level_fraction(row["ci_level"])
    median, lower, upper, events = (_num(row[c]) for c in ["median", "ci_lower", "ci_upper", "events"])
    if median is None:
        return None
    shape = shapes.get(row["row_id"], "log")
    if lower is not None and upper is not None:
        est = fx.log_median_with_se(median, lower, upper, shape=shape, level=level)
        return fx.LogEstimate(est.estimate, est.se, f"SE from the {shape}-symmetric {level:.0%} CI", False)
    if events:
        est = fx.log_median_with_se(median, events=events, level=level)
        return fx.LogEstimate(est.estimate, est.se, "SE from events (exponential approximation)", True)
    bound = lower if lower is not None else upper
    if bound is None:
        raise ValueError("a median without CI bounds or events: no SE can be derived")
    if bound == median:
        raise ValueError(f"the only CI bound printed equals the median ({median:g}): no SE can be derived")
    if bound <= 0 or median <= 0:
        raise ValueError(f"median {median:g} with a CI bound of {bound:g}: a log-scale SE needs both above 0")
    z = D.critical_value(level)
    se = abs(math.log(median) - math.log(bound)) / z
    which = "lower" if lower is not None else "upper"
    return fx.LogEstimate(math.log(median), se, f"SE from the {which} CI bound only (other bound not reached; log-symmetric approximation)", True)


def median_inputs(tables, ctx, endpoint, shapes) -> list[dict]:
    outcome = f"median_{endpoint}"
    tables = study_tables(tables)
    rows = []
    for study in ctx.single_arm:
        for population in SUBGROUPS:
            row = _survival_row(tables, study, population, endpoint)
            if row is None:
                continue
            try:
                est = log_median(row, shapes)
            except ValueError as err:
                rows.append(_left_out(outcome, "medians", population, study, ctx, f"{err} ({row['row_id']})",
                                      f"{row['location']} ({row['row_id']})"))
                continue
            if est is None:
                continue
            rows.append(_row(outcome, "medians", population, study, ctx, yi=est.estimate, sei=est.se,
                             estimate=row["median"], ci_lower=row["ci_lower"], ci_upper=row["ci_upper"],
                             approximation=est.approximate, source=f"{est.source}; {row['location']} ({row['row_id']})"))
    return rows


def ratio_of_medians_inputs(tables, ctx, endpoint, shapes) -> list[dict]:
    """Within-study ratio of medians, liver metastasis over none."""
    outcome = f"RoM_{endpoint}_liver"
    tables = study_tables(tables)
    rows = []
    for study in ctx.single_arm:
        pair = [_survival_row(tables, study, p, endpoint) for p in LIVER_SUBGROUPS]
        if any(p is None for p in pair):
            continue
        try:
            estimates = [log_median(p, shapes) for p in pair]
        except ValueError as err:
            rows.append(_left_out(outcome, "contrasts", "all", study, ctx, f"a median cannot be used: {err}",
                                  f"{pair[0]['row_id']}; {pair[1]['row_id']}"))
            continue
        if any(e is None for e in estimates):
            continue
        ratio = fx.log_ratio_of_medians(math.exp(estimates[0].estimate), estimates[0].se,
                                        math.exp(estimates[1].estimate), estimates[1].se)
        z = D.critical_value(ctx.ci_level)
        rows.append(_row(outcome, "contrasts", "all", study, ctx, yi=ratio.estimate, sei=ratio.se,
                         estimate=math.exp(ratio.estimate), ci_lower=math.exp(ratio.estimate - z * ratio.se),
                         ci_upper=math.exp(ratio.estimate + z * ratio.se),
                         approximation=estimates[0].approximate or estimates[1].approximate,
                         source=f"{pair[0]['median']} / {pair[1]['median']} months; liver_met: {estimates[0].source}; "
                                f"no_liver_met: {estimates[1].source}"))
    return rows


#: The order in which a printed HR's test is preferred; a test not named here comes last.
_HR_TEST_ORDER = {"cox_univariate": 0, "not_stated": 1, "cox_multivariate": 2}


def hazard_ratio_inputs(tables, ctx, endpoint) -> list[dict]:
    """HR liver metastasis vs none: a printed unadjusted HR, else Tierney et al. (2007)."""
    outcome = f"HR_{endpoint}_liver"
    tables = study_tables(tables)
    rows = []
    for study in ctx.single_arm:
        own = _where(tables.rows("effects", study), factor="liver_metastasis", endpoint=endpoint)
        hr = [r for r in own if r["measure"] == "HR" and r["estimate"] != "" and r["ci_lower"] != ""]
        hr.sort(key=lambda r: (r["test"] not in _HR_TEST_ORDER, _HR_TEST_ORDER.get(r["test"], 0)))  # stable
        if hr:
            r = hr[0]
            est, lo, hi = float(r["estimate"]), float(r["ci_lower"]), float(r["ci_upper"])
            if r["level"] == "no" and r["reference"] == "yes":  # orient as liver vs none
                est, lo, hi = 1 / est, 1 / hi, 1 / lo
            try:
                se = fx.se_log_ratio_from_ci(lo, hi, level=ci_level_fraction(r["ci_level"]))
                if not lo <= est <= hi:
                    raise ValueError(f"HR {est:g} lies outside its CI [{lo:g}, {hi:g}]")
            except ValueError as err:
                rows.append(_left_out(outcome, "contrasts", "all", study, ctx, f"{err} ({r['row_id']})",
                                      f"{r['location']} ({r['row_id']})"))
                continue
            rows.append(_row(outcome, "contrasts", "all", study, ctx, yi=math.log(est), sei=se, estimate=est,
                             ci_lower=lo, ci_upper=hi,
                             source=f"printed HR ({r['test']}), SE from its CI; {r['location']} ({r['row_id']})"))
            continue
        tierney = _tierney(tables, ctx, study, endpoint, own)
        if tierney:
            rows.append(tierney)
    return rows


def _tierney(tables, ctx, study, endpoint, own):
    logrank = _preferred([r for r in own if r["test"] == "log_rank" and r["p_value"] != "" and r["p_relation"] == "="])
    if not logrank:
        return None
    p = float(logrank[0]["p_value"])
    overall = _survival_row(tables, study, "all", endpoint)
    events = _num(overall["events"]) if overall is not None else None
    source_events = "survival table"
    if events is None:  # maturity printed as a rate "48/68" (rates table, e.g. PFS_events)
        for r in tables.rows("rates", study):
            if r["measure"].lower() in (f"{endpoint.lower()}_events", f"{endpoint.lower()}_maturity") and r["count"].isdigit():
                events, source_events = float(r["count"]), f"{r['location']} ({r['row_id']})"
                break
    sizes = _subgroup_sizes(tables, study)
    medians = [_survival_row(tables, study, g, endpoint) for g in LIVER_SUBGROUPS]
    if events is None or len(sizes) < 2 or any(m is None or m["median"] == "" for m in medians):
        return None
    # Direction from the medians: a shorter median with liver metastasis means HR > 1.
    worse = float(medians[0]["median"]) < float(medians[1]["median"])
    ratio = sizes["liver_met"] / sizes["no_liver_met"]
    est = fx.hr_from_logrank(p, events, direction="hr_above_1" if worse else "hr_below_1", ratio=ratio)
    z = D.critical_value(ctx.ci_level)
    return _row(f"HR_{endpoint}_liver", "contrasts", "all", study, ctx, yi=est.estimate, sei=est.se,
                estimate=math.exp(est.estimate), ci_lower=math.exp(est.estimate - z * est.se),
                ci_upper=math.exp(est.estimate + z * est.se), approximation=True,
                source=(f"Tierney et al. 2007 from log-rank p = {p} ({logrank[0]['row_id']}), "
                        f"{events:g} events ({source_events}), {sizes['liver_met']}:{sizes['no_liver_met']} patients; "
                        f"direction from medians {medians[0]['median']} vs {medians[1]['median']} months"))

def odds_ratio_inputs(proportion_rows: list[dict], ctx, measure: str) -> list[dict]:
    """Within-study odds ratio of response, liver metastasis vs none, from subgroup counts."""
    by_study = {}
    for r in proportion_rows:
        if r["outcome"] == measure and r["subgroup"] in LIVER_SUBGROUPS:
            by_study.setdefault(r["study_id"], {})[r["subgroup"]] = r
    rows = []
    z = D.critical_value(ctx.ci_level)
    for study, pair in by_study.items():
        if len(pair) != 2:
            continue
        a, b = pair["liver_met"], pair["no_liver_met"]
        if a["excluded"] or b["excluded"]:
            rows.append(_left_out(f"OR_{measure}_liver", "contrasts", "all", study, ctx,
                                  f"a subgroup {measure} cannot be used: {a['excluded'] or b['excluded']}", a["source"]))
            continue
        yi, vi = fx.log_odds_ratio(a["events"], a["n"] - a["events"], b["events"], b["n"] - b["events"])
        yi, se = float(yi), float(np.sqrt(vi))
        rows.append(_row(f"OR_{measure}_liver", "contrasts", "all", study, ctx, yi=yi, sei=se, estimate=math.exp(yi),
                         ci_lower=math.exp(yi - z * se), ci_upper=math.exp(yi + z * se),
                         approximation=False,
                         source=f"{a['events']}/{a['n']} vs {b['events']}/{b['n']} ({a['source']})"))
    return rows


def landmark_inputs(tables, ctx) -> list[dict]:
    """Landmark rates on the logit scale, SE from the printed CI (log-odds symmetric approximation)."""
    single_arm = ctx.single_arm
    chosen = set(single_arm)
    # (endpoint, time) -> study -> rows, the times in sorted order as the outcome order
    groups: dict[tuple, dict[str, list[Row]]] = {}
    for r in tables["landmarks"].to_dict("records"):
        if r["study_id"] in chosen and r["population"] == "all" and r["ci_lower"] != "" and r["ci_upper"] != "":
            groups.setdefault((r["endpoint"], r["time_months"]), {}).setdefault(r["study_id"], []).append(r)
    rows = []
    for (endpoint, time) in sorted(groups):
        outcome = f"landmark_{endpoint}_{time}m"
        for study in single_arm:
            own = _preferred(groups[(endpoint, time)].get(study, []))
            if not own:
                continue
            r = own[0]
            p, lo, hi = (float(r[c]) / 100 for c in ["percent", "ci_lower", "ci_upper"])
            if not 0 < lo < p < hi < 1:
                rows.append(_left_out(outcome, "landmarks", "all", study, ctx,
                                      f"rate {r['percent']}% with CI {r['ci_lower']}-{r['ci_upper']}%: the logit SE needs "
                                      f"0 < lower < rate < upper < 100 ({r['row_id']})",
                                      f"{r['location']} ({r['row_id']})"))
                continue
            # the printed CI's own level, not the configured one
            se = (logit(hi) - logit(lo)) / (2 * D.critical_value(ci_level_fraction(r["ci_level"])))
            rows.append(_row(outcome, "landmarks", "all", study, ctx, yi=float(logit(p)), sei=float(se),
                             estimate=p, ci_lower=lo, ci_upper=hi, approximation=True,
                             source=f"Kaplan-Meier rate, SE from its CI on the logit scale; {r['location']} ({r['row_id']})"))
    return rows


def build_inputs(tables: dict[str, pd.DataFrame], ctx: Context, audit: pd.DataFrame, ae_terms: list[str]) -> pd.DataFrame:
    """Every outcome's per-study inputs, in a fixed order.

    ``audit`` is the audit table (it decides the CI shape of each median);
    ``ae_terms`` are the harmonised adverse-event terms to pool.
    """
    tables = study_tables(tables)
    shapes = median_shapes(audit)
    rows: list[dict] = []
    proportions: list[dict] = []
    for measure in ("ORR", "DCR", "CBR"):
        proportions += response_inputs(tables, ctx, measure)
    rows += proportions
    rows += adverse_event_inputs(tables, ctx, "any_ae", high=False, outcome="AE_any")
    rows += adverse_event_inputs(tables, ctx, "any_ae", high=True, outcome="AE_grade3plus")
    for term in ae_terms:
        rows += adverse_event_inputs(tables, ctx, term, high=False, outcome=f"AE_{term}")
        rows += adverse_event_inputs(tables, ctx, term, high=True, outcome=f"AE_{term}_grade3plus")
    for endpoint in ("PFS", "OS"):
        rows += median_inputs(tables, ctx, endpoint, shapes)
    rows += landmark_inputs(tables, ctx)
    for endpoint in ("PFS", "OS"):
        rows += hazard_ratio_inputs(tables, ctx, endpoint)
        rows += ratio_of_medians_inputs(tables, ctx, endpoint, shapes)
    for measure in ("ORR", "DCR", "CBR"):
        rows += odds_ratio_inputs(proportions, ctx, measure)
    frame = pd.DataFrame(rows, columns=INPUT_COLUMNS)
    frame["excluded"] = frame["excluded"].fillna("")
    return frame
