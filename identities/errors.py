"""One exception family. Each class is also the builtin a caller would expect."""

from __future__ import annotations

__all__ = [
    "IdentitiesError",
    "IdentityFileError",
    "InvalidArgument",
    "LimitExceeded",
    "BackendUnavailable",
    "WorkerDied",
]


class IdentitiesError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidArgument(IdentitiesError, ValueError):
    """A function of the API was called with a bad value (``name=value!r`` in the message)."""


class IdentityFileError(IdentitiesError, ValueError):
    """An identity file (or inline identity) is malformed.

    Carries where: the file, the 1-based line (0 when unknown), the identity's
    name (``None`` when the problem is above any identity), and what is wrong.
    """

    def __init__(self, message: str, *, file: str = "<string>", line: int = 0, identity: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.identity = identity
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" identity {self.identity!r}:" if self.identity else ""
        return f"{where}:{who} {self.message}"


class LimitExceeded(IdentitiesError, ArithmeticError):
    """An evaluation would exceed a resource limit (integer size, sum length, ...)."""


class BackendUnavailable(IdentitiesError, ImportError):
    """A backend needs an optional dependency (an extra) that is not installed; the message says which."""


class WorkerDied(IdentitiesError, RuntimeError):
    """The process running a task died, on a fresh pool too (a kill, the OOM killer, a crash in C code)."""
