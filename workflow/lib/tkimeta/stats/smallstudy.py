"""Small-study effects: Egger's regression test and trim-and-fill (metafor ``regtest()``,
``trimfill()``), with the mixed-effects meta-regression they rest on.

Only meaningful with enough studies: :data:`MIN_K` (10, as the Cochrane Handbook
advises) is the default threshold below which callers report "not assessable" instead
of a number (see :func:`tkimeta.evidence.smallstudy`).

* :func:`meta_regression` -- ``rma(yi, vi, mods = ~ x, method = "REML")`` with one
  moderator: ``y_i ~ N(b0 + b1 x_i, v_i + tau^2)``, tau^2 by maximising the restricted
  likelihood (metafor uses Fisher scoring; both find the same maximum, boundary
  ``tau^2 = 0`` included), Wald ``z`` or Knapp-Hartung ``t`` (k - 2 df) tests.
* :func:`regtest` -- Egger's test as metafor's default ``regtest(res)``: the standard
  error as moderator in the random-effects model of the fit (``model = "rma"``,
  ``predictor = "sei"``); the intercept is the "limit" estimate (sei -> 0).
  ``model="lm"`` gives the classical weighted-regression test of Egger et al. (1997):
  ``lm(yi ~ sei, weights = 1/vi)``, t test on k - 2 df.
* :func:`trimfill` -- Duval and Tweedie's trim and fill with the L0 (default) or R0
  estimator, exactly as metafor's ``trimfill.rma.uni``: the side is the one the
  regression of ``yi`` on ``sqrt(vi)`` points away from, studies are trimmed from the
  other side until the count of missing studies is stable, then mirrored about the
  trimmed estimate and the model is refitted on the filled set (Wald CI, as metafor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from . import distributions as D

from .rma import RMAResult, rma

#: Fewest studies for which small-study effects are assessed (Cochrane Handbook 13.3.5.4).
MIN_K = 10


@dataclass(frozen=True)
class MetaRegression:
    """A one-moderator mixed-effects meta-regression."""

    coef: np.ndarray  # (b0, b1)
    se: np.ndarray
    tau2: float
    test: str  # "z" or "t"
    df: float | None
    stat: np.ndarray  # z or t values of the coefficients
    pvalue: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray


def _fit_given_tau2(y, v, X, tau2):
    w = 1.0 / (v + tau2)
    xtwx = X.T @ (w[:, None] * X)
    vb = np.linalg.inv(xtwx)
    b = vb @ (X.T @ (w * y))
    return b, vb, w, xtwx


def _neg_restricted_ll(tau2, y, v, X, reml=True):
    b, _, w, xtwx = _fit_given_tau2(y, v, X, tau2)
    resid = y - X @ b
    value = np.sum(np.log(v + tau2)) + np.sum(w * resid**2)
    if reml:
        value += np.linalg.slogdet(xtwx)[1]
    return 0.5 * value


def _tau2_mixed(y, v, X, method: str) -> float:
    if method == "FE":
        return 0.0
    if method not in ("REML", "ML"):
        raise ValueError(f"method must be REML, ML or FE, not {method!r}")
    reml = method == "REML"
    upper = max(10.0 * float(np.var(y, ddof=1)), 10.0 * float(np.max(v)), 1e-6)
    f = lambda t: _neg_restricted_ll(t, y, v, X, reml)  # noqa: E731
    # Coarse grid (the restricted likelihood may have its maximum at the boundary 0),
    # then a bounded Brent search around the best grid point.
    grid = np.concatenate([[0.0], np.geomspace(upper * 1e-8, upper, 200)])
    values = np.array([f(t) for t in grid])
    i = int(np.argmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    if hi <= lo:
        return float(grid[i])
    res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12 * max(1.0, hi)})
    best = float(res.x) if res.fun <= values[i] else float(grid[i])
    return 0.0 if f(0.0) <= f(best) else best


def meta_regression(yi, vi, x, *, method: str = "REML", test: str = "z", level: float = 0.95) -> MetaRegression:
    """``rma(yi, vi, mods = ~ x, method, test)``: intercept and slope of one moderator.

    ``test="knha"``: Knapp-Hartung, ``Var(b) = s2w (X'WX)^-1`` with
    ``s2w = sum w e^2 / (k - 2)`` (not truncated, as metafor) and t quantiles on k - 2 df.
    """
    y, v, xx = (np.asarray(a, dtype=float) for a in (yi, vi, x))
    k = len(y)
    if k < 3:
        raise ValueError("a meta-regression with one moderator needs at least 3 studies")
    X = np.column_stack([np.ones(k), xx])
    tau2 = _tau2_mixed(y, v, X, method)
    b, vb, w, _ = _fit_given_tau2(y, v, X, tau2)
    df = None
    if test == "knha":
        s2w = float(np.sum(w * (y - X @ b) ** 2) / (k - 2))
        vb = s2w * vb
        df = k - 2
    elif test != "z":
        raise ValueError(f"test must be 'z' or 'knha', not {test!r}")
    se = np.sqrt(np.diag(vb))
    stat = b / se
    if df is None:
        p = 2 * D.norm_sf(np.abs(stat))
        crit = D.norm_ppf(0.5 + level / 2)
    else:
        p = 2 * D.t_sf(np.abs(stat), df)
        crit = D.t_ppf(0.5 + level / 2, df)
    return MetaRegression(coef=b, se=se, tau2=tau2, test="z" if df is None else "t", df=df, stat=stat,
                          pvalue=p, ci_lower=b - crit * se, ci_upper=b + crit * se)


@dataclass(frozen=True)
class EggerTest:
    """Egger's regression test for funnel-plot asymmetry."""

    model: str  # "rma" or "lm"
    statistic: float  # z (rma with test z) or t
    df: float | None
    pvalue: float
    slope: float
    limit_estimate: float  # intercept: the estimate as the standard error goes to 0
    limit_ci_lower: float
    limit_ci_upper: float
    tau2: float


def regtest(yi, vi, *, model: str = "rma", method: str = "REML", test: str = "z", level: float = 0.95) -> EggerTest:
    """Egger's test (metafor ``regtest(res, model, predictor = "sei")``)."""
    y, v = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    sei = np.sqrt(v)
    if model == "rma":
        fit = meta_regression(y, v, sei, method=method, test=test, level=level)
        return EggerTest("rma", float(fit.stat[1]), fit.df, float(fit.pvalue[1]), float(fit.coef[1]),
                         float(fit.coef[0]), float(fit.ci_lower[0]), float(fit.ci_upper[0]), fit.tau2)
    if model != "lm":
        raise ValueError(f"model must be 'rma' or 'lm', not {model!r}")
    k = len(y)
    X = np.column_stack([np.ones(k), sei])
    w = 1.0 / v
    xtwx_inv = np.linalg.inv(X.T @ (w[:, None] * X))
    b = xtwx_inv @ (X.T @ (w * y))
    sigma2 = float(np.sum(w * (y - X @ b) ** 2) / (k - 2))
    se = np.sqrt(np.diag(sigma2 * xtwx_inv))
    t = b / se
    crit = D.t_ppf(0.5 + level / 2, k - 2)
    return EggerTest("lm", float(t[1]), k - 2, float(2 * D.t_sf(abs(t[1]), k - 2)), float(b[1]),
                     float(b[0]), float(b[0] - crit * se[0]), float(b[0] + crit * se[0]), math.nan)


@dataclass(frozen=True)
class TrimFill:
    """Trim-and-fill result: the number of filled studies and the refitted model."""

    k0: int
    se_k0: float
    side: str  # the side on which studies were judged missing
    estimator: str
    filled_yi: np.ndarray = field(repr=False)
    filled_vi: np.ndarray = field(repr=False)
    fit: RMAResult = field(repr=False)  # the model of the observed plus filled studies


def trimfill(yi, vi, *, side: str | None = None, estimator: str = "L0", method: str = "REML",
             test: str = "z", level: float = 0.95, maxiter: int = 100) -> TrimFill:
    """Duval-Tweedie trim and fill (metafor ``trimfill(rma(yi, vi, method, test))``).

    With no study filled the fit is the original model (``test`` as given); with
    filled studies metafor refits with its default Wald test, and so does this.
    """
    y0, v0 = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    k = len(y0)
    if k < 3:
        raise ValueError("trim and fill needs at least 3 studies")
    if estimator not in ("L0", "R0"):
        raise ValueError(f"estimator must be 'L0' or 'R0', not {estimator!r}")
    if side is None:
        side = "right" if meta_regression(y0, v0, np.sqrt(v0), method=method).coef[1] < 0 else "left"
    elif side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    y = -y0 if side == "right" else y0.copy()
    order = np.argsort(y, kind="stable")
    y, v = y[order], v0[order]
    k0, k0_prev, iteration, se_k0 = 0, -1, 0, math.nan
    beta = math.nan
    while k0 != k0_prev:
        k0_prev = k0
        iteration += 1
        if iteration > maxiter:
            raise RuntimeError("trim and fill did not converge")
        beta = rma(y[: k - k0], v[: k - k0], method=method).estimate
        centred = y - beta
        ranks = _ordinal_ranks(np.abs(centred))
        signed = np.sign(centred) * ranks
        if estimator == "L0":
            sr = float(np.sum(signed[signed > 0]))
            est = (4 * sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (k * (k + 1) * (2 * k + 1) + 10 * est**3 + 27 * est**2 + 17 * est
                      - 18 * k * est**2 - 18 * k * est + 6 * k**2 * est) / 24
            se_k0 = 4 * math.sqrt(max(var_sr, 0.0)) / (2 * k - 1)
        else:
            negative = -signed[signed < 0]
            est = (k - (negative.max() if negative.size else 0)) - 1
            se_k0 = math.sqrt(2 * max(0, est) + 2)
        k0 = max(0, int(_round_half_even(est)))
        se_k0 = max(0.0, se_k0)
    if k0 == 0:
        fit = rma(y0, v0, method=method, test=test, level=level)
        return TrimFill(0, se_k0, side, estimator, np.array([]), np.array([]), fit)
    mirrored = 2 * beta - y[k - k0:]
    filled_yi = -mirrored if side == "right" else mirrored
    filled_vi = v[k - k0:]
    fit = rma(np.concatenate([y0, filled_yi]), np.concatenate([v0, filled_vi]), method=method, test="z", level=level)
    return TrimFill(k0, se_k0, side, estimator, filled_yi, filled_vi, fit)


def _round_half_even(x: float) -> float:
    """R's round(): IEC 60559 round half to even."""
    return float(np.round(x))


def _ordinal_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties broken by position (``scipy.stats.rankdata(method="ordinal")``)."""
    ranks = np.empty(len(x), dtype=float)
    ranks[np.argsort(x, kind="mergesort")] = np.arange(1, len(x) + 1)
    return ranks
