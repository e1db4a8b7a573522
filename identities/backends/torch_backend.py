"""``torch-float32``, ``torch-float64``, ``torch-bfloat16`` and ``torch-float16``: PyTorch's own operations and
autograd (the ``torch`` extra).

In bfloat16 and float16 every operation is torch's CPU kernel for that dtype, which computes in float32 and
rounds the result once to the dtype (as a user's ``x.to(torch.bfloat16)`` code runs); autograd's
intermediate gradients are tensors of the same dtype, so each backward step rounds too.

Functions map to torch's (``torch.sin``, ``torch.special.erf``, ...); two it
lacks are composed from its own operations, as a torch user would write them:
``cbrt(x) = sign(x) * |x| ** (1/3)`` (the exponent rounded to the dtype) and
``gamma(x) = exp(lgamma(x))`` with the sign of gamma restored left of 0.
``dot`` is ``a @ b``, ``total`` is ``a.sum()``, ``ones(v)`` is
``torch.ones_like(v)``. ``diff`` is ``torch.autograd.grad`` (nested with
``create_graph`` for higher orders), ``grad(e, x)`` is what ``e.backward()``
leaves in ``x.grad``, ``vjp(e, x, v)`` what ``e.backward(gradient=v)`` leaves.
"""

from __future__ import annotations

from typing import Any

import torch

from identities.backends.autodiff import AutodiffBackend, call_body, unsupported
from identities.evaluate.values import Env, Fn
from identities.numbers.formats import FloatFormat, bfloat16, float16, float32, float64

__all__ = ["TorchBackend", "torch_float32", "torch_float64", "torch_bfloat16", "torch_float16"]
_DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16, "float16": torch.float16}


class TorchBackend(AutodiffBackend):
    framework = "torch"

    def __init__(self, fmt: FloatFormat):
        super().__init__(fmt)
        self.dtype = _DTYPES[fmt.name]
        third = 1.0 / 3.0
        self.table = {
            "abs": torch.abs,
            "sqrt": torch.sqrt,
            "exp": torch.exp,
            "expm1": torch.expm1,
            "log": self._log(torch.log),
            "log1p": torch.log1p,
            "log2": torch.log2,
            "log10": torch.log10,
            "sin": torch.sin,
            "cos": torch.cos,
            "tan": torch.tan,
            "asin": torch.asin,
            "acos": torch.acos,
            "atan": torch.atan,
            "atan2": torch.atan2,
            "sinh": torch.sinh,
            "cosh": torch.cosh,
            "tanh": torch.tanh,
            "asinh": torch.asinh,
            "acosh": torch.acosh,
            "atanh": torch.atanh,
            "hypot": torch.hypot,
            "lgamma": torch.lgamma,
            "erf": torch.special.erf,
            "erfc": torch.special.erfc,
            "cbrt": lambda x: torch.sign(x) * torch.abs(x) ** third,
            "gamma": self._gamma,
            "factorial": self.factorial,
            "comb": self.comb,
            "dot": torch.matmul,
            "total": torch.sum,
            "ones": torch.ones_like,
            "min": torch.fmin,
            "max": torch.fmax,
            "copysign": torch.copysign,
            "fma": unsupported("torch has no fused multiply-add (fma); check it on float64, float32 or mpmath"),
            "floor": torch.floor,
            "ceil": torch.ceil,
            "trunc": torch.trunc,
            "round": lambda x: self.c_round(x, torch.trunc, torch.where, torch.sign),  # torch.round is half-even
            "fmod": torch.fmod,
            "remainder": unsupported(
                "torch has no IEEE remainder (torch.remainder is Python's modulo); check it on float64"
            ),
            "exp2": torch.exp2,
            "beta": unsupported("torch has no beta function (beta); check it on float64, float32 or mpmath"),
            "digamma": torch.special.digamma,
            "zeta": lambda s: torch.special.zeta(s, torch.ones_like(s)),
            "besselj": self.bessel(
                {0: torch.special.bessel_j0, 1: torch.special.bessel_j1}, "besselj", "torch.special.bessel_j0/j1"
            ),
            "bessely": self.bessel(
                {0: torch.special.bessel_y0, 1: torch.special.bessel_y1}, "bessely", "torch.special.bessel_y0/y1"
            ),
            "lambertw": unsupported(
                "torch has no Lambert W function (lambertw); check it on float64, float32 or mpmath"
            ),
        }
        if self.dtype in (torch.float16, torch.bfloat16):  # torch has no half-width kernels for these
            width = "float16" if self.dtype == torch.float16 else "bfloat16"
            for name, spelled in (
                ("zeta", "torch.special.zeta"),
                ("besselj", "torch.special.bessel_j0/j1"),
                ("bessely", "torch.special.bessel_y0/y1"),
            ):
                self.table[name] = unsupported(
                    f"torch has no {width} kernel for {spelled} ({name}); check it on torch-float32 or float64"
                )
        self._check_table()

    @staticmethod
    def _gamma(x: Any) -> Any:
        sign = torch.where(x > 0, 1.0, 1.0 - 2.0 * torch.remainder(torch.ceil(-x), 2.0))
        return sign * torch.exp(torch.lgamma(x))

    def tensor(self, x: Any) -> Any:
        return torch.tensor(x, dtype=self.dtype)

    def is_tensor(self, a: Any) -> bool:
        return isinstance(a, torch.Tensor)

    def item(self, a: Any) -> float:
        return float(a.detach().item())

    def integral(self, a: Any) -> int | None:
        if a.dim() != 0 or a.requires_grad:
            return None
        v = a.item()
        return int(v) if float(v).is_integer() else None

    # derivatives ---------------------------------------------------------------
    def _variable(self, value: Any) -> Any:
        return self.cast(value).detach().clone().requires_grad_(True)

    def _backward(self, y: Any, x: Any, v: Any = None, create_graph: bool = False) -> Any:
        if not (isinstance(y, torch.Tensor) and y.requires_grad):  # y does not depend on x
            return torch.zeros_like(x)
        v = None if v is None else self.cast(v)
        (g,) = torch.autograd.grad(y, x, grad_outputs=v, create_graph=create_graph, allow_unused=True)
        return torch.zeros_like(x) if g is None else g

    def diff(self, body: Fn, env: Env, var: str, order: int) -> Any:
        x = self._variable(env[var])
        with torch.enable_grad():
            y = call_body(body, env, var, x)
            for k in range(order):
                y = self._backward(y, x, create_graph=k + 1 < order)
        return y.detach()

    def grad(self, body: Fn, env: Env, var: str) -> Any:
        x = self._variable(env[var])
        with torch.enable_grad():
            return self._backward(call_body(body, env, var, x), x).detach()

    def vjp(self, body: Fn, env: Env, var: str, v: Any) -> Any:
        x = self._variable(env[var])
        with torch.enable_grad():
            return self._backward(call_body(body, env, var, x), x, v).detach()

    def stop(self, arg: Fn, env: Env) -> Any:
        v = arg(env)
        return v.detach() if isinstance(v, torch.Tensor) else v


def torch_float32() -> TorchBackend:
    return TorchBackend(float32)


def torch_float64() -> TorchBackend:
    return TorchBackend(float64)


def torch_bfloat16() -> TorchBackend:
    return TorchBackend(bfloat16)


def torch_float16() -> TorchBackend:
    return TorchBackend(float16)
