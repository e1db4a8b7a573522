"""One compiler over every number system.

A backend is a small *context*: constants, how a literal becomes a value, the
four arithmetic operations and ``**``, and a table with one entry per
whitelisted function. ``compile_expr`` turns an ``Expr`` into nested closures
once; evaluation then calls them with a mapping of variable values.

Integers stay Python ``int`` wherever Python keeps them exact (``+ - *``,
``**`` with a non-negative integer exponent, ``comb``, ``factorial``, sums of
integers), under the size limit ``MAX_INT_BITS``; a context sees an ``int``
only when it meets a value of its own kind.

Undefined (a value leaving the reals) is signalled inside evaluation by
raising ``Undefined``; ``Compiled.__call__`` turns it into the ``UNDEFINED``
marker, so it never escapes as an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from identities.errors import LimitExceeded
from identities.evaluate.values import (
    RESTORE,
    UNDEFINED,
    Env,
    Fn,
    Undefined,
    as_integer,
    check_int_bits,
    int_pow,
)
from identities.language.expr import (
    VECTOR_FUNCTIONS,
    Apply,
    Bin,
    Call,
    Cmp,
    Const,
    Diff,
    Expr,
    Grad,
    Logic,
    Neg,
    Num,
    Stop,
    Sum,
    UserCall,
    Var,
    VecVar,
    Vjp,
    Where,
    walk,
)
from identities.language.limits import MAX_SUM_TERMS, check_deadline

__all__ = ["CastArithmetic", "Context", "Backend", "Compiled", "compile_expr"]


class CastArithmetic:
    """``+ - * /`` on the context's own scalars: both operands through ``self.cast`` first (an exact
    Python int becomes the context's float type), then the type's own operator rounds to its width.
    A class using it defines ``cast``."""

    cast: Callable[[Any], Any]

    def add(self, a: Any, b: Any) -> Any:
        return self.cast(a) + self.cast(b)

    def sub(self, a: Any, b: Any) -> Any:
        return self.cast(a) - self.cast(b)

    def mul(self, a: Any, b: Any) -> Any:
        return self.cast(a) * self.cast(b)

    def div(self, a: Any, b: Any) -> Any:
        return self.cast(a) / self.cast(b)


class Context(Protocol):
    """What a number system provides to ``compile_expr``."""

    def num(self, node: Num) -> Any: ...
    def const(self, name: str) -> Any: ...
    def neg(self, a: Any) -> Any: ...
    def add(self, a: Any, b: Any) -> Any: ...
    def sub(self, a: Any, b: Any) -> Any: ...
    def mul(self, a: Any, b: Any) -> Any: ...
    def div(self, a: Any, b: Any) -> Any: ...
    def pow(self, a: Any, b: Any) -> Any: ...
    def function(self, name: str) -> Callable[..., Any]: ...
    def diff(self, body: Fn, env: Env, var: str, order: int) -> Any: ...
    def compare(self, op: str, a: Any, b: Any) -> bool: ...

    # contexts with their own vectors and autograd (native_vectors = True) also provide
    # grad(body, env, var), vjp(body, env, var, v) and stop(arg, env); see identities.language.vectors


class Backend(Protocol):
    """A number system under test: compiles an Expr once, evaluates on its own format."""

    name: str
    format: Any  # FloatFormat of the inputs it draws

    def compile(self, expr: Expr) -> Compiled: ...
    def to_float(self, value: Any) -> float: ...


class Compiled:
    """An expression compiled for one context; call it with a mapping of inputs.

    Returns the value, or ``UNDEFINED`` where the expression leaves the reals.
    ``LimitExceeded`` propagates: it is an ``error``, not a value.
    """

    __slots__ = ("expr", "fn")

    def __init__(self, expr: Expr, fn: Fn):
        self.expr = expr
        self.fn = fn

    def __call__(self, env: Env) -> Any:
        try:
            return self.fn(env)
        except Undefined:
            return UNDEFINED

    def __repr__(self) -> str:
        return f"Compiled({str(self.expr)!r})"


def compile_expr(expr: Expr, ctx: Context) -> Compiled:
    """Compile once; vectors, gradients and ``stop`` go through ``identities.language.vectors`` unless the
    context has its own (``native_vectors``, as torch and jax do)."""
    if not getattr(ctx, "native_vectors", False) and _needs_vectors(expr):
        from identities.evaluate.vectors import VectorContext

        ctx = VectorContext(ctx)
    return Compiled(expr, _compile(expr, ctx))


def _needs_vectors(expr: Expr) -> bool:
    return any(
        isinstance(n, (VecVar, Grad, Vjp, Stop)) or (isinstance(n, Call) and n.fn in VECTOR_FUNCTIONS)
        for n in walk(expr)
    )


def _compile(e: Expr, ctx: Context) -> Fn:  # noqa: C901 - one dispatch over node types
    if isinstance(e, Num):
        value = ctx.num(e)
        return lambda env: value
    if isinstance(e, Const):
        name, const = e.name, ctx.const
        if getattr(ctx, "dynamic_constants", False):  # the oracle: pi at the current precision
            return lambda env: const(name)
        value = const(name)
        return lambda env: value
    if isinstance(e, Var):
        name = e.name
        return lambda env: env[name]
    if isinstance(e, Neg):
        f = _compile(e.arg, ctx)
        neg = ctx.neg

        def negate(env: Env) -> Any:
            v = f(env)
            return -v if type(v) is int else neg(v)

        return negate
    if isinstance(e, Bin):
        return _binary(e, ctx)
    if isinstance(e, Call):
        fn = ctx.function(e.fn)
        args = [_compile(a, ctx) for a in e.args]
        if len(args) == 1:
            (a,) = args
            return lambda env: fn(a(env))
        if len(args) == 2:
            a, b = args
            return lambda env: fn(a(env), b(env))
        return lambda env: fn(*(a(env) for a in args))
    if isinstance(e, Diff):
        return _diff(e, ctx)
    if isinstance(e, Grad):
        body, var, grad = _compile(e.body, ctx), e.var, getattr(ctx, "grad")  # noqa: B009 - vector contexts only
        return lambda env: grad(body, env, var)
    if isinstance(e, Vjp):
        body, v, var, vjp = _compile(e.body, ctx), _compile(e.v, ctx), e.var, getattr(ctx, "vjp")  # noqa: B009
        return lambda env: vjp(body, env, var, v(env))
    if isinstance(e, Stop):
        arg, stop = _compile(e.arg, ctx), getattr(ctx, "stop")  # noqa: B009
        return lambda env: stop(arg, env)
    if isinstance(e, UserCall):
        if getattr(ctx, "exact", False):  # the oracle, mpmath: the definition
            return _compile(e.exact, ctx)
        from identities.evaluate.usercode import user_call

        return user_call(e, [_compile(a, ctx) for a in e.args], ctx)
    if isinstance(e, Apply):
        raise TypeError(
            f"function variable {e.fn!r} must be substituted before compiling (identities.language.functions)"
        )
    if isinstance(e, Sum):
        return _sum(e, ctx)
    if isinstance(e, Cmp):
        operands = [_compile(o, ctx) for o in e.operands]
        ops = e.ops
        compare = ctx.compare

        def chain(env: Env) -> bool:
            # evaluated left to right and stopped at the first false link, as Python's a < b < c is
            left = operands[0](env)
            for op, o in zip(ops, operands[1:]):
                right = o(env)
                if not compare(op, left, right):
                    return False
                left = right
            return True

        return chain
    if isinstance(e, Logic):
        conds = [_compile(c, ctx) for c in e.args]
        if e.op == "not":
            (c,) = conds
            return lambda env: not c(env)
        if e.op == "and":
            return lambda env: all(c(env) for c in conds)
        return lambda env: any(c(env) for c in conds)
    if isinstance(e, Where):
        cond, then, other = _compile(e.cond, ctx), _compile(e.then, ctx), _compile(e.other, ctx)
        return lambda env: then(env) if cond(env) else other(env)  # only the side taken is evaluated
    raise TypeError(f"cannot compile {e!r}")


def _diff(e: Diff, ctx: Context) -> Fn:
    body = _compile(e.body, ctx)
    var, order, diff = e.var, e.order, ctx.diff
    at = _compile(e.at, ctx) if e.at is not None else None
    keep = any(isinstance(n, Stop) for n in walk(e.body))
    if at is None and not keep:
        return lambda env: diff(body, env, var, order)

    def derivative(env: Env) -> Any:
        inner = dict(env)
        if at is not None:  # D(f)(point): var is bound to the point
            inner[var] = at(env)
        if keep:  # stop() inside: evaluated at the point, not where the derivative probes
            inner[RESTORE] = {var: inner[var]}
        return diff(body, inner, var, order)

    return derivative


def _binary(e: Bin, ctx: Context) -> Fn:
    left, right = _compile(e.left, ctx), _compile(e.right, ctx)
    op = e.op
    if op == "+":
        add = ctx.add

        def f(env: Env) -> Any:
            a, b = left(env), right(env)
            return a + b if type(a) is int and type(b) is int else add(a, b)

    elif op == "-":
        sub = ctx.sub

        def f(env: Env) -> Any:
            a, b = left(env), right(env)
            return a - b if type(a) is int and type(b) is int else sub(a, b)

    elif op == "*":
        mul = ctx.mul

        def f(env: Env) -> Any:
            a, b = left(env), right(env)
            if type(a) is int and type(b) is int:
                check_int_bits(a.bit_length() + b.bit_length(), "an integer product")
                return a * b
            return mul(a, b)

    elif op == "/":
        div = ctx.div

        def f(env: Env) -> Any:
            return div(left(env), right(env))

    else:
        pow_ = ctx.pow

        def f(env: Env) -> Any:
            a, b = left(env), right(env)
            if type(a) is int and type(b) is int and b >= 0:
                return int_pow(a, b)
            return pow_(a, b)

    return f


def _sum(e: Sum, ctx: Context) -> Fn:
    """A sum (or, ``op="*"``, a product) over the integers lo..hi; bounds may be any integer-valued
    expression (``floor((n - 1)/2)``): a context may say how its values are integers (``integer``)."""
    body, lo_fn, hi_fn = _compile(e.body, ctx), _compile(e.lo, ctx), _compile(e.hi, ctx)
    var = e.var
    product = e.op == "*"
    combine = ctx.mul if product else ctx.add
    integer = getattr(ctx, "integer", as_integer)
    what = "product" if product else "sum"

    def total(env: Env) -> Any:
        lo, hi = integer(lo_fn(env)), integer(hi_fn(env))
        if lo is None or hi is None:
            raise Undefined  # bounds of a finite sum must be integers
        if hi - lo + 1 > MAX_SUM_TERMS:
            raise LimitExceeded(f"{what} over {hi - lo + 1} terms, over the limit of {MAX_SUM_TERMS}")
        inner = dict(env)
        acc: Any = 1 if product else 0
        for k in range(lo, hi + 1):
            if not k & 255:
                check_deadline()
            inner[var] = k
            v = body(inner)
            if type(acc) is int and type(v) is int:
                if product:
                    check_int_bits(acc.bit_length() + v.bit_length(), "an integer product")
                    acc = acc * v
                else:
                    acc = acc + v
            else:
                acc = combine(acc, v)
        return acc

    return total
