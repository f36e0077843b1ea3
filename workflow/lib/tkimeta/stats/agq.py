"""The binomial-normal marginal log-likelihood by adaptive Gauss-Hermite quadrature,
with its exact gradient and Hessian in (mu, tau).

Model of one study: ``x ~ Bin(n, expit(mu + tau u))``, ``u ~ N(0, 1)``. With

    h(u) = x eta - n log(1 + e^eta) - u^2 / 2,   eta = mu + tau u,

the study's log marginal likelihood (without the binomial coefficient) is
``log integral e^h(u) du - log sqrt(2 pi)``. Adaptive quadrature (Liu & Pierce 1994,
what ``lme4::glmer(nAGQ = m)`` evaluates) centres the m Gauss-Hermite nodes ``z_j`` at
the conditional mode ``u^`` (``h'(u^) = 0``) and scales them by ``s = sqrt(2 / c)``,
``c = -h''(u^)``:

    l(mu, tau) = log sum_j omega_j exp h(u^ + s z_j) + log s - log sqrt(2 pi),
    omega_j = w_j exp(z_j^2).

The nodes move with (mu, tau) through ``u^`` and ``s``, so the derivatives of ``l``
need those of the mode (implicit function theorem on ``h'(u^; theta) = 0``) and of the
curvature ``c``; they are written out below, vectorised over studies and nodes, and
``tests/test_stats_agq.py`` holds them against central differences of ``l``. With them
the maximum-likelihood fit takes Newton steps (a handful of likelihood evaluations)
instead of a quasi-Newton search on finite differences (a hundred).

Notation in the code: subscripts are partial derivatives, ``a``/``b`` run over
(mu, tau); ``b2, b3, b4`` are the 2nd to 4th derivatives of ``n log(1 + e^eta)`` in
eta (``n p (1 - p)``, times ``1 - 2p``, times ``1 - 6 p (1 - p)``).

References
----------
Liu Q, Pierce DA. A note on Gauss-Hermite quadrature. Biometrika 1994;81:624-629.
Pinheiro JC, Bates DM. Approximations to the log-likelihood function in the nonlinear
mixed-effects model. J Comput Graph Stat 1995;4:12-35.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.hermite import hermgauss

__all__ = ["Quadrature", "Evaluation", "quadrature", "conditional_modes", "loglik_terms", "evaluate"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT2 = math.sqrt(2.0)


@dataclass(frozen=True)
class Quadrature:
    """Gauss-Hermite nodes ``z``, log weights ``log w + z^2`` (the ``e^(z^2)`` that
    turns the Hermite weight function into the plain integral) and the powers
    ``z^0 .. z^4`` of the nodes (rows), with which the derivatives take node averages."""

    nodes: np.ndarray
    log_weights: np.ndarray
    powers: np.ndarray


@functools.lru_cache(maxsize=8)
def quadrature(nagq: int) -> Quadrature:
    """The ``nagq``-point rule (1 is the Laplace approximation); computed once per size."""
    z, w = hermgauss(int(nagq))
    return Quadrature(z, np.log(w) + z * z, z[None, :] ** np.arange(5)[:, None])


@dataclass(frozen=True)
class Evaluation:
    """The log-likelihood summed over studies, its gradient and Hessian in
    (mu, tau) (``None`` when not asked for), and the conditional modes (to warm-start
    the next evaluation)."""

    loglik: float
    gradient: np.ndarray
    hessian: np.ndarray | None
    modes: np.ndarray


def _softplus_and_expit(eta):
    """log(1 + e^eta) and expit(eta) from one exponential (np.logaddexp and scipy's
    expit each cost several times more); the overflow-safe form only where some
    |eta| is large, which no real logit is."""
    if np.max(np.abs(eta)) < 600.0:
        e = np.exp(eta)
        return np.log1p(e), e / (1.0 + e)
    e = np.exp(-np.abs(eta))
    inv = 1.0 / (1.0 + e)
    return np.maximum(eta, 0.0) + np.log1p(e), np.where(eta >= 0.0, inv, e * inv)


def _h_and_p(u, mu, tau, x, n):
    """h(u) = log p(x | u) + log phi(u) up to constants (eta = mu + tau u), and p = expit(eta)."""
    eta = mu + tau * u
    softplus, p = _softplus_and_expit(eta)
    return x * eta - n * softplus - 0.5 * u * u, p


def conditional_modes(mu: float, tau: float, x, n, u0) -> np.ndarray:
    """The mode u^ of h for every study (vectorised damped Newton).

    h is strictly concave (h'' = -tau^2 n p (1-p) - 1 <= -1), so the mode is unique;
    the step is halved where it would lower h, which guarantees convergence from any
    start. Successive evaluations of one fit are close, so a warm start ``u0`` from the
    previous one leaves two or three steps.
    """
    u = np.array(u0, dtype=float)
    h_old, p = _h_and_p(u, mu, tau, x, n)
    for _ in range(100):
        step = (tau * (x - n * p) - u) / ((tau * tau) * n * p * (1.0 - p) + 1.0)
        u_new = u + step
        h_new, p_new = _h_and_p(u_new, mu, tau, x, n)
        bad = h_new < h_old - 1e-12 * np.abs(h_old)
        for _halve in range(50):
            if not bad.any():
                break
            step = np.where(bad, 0.5 * step, step)
            u_new = u + step
            h_new, p_new = _h_and_p(u_new, mu, tau, x, n)
            bad = bad & (h_new < h_old - 1e-12 * np.abs(h_old))
        u, h_old, p = u_new, h_new, p_new
        if np.max(np.abs(step)) < 1e-11:
            break
    return u


def _logsumexp_nodes(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-sum-exp over the nodes (axis 0) and the softmax weights (scipy's logsumexp
    carries a per-call overhead that dominated the fit)."""
    top = terms.max(axis=0)
    e = np.exp(terms - top)
    total = e.sum(axis=0)
    return top + np.log(total), e / total


def _nodes(u, s, quad: Quadrature) -> np.ndarray:
    """The adapted nodes q_j = u^ + s z_j: nodes in rows, studies in columns (so that
    sums over nodes run along contiguous rows)."""
    return u + s * quad.nodes[:, None]


def loglik_terms(mu: float, tau: float, x, n, quad: Quadrature, u0) -> tuple[np.ndarray, np.ndarray]:
    """Per-study log marginal likelihoods (no binomial coefficient) and the modes."""
    u = conditional_modes(mu, tau, x, n, u0)
    _, p = _h_and_p(u, mu, tau, x, n)
    s = _SQRT2 / np.sqrt((tau * tau) * n * p * (1.0 - p) + 1.0)
    hq, _ = _h_and_p(_nodes(u, s, quad), mu, tau, x, n)
    lse, _ = _logsumexp_nodes(quad.log_weights[:, None] + hq)
    return lse + np.log(s) - _LOG_SQRT_2PI, u


# Index pairs (a, b) of the Hessian's distinct entries: (mu, mu), (mu, tau), (tau, tau).
_IA = np.array([0, 0, 1])
_IB = np.array([0, 1, 1])


# Polynomials in the node z with one coefficient per study (axis 1: degree, axis 2:
# study): every node quantity the derivatives need is one of them (q = u^ + s z, its
# derivatives, those of eta), times 1, r = x - n p, r^2 or n p (1 - p) at the node. So
# the node averages reduce to the moments M_w[j] = sum_nodes pi w z^j (one small matrix
# product per weight w), and the average of a product of two polynomials P, Q to
# sum_ij P_i Q_j M_w[i + j]: one einsum, with no (nodes x studies) array.
def _mean(p, moments):
    """sum_j P_j M[j] for a stack of polynomials P (stack, degree, study)."""
    return np.einsum("aik,ik->ak", p, moments[:p.shape[1]])


def _mean_product(p, q, moments):
    """sum_ij P_i Q_j M[i + j] for stacks of polynomials P and Q."""
    hankel = moments[np.add.outer(np.arange(p.shape[1]), np.arange(q.shape[1]))]
    return np.einsum("aik,ajk,ijk->ak", p, q, hankel)


def evaluate(mu: float, tau: float, x, n, quad: Quadrature, u0, per_study: bool = False,
             hessian: bool = True) -> Evaluation:
    """The summed log-likelihood with its exact gradient and Hessian in (mu, tau).

    With ``per_study`` the gradient (2 x k) and Hessian (2 x 2 x k) are returned study
    by study, unsummed (for one-step leave-one-out starts). ``hessian=False`` leaves the
    Hessian out (``None``), for about half the cost.
    """
    u = conditional_modes(mu, tau, x, n, u0)
    t = tau
    # --- at the mode: derivatives of h (first index u, then a = mu, tau) --------------
    _, p = _h_and_p(u, mu, t, x, n)
    r = x - n * p
    b2 = n * p * (1.0 - p)
    b3 = b2 * (1.0 - 2.0 * p)
    c = b2 * t * t + 1.0  # -h_uu
    h_ua = np.array([-b2 * t, r - b2 * u * t])
    h_uua = np.array([-b3 * t * t, -b3 * u * t * t - 2.0 * b2 * t])
    h_uuu = -b3 * t**3
    # the mode u^(theta) (implicit in h_u = 0): u_a = h_ua / c; the curvature
    # c(theta) = -h_uu(u^(theta), theta), and log s = log sqrt 2 - log(c) / 2
    u_a = h_ua / c
    c_a = -(h_uua + h_uuu * u_a)
    logs_a = -0.5 * c_a / c
    s = _SQRT2 / np.sqrt(c)
    s_a = s * logs_a
    # --- at the nodes q_j = u^ + s z_j: softmax weights pi_j and the moments ------------
    hq, pq = _h_and_p(_nodes(u, s, quad), mu, t, x, n)
    lse, pi = _logsumexp_nodes(quad.log_weights[:, None] + hq)
    npq = n * pq
    rq = x - npq
    pi_r = pi * rq
    m_1 = quad.powers @ pi
    m_r = quad.powers @ pi_r
    # --- total derivatives of h(q(theta); theta) = x eta - n log(1 + e^eta) - q^2 / 2 ---
    # dh_a = r eta_a - q q_a, with eta = mu + tau q: eta_mu = 1 + tau q_mu, eta_tau = q + tau q_tau
    q = np.array([[u, s]])  # (1, degree, k)
    q_a = np.array([[u_a[0], s_a[0]], [u_a[1], s_a[1]]])  # (a, degree, k)
    eta_a = t * q_a
    eta_a[0, 0] += 1.0
    eta_a[1] += q[0]
    qq_a = np.array([[u * u_a[a], u * s_a[a] + s * u_a[a], s * s_a[a]] for a in (0, 1)])  # q q_a
    mean_dh = _mean(eta_a, m_r) - _mean(qq_a, m_1)
    grad = mean_dh + logs_a
    loglik = float(np.sum(lse + np.log(s) - _LOG_SQRT_2PI))
    if not hessian:
        return Evaluation(loglik, grad if per_study else grad.sum(axis=1), None, u)
    # --- second derivatives: of the mode, u_ab = (h_uab + h_uua u_b + h_uub u_a + h_uuu u_a u_b) / c,
    # of the curvature, of s; then d2h_ab = -b2 eta_a eta_b + r eta_ab - q_a q_b - q q_ab with
    # eta_mumu = tau q_mumu, eta_mutau = q_mu + tau q_mutau, eta_tautau = 2 q_tau + tau q_tautau
    b4 = b2 * (1.0 - 6.0 * p * (1.0 - p))
    h_uab = np.array([-b3 * t, -b3 * u * t - b2, -b3 * u * u * t - 2.0 * b2 * u])
    h_uuab = np.array([-b4 * t * t, -b4 * u * t * t - 2.0 * b3 * t, -b4 * u * u * t * t - 4.0 * b3 * u * t - 2.0 * b2])
    h_uuua = np.array([-b4 * t**3, -b4 * u * t**3 - 3.0 * b3 * t * t])
    h_uuuu = -b4 * t**4
    ua, ub = u_a[_IA], u_a[_IB]
    u_ab = (h_uab + h_uua[_IA] * ub + h_uua[_IB] * ua + h_uuu * ua * ub) / c
    c_ab = -(h_uuab + h_uuua[_IA] * ub + h_uuua[_IB] * ua + h_uuuu * ua * ub + h_uuu * u_ab)
    logs_ab = -0.5 * (c_ab / c - c_a[_IA] * c_a[_IB] / (c * c))
    s_ab = s * (logs_ab + logs_a[_IA] * logs_a[_IB])
    m_rr = quad.powers @ (pi_r * rq)
    m_b2 = quad.powers @ (pi * (npq * (1.0 - pq)))
    q_ab = np.array([[u_ab[i], s_ab[i]] for i in range(3)])
    eta_ab = t * q_ab
    eta_ab[1] += q_a[0]
    eta_ab[2] += 2.0 * q_a[1]
    ea, eb, qqa, qqb = eta_a[_IA], eta_a[_IB], qq_a[_IA], qq_a[_IB]
    mean_dh_dh = (_mean_product(ea, eb, m_rr) - _mean_product(ea, qqb, m_r) - _mean_product(eb, qqa, m_r)
                  + _mean_product(qqa, qqb, m_1))
    mean_d2h = (-_mean_product(ea, eb, m_b2) + _mean(eta_ab, m_r)
                - _mean_product(q_a[_IA], q_a[_IB], m_1) - _mean_product(np.broadcast_to(q, q_ab.shape), q_ab, m_1))
    # second derivative of log sum_j exp(.): mean of d2h plus the covariance of dh
    pairs = mean_d2h + mean_dh_dh - mean_dh[_IA] * mean_dh[_IB] + logs_ab
    hess = pairs[[[0, 1], [1, 2]]]  # (2, 2, k)
    if per_study:
        return Evaluation(loglik, grad, hess, u)
    return Evaluation(loglik, grad.sum(axis=1), hess.sum(axis=2), u)
