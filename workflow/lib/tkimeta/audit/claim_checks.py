"""Checks of a paper's evaluative claims against the numbers they rest on.

Each claim is a row of ``claims.csv`` (see its schema): what kind of claim, about what,
and the numbers it cites.  The checks are pure functions returning a
:class:`~.result.CheckResult`; :mod:`.study` feeds them the paper's own tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .printed import parse_printed
from .result import CheckResult, not_checkable

__all__ = ["significant_benefit_check", "best_check", "consistent_with_check", "low_grade_check",
           "most_common_aes_check"]


def significant_benefit_check(estimate, lower, upper, null: float = 1.0) -> CheckResult:
    """A claimed benefit ("significantly improved", "superior") needs an interval that
    excludes the null; one that spans it is a claim the data do not carry."""
    name = "claim_significant_benefit"
    vals = [parse_printed(x)[0] for x in (estimate, lower, upper)]
    if any(v is None for v in vals):
        return not_checkable(name, "the claim cites no estimate with an interval")
    e, lo, hi = (float(v) for v in vals)
    reported = f"{estimate} ({lower}-{upper})"
    if lo < null < hi:
        return CheckResult("discrepancy", reported, f"interval spans {null:g}",
                           f"claimed benefit, but its interval {lower}-{upper} includes {null:g} (no effect)", name)
    return CheckResult("consistent", reported, f"interval excludes {null:g}",
                       f"claimed benefit rests on {reported}, which excludes {null:g}", name)


def best_check(subject: str, values: Mapping[str, object], higher_is_better: bool = True) -> CheckResult:
    """A treatment called the best must have the best value of the ranking it cites."""
    name = "claim_best"
    numbers = {k: parse_printed(v)[0] for k, v in values.items()}
    numbers = {k: v for k, v in numbers.items() if v is not None}
    if subject not in numbers or len(numbers) < 2:
        return not_checkable(name, f"no value for {subject} among the ranked treatments")
    best = max(numbers, key=lambda k: numbers[k] if higher_is_better else -numbers[k])
    listing = ", ".join(f"{k} {numbers[k]}" for k in sorted(numbers, key=lambda k: -numbers[k]))
    if numbers[best] != numbers[subject]:
        return CheckResult("discrepancy", subject, best,
                           f"called the best, but {best} has the better value ({listing})", name)
    return CheckResult("consistent", subject, best, f"called the best and ranks first ({listing})", name)


def consistent_with_check(estimate, range_lower, range_upper) -> CheckResult:
    """'Consistent with other studies' quoting a range must include the study's own estimate."""
    name = "claim_consistent_with"
    vals = [parse_printed(x)[0] for x in (estimate, range_lower, range_upper)]
    if any(v is None for v in vals):
        return not_checkable(name, "no estimate or quoted range")
    e, lo, hi = vals
    reported = f"{range_lower}-{range_upper}"
    if not lo <= e <= hi:
        return CheckResult("discrepancy", reported, str(estimate),
                           f"said to be consistent with {reported}, which excludes the study's own {estimate}", name)
    return CheckResult("consistent", reported, str(estimate), f"the study's {estimate} lies in the quoted {reported}", name)


def low_grade_check(counts: Mapping[str, tuple[int, int]], mostly: bool) -> CheckResult:
    """'All (or most) of these AEs were grade 1-2' against the printed grade >= 3 counts.

    ``counts`` maps a term to (any-grade count, grade >= 3 count).
    """
    name = "claim_mostly_low_grade" if mostly else "claim_all_low_grade"
    if not counts:
        return not_checkable(name, "no grade split printed for the AEs the claim names")
    bad = {t: c for t, c in counts.items() if (2 * c[1] >= c[0] if mostly else c[1] > 0)}
    listing = ", ".join(f"{t} {c[1]} of {c[0]} grade >=3" for t, c in counts.items())
    if bad:
        what = "most" if mostly else "all"
        return CheckResult("discrepancy", listing, "", f"said to be {what} grade 1-2, but {', '.join(bad)}: {listing}", name)
    return CheckResult("consistent", listing, "", f"grade 1-2 {'in most' if mostly else 'in all'}: {listing}", name)


def most_common_aes_check(listed: Sequence[str], rates: Mapping[str, object], threshold) -> CheckResult:
    """A list of 'the most common AEs (>= threshold %)' must hold every AE at or above it."""
    name = "claim_most_common_aes"
    t = parse_printed(threshold)[0]
    if t is None or not rates:
        return not_checkable(name, "no threshold or no any-grade rates")
    above = {k: parse_printed(v)[0] for k, v in rates.items()}
    above = {k: v for k, v in above.items() if v is not None and v >= t}
    missing = [k for k in sorted(above, key=lambda k: -above[k]) if k not in listed]
    below = [k for k in listed if k in rates and k not in above]
    reported = ", ".join(listed)
    parts = []
    if missing:
        parts.append("leaves out " + ", ".join(f"{k} ({above[k]}%)" for k in missing))
    if below:
        parts.append("lists " + ", ".join(f"{k} ({rates[k]}%)" for k in below) + f" below {threshold}%")
    if parts:
        return CheckResult("discrepancy", reported, f"{len(above)} AEs at >= {threshold}%",
                           f"list of AEs >= {threshold}% " + "; ".join(parts), name)
    return CheckResult("consistent", reported, f"{len(above)} AEs at >= {threshold}%",
                       f"the list holds every AE at >= {threshold}%", name)
