"""Resource limits, in one place: what an identity may cost before it is refused.

An identity file is data from anywhere; evaluating it must not hang CI or
exhaust memory. Each limit, when hit, is reported as the ``error`` verdict
naming the limit (``LimitExceeded``), and the run goes on with the other
identities; parse-time limits are ``IdentityFileError`` at load.

==========================  =========  ===============================================
limit                       default    where
==========================  =========  ===============================================
expression text             10,000     characters per expression (load)
expression size             2,000      syntax-tree nodes per expression (load)
expression nesting          200        levels (load; ``a + b + c`` nests one level per term)
literal exponent            4,000      ``1e4001`` is refused (load)
diff order                  8          ``diff(f, x, 9)`` is refused (load)
exact integer size          2**17      bits of any exact integer result: ``9**9**9**9``,
                                       ``factorial(10**6)``, ``comb(10**6, 5*10**5)``
sum length                  100,000    terms of one ``sum`` (nested sums multiply, and
                                       the time limits below bound them)
oracle precision            8,192      bits; a point still unresolved is *unknown*
time per example            5 s        wall time of one example (backend and oracle)
time per identity           60 s       wall time of one identity on one backend
memory per worker           none       ``--max-memory MB``: address space of each worker
                                       process (RLIMIT_AS); over it, the identity is an
                                       ``error`` row naming the limit
==========================  =========  ===============================================

Time limits are checked cooperatively (between sum terms, between oracle
precisions, between examples): a single arb or math call is not interrupted,
but every such call is bounded by the size limits above.
"""

from __future__ import annotations

import math
import threading
import time

from identities.errors import LimitExceeded

__all__ = [
    "MAX_TEXT",
    "MAX_NODES",
    "MAX_DEPTH",
    "MAX_LITERAL_EXPONENT",
    "MAX_DIFF_ORDER",
    "MAX_INT_BITS",
    "MAX_SUM_TERMS",
    "ORACLE_CAP_BITS",
    "EXAMPLE_SECONDS",
    "IDENTITY_SECONDS",
    "deadline",
    "check_deadline",
    "memory_limit_text",
]

MAX_TEXT = 10_000
MAX_NODES = 2_000
MAX_DEPTH = 200
MAX_LITERAL_EXPONENT = 4_000
MAX_DIFF_ORDER = 8
MAX_INT_BITS = 1 << 17
MAX_SUM_TERMS = 100_000
ORACLE_CAP_BITS = 8192
EXAMPLE_SECONDS = 5.0
IDENTITY_SECONDS = 60.0

_local = threading.local()


class deadline:  # noqa: N801 - used like a function: ``with deadline(5, "..."):``
    """Within the block, ``check_deadline()`` raises once ``seconds`` of wall time have passed.

    A class rather than ``@contextmanager``: it is entered once per example, on the hot path.
    """

    __slots__ = ("seconds", "what", "previous")

    def __init__(self, seconds: float, what: str):
        self.seconds = seconds
        self.what = what

    def __enter__(self) -> None:
        previous = self.previous = getattr(_local, "deadline", None)
        limit = time.monotonic() + self.seconds if math.isfinite(self.seconds) else math.inf
        if previous is not None and previous[0] <= limit:
            return
        _local.deadline = (limit, self.what)

    def __exit__(self, *exc: object) -> None:
        _local.deadline = self.previous


def check_deadline() -> None:
    d = getattr(_local, "deadline", None)
    if d is not None and time.monotonic() > d[0]:
        raise LimitExceeded(d[1])


def memory_limit_text() -> str:
    """What a MemoryError means here: this process's address-space limit (--max-memory), or the machine's memory."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        unlimited = resource.RLIM_INFINITY
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        return "out of memory"
    if soft != unlimited and soft > 0:
        return f"memory limit of this worker exceeded ({soft / 2**20:g} MB of address space, --max-memory)"
    return "out of memory"
