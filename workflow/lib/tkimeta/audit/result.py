"""What every audit check returns: a :class:`CheckResult` with one of four statuses.

Status semantics (shared by all checks)
---------------------------------------
``"consistent"``
    The printed number agrees with the recomputation under the standard
    reading: round-half-up or round-half-even at the printed precision, or,
    for checks on rounded inputs, some set of true values inside the
    printed-precision box (each printed value +/- half a unit in its last
    digit) satisfies the relation exactly.
``"rounding"``
    Agreement only under a non-standard rounding convention (truncation,
    rounding up) or within one unit in the last printed digit.  Almost always
    harmless, but worth a line in the audit log.
``"discrepancy"``
    The numbers cannot be reconciled by rounding; a human should look.
``"not_checkable"``
    A required input is missing (``None``, NaN, ``pd.NA``, empty or ``"NR"``)
    or unusable (not a number, zero denominator); ``detail`` says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["STATUSES", "CheckResult", "not_checkable"]

STATUSES = ("consistent", "rounding", "discrepancy", "not_checkable")


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one audit check.

    Parameters
    ----------
    status : str
        One of :data:`STATUSES` (see the module docstring for semantics).
    reported : str
        The printed number(s) being checked, short (e.g. ``"16.2%"``).
    recomputed : str
        What the check recomputed, short (e.g. ``"11/68 = 16.176%"``).
    detail : str
        One human-readable line showing both numbers and the verdict.
    check : str, optional
        Name of the function that produced the result (for audit tables).
    extra : Mapping, optional
        Read-only, check-specific structured output (e.g. GRIM candidate
        counts, the CI methods that match, the shape of a median CI).  Not part
        of equality or hashing.
    """

    status: str
    reported: str
    recomputed: str
    detail: str
    check: str = ""
    extra: Mapping[str, Any] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {STATUSES}")
        # Frozen means frozen: expose extras read-only so a driver cannot
        # mutate a result after it has been logged.
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @property
    def ok(self) -> bool:
        """True for ``consistent`` and ``rounding`` (nothing to fix)."""
        return self.status in ("consistent", "rounding")

    def to_dict(self) -> dict[str, str]:
        """Flat ``dict`` of the four text fields plus ``check`` (for a CSV row)."""
        return {
            "check": self.check,
            "status": self.status,
            "reported": self.reported,
            "recomputed": self.recomputed,
            "detail": self.detail,
        }


def not_checkable(check: str, reason: str, reported: str = "", recomputed: str = "") -> CheckResult:
    """The result of a check that could not run; ``reason`` says why (it becomes the detail)."""
    return CheckResult("not_checkable", reported, recomputed, reason, check)
