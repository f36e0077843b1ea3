"""The audit of one study: every printed number checked against its recomputation and
against the other places the paper prints it.

:func:`audit_study` takes the study's cleaned tables (text cells, as printed) and
returns one row per check, in a fixed order, with the columns of :data:`AUDIT_COLUMNS`.
The checks themselves are generic (``proportion_checks``, ``survival_checks``,
``ratio_checks``, ``cross_checks`` beside this module); this module only decides which
numbers of the cleaned tables to feed them.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pandas as pd

from ..frames import records
from ..clean import ci_level_fraction, location_rank, response_wide, responders_of
from .claim_audit import audit_claims, claim_quantity
from .findings import assign_findings
from .cross_checks import duplicate_pairs, ranking_order_check, same_quantity_across_locations
from .proportion_checks import clopper_pearson_check, grim_percent, percent_from_count, sum_check, which_denominator
from .ratio_checks import hr_midpoint_check, p_from_ci_check
from .result import CheckResult
from .survival_checks import events_vs_maturity, median_ci_shape

AUDIT_COLUMNS = [
    "study_id", "check", "quantity", "population", "location",
    "reported", "recomputed", "status", "detail", "rows",
    "significance_disagrees", "finding", "finding_class", "class_reason", "source", "evidence",
]

class _Audit:
    """Collects check results as audit rows."""

    def __init__(self, study: str, sources: dict[str, str] | None = None):
        self.study = study
        self.rows: list[dict[str, str]] = []
        self.sources = sources or {}

    def add(self, result: CheckResult, check: str, quantity: str, population: str = "",
            location: str = "", rows: str = "", evidence: str = "") -> None:
        """One check.  ``rows`` are the printed rows it checks (checks sharing one are one
        finding); ``evidence`` the other rows it was judged by (a claim's tables), kept for
        provenance but not grouping."""
        self.rows.append({
            "study_id": self.study, "check": check, "quantity": quantity, "population": population,
            "location": location, "reported": result.reported, "recomputed": result.recomputed,
            "status": result.status, "detail": result.detail, "rows": rows,
            "significance_disagrees": "yes" if result.extra.get("significance_disagrees") else "",
            "source": " / ".join(dict.fromkeys(self.sources[r] for r in rows.split(";") if r in self.sources)),
            "evidence": evidence,
        })

    def frame(self, ocr_source: bool = False) -> pd.DataFrame:
        checks = pd.DataFrame(self.rows, columns=AUDIT_COLUMNS[:11] + ["source", "evidence"], dtype="str")
        return assign_findings(checks, ocr_source)[AUDIT_COLUMNS].fillna("")


def _join_locations(locations) -> str:
    """Distinct locations, most detailed first, ties by name (never in set order, which
    changes from run to run with Python's hash seed)."""
    return ";".join(sorted(set(locations), key=lambda loc: (location_rank(loc), loc)))


def _blank(value) -> bool:
    return value is None or value == ""


def _int(text: str) -> int | None:
    return int(text) if text and text.isdigit() else None


def audit_study(study: str, tables: dict[str, pd.DataFrame], ocr_source: bool = False) -> pd.DataFrame:
    """Run every applicable check on one study's cleaned tables.

    Every check that is not consistent is classified and grouped into a finding
    (:mod:`.findings`); ``ocr_source`` says the paper reached us through OCR.
    """
    sources = {}
    for kind, frame in tables.items():
        if "row_id" in frame.columns and "source_label" in frame.columns:
            sources.update(zip(frame["row_id"], frame["source_label"]))
    audit = _Audit(study, sources)
    _audit_characteristics(audit, tables["characteristics"])
    _audit_response(audit, tables["response_counts"])
    _audit_rates(audit, tables["rates"], tables["response_counts"], tables["baseline"])
    _audit_baseline(audit, tables["baseline"])
    _audit_survival(audit, tables["survival"], tables["baseline"])
    _audit_landmarks(audit, tables["landmarks"])
    _audit_effects(audit, tables["effects"])
    _audit_adverse_events(audit, tables["adverse_events"])
    _audit_rankings(audit, tables["rankings"])
    _audit_repairs(audit, tables)
    _audit_claims(audit, tables)
    return audit.frame(ocr_source)


def _across_locations(audit, frame, keys, value_column, check_quantity, population_of=lambda k: "",
                      merged_terms=False):
    """Compare one quantity printed in several places (locations, or sentences of one).

    With ``merged_terms`` (keys built on harmonised AE terms), a location that prints
    two values under one key prints two different quantities (two printed terms mapped
    to one harmonised term), so such groups are not compared.
    """
    for key, group in frame.groupby(keys, sort=False):
        printed = [(loc, v) for loc, v in zip(group["location"], group[value_column]) if v != ""]
        if merged_terms:
            by_location = defaultdict(set)
            for loc, v in printed:
                by_location[loc].add(v)
            if any(len(values) > 1 for values in by_location.values()):
                continue
        if len({loc for loc, _ in printed}) < 2 and len({v for _, v in printed}) < 2:
            continue
        if len(printed) < 2:
            continue
        result = same_quantity_across_locations(printed)
        key = key if isinstance(key, tuple) else (key,)
        audit.add(result, "same_quantity_across_locations", check_quantity(key), population_of(key),
                  _join_locations(loc for loc, _ in printed), ";".join(group["row_id"]))


def _audit_characteristics(audit: _Audit, characteristics: pd.DataFrame) -> None:
    """Sample sizes and follow-up stated in several places must agree."""
    if characteristics.empty:
        return
    numeric = characteristics[characteristics["item"].str.match(r"^(n_|median_follow_up)")
                              & characteristics["value"].str.fullmatch(r"[0-9]+(\.[0-9]+)?")]
    _across_locations(audit, numeric, ["item"], "value", lambda k: k[0], lambda k: "all")


def _audit_response(audit: _Audit, counts: pd.DataFrame) -> None:
    if counts.empty:
        return
    for row in records(counts):
        if row.count != "" and row.percent != "" and row.n != "":
            audit.add(percent_from_count(row.count, row.n, row.percent), "percent_from_count",
                      f"{row.category} ({row.denominator})", row.population, row.location, row.row_id)
    wide = response_wide(counts)
    for row in records(wide):
        parts = {c.upper(): getattr(row, c) for c in ["cr", "pr", "sd", "pd", "ne"] if getattr(row, c) != ""}
        if row.n == "" or len(parts) < 2:
            continue
        result = sum_check(parts, row.n, what=f"best response categories vs {row.denominator} n")
        missing = [c.upper() for c in ["cr", "pr", "sd", "pd", "ne"] if getattr(row, c) == ""]
        printed_sum = sum(int(v) for v in parts.values())
        if missing and printed_sum < int(row.n):
            # A sentence that names only some categories cannot be summed to n.
            result = CheckResult("not_checkable", result.reported, result.recomputed,
                                   f"only {', '.join(parts)} printed here ({printed_sum} of {row.n}); "
                                   f"{', '.join(missing)} not printed", result.check)
        elif missing and result.status == "consistent":
            result = CheckResult(result.status, result.reported, result.recomputed,
                                   result.detail + f" ({', '.join(missing)} not printed)", result.check)
        audit.add(result, "sum_response_categories", f"response ({row.denominator})", row.population,
                  row.location, row.source_rows)
    _across_locations(audit, counts, ["population", "denominator", "category"], "count",
                      lambda k: f"{k[2]} count ({k[1]})", lambda k: k[0])


def _denominators(counts: pd.DataFrame, population: str) -> dict[str, int]:
    """The ITT and evaluable sizes a population's response rows print."""
    found = {}
    for row in records(counts[counts["population"] == population]):
        if row.n.isdigit():
            found.setdefault(row.denominator, int(row.n))
    return found


def _responders(wide: list[dict], population: str, measure: str) -> int | None:
    for denominator in ("evaluable", "itt"):
        found = responders_of(wide, population, measure, denominator)
        if found:
            return found.events
    return None


def _subgroup_size(baseline: pd.DataFrame, population: str) -> tuple[int, str] | None:
    """Size of a subgroup named <characteristic>_<category> in the baseline table."""
    if baseline.empty:
        return None
    named = baseline["characteristic"] + "_" + baseline["category"]
    rows = baseline[(named == population) & (baseline["count"] != "")]
    if len(rows):
        rows = rows.iloc[sorted(range(len(rows)), key=lambda i: location_rank(rows.iloc[i]["location"]))]
        return int(rows.iloc[0]["count"]), rows.iloc[0]["row_id"]
    if population.endswith("_no"):  # a yes/no split printed only as "yes": the rest of the total
        rows = baseline[(named == population[:-3] + "_yes") & (baseline["count"] != "") & (baseline["total"] != "")]
        if len(rows):
            row = rows.iloc[sorted(range(len(rows)), key=lambda i: location_rank(rows.iloc[i]["location"]))[0]]
            size = int(row["total"]) - int(row["count"])
            return size, f"{row['row_id']} ({row['total']} - {row['count']})"
    return None


def _audit_rates(audit: _Audit, rates: pd.DataFrame, counts: pd.DataFrame, baseline: pd.DataFrame) -> None:
    if rates.empty:
        return
    # the study's best-response rows pivoted once, not again for every rate they explain
    wide = response_wide(counts).to_dict("records") if not counts.empty else []
    for row in records(rates):
        # Which denominator does the percentage use? (ITT and evaluable both printed)
        sizes = _denominators(counts, row.population) if not counts.empty else {}
        responder_count = _int(row.count) if row.count else _responders(wide, row.population, row.measure)
        if len(set(sizes.values())) > 1 and responder_count is not None and row.percent != "":
            result = which_denominator(row.percent, responder_count, sizes)
            matches = list(result.extra.get("matches", ()))
            if row.denominator and len(matches) == 1 and matches[0] != row.denominator:
                used = matches[0]
                result = CheckResult(
                    "discrepancy", f"{row.percent}% ({row.denominator} stated)", f"{responder_count}/{sizes[used]} ({used})",
                    f"stated as {row.denominator} (n = {sizes.get(row.denominator, '?')}) but {row.percent}% is "
                    f"{responder_count}/{sizes[used]}, the {used} denominator", result.check)
            audit.add(result, "which_denominator", f"{row.measure}" + (f" (stated {row.denominator})" if row.denominator else ""),
                      row.population, row.location, row.row_id)
        quantity = f"{row.measure}" + (f" ({row.denominator})" if row.denominator else "")
        count, n, source = _int(row.count), _int(row.n), "printed"
        if count is None:
            found = [responders_of(wide, row.population, row.measure, d) for d in
                     ([row.denominator] if row.denominator else ["itt", "evaluable"])]
            found = [f for f in found if f and (n is None or f.n == n)]
            if len(found) == 1:
                count, n, source = found[0].events, found[0].n, found[0].describe()
        if row.percent != "":
            if count is not None and n is not None:
                result = percent_from_count(count, n, row.percent)
                if source != "printed":
                    result = CheckResult(result.status, result.reported, result.recomputed,
                                           f"{result.detail} [count {source}]", result.check)
                audit.add(result, "percent_from_count", quantity, row.population, row.location, row.row_id)
            elif n is not None:
                audit.add(grim_percent(row.percent, n), "grim_percent", quantity, row.population, row.location, row.row_id)
            elif (size := _subgroup_size(baseline, row.population)) is not None:
                result = grim_percent(row.percent, size[0])
                detail = f"{result.detail} [n = {size[0]}, the subgroup's size in {size[1]}]"
                whole = _denominators(counts, "all") if not counts.empty else {}
                cohort = max(whole.values()) if whole else None
                if result.status == "discrepancy" and cohort and \
                        percent_from_count(size[0], cohort, row.percent).status == "consistent":
                    detail += (f"; {row.percent}% is {size[0]}/{cohort}, the subgroup's share of the cohort, "
                               f"not a response rate within it")
                result = CheckResult(result.status, result.reported, result.recomputed, detail, result.check)
                audit.add(result, "grim_percent", quantity, row.population, row.location, row.row_id)
        if row.ci_lower != "" and row.ci_upper != "":
            if count is not None and n is not None:
                # Each place is checked against the denominator it states itself; when
                # that fails, say which other denominator of the paper reproduces the CI.
                result = clopper_pearson_check(count, n, row.ci_lower, row.ci_upper,
                                               level=ci_level_fraction(row.ci_level))
                if not result.ok:
                    result = _other_denominator(result, count, n, row, sizes)
            else:
                result = CheckResult("not_checkable", f"{row.ci_lower}-{row.ci_upper}%", "",
                                       "no count and denominator printed or derivable for this CI", "clopper_pearson_check")
            audit.add(result, "clopper_pearson_ci", quantity, row.population, row.location, row.row_id)
    _across_locations(audit, rates, ["population", "measure"], "percent", lambda k: f"{k[1]} percent", lambda k: k[0])


def _other_denominator(result: CheckResult, count: int, n: int, row, sizes: dict[str, int]) -> CheckResult:
    """A failed binomial CI that the paper's other denominator reproduces says so."""
    for name, size in sorted(sizes.items()):
        if size == n:
            continue
        other = clopper_pearson_check(count, size, row.ci_lower, row.ci_upper, level=ci_level_fraction(row.ci_level))
        methods = [m.replace("_", " ") for m in other.extra.get("matching_methods", ())]
        if other.status == "consistent" or methods:
            how = "Clopper-Pearson" if other.status == "consistent" else methods[0]
            stated = f"the {row.denominator} n = {n}" if row.denominator else f"n = {n}"
            return CheckResult(result.status, result.reported, result.recomputed,
                               f"{result.detail}; reproduced by {how} on {count}/{size}, the {name} denominator, "
                               f"not on {stated} that this place states", result.check,
                               {**result.extra, "reproduced_by": f"{how} on {count}/{size} ({name})"})
    return result


def _audit_baseline(audit: _Audit, baseline: pd.DataFrame) -> None:
    if baseline.empty:
        return
    for row in records(baseline):
        if row.count != "" and row.percent != "" and row.total != "":
            audit.add(percent_from_count(row.count, row.total, row.percent), "percent_from_count",
                      f"{row.characteristic}={row.category}", "all", row.location, row.row_id)
    for (characteristic, location), group in baseline.groupby(["characteristic", "location"], sort=False):
        totals = {t for t in group["total"] if t != ""}
        if len(group) < 2 or len(totals) != 1 or (group["count"] == "").any():
            continue
        percents = [p for p in group["percent"] if p != ""]
        # Only a block whose percentages add to about 100 is a partition of the patients
        # (a multiple-choice characteristic such as metastatic sites is not).
        parts = dict(zip(group["category"], group["count"]))
        total = int(next(iter(totals)))
        if len(percents) == len(group):
            if abs(sum(float(p) for p in percents) - 100) > 0.5 * len(percents):
                continue
        elif sum(int(c) for c in parts.values()) < total:
            continue  # without percentages a short sum may just be an incomplete list
        audit.add(sum_check(parts, totals.pop(), what=f"{characteristic} categories vs total"),
                  "sum_subgroup_sizes", characteristic, "all", location, ";".join(group["row_id"]))
    _across_locations(audit, baseline, ["characteristic", "category"], "count",
                      lambda k: f"{k[0]}={k[1]} count", lambda k: "all")


def _audit_survival(audit: _Audit, survival: pd.DataFrame, baseline: pd.DataFrame | None = None) -> None:
    if survival.empty:
        return
    for row in records(survival):
        quantity = f"median {row.endpoint}"
        if row.median != "" and (row.ci_lower != "" or row.ci_upper != ""):
            audit.add(median_ci_shape(row.median, row.ci_lower or None, row.ci_upper or None),
                      "median_ci_shape", quantity, row.population, row.location, row.row_id)
        if row.events != "" and row.n != "":
            reached = None if row.median == "" and "median" not in row.not_reached else "median" not in row.not_reached
            audit.add(events_vs_maturity(row.events, row.n, median_reached=reached),
                      "events_vs_maturity", f"{row.endpoint} events", row.population, row.location, row.row_id)
    _across_locations(audit, survival, ["population", "endpoint"], "median",
                      lambda k: f"median {k[1]}", lambda k: k[0])
    _pfs_events_cover_deaths(audit, survival)
    _ci_table_pattern(audit, survival)
    _ci_across_locations(audit, survival)
    triples = survival[(survival["median"] != "") & (survival["ci_lower"] != "") & (survival["ci_upper"] != "")]
    whole = _whole_cohort(baseline)
    for endpoint, group in triples.groupby("endpoint", sort=False):
        rows = [{"population": "all" if r.population in whole else r.population, "estimate": r.median,
                 "ci_lower": r.ci_lower, "ci_upper": r.ci_upper} for r in records(group)]
        result = duplicate_pairs(rows, label_keys=("population",))
        same = sorted({r.population for r in records(group) if r.population in whole})
        if same:
            result = CheckResult(result.status, result.reported, result.recomputed,
                                 f"{result.detail}; {', '.join(same)} "
                                 f"{'is' if len(same) == 1 else 'are'} the whole cohort by construction "
                                 f"({'; '.join(whole[p] for p in same)}), so their estimates are the overall ones "
                                 f"and are compared as such", result.check, result.extra)
        audit.add(result, "duplicate_estimates", f"median {endpoint} with CI", "", "", "")


def _whole_cohort(baseline: pd.DataFrame) -> dict[str, str]:
    """Subgroups (<characteristic>_<category>) that every patient belongs to (count = total)."""
    out = {}
    if baseline is None or baseline.empty:
        return out
    for r in records(baseline):
        if r.count != "" and r.total != "" and r.count == r.total and int(r.total) > 0:
            where = f"{r.count}/{r.total} in {r.location.replace('_', ' ')}"
            # the survival table names a subgroup <characteristic>_<category>, or just
            # <characteristic> for a yes, or without a trailing _status
            names = {f"{r.characteristic}_{r.category}",
                     f"{r.characteristic.removesuffix('_status')}_{r.category}"}
            if r.category == "yes":
                names.add(r.characteristic)
            out.update(dict.fromkeys(names, where))
    return out


def _pfs_events_cover_deaths(audit: _Audit, survival: pd.DataFrame) -> None:
    """Every death is a PFS event, so PFS events cannot be fewer than OS events (deaths)."""
    with_events = survival[(survival["events"] != "") & survival["endpoint"].isin(["PFS", "OS"])]
    for population, group in with_events.groupby("population", sort=False):
        pfs = group[group["endpoint"] == "PFS"]
        os_ = group[group["endpoint"] == "OS"]
        if not len(pfs) or not len(os_):
            continue
        p, o = pfs.iloc[0], os_.iloc[0]
        ok = int(p["events"]) >= int(o["events"])
        detail = (f"PFS events {p['events']} ({p['location']}) {'>=' if ok else '<'} deaths {o['events']} "
                  f"({o['location']}); PFS counts death as an event")
        result = CheckResult("consistent" if ok else "discrepancy", f"PFS {p['events']}, OS {o['events']}",
                               "PFS events >= deaths", detail, "events_pfs_vs_os")
        audit.add(result, "events_pfs_vs_os", "PFS vs OS events", population,
                  _join_locations([p["location"], o["location"]]), f"{p['row_id']};{o['row_id']}")


def _ci_across_locations(audit: _Audit, survival: pd.DataFrame) -> None:
    """The same median's CI printed differently in two places (e.g. abstract vs results)."""
    with_ci = survival[(survival["ci_lower"] != "") & (survival["ci_upper"] != "")]
    for (population, endpoint), group in with_ci.groupby(["population", "endpoint"], sort=False):
        printed = {}
        for r in records(group):
            printed.setdefault(r.location, set()).add(f"{r.ci_lower}-{r.ci_upper}")
        if len(printed) < 2 or any(len(v) > 1 for v in printed.values()):
            continue
        shown = ", ".join(f"{loc} {next(iter(v))}" for loc, v in printed.items())
        same = len({next(iter(v)) for v in printed.values()}) == 1
        result = CheckResult("consistent" if same else "discrepancy", shown, "",
                               ("same CI everywhere: " if same else "CIs differ: ") + shown, "same_quantity_across_locations")
        audit.add(result, "same_quantity_across_locations", f"median {endpoint} CI", population,
                  _join_locations(printed), ";".join(group["row_id"]))


def _audit_landmarks(audit: _Audit, landmarks: pd.DataFrame) -> None:
    if landmarks.empty:
        return
    for row in records(landmarks):
        if row.ci_lower != "" and row.ci_upper != "":
            audit.add(landmark_within_ci(row.percent, row.ci_lower, row.ci_upper), "landmark_within_ci",
                      f"{row.endpoint} rate at {row.time_months} months", row.population, row.location, row.row_id)
    _across_locations(audit, landmarks, ["population", "endpoint", "time_months"], "percent",
                      lambda k: f"{k[1]} rate at {k[2]} months", lambda k: k[0])


def landmark_within_ci(percent: str, lower: str, upper: str) -> CheckResult:
    """A landmark rate must lie inside its CI, and a CI must have width (a printed
    "0% (0-0)" is not a Kaplan-Meier interval): otherwise a discrepancy, which the pooling
    also leaves out with its reason."""
    p, lo, hi = float(percent), float(lower), float(upper)
    reported = f"{percent}% ({lower}-{upper})"
    if lo == hi:
        return CheckResult("discrepancy", reported, "CI of zero width",
                           f"rate {percent}% with a CI of zero width ({lower}-{upper}%)", "landmark_within_ci")
    if not lo <= p <= hi:
        return CheckResult("discrepancy", reported, "rate outside CI",
                           f"rate {percent}% outside its CI {lower}-{upper}%", "landmark_within_ci")
    return CheckResult("consistent", reported, "rate within CI", f"rate {percent}% within its CI {lower}-{upper}%",
                       "landmark_within_ci")


def _audit_effects(audit: _Audit, effects: pd.DataFrame) -> None:
    if effects.empty:
        return
    for row in records(effects):
        if row.measure == "" or row.estimate == "":
            continue
        quantity = f"{row.measure} {row.endpoint} {row.level or '?'} vs {row.reference or '?'} ({row.factor})"
        if row.ci_lower != "" and row.ci_upper != "":
            audit.add(hr_midpoint_check(row.estimate, row.ci_lower, row.ci_upper), "ratio_geometric_midpoint",
                      quantity, row.population, row.location, row.row_id)
            if row.p_value != "":
                audit.add(p_from_ci_check(row.estimate, row.ci_lower, row.ci_upper, row.p_value,
                                            row.p_relation or "=", level=ci_level_fraction(row.ci_level)),
                          "p_value_vs_ci", quantity, row.population, row.location, row.row_id)
    with_ci = effects[(effects["estimate"] != "") & (effects["ci_lower"] != "")]
    if len(with_ci):
        rows = [dict(r._asdict()) for r in records(with_ci)]
        result = duplicate_pairs(rows, label_keys=("population", "endpoint", "factor", "level", "reference", "measure"))
        audit.add(result, "duplicate_estimates", "effect estimates with interval", "", "", "")
    keyed = effects[effects["estimate"] != ""]
    _across_locations(audit, keyed, ["population", "endpoint", "factor", "level", "reference", "measure", "test"], "estimate",
                      lambda k: f"{k[5]} {k[1]} {k[3]} vs {k[4]}", lambda k: k[0])


def _audit_adverse_events(audit: _Audit, events: pd.DataFrame) -> None:
    if events.empty:
        return
    for row in records(events):
        if row.count != "" and row.percent != "" and row.n != "":
            audit.add(percent_from_count(row.count, row.n, row.percent), "percent_from_count",
                      f"AE {row.term} grade {row.grade_band}", "all", row.location, row.row_id)
        elif row.percent != "" and row.n != "":
            audit.add(grim_percent(row.percent, row.n), "grim_percent",
                      f"AE {row.term} grade {row.grade_band}", "all", row.location, row.row_id)
    for (term, location, _label), group in events.groupby(["term", "location", "source_label"], sort=False):
        bands = dict(zip(group["grade_band"], group["count"]))
        parts = {b: c for b, c in bands.items() if b != "any"}
        if "any" not in bands or len(parts) < 2 or not _bands_partition(parts):
            continue
        audit.add(sum_check(parts, bands["any"], what="grade bands vs any grade"),
                  "sum_grade_bands", f"AE {term}", "all", location, ";".join(group["row_id"]))
    start = len(audit.rows)
    _across_locations(audit, events, ["harmonised_term", "grade_band"], "percent",
                      lambda k: f"AE {k[0]} grade {k[1]} percent", merged_terms=True)
    for entry in audit.rows[start:]:
        if entry["status"] == "discrepancy" and entry["quantity"].endswith(" grade any percent"):
            term = entry["quantity"][len("AE "):-len(" grade any percent")]
            pattern = _band_quoted_as_total(events, term)
            if pattern:
                entry["detail"] += f"; {pattern}"


def _band_quoted_as_total(events: pd.DataFrame, term: str) -> str:
    """A place's any-grade percentage that is another place's value of one grade band."""
    rows = events[events["harmonised_term"] == term]
    anys = rows[(rows["grade_band"] == "any") & (rows["percent"] != "")]
    for a in records(anys):
        others = anys[(anys["location"] != a.location) & (anys["percent"] != a.percent)]
        if not len(others):
            continue
        bands = rows[(rows["grade_band"] != "any") & (rows["location"] != a.location) & (rows["percent"] != "")]
        for b in records(bands):
            if Decimal(b.percent) == Decimal(a.percent):
                total = others[others["location"] == b.location]
                total_txt = f" (its total is {total.iloc[0]['percent']}%)" if len(total) else ""
                band = b.grade_band.replace("_", "-").replace("plus", "+")
                return (f"the {a.location.replace('_', ' ')} quotes {a.percent}%, the grade {band} column of "
                        f"{b.location.replace('_', ' ')}{total_txt}, as the any-grade rate")
    return ""


def _bands_partition(parts: dict[str, str]) -> bool:
    """Do the grade bands cover grades 1-5 (or 1-4) exactly once?"""
    covered = []
    for band in parts:
        if band.endswith("plus"):
            covered += list(range(int(band[0]), 6))
        else:
            ends = [int(g) for g in band.split("_")]
            covered += list(range(ends[0], ends[-1] + 1))
    return len(covered) == len(set(covered)) and set(covered) in ({1, 2, 3, 4, 5}, {1, 2, 3, 4})


def _audit_rankings(audit: _Audit, rankings: pd.DataFrame) -> None:
    if rankings.empty:
        return
    for (population, endpoint), group in rankings.groupby(["population", "endpoint"], sort=False):
        sucra = defaultdict(set)
        for r in records(group):
            if r.sucra != "":
                sucra[r.treatment].add(r.sucra)
        values = {t: next(iter(v)) for t, v in sucra.items() if len(v) == 1}
        stated = group[group["rank"] != ""]
        for (location, _label), block in stated.groupby(["location", "source_label"], sort=False):
            order = [t for _, t in sorted((int(r), t) for r, t in zip(block["rank"], block["treatment"]))]
            ranked = [t for t in order if t in values]
            if len(ranked) < 2:
                continue
            audit.add(ranking_order_check(ranked, values, higher_is_better=True), "ranking_vs_sucra",
                      f"{endpoint} ranking", population, location, ";".join(block["row_id"]))


def _audit_repairs(audit: _Audit, tables: dict[str, pd.DataFrame]) -> None:
    """Every OCR repair of the cleaning is a finding of damage: the printed number could
    not be right, and the value analysed is a reading of it.  Cells of one printed row
    (one table row, one sentence) share the row ids, so they make one finding."""
    corrections = tables.get("corrections")
    if corrections is None or corrections.empty:
        return
    names = {"response": "response_counts"}
    for table, group in corrections.groupby("table", sort=False):
        frame = tables.get(names.get(table, table))
        if frame is None or frame.empty:
            continue
        for fix in records(group):
            source = frame[frame["row_id"] == fix.row_id]
            if not len(source):
                continue
            source = source.iloc[0]
            same_print = frame[(frame["location"] == source["location"]) & (frame["source_label"] == source["source_label"])
                               & frame["corrected"].fillna("").ne("")]
            label = source.get("term", "") or source.get("population", "") or source.get("characteristic", "")
            what = {"adverse_events": f"AE {label} grade {source.get('grade_band', '')}",
                    "survival": f"median {source.get('endpoint', '')}",
                    "baseline": f"{source.get('characteristic', '')}={source.get('category', '')}"}.get(table, table)
            result = CheckResult("discrepancy", f"{fix.column} printed {fix.printed}", f"read as {fix.corrected}",
                                 f"printed {fix.column} '{fix.printed}' repaired to {fix.corrected}: {fix.reason}",
                                 "ocr_repair", {"repaired": True})
            audit.add(result, "ocr_repair", what, source.get("population", "all") or "all", source["location"],
                      ";".join(same_print["row_id"]))


def _ci_table_pattern(audit: _Audit, survival: pd.DataFrame) -> None:
    """An interval that breaks the pattern of its own table: when every other median CI
    of one place (at least three) is symmetric on the linear scale (median +/- z SE), one
    that is not cannot have been computed the same way."""
    rows = survival[(survival["median"] != "") & (survival["ci_lower"] != "") & (survival["ci_upper"] != "")]
    for location, group in rows.groupby("location", sort=False):
        if len(group) < 4:
            continue
        shapes = {r.row_id: median_ci_shape(r.median, r.ci_lower, r.ci_upper) for r in records(group)}
        linear = [i for i, s in shapes.items() if s.extra.get("shape") in ("linear", "both")]
        odd = [i for i, s in shapes.items() if s.status == "consistent" and s.extra.get("shape") in ("log", "neither")]
        if len(odd) != 1 or len(linear) < 3 or len(linear) + len(odd) != len(group):
            continue
        r = group[group["row_id"] == odd[0]].iloc[0]
        result = CheckResult(
            "discrepancy", f"{r['median']} ({r['ci_lower']}-{r['ci_upper']})", "not median +/- z SE",
            f"every other CI of {location.replace('_', ' ')} ({len(linear)} rows) is symmetric around its median "
            f"(median +/- z SE); {r['median']} ({r['ci_lower']}-{r['ci_upper']}) is not "
            f"({shapes[odd[0]].detail.split(': ', 1)[1].split(' -> ')[0]})", "ci_table_pattern")
        audit.add(result, "ci_table_pattern", f"median {r['endpoint']} CI", r["population"], location, r["row_id"])


def _audit_claims(audit: _Audit, tables: dict[str, pd.DataFrame]) -> None:
    """Each typed claim checked against the paper's own numbers (claims.csv is optional;
    which numbers each kind of claim needs is :mod:`.claim_audit`'s business)."""
    for claim, found in audit_claims(tables):
        # the claim's own row makes the finding; the table rows it is judged by are evidence
        # (a claim is not a pooled input, and two claims judged by one table stay two findings)
        audit.add(found.result, found.check, claim_quantity(claim), claim.population, claim.location,
                  claim.row_id, ";".join(dict.fromkeys(r for r in found.rows if r != claim.row_id)))
