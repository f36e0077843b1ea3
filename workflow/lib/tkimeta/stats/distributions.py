"""The few distribution functions the library needs, from ``scipy.special``, and the
one place a confidence level becomes a critical value.

``scipy.stats`` gives the same values but takes about a second to import, which every
Snakemake job would pay again; these thin wrappers keep a rule's start-up short. Each
is the textbook identity noted beside it (tests compare them with ``scipy.stats``).

A confidence level is a fraction everywhere in the library (0.95, as in
``config.yaml``); :func:`check_level` rejects a percentage such as 95. Raw tables
print their CI level in percent; :func:`tkimeta.clean.ci_level_fraction` reads it.
"""

from __future__ import annotations

from scipy import special


def norm_ppf(q):
    """Standard normal quantile (``scipy.stats.norm.ppf``)."""
    return special.ndtri(q)


def norm_sf(x):
    """Standard normal upper tail, P(Z > x) (``norm.sf``)."""
    return special.ndtr(-x)


def norm_isf(p):
    """x with P(Z > x) = p (``norm.isf``)."""
    return -special.ndtri(p)


def t_ppf(q, df):
    """Student t quantile (``t.ppf``)."""
    return special.stdtrit(df, q)


def t_sf(x, df):
    """Student t upper tail (``t.sf``)."""
    return special.stdtr(df, -x)


def chi2_sf(x, df):
    """Chi-square upper tail (``chi2.sf``)."""
    return special.chdtrc(df, x)


def chi2_ppf(q, df):
    """Chi-square quantile (``chi2.ppf``): the x whose upper tail is 1 - q."""
    return special.chdtri(df, 1.0 - q)


def f_sf(x, dfn, dfd):
    """F distribution upper tail (``f.sf``)."""
    return special.fdtrc(dfn, dfd, x)


def beta_ppf(q, a, b):
    """Beta quantile (``beta.ppf``)."""
    return special.betaincinv(a, b, q)


def check_level(level) -> float:
    """``level`` as a float, after checking it is a two-sided confidence level: a
    fraction strictly between 0 and 1 (0.95, not 95)."""
    level = float(level)
    if not (0.0 < level < 1.0):
        raise ValueError(
            f"level must be a fraction strictly between 0 and 1 (e.g. 0.95), got {level!r}"
        )
    return level


def critical_value(level, df=None) -> float:
    """Two-sided critical value of a confidence level (a fraction, e.g. 0.95 -> 1.959964):
    the standard normal quantile at ``0.5 + level / 2``, or Student t's with ``df``
    degrees of freedom."""
    q = 0.5 + check_level(level) / 2.0
    return float(norm_ppf(q)) if df is None else float(t_ppf(q, df))
