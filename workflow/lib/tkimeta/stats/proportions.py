"""Single-arm proportions: confidence intervals and variance-stabilising transforms.

Every function here is pure (no I/O, no global state) and vectorised: scalar
inputs give Python floats, array-like inputs give NumPy arrays.

The transforms reproduce metafor's ``escalc()`` so that the inverse-variance
meta-analyses in :mod:`tkimeta.stats.rma` can be checked against metafor:

* ``measure="PLO"`` (logit, default ``add=1/2, to="only0"``) -> :func:`logit_transform`
* ``measure="PFT"`` (Freeman-Tukey double arcsine)            -> :func:`freeman_tukey`
* ``transf.ipft.hm`` (harmonic-mean back-transformation)     -> :func:`inverse_freeman_tukey_hm`

The exact (Clopper-Pearson), Wilson and Wald intervals are the closed forms below.
``statsmodels.stats.proportion.proportion_confint`` computes the same numbers (the
tests check that they agree), but importing it costs over half a second, which every
Snakemake job that needs one interval would pay again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from . import distributions as D

__all__ = [
    "check_counts",
    "clopper_pearson",
    "wilson",
    "wald",
    "logit_transform",
    "freeman_tukey",
    "inverse_freeman_tukey",
    "inverse_freeman_tukey_hm",
    "logit",
    "expit",
]


# --------------------------------------------------------------------------- #
# validation (shared with glmm.py)
# --------------------------------------------------------------------------- #
def check_counts(x: Any, n: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate event counts ``x`` out of ``n`` trials.

    Returns float arrays of a common 1-D shape and whether both inputs were
    scalars (so callers can hand back floats).  Counts must be whole numbers
    because every formula below is a binomial one; a fractional count almost
    always means a percentage was typed into a count column.
    """
    scalar = np.ndim(x) == 0 and np.ndim(n) == 0
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    na = np.atleast_1d(np.asarray(n, dtype=float))
    if xa.ndim != 1 or na.ndim != 1:
        raise ValueError("x and n must be scalars or one-dimensional sequences")
    if xa.shape != na.shape:
        raise ValueError(
            f"x and n must have the same length, got {xa.size} events and {na.size} totals"
        )
    if xa.size == 0:
        raise ValueError("x and n must not be empty")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(na))):
        raise ValueError("x and n must be finite (no NaN or infinity)")
    if np.any(xa != np.round(xa)) or np.any(na != np.round(na)):
        raise ValueError("x and n must be whole numbers (counts), not proportions")
    if np.any(na <= 0):
        raise ValueError(f"n must be positive, got {na[na <= 0].tolist()}")
    if np.any(xa < 0):
        raise ValueError(f"x must be non-negative, got {xa[xa < 0].tolist()}")
    bad = xa > na
    if np.any(bad):
        pairs = [f"{int(a)}/{int(b)}" for a, b in zip(xa[bad], na[bad])]
        raise ValueError(f"x must not exceed n, got x > n for {', '.join(pairs)}")
    return xa, na, scalar


def _out(value: np.ndarray, scalar: bool):
    """Return a float for scalar calls and the array otherwise."""
    return float(value[0]) if scalar else value


def _ci(x, n, level: float, method: str):
    level = D.check_level(level)
    xa, na, scalar = check_counts(x, n)
    xa, na = xa.astype(float), na.astype(float)
    alpha = 1.0 - level
    if method == "beta":
        with np.errstate(invalid="ignore"):
            lo = np.where(xa == 0, 0.0, D.beta_ppf(alpha / 2, np.maximum(xa, 1e-300), na - xa + 1))
            hi = np.where(xa == na, 1.0, D.beta_ppf(1 - alpha / 2, xa + 1, np.maximum(na - xa, 1e-300)))
    else:
        z = D.critical_value(level)
        p = xa / na
        if method == "wilson":
            centre = (p + z * z / (2 * na)) / (1 + z * z / na)
            half = z * np.sqrt(p * (1 - p) / na + z * z / (4 * na * na)) / (1 + z * z / na)
        else:  # normal (Wald), clipped to [0, 1] as statsmodels does
            centre, half = p, z * np.sqrt(p * (1 - p) / na)
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return _out(np.asarray(lo, dtype=float), scalar), _out(np.asarray(hi, dtype=float), scalar)


# --------------------------------------------------------------------------- #
# confidence intervals
# --------------------------------------------------------------------------- #
def clopper_pearson(x, n, level: float = 0.95):
    """Exact (Clopper-Pearson) confidence interval for a binomial proportion.

    Formula: with alpha = 1 - level,
    ``lower = Beta^{-1}(alpha/2; x, n - x + 1)`` and
    ``upper = Beta^{-1}(1 - alpha/2; x + 1, n - x)``, with ``lower = 0`` when
    ``x = 0`` and ``upper = 1`` when ``x = n``.

    Reference: Clopper CJ, Pearson ES. The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika 1934;26:404-413.

    Parameters
    ----------
    x, n : int or array_like of int
        Number of events and number of patients (``0 <= x <= n``, ``n > 0``).
    level : float, default 0.95
        Two-sided confidence level, a fraction in (0, 1).

    Returns
    -------
    (lower, upper) : tuple of float or of ndarray
        Bounds on the proportion scale.

    Raises
    ------
    ValueError
        If ``x > n``, ``n <= 0``, counts are negative or not whole numbers,
        lengths differ, or ``level`` is outside (0, 1).

    Notes
    -----
    Agrees with ``statsmodels.stats.proportion.proportion_confint(method="beta")``.

    Examples
    --------
    >>> lo, hi = clopper_pearson(11, 68)
    >>> round(lo, 4), round(hi, 4)
    (0.0836, 0.271)
    """
    return _ci(x, n, level, "beta")


def wilson(x, n, level: float = 0.95):
    """Wilson score confidence interval for a binomial proportion.

    Formula: with ``p = x/n`` and ``z = Phi^{-1}(1 - alpha/2)``,
    ``(p + z^2/(2n) -/+ z*sqrt(p(1-p)/n + z^2/(4n^2))) / (1 + z^2/n)``
    (no continuity correction).

    Reference: Wilson EB. Probable inference, the law of succession, and
    statistical inference. J Am Stat Assoc 1927;22:209-212.

    Parameters and return value as for :func:`clopper_pearson`.
    Agrees with ``proportion_confint(method="wilson")``.
    """
    return _ci(x, n, level, "wilson")


def wald(x, n, level: float = 0.95):
    """Wald (normal-approximation) confidence interval for a binomial proportion.

    Formula: ``p -/+ z*sqrt(p(1-p)/n)`` with ``p = x/n``, clipped to [0, 1].
    It has zero width at ``x = 0`` and ``x = n`` and poor coverage for small
    ``n``; it is offered only to reproduce papers that report it.

    Reference: e.g. Brown LD, Cai TT, DasGupta A. Interval estimation for a
    binomial proportion. Stat Sci 2001;16:101-133.

    Parameters and return value as for :func:`clopper_pearson`.
    Agrees with ``proportion_confint(method="normal")`` (clipped to [0, 1]).
    """
    return _ci(x, n, level, "normal")


# --------------------------------------------------------------------------- #
# logit transform (metafor escalc measure="PLO")
# --------------------------------------------------------------------------- #
def logit(p):
    """Log-odds ``log(p / (1 - p))`` (vectorised, scalar in -> float out)."""
    out = special.logit(np.asarray(p, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def expit(x):
    """Inverse logit ``1 / (1 + exp(-x))`` (vectorised, scalar in -> float out)."""
    out = special.expit(np.asarray(x, dtype=float))
    return float(out) if np.ndim(out) == 0 else out


def logit_transform(x, n, add: float = 0.5, to: str = "only0"):
    """Log-odds of a proportion and its large-sample variance (metafor ``"PLO"``).

    Formula: ``yi = log(x' / (n' - x'))`` and ``vi = 1/x' + 1/(n' - x')`` where
    ``x' = x + c``, ``n' = n + 2c`` and the continuity correction ``c`` is
    ``add`` for the studies selected by ``to`` and 0 otherwise.

    With the defaults (``add=0.5, to="only0"``) the correction is applied only
    to studies with ``x = 0`` or ``x = n``, exactly as metafor's
    ``escalc(measure="PLO")`` default; otherwise the logit would be infinite.

    Reference: Viechtbauer W. Conducting meta-analyses in R with the metafor
    package. J Stat Softw 2010;36(3). (escalc documentation, measure "PLO").

    Parameters
    ----------
    x, n : int or array_like of int
        Events and totals.
    add : float, default 0.5
        Continuity correction added to the event and non-event cells.
    to : {"only0", "all", "if0all", "none"}, default "only0"
        Which studies get the correction (metafor's ``to``): only those with a
        zero cell, all, all if any study has a zero cell, or none (``"none"``
        gives infinite ``yi``/``vi`` for zero cells).

    Returns
    -------
    (yi, vi) : tuple of float or of ndarray
        Log-odds and sampling variance.
    """
    xa, na, scalar = check_counts(x, n)
    add = float(add)
    if add < 0:
        raise ValueError(f"add must be non-negative, got {add}")
    if to == "only0":
        corr = np.where((xa == 0) | (xa == na), add, 0.0)
    elif to == "all":
        corr = np.full_like(xa, add)
    elif to == "if0all":
        any0 = bool(np.any((xa == 0) | (xa == na)))
        corr = np.full_like(xa, add if any0 else 0.0)
    elif to == "none":
        corr = np.zeros_like(xa)
    else:
        raise ValueError(f"to must be 'only0', 'all', 'if0all' or 'none', got {to!r}")
    ev = xa + corr
    nonev = na - xa + corr
    with np.errstate(divide="ignore"):
        yi = np.log(ev) - np.log(nonev)
        vi = 1.0 / ev + 1.0 / nonev
    return _out(yi, scalar), _out(vi, scalar)


# --------------------------------------------------------------------------- #
# Freeman-Tukey double arcsine (metafor escalc measure="PFT")
# --------------------------------------------------------------------------- #
def freeman_tukey(x, n):
    """Freeman-Tukey double-arcsine transform of a proportion (metafor ``"PFT"``).

    Formula:
    ``yi = 0.5 * (asin(sqrt(x/(n+1))) + asin(sqrt((x+1)/(n+1))))``,
    ``vi = 1 / (4n + 2)``.

    No continuity correction is needed: the transform is finite at ``x = 0``
    and ``x = n``, which is why it is popular for rare events.  Note that
    metafor's version is half of Freeman and Tukey's original sum, so
    ``yi`` lies in [0, pi/2].

    References
    ----------
    Freeman MF, Tukey JW. Transformations related to the angular and the square
    root. Ann Math Stat 1950;21:607-611.  metafor ``escalc(measure="PFT")``.

    Returns
    -------
    (yi, vi) : tuple of float or of ndarray
    """
    xa, na, scalar = check_counts(x, n)
    yi = 0.5 * (np.arcsin(np.sqrt(xa / (na + 1.0))) + np.arcsin(np.sqrt((xa + 1.0) / (na + 1.0))))
    vi = 1.0 / (4.0 * na + 2.0)
    return _out(yi, scalar), _out(vi, scalar)


def _pft_of_proportion(p: np.ndarray, n: float) -> np.ndarray:
    """PFT value of a proportion ``p`` for sample size ``n`` (metafor ``transf.pft``)."""
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1.0))) + np.arcsin(np.sqrt((x + 1.0) / (n + 1.0))))


def inverse_freeman_tukey(t, n: float):
    """Back-transform a Freeman-Tukey value to a proportion for sample size ``n``.

    Formula (Miller 1978, eq. for the double arcsine with metafor's halving):
    ``p = 0.5 * (1 - sign(cos 2t) * sqrt(1 - (sin 2t + (sin 2t - 1/sin 2t)/n)^2))``,
    set to 0 below ``t(p=0, n)`` and to 1 above ``t(p=1, n)`` (where the formula
    is undefined or leaves [0, 1]).

    Reference: Miller JJ. The inverse of the Freeman-Tukey double arcsine
    transformation. Am Stat 1978;32:138.

    Parameters
    ----------
    t : float or array_like
        Values on the PFT scale (as returned by :func:`freeman_tukey`).
    n : float
        Sample size used for inversion (> 0); for a pooled estimate use the
        harmonic mean, see :func:`inverse_freeman_tukey_hm`.
    """
    n = float(n)
    if not (np.isfinite(n) and n > 0):
        raise ValueError(f"n must be a positive finite number, got {n}")
    ta = np.atleast_1d(np.asarray(t, dtype=float))
    s = np.sin(2.0 * ta)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = 1.0 - (s + (s - 1.0 / s) / n) ** 2
        p = 0.5 * (1.0 - np.sign(np.cos(2.0 * ta)) * np.sqrt(inner))
    # Outside the attainable range the formula has no real solution (NaN) or
    # returns a value on the wrong side; metafor clamps there, and so do we.
    p = np.where(ta > _pft_of_proportion(np.array(1.0), n), 1.0, p)
    p = np.where(ta < _pft_of_proportion(np.array(0.0), n), 0.0, p)
    return float(p[0]) if np.ndim(t) == 0 else p


def inverse_freeman_tukey_hm(t, ni):
    """Harmonic-mean back-transformation of pooled Freeman-Tukey values.

    Formula: :func:`inverse_freeman_tukey` with ``n = 1 / mean(1/ni)``, the
    harmonic mean of the study sample sizes, as proposed by Miller (1978) and
    implemented by metafor's ``transf.ipft.hm(xi, targs=list(ni=ni))``.

    Reference: Miller JJ. Am Stat 1978;32:138.  See also Schwarzer G, et al.
    Seriously misleading results using inverse of Freeman-Tukey double arcsine
    transformation in meta-analysis of single proportions. Res Synth Methods
    2019;10:476-483, for why the choice of ``n`` matters.

    Parameters
    ----------
    t : float or array_like
        Pooled estimate, CI or PI bounds on the PFT scale.
    ni : array_like
        Sample sizes of the studies in the meta-analysis (all > 0).
    """
    na = np.atleast_1d(np.asarray(ni, dtype=float))
    if na.size == 0 or not np.all(np.isfinite(na)) or np.any(na <= 0):
        raise ValueError("ni must be a non-empty sequence of positive sample sizes")
    nhm = 1.0 / np.mean(1.0 / na)
    return inverse_freeman_tukey(t, nhm)
