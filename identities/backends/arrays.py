"""Whole-array evaluation of an ``Expr`` in a float backend's arithmetic, for sweeps.

``compile_array(expr, backend)`` walks the expression once, as
``identities.evaluate.compiler.compile_expr`` does, and returns an ``ArrayProgram``
evaluating it on numpy arrays of the backend's width (one ufunc call per node
for the whole array, under ``np.errstate(all="ignore")``: IEEE results are the
point). Values that leave the reals come out as nan.

What stays exact, and how:

- *Integer subtrees* (integer literals and variables, ``+ - * **`` of them,
  ``comb``, ``factorial``, sums of integers) are where the scalar backends
  keep Python ints. Such a subtree is evaluated by the backend's own scalar
  compile once per distinct combination of its free variables' values (few:
  integer domains are small), and each result is rounded once to the format,
  as the scalar backend rounds an int where it meets a float.
- ``sum(body, k, lo, hi)`` with a float body runs k over the union of the
  points' ranges, adding each term only at the points whose range holds k,
  in the scalar order, so the rounding is the scalar backend's.
- ``diff`` is the scalar backends' central difference, step and weights
  included, computed on arrays.
- Undefined (a factorial of a non-integer, sum bounds that are not integers, a
  difference quotient of an undefined body) makes the *whole side* nan at that
  point, as the scalar backend's ``UNDEFINED`` does, even where nan would
  otherwise heal (``nan**0`` is 1).

What is not vectorised, and said in ``ArrayProgram.notes``: ``gamma``,
``lgamma``, ``erf`` and ``erfc`` (numpy has none; evaluated per element with
``math``, as the scalar backends do), sum bounds that depend on float
variables, and any node kind this module does not know (evaluated per distinct
point by the scalar backend).

``functions`` chooses how elementary functions and ``**`` are computed:

- ``"numpy"`` (the default): numpy's array loops, fast, what numpy users get.
  They are not always the scalar backends' functions: float64's ``verify``
  uses ``math`` (glibc), which numpy's SIMD ``exp``, ``log``, ``pow``... differ
  from in the last place at a fraction of inputs; float32's scalar ``**`` is
  libm's ``powf`` while the array loop is numpy's own; float16's scalar and
  array loops differ at a few inputs.
- ``"scalar"``: the scalar backend's own function per element wherever its
  array loop differs: bit-identical to ``verify`` on the same inputs, slower
  where per-element calls are needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from identities.backends.floats import NUMPY_FUNCTIONS
from identities.errors import InvalidArgument, LimitExceeded
from identities.evaluate.values import UNDEFINED, as_integer
from identities.language.expr import Bin, Call, Cmp, Const, Diff, Expr, Logic, Neg, Num, Sum, UserCall, Var, free_vars
from identities.language.limits import MAX_SUM_TERMS
from identities.numbers.dtypes import numpy_dtype, round_array

__all__ = ["ArrayProgram", "compile_array", "FUNCTION_MODES"]

FUNCTION_MODES = ("numpy", "scalar")
_NO_NUMPY = ("gamma", "lgamma", "erf", "erfc")
_NUMPY_NAMES = NUMPY_FUNCTIONS
_IEEE_EXACT = ("abs", "sqrt")  # correctly rounded in numpy and math alike


class _State:
    """One evaluation over n points: which points have become undefined."""

    __slots__ = ("n", "undef")

    def __init__(self, n: int):
        self.n = n
        self.undef: np.ndarray | None = None

    def mark(self, mask: np.ndarray) -> None:
        if mask.any():
            self.undef = mask.copy() if self.undef is None else (self.undef | mask)


Node = Callable[[Mapping[str, Any], _State], Any]


def _integer_typed(e: Expr, ints: frozenset[str]) -> bool:
    """Whether the scalar backends may keep this node a Python int (so it must be evaluated exactly)."""
    if isinstance(e, Num):
        return isinstance(e.value, int)
    if isinstance(e, Var):
        return e.name in ints
    if isinstance(e, Neg):
        return _integer_typed(e.arg, ints)
    if isinstance(e, Bin):
        return e.op in ("+", "-", "*", "**") and _integer_typed(e.left, ints) and _integer_typed(e.right, ints)
    if isinstance(e, Call):
        if e.fn in ("factorial", "comb"):
            return True
        return e.fn == "abs" and _integer_typed(e.args[0], ints)
    if isinstance(e, Sum):
        return _integer_typed(e.body, ints | {e.var})
    return False


class ArrayProgram:
    """An expression compiled for whole arrays; call with a mapping of columns and the point count."""

    def __init__(self, expr: Expr, backend: Any, node: Node, notes: list[str], exact: bool):
        self.expr = expr
        self.backend = backend
        self._node = node
        self.notes = tuple(dict.fromkeys(notes))
        self.matches_scalar = exact
        """True when every operation is the scalar backend's own, bit for bit."""

    def __call__(self, env: Mapping[str, Any], n: int) -> np.ndarray:
        """Values at the n points (the backend's dtype), nan where the expression is undefined."""
        st = _State(n)
        with np.errstate(all="ignore"):
            v = self._node(env, st)
            out = np.array(np.broadcast_to(v, (n,)), dtype=_dtype(self.backend), copy=True)
        if st.undef is not None:
            out[st.undef] = np.nan
        return out

    def __repr__(self) -> str:
        return f"ArrayProgram({str(self.expr)!r}, {self.backend.name})"


def _dtype(backend: Any) -> Any:
    return numpy_dtype(backend.format)


def compile_array(
    expr: Expr, backend: Any, *, integer_vars: frozenset[str] | set[str] = frozenset(), functions: str = "numpy"
) -> ArrayProgram:
    """Compile ``expr`` for whole arrays in ``backend``'s arithmetic (a float backend)."""
    if not getattr(backend, "is_float", False):
        raise InvalidArgument(
            f"backend={backend.name!r} is not a float backend; arrays need float64/32/16 or an ML format"
        )
    if functions not in FUNCTION_MODES:
        raise InvalidArgument(f"functions={functions!r} must be one of {FUNCTION_MODES}")
    c = _Compiler(backend, frozenset(integer_vars), functions)
    node = c.compile(expr, c.ints)
    return ArrayProgram(expr, backend, node, c.notes, c.exact)


class _Compiler:
    def __init__(self, backend: Any, ints: frozenset[str], functions: str):
        self.backend = backend
        self.ints = ints
        self.dtype = _dtype(backend)
        self.f64 = backend.format.width == 64
        self.notes: list[str] = []
        self.per_element = functions == "scalar"
        self.exact = self.per_element

    def differs(self, what: str) -> None:
        """Note that ``what`` uses numpy's array loop where the scalar backend computes otherwise."""
        if self.per_element:
            return
        if self.backend.format.name not in ("float64", "float32", "float16"):
            return  # the ML formats: ml_dtypes' ufunc loops are the same for a scalar and an array
        self.notes.append(
            {
                64: f"float64 {what} from numpy (SIMD): can differ from math's (verify) in the last place; "
                "functions='scalar' matches verify bit for bit",
                32: f"float32 {what} from numpy's array loop: can differ from the scalar powf (verify) in the last "
                "place; functions='scalar' matches verify bit for bit",
                16: f"float16 {what} from numpy's array loops: can differ from its scalar ones (verify) in the last "
                "place; functions='scalar' matches verify bit for bit",
            }[self.backend.format.width]
        )

    # -- nodes ---------------------------------------------------------------------------------
    def compile(self, e: Expr, ints: frozenset[str]) -> Node:  # noqa: C901 - one dispatch over node types
        if isinstance(e, Var):
            return self.var(e.name, e.name in ints)
        if isinstance(e, (Num, Const)):
            raw = self.backend.num(e) if isinstance(e, Num) else self.backend.const(e.name)
            v = self.dtype(self.backend.to_float(raw) if type(raw) is int else raw)
            return lambda env, st: v
        if _integer_typed(e, ints):
            return self.scalar(e, ints)
        if isinstance(e, Neg):
            f = self.compile(e.arg, ints)
            return lambda env, st: np.negative(f(env, st))
        if isinstance(e, Bin):
            return self.binary(e, ints)
        if isinstance(e, Call) and e.fn in _NUMPY_NAMES or isinstance(e, Call) and e.fn in ("log", *_NO_NUMPY):
            return self.call(e, ints)
        if isinstance(e, Diff) and e.var not in ints:
            return self.diff(e, ints)
        if isinstance(e, UserCall) and getattr(e.function, "vectorized", False):
            return self.user(e, ints)
        if isinstance(e, Sum) and not (free_vars(e.lo) | free_vars(e.hi)) - ints:
            return self.sum(e, ints)
        if isinstance(e, Sum):
            self.notes.append(f"sum bounds depend on float variables: {e} is evaluated per point by the scalar backend")
        else:
            self.notes.append(f"{e} is evaluated per point by the scalar backend")
        return self.scalar(e, ints)

    def var(self, name: str, is_int: bool) -> Node:
        fmt = self.backend.format
        if is_int:  # rounded once, as the scalar backends round an int where it meets a float
            return lambda env, st: round_array(np.asarray(env[name]), fmt)
        return lambda env, st: env[name]

    def binary(self, e: Bin, ints: frozenset[str]) -> Node:
        a, b = self.compile(e.left, ints), self.compile(e.right, ints)
        if e.op == "**":
            power = self.power()
            return lambda env, st: power(a(env, st), b(env, st))
        ufunc = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[e.op]
        return lambda env, st: ufunc(a(env, st), b(env, st))

    def power(self) -> Callable[..., Any]:
        self.differs("**")
        return self.elementwise(self.backend.pow, 2) if self.per_element else np.power

    def elementwise(self, fn: Callable[..., Any], nin: int) -> Callable[..., Any]:
        """The scalar backend's own function applied per element (inputs as its scalars)."""
        dtype = self.dtype
        conv = float if self.f64 else dtype
        ufunc = np.frompyfunc(lambda *a: fn(*(conv(v) for v in a)), nin, 1)

        def apply(*args: Any) -> Any:
            return np.asarray(ufunc(*(np.asarray(x, dtype=dtype) for x in args)), dtype=dtype)

        return apply

    def call(self, e: Call, ints: frozenset[str]) -> Node:
        args = [self.compile(a, ints) for a in e.args]
        name = e.fn
        table = self.backend.table
        differs = self.per_element and name not in _IEEE_EXACT and (self.f64 or self.dtype is np.float16)
        if name in _NO_NUMPY:
            self.notes.append(
                f"{name} is evaluated per element with math (numpy has no {name}), as the scalar backend does"
            )
            fn = self.elementwise(table[name], 1)
        elif name == "log":
            if self.f64 or self.dtype is np.float16:
                self.differs("log")
            ln = self.elementwise(table["log"], 1) if differs else np.log
            fn = ln if len(args) == 1 else (lambda x, b: np.divide(ln(x), ln(b)))  # log(x)/log(b), as scalar
        elif differs:
            fn = self.elementwise(table[name], len(args))
        else:
            if name not in _IEEE_EXACT and (self.f64 or self.dtype is np.float16):
                self.differs(name)
            fn = _NUMPY_NAMES[name]
        if len(args) == 1:
            (a,) = args
            return lambda env, st: fn(a(env, st))
        a, b = args
        return lambda env, st: fn(a(env, st), b(env, st))

    def user(self, e: UserCall, ints: frozenset[str]) -> Node:
        """A user's function declared ``vectorized``: its implementation called once with whole arrays of the
        backend's dtype. Where that raises a numerical error (``identities.evaluate.usercode.NUMERICAL``), the
        batch is evaluated per point by the scalar backend instead, so one bad point does not sink the others."""
        from identities.evaluate.usercode import NUMERICAL, failure, type_name

        fn: Any = e.function
        impl = fn.resolve()
        args = [self.compile(a, ints) for a in e.args]
        per_point = self.scalar(e, ints)
        dtype, label = self.dtype, f"{fn.name} ({fn.label}) in {self.backend.name}, vectorized"

        def call(env: Mapping[str, Any], st: _State) -> Any:
            values = [np.asarray(np.broadcast_to(a(env, st), (st.n,)), dtype=dtype) for a in args]
            try:
                out = impl(*values)
            except NUMERICAL:
                return per_point(env, st)
            except Exception as exc:
                raise failure(label, f"{fn.name}(arrays of {st.n} {np.dtype(dtype).name})", exc) from exc
            arr = np.asarray(out)
            if arr.shape not in ((st.n,), ()) or arr.dtype.kind not in "fiu":
                raise failure(
                    label,
                    f"{fn.name}(arrays of {st.n} {np.dtype(dtype).name})",
                    None,
                    f"returned {type_name(out)}; a vectorized function returns an array of one real per input",
                )
            return arr.astype(dtype)

        return call

    def diff(self, e: Diff, ints: frozenset[str]) -> Node:
        """The scalar backends' ``central_difference``, step for step, on arrays."""
        body = self.compile(e.body, ints)
        var, order, dtype, fmt = e.var, e.order, self.dtype, self.backend.format
        power = self.power()
        if order % 2:
            offsets, two = [order - 2 * i for i in range(order + 1)], True
        else:
            offsets, two = [order // 2 - i for i in range(order + 1)], False
        weights = [dtype(float(math.comb(order, i) * (-1 if i % 2 else 1))) for i in range(order + 1)]
        factor = fmt.eps ** (1.0 / (order + 2))

        def central(env: Mapping[str, Any], st: _State) -> Any:
            x = np.asarray(env[var])
            scale = np.maximum(np.abs(x.astype(np.float64)), 1.0)
            step = round_array(factor * scale, fmt)
            h = (x + step) - x
            denom = dtype(2.0) * h if two else h
            inner = dict(env)
            acc: Any = dtype(0.0)
            for m, w in zip(offsets, weights):
                inner[var] = x + dtype(float(m)) * h if m else x
                acc = acc + w * body(inner, st)
            return acc / power(denom, dtype(order))

        return central

    def sum(self, e: Sum, ints: frozenset[str]) -> Node:
        """A float-valued finite sum: terms added in the scalar order at the points whose range holds k."""
        lo_fn, hi_fn = self.scalar(e.lo, ints, bounds=True), self.scalar(e.hi, ints, bounds=True)
        body = self.compile(e.body, ints | {e.var})
        var, dtype = e.var, self.dtype
        product = e.op == "*"  # prod(...): terms multiplied, from 1

        def total(env: Mapping[str, Any], st: _State) -> Any:
            n = st.n
            lo_i = np.broadcast_to(lo_fn(env, st), (n,))
            hi_i = np.broadcast_to(hi_fn(env, st), (n,))
            active = np.ones(n, dtype=bool) if st.undef is None else ~st.undef
            active &= (lo_i != _BAD) & (hi_i != _BAD)
            st.mark(~active)
            acc = np.ones(n, dtype=dtype) if product else np.zeros(n, dtype=dtype)
            if not active.any():
                return acc
            terms = np.where(active, hi_i - lo_i + 1, 0)
            if terms.max() > MAX_SUM_TERMS:
                what = "product" if product else "sum"
                raise LimitExceeded(f"{what} over {int(terms.max())} terms, over the limit of {MAX_SUM_TERMS}")
            arrays = {k: v for k, v in env.items() if isinstance(v, np.ndarray) and v.shape == (n,)}
            for k in range(int(lo_i[active].min()), int(hi_i[active].max()) + 1):
                idx = np.flatnonzero(active & (lo_i <= k) & (k <= hi_i))
                if not len(idx):
                    continue
                sub = dict(env)
                sub.update({name: v[idx] for name, v in arrays.items()})
                sub[var] = k
                inner = _State(len(idx))
                v = np.broadcast_to(body(sub, inner), (len(idx),))
                acc[idx] = acc[idx] * v if product else acc[idx] + v
                if inner.undef is not None:
                    st.mark(_scatter(n, idx, inner.undef))
            return acc

        return total

    def scalar(self, e: Expr, ints: frozenset[str], *, bounds: bool = False) -> Node:
        """Evaluate by the backend's scalar compile, once per distinct combination of the free variables.

        Values come back in the backend's dtype (an int rounded once, as the
        scalar backend rounds it where it meets a float; UNDEFINED marks the
        point undefined) or, for sum bounds, as exact int64 (``_BAD`` where a
        bound is undefined or not an integer).
        """
        compiled = self.backend.compile(e)
        names = sorted(free_vars(e))
        backend, dtype = self.backend, self.dtype
        conv = backend.convert_input
        out_dtype = np.int64 if bounds else dtype

        def finish(v: Any) -> Any:
            if bounds:
                i = as_integer(v) if v is not UNDEFINED else None
                return i if i is not None and abs(i) < 2**62 else _BAD
            if v is UNDEFINED:
                return None
            return dtype(backend.to_float(v)) if type(v) is int else dtype(v)

        def one(values: Mapping[str, Any]) -> Any:
            return finish(compiled({k: (v if type(v) is int else conv(v)) for k, v in values.items()}))

        const: list[Any] = []

        def evaluate(env: Mapping[str, Any], st: _State) -> Any:
            if not names:
                if not const:
                    const.append(one({}))
                v = const[0]
                if v is None:
                    st.mark(np.ones(st.n, dtype=bool))
                    return dtype(np.nan)
                return v
            cols = [np.broadcast_to(np.asarray(env[k]), (st.n,)) for k in names]
            keys = np.stack([_bits(c) for c in cols], axis=1)
            _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
            results = [one({k: _py(c[i]) for k, c in zip(names, cols)}) for i in first]
            inverse = inverse.reshape(-1)
            undefined = np.array([r is None for r in results])
            vals = np.array([np.nan if r is None else r for r in results], dtype=out_dtype)[inverse]
            if undefined.any():
                st.mark(undefined[inverse])
            return vals

        return evaluate


_BAD = np.iinfo(np.int64).min


def _scatter(n: int, idx: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[idx[mask]] = True
    return out


def _bits(col: np.ndarray) -> np.ndarray:
    """A column as int64 keys: integers as they are, floats by bit pattern (so -0.0 and 0.0 differ)."""
    if col.dtype.kind in "iu":
        return col.astype(np.int64)
    if col.dtype.kind == "f" or col.dtype.kind == "V" and col.dtype.itemsize in (1, 2):  # ml_dtypes' are "V"
        width = col.dtype.itemsize
        return col.view({8: np.int64, 4: np.int32, 2: np.int16, 1: np.int8}[width]).astype(np.int64)
    return np.array([hash(v) for v in col], dtype=np.int64)


def _py(v: Any) -> Any:
    """A numpy scalar as the Python value the scalar backends take (int or float)."""
    if isinstance(v, (np.integer, int)):
        return int(v)
    return float(v)


def compare_array(
    cmp: Expr, backend: Any, integer_vars: frozenset[str]
) -> Callable[[Mapping[str, Any], int], np.ndarray]:
    """An ``assume`` condition (float64 arithmetic) on arrays: True where it holds, False where undefined.

    A comparison, or ``and``/``or``/``not`` of conditions (every part evaluated on the whole array: the
    scalar backend's short-circuit only skips work, since a condition has no side effects)."""
    if isinstance(cmp, Logic):
        parts = [compare_array(c, backend, integer_vars) for c in cmp.args]
        if cmp.op == "not":
            return lambda env, n: ~parts[0](env, n)
        combine = np.logical_and if cmp.op == "and" else np.logical_or

        def logic(env: Mapping[str, Any], n: int) -> np.ndarray:
            out = parts[0](env, n)
            for p in parts[1:]:
                out = combine(out, p(env, n))
            return out

        return logic
    assert isinstance(cmp, Cmp)
    progs = [compile_array(o, backend, integer_vars=integer_vars, functions="scalar") for o in cmp.operands]
    ops = {
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
        "==": np.equal,
        "!=": np.not_equal,
    }

    def check(env: Mapping[str, Any], n: int) -> np.ndarray:
        values = [p(env, n) for p in progs]
        ok = np.ones(n, dtype=bool)
        for i, op in enumerate(cmp.ops):
            ok &= ops[op](values[i], values[i + 1])
        return ok

    return check
