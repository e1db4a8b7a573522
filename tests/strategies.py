"""Shared hypothesis strategies for the tests."""

from hypothesis import strategies as st

from identities.language.expr import FUNCTIONS

NAMES = st.sampled_from(["x", "y"])


def expressions(max_leaves: int = 12):
    """Random well-formed expression texts over x and y and the whitelisted functions."""
    leaves = st.one_of(NAMES, st.integers(0, 9).map(str), st.sampled_from(["0.5", "1e-3", "pi", "e", "2.5"]))

    def extend(children):
        unary = st.tuples(st.sampled_from(sorted(f for f, (lo, _) in FUNCTIONS.items() if lo == 1)), children).map(
            lambda t: f"{t[0]}({t[1]})"
        )
        binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/", "**"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        )
        neg = children.map(lambda c: f"-{c}")
        return st.one_of(unary, binary, neg)

    return st.recursive(leaves, extend, max_leaves=max_leaves)
