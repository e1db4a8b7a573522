"""One exception family. Each class is also the builtin a caller would expect."""

from __future__ import annotations

__all__ = [
    "IdentitiesError",
    "IdentityFileError",
    "InvalidArgument",
    "LimitExceeded",
    "BackendUnavailable",
    "UserCodeError",
    "ImportRefused",
    "WiderResultWarning",
    "NotSupported",
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


class NotSupported(IdentitiesError, NotImplementedError):
    """A backend has no implementation of a function (torch has no fma): the ``error`` verdict, naming it."""


class BackendUnavailable(IdentitiesError, ImportError):
    """A backend needs an optional dependency (an extra) that is not installed; the message says which."""


class UserCodeError(IdentitiesError, RuntimeError):
    """The user's own function (an implementation named in a file or passed from Python) failed in a way that is
    not a numerical outcome: a ``TypeError`` from a wrong arity, a ``NameError``, a result that is not a number.

    Not a verdict about precision: the run stops at once. ``original`` is the exception raised by the user's
    code (None when the function returned something unusable); the message holds its traceback.
    """

    def __init__(self, message: str, original: BaseException | None = None, summary: str = ""):
        super().__init__(message)
        self.message = message
        self.original = original
        self.summary = summary or message  # the message without the traceback (raised with the original chained)


class ImportRefused(IdentitiesError, PermissionError):
    """An identity file names Python code to import (``implementation = "module:attribute"``) and importing
    was not allowed (``identities check --allow-import``, ``load(..., allow_import=True)``)."""


class WiderResultWarning(UserWarning):
    """The function under test returned a wider type than the format it was checked in (a double for float32
    inputs): the result is rounded and compared, but that format's accuracy of the code is not what is measured."""


class WorkerDied(IdentitiesError, RuntimeError):
    """The process running a task died, on a fresh pool too (a kill, the OOM killer, a crash in C code)."""
