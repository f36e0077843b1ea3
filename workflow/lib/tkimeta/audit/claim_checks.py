"""Checks of a paper's evaluative claims against the numbers they rest on.

Each claim is a row of ``claims.csv`` (see its schema): what kind of claim, about what,
and the numbers the sentence cites.  Every check here is a pure function of printed
numbers returning a :class:`~.result.CheckResult` whose ``detail`` says in plain words
why the claim is or is not carried; :mod:`.claim_audit` feeds them the paper's own
tables.  One function per kind of claim:

=====================  ==============================================================
claim                  what would make it a discrepancy
=====================  ==============================================================
significant / better   its interval includes the null, or its p is at least alpha
not significant        its interval excludes the null, or its p is below alpha
uniform benefit        a subgroup test of the paper's own table is significant
higher / lower than    the two printed values are the other way round
reference group        the comparator's value is the whole cohort's (which includes
                       the subject) or another group's, not the named comparator's
best                   another option has the better value (or the named top options
                       are not the top of the values)
consistent with        the quoted range excludes the study's own estimate (or the other
                       study's single value lies outside the study's own interval)
durable                the paper prints no duration of response at all
all / mostly low grade the printed grade >= 3 counts contradict it
most common AEs        an AE above the threshold is left out, or one below is listed
=====================  ==============================================================

A claim whose numbers are not printed is ``not_checkable``, never filled in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from .printed import parse_printed
from .result import CheckResult, not_checkable

__all__ = [
    "ALPHA", "significant_benefit_check", "not_significant_check", "uniform_benefit_check",
    "comparison_check", "reference_group_check", "best_check", "consistent_with_check",
    "durable_check", "low_grade_check", "most_common_aes_check",
]

#: Significance level of every paper here ("P < 0.05 was considered significant").
ALPHA = 0.05


def _num(x) -> Decimal | None:
    return parse_printed(x)[0]


def _p_text(p, relation) -> str:
    return f"P {relation or '='} {p}"


def _p_significant(p, relation, alpha: float) -> bool | None:
    """Is a printed p below alpha?  ``P < 0.001`` is, ``P > 0.05`` is not; ``None``
    when the printed relation leaves it open (``P > 0.01`` at alpha 0.05)."""
    value = _num(p)
    if value is None:
        return None
    value, relation = float(value), relation or "="
    if relation in ("<", "<="):
        return True if value <= alpha else None
    if relation in (">", ">="):
        return False if value >= alpha else None
    return value < alpha


def _interval(estimate, lower, upper) -> tuple[str, float, float] | None:
    lo, hi = _num(lower), _num(upper)
    if lo is None or hi is None:
        return None
    est = f"{estimate} " if _num(estimate) is not None else ""
    return f"{est}({lower}-{upper})", float(lo), float(hi)


def _evidence(estimate, lower, upper, p, relation, alpha, null):
    """What the cited numbers say about a difference: (excludes_null, p_below_alpha, shown)."""
    interval = _interval(estimate, lower, upper)
    excludes = None if interval is None else not (interval[1] <= null <= interval[2])
    below = _p_significant(p, relation, alpha)
    shown = []
    if interval:
        shown.append(interval[0])
    if _num(p) is not None:
        shown.append(_p_text(p, relation))
    return excludes, below, ", ".join(shown)


def significant_benefit_check(estimate, lower, upper, p_value=None, p_relation=None, *,
                              alpha: float = ALPHA, null: float = 1.0) -> CheckResult:
    """A claimed difference ("significantly improved", "superior", "better", "worse")
    needs an interval that excludes the null and a p below alpha; a claim whose
    interval spans the null, or whose p is at least alpha, is one the data do not carry."""
    name = "claim_significant_benefit"
    excludes, below, shown = _evidence(estimate, lower, upper, p_value, p_relation, alpha, null)
    if excludes is None and below is None:
        return not_checkable(name, "the sentence cites no interval and no p value, and none is printed for it")
    problems = []
    if excludes is False:
        problems.append(f"its interval includes {null:g} (no difference)")
    if below is False:
        problems.append(f"its {_p_text(p_value, p_relation)} is not below {alpha:g}")
    if problems:
        return CheckResult("discrepancy", shown, "not significant",
                           f"a difference is claimed, but {' and '.join(problems)}", name)
    return CheckResult("consistent", shown, "significant",
                       f"the claimed difference rests on {shown}, significant at {alpha:g}", name)


def not_significant_check(estimate, lower, upper, p_value=None, p_relation=None, *,
                          alpha: float = ALPHA, null: float = 1.0) -> CheckResult:
    """A difference said to be not significant (or "comparable") needs an interval that
    includes the null, or a p of at least alpha."""
    name = "claim_not_significant"
    excludes, below, shown = _evidence(estimate, lower, upper, p_value, p_relation, alpha, null)
    if excludes is None and below is None:
        return not_checkable(name, "the sentence cites no interval and no p value, and none is printed for it")
    problems = []
    if excludes is True:
        problems.append(f"its interval excludes {null:g}")
    if below is True:
        problems.append(f"its {_p_text(p_value, p_relation)} is below {alpha:g}")
    if problems:
        return CheckResult("discrepancy", shown, "significant",
                           f"said to be no significant difference, but {' and '.join(problems)}", name)
    return CheckResult("consistent", shown, "not significant",
                       f"no significant difference, as {shown} shows", name)


def uniform_benefit_check(tests: Mapping[str, tuple[object, object]], alpha: float = ALPHA) -> CheckResult:
    """'All patients benefit alike, whatever their characteristics' against the paper's
    own subgroup tests (``tests`` maps a characteristic to its printed (p, relation))."""
    name = "claim_uniform_benefit"
    judged = {k: _p_significant(p, rel, alpha) for k, (p, rel) in tests.items()}
    judged = {k: v for k, v in judged.items() if v is not None}
    if not judged:
        return not_checkable(name, "the paper prints no subgroup test to check the claim against")
    significant = [k for k, v in judged.items() if v]
    shown = ", ".join(f"{k} {_p_text(*tests[k])}" for k in significant)
    if significant:
        return CheckResult("discrepancy", f"{len(judged)} subgroup tests", f"{len(significant)} significant",
                           f"said to benefit alike whatever the characteristics, but the paper's own subgroup "
                           f"tests differ significantly for {shown}", name)
    return CheckResult("consistent", f"{len(judged)} subgroup tests", "none significant",
                       f"none of the paper's {len(judged)} subgroup tests is significant at {alpha:g}", name)


def comparison_check(subject_value, comparator_value, higher: bool, subject: str = "subject",
                     comparator: str = "comparator", own_data: bool = False) -> CheckResult:
    """'X was higher (longer, better) than Y' against the two printed values.

    With ``own_data`` (both groups are the paper's own patients) a value the paper
    prints nowhere makes the claim a discrepancy: it rests on data the paper does not
    show.  For another study's value that the paper does not quote, it is not checkable."""
    name = "claim_higher_than" if higher else "claim_lower_than"
    s, c = _num(subject_value), _num(comparator_value)
    word = "higher" if higher else "lower"
    if s is None or c is None:
        missing = " and ".join(w for w, v in ((subject, s), (comparator, c)) if v is None)
        if own_data:
            return CheckResult("discrepancy", f"{subject} vs {comparator}", "not printed",
                               f"a claim about the paper's own patients, but the paper prints no value for {missing} "
                               f"anywhere, so the claim rests on data it does not show", name)
        return not_checkable(name, f"no value printed for {missing}")
    reported = f"{subject} {subject_value} vs {comparator} {comparator_value}"
    if (s > c) if higher else (s < c):
        return CheckResult("consistent", reported, f"{word}", f"{subject_value} is {word} than {comparator_value}", name)
    return CheckResult("discrepancy", reported, "equal" if s == c else ("lower" if higher else "higher"),
                       f"said to be {word}, but {subject} {subject_value} is "
                       f"{'the same as' if s == c else ('lower than' if higher else 'higher than')} "
                       f"{comparator} {comparator_value}", name)


def reference_group_check(quoted, comparator: str, own: Sequence[str], whole: Sequence[str],
                          others: Mapping[str, Sequence[str]]) -> CheckResult:
    """Is the comparator's quoted value the named comparator's, or another group's?

    ``own`` are the values the paper prints for the named comparator elsewhere (its
    tables), ``whole`` those of the whole cohort and ``others`` those of the paper's
    other groups.  A subgroup compared with the whole cohort is compared with a group
    that contains it, which dilutes every difference; a value that belongs to another
    named group compares with the wrong patients.
    """
    name = "claim_reference_group"
    q = _num(quoted)
    if q is None:
        return not_checkable(name, "no value printed for the comparator")
    same = lambda values: [v for v in values if _num(v) == q]  # noqa: E731
    if same(own):
        return CheckResult("consistent", str(quoted), f"{comparator} {quoted}",
                           f"{quoted} is the value the paper prints for {comparator}", name)
    own_txt = f"; the paper prints {', '.join(dict.fromkeys(own))} for {comparator}" if own else ""
    if same(whole):
        return CheckResult("discrepancy", str(quoted), "whole cohort",
                           f"the comparator's {quoted} is the whole cohort's value (which includes the subgroup "
                           f"itself), not that of {comparator}{own_txt}", name)
    for group, values in others.items():
        if same(values):
            return CheckResult("discrepancy", str(quoted), group,
                               f"the comparator's {quoted} is the value of the group '{group}', not of "
                               f"{comparator}{own_txt}", name)
    if own:
        return CheckResult("discrepancy", str(quoted), ", ".join(own),
                           f"the comparator's {quoted} is not the value the paper prints for {comparator}{own_txt}", name)
    return not_checkable(name, f"the paper prints no other value for {comparator} to check {quoted} against")


def best_check(subject: str | Sequence[str], values: Mapping[str, object], higher_is_better: bool = True) -> CheckResult:
    """The option(s) called the best must have the best value(s) of the ranking they cite.

    ``subject`` is one option, or the options named as the best in their order (the
    top ones of the values, in that order)."""
    name = "claim_best"
    subjects = [subject] if isinstance(subject, str) else list(subject)
    numbers = {k: _num(v) for k, v in values.items()}
    numbers = {k: v for k, v in numbers.items() if v is not None}
    unranked = [s for s in subjects if s not in numbers]
    if unranked == subjects or len(numbers) < 2:
        return not_checkable(name, f"no value for {', '.join(subjects)} among the ranked options")
    ranked = sorted(numbers, key=lambda k: -numbers[k] if higher_is_better else numbers[k])
    listing = ", ".join(f"{k} {numbers[k]}" for k in ranked)
    top = ranked[:len(subjects)]
    beaten = [k for k in top if k not in subjects]
    missing = f"; {', '.join(unranked)} {'has' if len(unranked) == 1 else 'have'} no printed value" if unranked else ""
    if beaten:
        return CheckResult("discrepancy", ", ".join(subjects), ", ".join(top),
                           f"called the best, but {', '.join(beaten)} has the better value ({listing}){missing}", name)
    return CheckResult("consistent", ", ".join(subjects), ", ".join(top),
                       f"called the best and ranks {'first' if len(subjects) == 1 else 'at the top'} ({listing}){missing}",
                       name)


def consistent_with_check(estimate, range_lower, range_upper, ci_lower=None, ci_upper=None) -> CheckResult:
    """'Consistent with other studies' against the numbers quoted for them.

    A quoted range (``range_lower < range_upper``) must include the study's own
    estimate.  A single quoted value (``range_lower == range_upper``) must lie inside
    the study's own interval (``ci_lower``-``ci_upper``); without one it cannot be
    judged, since any two numbers are 'consistent' without a measure of uncertainty."""
    name = "claim_consistent_with"
    e, lo, hi = _num(estimate), _num(range_lower), _num(range_upper)
    if lo is None and hi is None:
        return not_checkable(name, "the paper quotes no number for the studies it calls consistent")
    if lo is None or hi is None or lo == hi:
        other = range_lower if lo is not None else range_upper
        cl, cu = _num(ci_lower), _num(ci_upper)
        if cl is None or cu is None:
            return not_checkable(name, f"a single value ({other}) is quoted for the other study and the study's own "
                                       f"estimate {estimate or ''} has no printed interval to judge it by".replace("  ", " "))
        reported = f"{other} vs {estimate} ({ci_lower}-{ci_upper})"
        value = lo if lo is not None else hi
        if cl <= value <= cu:
            return CheckResult("consistent", reported, "inside", f"the other study's {other} lies inside the study's own "
                               f"interval {ci_lower}-{ci_upper}", name)
        return CheckResult("discrepancy", reported, "outside", f"said to be consistent, but the other study's {other} lies "
                           f"outside the study's own interval {ci_lower}-{ci_upper} (estimate {estimate})", name)
    if e is None:
        return not_checkable(name, "the study's own estimate is not printed")
    reported = f"{range_lower}-{range_upper}"
    if not lo <= e <= hi:
        return CheckResult("discrepancy", reported, str(estimate),
                           f"said to be consistent with {reported}, which excludes the study's own {estimate}", name)
    return CheckResult("consistent", reported, str(estimate), f"the study's {estimate} lies in the quoted {reported}", name)


def durable_check(medians: Sequence[str], rates: Sequence[str]) -> CheckResult:
    """'Durable' responses (or benefit) need a printed duration: a median duration of
    response (printed, or 'not reached') or a duration-of-response rate at a landmark.
    ``medians`` and ``rates`` are the paper's printed DoR numbers, described."""
    name = "claim_durable"
    shown = "; ".join([*dict.fromkeys(medians), *dict.fromkeys(rates)])
    if not medians and not rates:
        return CheckResult("discrepancy", "durable", "no duration of response printed",
                           "called durable, but the paper prints no duration of response (no median duration of "
                           "response and no response rate at a landmark), so nothing shows how long responses last", name)
    return CheckResult("consistent", "durable", shown, f"the paper prints how long responses last: {shown}", name)


def low_grade_check(counts: Mapping[str, tuple[int, int]], mostly: bool) -> CheckResult:
    """'All (or most) of these AEs were grade 1-2' against the printed grade >= 3 counts.

    ``counts`` maps a term to (any-grade count, grade >= 3 count).  'Most' fails when
    at least half of a term's events are grade >= 3."""
    name = "claim_mostly_low_grade" if mostly else "claim_all_low_grade"
    if not counts:
        return not_checkable(name, "no grade split printed for the AEs the claim names")
    bad = {t: c for t, c in counts.items() if (2 * c[1] >= c[0] if mostly else c[1] > 0)}
    listing = ", ".join(f"{t} {c[1]} of {c[0]} grade >=3" for t, c in counts.items())
    what = "mostly" if mostly else "all"
    if bad:
        return CheckResult("discrepancy", listing, "", f"said to be {what} grade 1-2, but the paper's table prints "
                           f"{', '.join(f'{t} {c[1]} of {c[0]} at grade >=3' for t, c in bad.items())}", name)
    return CheckResult("consistent", listing, "", f"{what} grade 1-2 as the table prints: {listing}", name)


def _rate_list(rates: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{k} ({rates[k]}%)" for k in sorted(rates, key=lambda k: -rates[k]))


def most_common_aes_check(listed: Sequence[str], rates: Mapping[str, object], threshold=None,
                          other_columns: Mapping[str, Mapping[str, object]] | None = None,
                          band: str = "any grade") -> CheckResult:
    """A list of 'the most common AEs (>= threshold %)' must hold every AE at or above it
    and none below.

    Without a printed threshold, a list of 'the most common' AEs implies one: its
    lowest listed rate, so every AE with a higher rate must be on it.  When the list
    is wrong for its column but exactly right for another column of the same table
    (``other_columns``, e.g. the grade 1-2 column quoted as the total), that is said.
    """
    name = "claim_most_common_aes"
    numbers = {k: _num(v) for k, v in rates.items()}
    numbers = {k: v for k, v in numbers.items() if v is not None}
    if not numbers:
        return not_checkable(name, f"no {band} rates printed for the AEs")
    t = _num(threshold)
    implied = t is None
    if implied:
        listed_rates = [numbers[k] for k in listed if k in numbers]
        if not listed_rates:
            return not_checkable(name, "none of the listed AEs has a printed rate")
        t = min(listed_rates)
    cut = f">= {t}%" if not implied else f"at or above the lowest listed rate ({t}%)"

    def verdict(values: Mapping[str, Decimal]) -> tuple[list[str], list[str]]:
        above = [k for k in values if values[k] >= t]
        return [k for k in above if k not in listed], [k for k in listed if k in values and values[k] < t]

    missing, below = verdict(numbers)
    reported = ", ".join(listed)
    if not missing and not below:
        return CheckResult("consistent", reported, f"AEs {cut}", f"the list holds every {band} AE {cut} and none below "
                           f"({_rate_list({k: numbers[k] for k in numbers if numbers[k] >= t})})", name)
    parts = []
    if missing:
        parts.append("leaves out " + _rate_list({k: numbers[k] for k in missing}))
    if below:
        parts.append("lists " + _rate_list({k: numbers[k] for k in below}) + f" below {t}%")
    detail = f"the list of {band} AEs {cut} " + "; ".join(parts)
    for column, values in (other_columns or {}).items():
        other = {k: _num(v) for k, v in values.items() if _num(v) is not None}
        if other and verdict(other) == ([], []) and set(listed) == {k for k in other if other[k] >= t}:
            detail += f"; it is exactly the list of the {column} column at {cut}, quoted as the {band} incidence"
            break
    return CheckResult("discrepancy", reported, f"AEs {cut}", detail, name)
