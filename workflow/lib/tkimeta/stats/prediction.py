"""Prediction intervals for a random-effects summary, in the two forms in common use.

``metafor``
    metafor's ``predict()``: ``mu -/+ c sqrt(se^2 + tau^2)`` with the same reference
    distribution as the CI (normal for a z test, t with k - 1 df for Hartung-Knapp) and
    the CI's own SE (HKSJ-scaled under knha). This is what :func:`tkimeta.stats.rma.rma`
    and :func:`tkimeta.stats.glmm.glmm_logit` return.
``hts``
    Higgins, Thompson & Spiegelhalter (2009), the default of R meta
    (``method.predict = "HTS"``): ``mu -/+ t_{k-2} sqrt(se^2 + tau^2)`` with the
    unscaled random-effects SE ``sqrt(1 / sum w)``. It needs k >= 3 (t with k - 2 df).

Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects
meta-analysis. J R Stat Soc A 2009;172:137-159.
"""

from __future__ import annotations

import math

from . import distributions as D

#: The prediction-interval forms a config may choose (pooling.prediction_interval).
PI_METHODS = ("metafor", "hts")

#: How figures and tables name each form (the reference distribution first).
PI_DESCRIPTIONS = {
    "metafor": "as metafor predict(): the CI's reference distribution (t with k − 1 df under HKSJ, else normal)",
    "hts": "t with k − 2 df (Higgins-Thompson-Spiegelhalter, as R meta)",
}


def hts_interval(estimate: float, se: float, tau2: float, k: int, level: float = 0.95) -> tuple[float, float]:
    """HTS prediction interval on the analysis scale; ``(nan, nan)`` below k = 3.

    ``se`` is the random-effects SE without Hartung-Knapp scaling; ``tau2`` the
    between-study variance on the same scale.
    """
    if k < 3 or not all(math.isfinite(x) for x in (estimate, se, tau2)):
        return math.nan, math.nan
    half = D.critical_value(level, float(k - 2)) * math.sqrt(se**2 + tau2)
    return estimate - half, estimate + half


def describe(pi_method: str) -> str:
    """Plain words for a prediction-interval form (ValueError for an unknown one)."""
    if pi_method not in PI_DESCRIPTIONS:
        raise ValueError(f"unknown prediction-interval form {pi_method!r}; use one of {', '.join(PI_METHODS)}")
    return PI_DESCRIPTIONS[pi_method]
