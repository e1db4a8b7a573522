"""Calling the user's own code inside an evaluation, with the rule for its exceptions.

A float backend calls the implementation of a user's function
(``identities.language.usercode``) with values of its own format (``float``
for float64, numpy scalars for float32 and float16) and rounds the result
to the format. Integer arguments (integer variables, exact integer
expressions such as ``n - k``) arrive as Python ``int``. What the call may raise:

- ``ArithmeticError`` (``OverflowError``, ``ZeroDivisionError``,
  ``FloatingPointError``) and ``ValueError`` (``math.log(-1)``, ``math domain
  error``) are numerical outcomes: the value is *undefined* there, as nan
  is, and the verdict says what that means for the identity;
- anything else (``TypeError`` from a wrong number of arguments,
  ``NameError``, ``AttributeError``, ``KeyError``...) is an error in the code,
  not a precision: ``UserCodeError`` stops the run at once, carrying the
  traceback (the ``error`` verdict in the command; raised in the helpers and
  in pytest). So is a result that is not one real number.

A result of a wider type than the format (a float32 call returning a Python
float or a ``numpy.float64``) is rounded and used, but the float32 accuracy
of the code is then not what is measured: ``wider_result`` tells.
"""

from __future__ import annotations

import traceback
from typing import Any

from identities.errors import IdentitiesError, UserCodeError
from identities.evaluate.values import Env, Fn, Undefined
from identities.language.expr import UserCall

__all__ = ["user_call", "NUMERICAL", "failure", "wider_result", "type_name", "RULE"]

NUMERICAL = (ArithmeticError, ValueError)
RULE = (
    "ArithmeticError and ValueError raised by your function count as undefined (nan); any other exception "
    "is an error in the code, not a numerical outcome"
)


def type_name(value: Any) -> str:
    """``float64 (a Python float)``, ``float32``, ``int``, ...: the type of a value as a format or a Python type."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, float) and type(value) is float:
        return "float64 (a Python float)"
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        shape = getattr(value, "shape", ())
        return str(dtype) if shape == () else f"an array of {dtype} (shape {shape})"
    return type(value).__name__


def failure(label: str, call: str, exc: BaseException | None, detail: str = "") -> UserCodeError:
    """A UserCodeError for ``call`` (``sigmoid(x=0.5)``), with the traceback of the user's frames."""
    if exc is None:
        return UserCodeError(f"{label}: {call} {detail}")
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:  # our own call frame
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    text = "".join(lines).rstrip()
    head = f"{label}: {call} raised {type(exc).__name__}: {exc}"
    return UserCodeError(f"{head}\n{text}\n({RULE})", exc, f"{head} ({RULE}; its traceback is above)")


def _shown(v: Any) -> str:
    try:
        return repr(float(v))
    except (TypeError, ValueError):
        return repr(v)


def user_call(node: UserCall, args: list[Fn], ctx: Any) -> Fn:
    """Compile ``name(args)`` for a float context: evaluate the arguments, call the implementation."""
    fn: Any = node.function
    if not getattr(ctx, "user_code", False):
        raise IdentitiesError(
            f"function {node.fn!r} has a Python implementation ({fn.label}); the {getattr(ctx, 'name', ctx)} backend "
            f"cannot call it (implementations run in float64, float32 and float16; the oracle and mpmath evaluate "
            f"its definition)"
        )
    impl = fn.resolve()
    from_float = ctx.from_float
    params = fn.params
    label = f"{fn.name} ({fn.label}) in {ctx.name}"

    if fn.vectorized:  # it takes arrays: one point is an array of one element
        import numpy as np

        dtype = getattr(ctx, "dtype", np.float64)
        array_impl = impl

        def impl(*values: Any) -> Any:
            out = array_impl(*(np.array([v], dtype=dtype) for v in values))
            return np.asarray(out).reshape(-1)[0] if np.size(out) == 1 else out

    def call(env: Env) -> Any:
        values = [a(env) for a in args]  # an exact integer (an integer variable, comb(n, k)) stays a Python int
        try:
            out = impl(*values)
        except IdentitiesError:
            raise
        except NUMERICAL:
            raise Undefined from None
        except Exception as exc:
            where = ", ".join(f"{p}={_shown(v)}" for p, v in zip(params, values))
            raise failure(label, f"{fn.name}({where})", exc) from exc
        try:
            f = float(out)
        except (TypeError, ValueError):
            where = ", ".join(f"{p}={_shown(v)}" for p, v in zip(params, values))
            raise failure(
                label,
                f"{fn.name}({where})",
                None,
                f"returned {out!r} ({type_name(out)}); it must return one real number",
            ) from None
        return from_float(f)

    return call


_PROBES = (0.5, 1.5, -0.5, 2.0, 0.25, -2.0, 3.0, 0.1, 10.0, -10.0)


def wider_result(fn: Any, ctx: Any, *, vectorized: bool = False) -> str | None:
    """Whether ``fn``'s implementation returns a type wider than ``ctx``'s format, told as a sentence (else None).

    Probes a few arguments in the format; exceptions are left for the run itself to report.
    """
    fmt = ctx.format
    if not getattr(ctx, "user_code", False):
        return None
    try:
        impl = fn.resolve()
    except IdentitiesError:
        return None
    import numpy as np

    for x in _PROBES:
        args = [ctx.from_float(x) for _ in fn.params]
        if vectorized:
            args = [np.asarray([a] * 3, dtype=getattr(ctx, "dtype", np.float64)) for a in args]
        try:
            with np.errstate(all="ignore"):
                out = impl(*args)
        except Exception:  # noqa: BLE001 - a probe; the run reports exceptions with their traceback
            continue
        return wider_text(fn.name, out, fmt)
    return None


def wider_text(name: str, out: Any, fmt: Any) -> str | None:
    """The sentence for a result ``out`` wider than ``fmt`` (None when it is not)."""
    width = _width(out)
    if width is None or width <= fmt.width:
        return None
    return (
        f"{name} returned {type_name(out)} for {fmt.name} inputs: its {fmt.name} accuracy is not what is measured "
        f"(the wider result is rounded to {fmt.name}; compute in {fmt.name}, or check it on float{width})"
    )


def _width(out: Any) -> int | None:
    if isinstance(out, bool) or isinstance(out, int):
        return None
    if type(out) is float:
        return 64
    dtype = getattr(out, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "") == "f":
        return int(dtype.itemsize) * 8
    return None
