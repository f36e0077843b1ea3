"""Checks across rows and places of one paper: one quantity printed identically
everywhere, no estimate/CI triple shared by different comparisons, a stated
ranking that follows its numbers.

Pure functions on printed values (see :mod:`.printed`), each returning a
:class:`~.result.CheckResult`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from .printed import decimal_places, half_unit, is_missing, parse_printed, plain, printed_text
from .result import CheckResult, not_checkable

__all__ = ["duplicate_pairs", "same_quantity_across_locations", "ranking_order_check"]

_DEFAULT_LABEL_KEYS = ("study_id", "population", "endpoint", "factor", "level", "reference", "measure")
_DEFAULT_VALUE_KEYS = ("estimate", "ci_lower", "ci_upper")


def duplicate_pairs(
    rows: Iterable[Mapping[str, Any]],
    label_keys: Sequence[str] = _DEFAULT_LABEL_KEYS,
    value_keys: Sequence[str] = _DEFAULT_VALUE_KEYS,
) -> CheckResult:
    """Find identical (estimate, lower, upper) triples on different comparisons.

    The same comparison repeated in abstract, results and a table legitimately
    carries the same triple; an identical triple on *different* comparisons
    (another subgroup, endpoint or treatment pair) is a likely copy-paste
    error.

    Parameters
    ----------
    rows : iterable of Mapping
        E.g. ``effects_df.to_dict("records")``.
    label_keys : sequence of str
        Columns identifying a comparison (absent keys read as empty); default
        ``study_id, population, endpoint, factor, level, reference, measure``.
    value_keys : sequence of str
        Columns of the triple; default ``estimate, ci_lower, ci_upper``.
        Compared numerically at printed value (``0.50 == 0.5``).

    Returns
    -------
    CheckResult
        ``discrepancy`` naming each duplicated triple and its comparisons
        (``extra["groups"]``: tuple of ``(triple, labels)``), ``consistent`` if
        none, ``not_checkable`` if no row has a complete triple.  Rows with a
        missing value are skipped (counted in the detail).
    """
    name = "duplicate_pairs"
    seen: dict[tuple[Decimal, ...], dict[str, str]] = {}
    skipped = 0
    n_rows = 0
    for row in rows:
        vals = []
        for k in value_keys:
            d, _ = parse_printed(row.get(k))
            vals.append(d)
        if any(v is None for v in vals):
            skipped += 1
            continue
        n_rows += 1
        # Normalize so 0.50 and 0.5 collide but labels keep the printed text.
        key = tuple(v.normalize() for v in vals)
        label = " ".join(str(row.get(k)) for k in label_keys
                         if not is_missing(row.get(k)))
        triple = f"{printed_text(row.get(value_keys[0]), vals[0])} ({printed_text(row.get(value_keys[1]), vals[1])}-" \
                 f"{printed_text(row.get(value_keys[2]), vals[2])})"
        seen.setdefault(key, {}).setdefault(label, triple)
    skip_txt = f"; {skipped} incomplete row(s) skipped" if skipped else ""
    if n_rows == 0:
        return not_checkable(name, f"no row with a complete {'/'.join(value_keys)}{skip_txt}")
    groups = tuple((next(iter(labels.values())), tuple(labels)) for labels in seen.values() if len(labels) > 1)
    if not groups:
        return CheckResult("consistent", f"{n_rows} rows", "no duplicates",
                           f"{len(seen)} distinct triples over {n_rows} rows, none shared by different comparisons"
                           f"{skip_txt}", name, {"groups": ()})
    text = "; ".join(f"{t} for " + " | ".join(labs) for t, labs in groups)
    return CheckResult("discrepancy", f"{n_rows} rows", f"{len(groups)} duplicated triple(s)",
                       f"identical estimate/CI on different comparisons: {text}{skip_txt}", name,
                       {"groups": groups})


def same_quantity_across_locations(values: Sequence[tuple[str, Any]]) -> CheckResult:
    """Is one quantity printed identically everywhere it appears?

    Parameters
    ----------
    values : sequence of (location, printed)
        E.g. ``[("abstract", "16.2"), ("results", "16.2"), ("table_2", "16.3")]``.
        Missing values are skipped (named in the detail).

    Returns
    -------
    CheckResult
        ``consistent`` if all values are numerically equal; ``rounding`` if
        they differ only by printed precision (e.g. ``16`` vs ``16.2``: the
        printed-precision intervals share a value and values printed with the
        same number of decimals are identical); ``discrepancy`` otherwise,
        naming locations and values; ``not_checkable`` if fewer than two
        values are present.
    """
    name = "same_quantity_across_locations"
    present: list[tuple[str, Decimal, str]] = []
    missing = []
    for loc, x in values:
        d, _ = parse_printed(x)
        if d is None:
            missing.append(str(loc))
        else:
            present.append((str(loc), d, printed_text(x, d)))
    listing = ", ".join(f"{loc} {t}" for loc, _, t in present)
    miss_txt = f" (missing at {', '.join(missing)})" if missing else ""
    if len(present) < 2:
        return not_checkable(name, f"fewer than two printed values: {listing or 'none'}{miss_txt}", listing)
    nums = {d for _, d, _ in present}
    if len(nums) == 1:
        return CheckResult("consistent", listing, plain(present[0][1]), f"all equal: {listing}{miss_txt}", name)
    by_dp: dict[int, set[Decimal]] = {}
    for _, d, _ in present:
        by_dp.setdefault(decimal_places(d), set()).add(d)
    same_precision_clash = any(len(s) > 1 for s in by_dp.values())
    lo = max(d - half_unit(decimal_places(d)) for _, d, _ in present)
    hi = min(d + half_unit(decimal_places(d)) for _, d, _ in present)
    if not same_precision_clash and lo <= hi:
        return CheckResult("rounding", listing, "differ only in printed precision",
                           f"differ only in printed precision: {listing}{miss_txt}", name)
    return CheckResult("discrepancy", listing, "values differ", f"values differ: {listing}{miss_txt}", name)


def ranking_order_check(
    stated_order: Sequence[str], values: Mapping[str, Any], higher_is_better: bool = True
) -> CheckResult:
    """Does a stated ranking follow the numbers it is based on?

    Parameters
    ----------
    stated_order : sequence of str
        Names in the order the paper ranks them, best first.
    values : Mapping[str, number]
        The numbers per name (SUCRA, probability best, ORR, HR vs common
        comparator, ...).
    higher_is_better : bool, default True
        True for SUCRA/ORR, False for e.g. HR vs placebo.

    Returns
    -------
    CheckResult
        ``discrepancy`` if some name is ranked above one with a strictly
        better value (adjacent violations listed); ``consistent`` otherwise
        (ties are allowed and mentioned); ``not_checkable`` if fewer than two
        ranked names have values or a name is ranked twice.  Ranked names
        without a value are skipped and named in the detail.
    """
    name = "ranking_order_check"
    if len(set(stated_order)) != len(stated_order):
        return not_checkable(name, "a name appears twice in the stated order")
    ranked = []
    missing = []
    for nm in stated_order:
        d, _ = parse_printed(values.get(nm))
        if d is None:
            missing.append(nm)
        else:
            ranked.append((nm, d, printed_text(values.get(nm), d)))
    reported = " > ".join(stated_order)
    miss_txt = f"; no value for {', '.join(missing)}" if missing else ""
    if len(ranked) < 2:
        return not_checkable(name, f"fewer than two ranked names with values{miss_txt}", reported)
    sign = 1 if higher_is_better else -1
    by_value = sorted(ranked, key=lambda t: -sign * t[1])  # stable: ties keep stated order
    recomputed = " > ".join(nm for nm, _, _ in by_value)
    listing = ", ".join(f"{nm} {t}" for nm, _, t in ranked)
    direction = "higher" if higher_is_better else "lower"
    bad = [(a, b) for a, b in zip(ranked, ranked[1:]) if sign * (b[1] - a[1]) > 0]
    ties = [(a, b) for a, b in zip(ranked, ranked[1:]) if a[1] == b[1]]
    if bad:
        txt = "; ".join(f"{a[0]} ({a[2]}) ranked above {b[0]} ({b[2]})" for a, b in bad)
        return CheckResult("discrepancy", reported, recomputed,
                           f"stated order contradicts values ({direction} is better): {txt}{miss_txt}", name,
                           {"violations": tuple((a[0], b[0]) for a, b in bad)})
    tie_txt = ("; ties: " + ", ".join(f"{a[0]}={b[0]}" for a, b in ties)) if ties else ""
    return CheckResult("consistent", reported, recomputed,
                       f"stated order follows values ({direction} is better): {listing}{tie_txt}{miss_txt}", name,
                       {"violations": ()})
