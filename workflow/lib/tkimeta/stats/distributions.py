"""The few distribution functions the library needs, from ``scipy.special``.

``scipy.stats`` gives the same values but takes about a second to import, which every
Snakemake job would pay again; these thin wrappers keep a rule's start-up short. Each
is the textbook identity noted beside it (tests compare them with ``scipy.stats``).
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


def beta_ppf(q, a, b):
    """Beta quantile (``beta.ppf``)."""
    return special.betaincinv(a, b, q)
