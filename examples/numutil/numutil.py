"""numutil: small numerical helpers, each written twice: the way people first write it, and carefully.

The example module of ``docs/guide/usercode.md``: ``identities`` checks this
code against exact definitions (``identities_numutil.toml`` beside it, and
``test_numutil.py``). Each ``*_naive`` function has a known defect the checks
find; each careful one passes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "softplus_naive",
    "softplus",
    "sigmoid_naive",
    "sigmoid",
    "logit_naive",
    "logit",
    "log1mexp_naive",
    "log1mexp",
    "logsumexp_naive",
    "logsumexp",
    "hypot_naive",
    "hypot_scaled",
    "variance_naive",
    "variance",
    "binom_pmf_naive",
    "binom_pmf",
    "softmax_naive",
    "softmax",
    "softplus32_in_double",
]


# -- softplus: log(1 + e^x) ---------------------------------------------------------------------
def softplus_naive(x: float) -> float:
    """Overflows for x > 709 (math.exp raises), and gives 0 where e^x < eps/2 (x < -37)."""
    return math.log(1 + math.exp(x))


def softplus(x: float) -> float:
    if x > 0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


def softplus32_in_double(x: np.float32) -> float:
    """A float32 softplus that secretly computes in double and returns a Python float."""
    return softplus(float(x))


# -- sigmoid: 1 / (1 + e^-x) --------------------------------------------------------------------
def sigmoid_naive(x: float) -> float:
    """Overflows for x < -709 (math.exp(-x) raises) where the true value is a tiny positive number."""
    return 1 / (1 + math.exp(-x))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


# -- logit: log(p / (1 - p)) --------------------------------------------------------------------
def logit_naive(p: float) -> float:
    """Near p = 1/2, p/(1-p) is near 1 and its rounding error is all the log has: relative error explodes."""
    return math.log(p / (1 - p))


def logit(p: float) -> float:
    if 0.25 <= p <= 0.75:
        return math.log1p((2 * p - 1) / (1 - p))  # 2p - 1 is exact here
    return math.log(p / (1 - p))


# -- log1mexp: log(1 - e^x), x < 0 --------------------------------------------------------------
def log1mexp_naive(x: float) -> float:
    """1 - e^x cancels near x = 0, and is 1 (so the log is 0) for x < -37."""
    return math.log(1 - math.exp(x))


def log1mexp(x: float) -> float:
    """Maechler's switch at -log 2: log(-expm1(x)) above, log1p(-exp(x)) below."""
    if x > -math.log(2):
        return math.log(-math.expm1(x))
    return math.log1p(-math.exp(x))


# -- logsumexp over a list ----------------------------------------------------------------------
def logsumexp_naive(xs: Sequence[float]) -> float:
    """Overflows as soon as one x > 709."""
    return math.log(sum(math.exp(x) for x in xs))


def logsumexp(xs: Sequence[float]) -> float:
    """Shifted by the largest term, whose exp(0) = 1 is kept out of the sum: m + log1p(sum of the rest)."""
    i = max(range(len(xs)), key=lambda j: xs[j])
    m = xs[i]
    return m + math.log1p(math.fsum(math.exp(x - m) for j, x in enumerate(xs) if j != i))


# -- hypot --------------------------------------------------------------------------------------
def hypot_naive(x: float, y: float) -> float:
    """x*x overflows for |x| > 1.3e154 and underflows below 1.5e-154."""
    return math.sqrt(x * x + y * y)


def hypot_scaled(x: float, y: float) -> float:
    """Scaled by the larger magnitude: no overflow or underflow of the squares."""
    a, b = abs(x), abs(y)
    if a < b:
        a, b = b, a
    if a == 0:
        return 0.0
    r = b / a
    return a * math.sqrt(1 + r * r)


# -- variance of a list (population variance, divided by n) -------------------------------------
def variance_naive(xs: Sequence[float]) -> float:
    """The textbook one-pass formula E[x^2] - E[x]^2: cancels catastrophically when the mean is large."""
    n = len(xs)
    s = sum(xs)
    s2 = sum(x * x for x in xs)
    return (s2 - s * s / n) / n


def variance(xs: Sequence[float]) -> float:
    """Welford's update: one pass, no cancellation of large terms."""
    mean = 0.0
    m2 = 0.0
    for k, x in enumerate(xs, 1):
        d = x - mean
        mean += d / k
        m2 += d * (x - mean)
    return m2 / len(xs)


# -- binomial probability mass ------------------------------------------------------------------
def binom_pmf_naive(k: int, n: int, p: float) -> float:
    """comb(n, k) overflows a double for n > 1029 (OverflowError), however small the pmf itself is."""
    return math.comb(n, k) * p**k * (1 - p) ** (n - k)


def binom_pmf(k: int, n: int, p: float) -> float:
    """In log space: never overflows; the lgamma terms cost a few bits each (a tolerance in rel says so)."""
    if p == 0:
        return 1.0 if k == 0 else 0.0
    if p == 1:
        return 1.0 if k == n else 0.0
    log_comb = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return math.exp(log_comb + k * math.log(p) + (n - k) * math.log1p(-p))


# -- softmax of a numpy vector ------------------------------------------------------------------
def softmax_naive(x: np.ndarray) -> np.ndarray:
    """exp overflows to inf for x > 709 (float64): inf/inf is nan."""
    e = np.exp(x)
    return e / e.sum()


def softmax(x: np.ndarray) -> np.ndarray:
    """Shifted by the largest x: no overflow. The shift x - max(x) rounds, and exp multiplies that rounding
    error by |x - max(x)|: a relative error up to |x - max(x)| * 2**-53 per component (a tolerance in rel)."""
    e = np.exp(x - np.max(x))
    return e / e.sum()
