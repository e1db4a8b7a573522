"""Coverage-guided fuzzing of the identity-file loader with atheris (run by hand).

    pip install atheris
    python fuzz/fuzz_loader.py -max_total_time=600

Every input must load or raise IdentityFileError; anything else is a crash.
"""

import sys

import atheris

with atheris.instrument_imports():
    from identities import IdentityFileError, loads
    from identities.backends import get_backend


def one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    try:
        reg = loads(text, "fuzz.toml")
    except IdentityFileError:
        return
    be = get_backend("float64")
    for ident in reg.values():  # loaded identities must compile
        be.compile(ident.lhs)
        be.compile(ident.rhs)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
