"""The central-difference tolerance explained with the result's own numbers, wherever a tolerance is shown:
check's detail text, explain() (the pytest failure text and assert_identity's), the report."""

import json
import math
import re
import struct

import mpmath
import pytest

from identities.check.engine import verify
from identities.check.failures import explain, tolerance_note
from identities.cli.common import detail
from identities.registry.files import identity
from identities.testing import assert_identity

NOTE = re.compile(
    r"within the central-difference tolerance (\S+) rel or (\S+) abs: ([0-9.]+) bits lost to the difference "
    r"quotient \((lhs|rhs)\), ([0-9.]+) of (float64|float32)'s (\d+) kept"
)


def ordinal(x: float) -> int:
    i = struct.unpack("<q", struct.pack("<d", x))[0]
    return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)


def dsin(**kw):
    return identity("dsin", "diff(sin(x), x)", "cos(x)", vars={"x": "real[-3, 3]"}, **kw)


def test_the_note_gives_the_tolerance_and_the_bits_the_quotient_lost():
    r = verify(dsin(), "float64", examples=60, keep_samples=True)
    assert r.verdict == "holds" and r.tolerance_source == "central-difference" and r.quotient_sides == ("lhs",)
    m = NOTE.fullmatch(tolerance_note(r))
    assert m, tolerance_note(r)
    # the tolerance: 256 eps^(2/3) for a first derivative, to two digits
    t = float(f"{256 * (2.0**-52) ** (2 / 3):.2g}")
    assert float(m[1]) == float(m[2]) == t == 9.4e-09
    # the bits lost: the difference quotient's largest error against the exact cos(x), recomputed here with
    # mpmath at 50 digits over the examples drawn, in ulps counted on the bit patterns
    worst = 0
    for s in r.samples:
        with mpmath.workdps(50):
            exact = float(mpmath.cos(mpmath.mpf(s.inputs["x"])))
        worst = max(worst, abs(ordinal(s.lhs) - ordinal(exact)))
    lost = math.log2(1 + worst)
    assert worst > 1000  # a quotient keeps about two thirds of the bits: far from a rounding error
    assert (m[3], m[4]) == (f"{lost:.1f}", "lhs")
    assert (m[5], m[6], m[7]) == (f"{53 - lost:.1f}", "float64", "53")


def test_the_note_appears_in_check_detail_explain_and_assert_identity():
    r = verify(dsin(expect={"float32": "precision_failure"}), "float32", examples=60)
    assert r.verdict == "holds" and not r.ok  # unexpectedly holds: the text is shown
    note = tolerance_note(r)
    m = NOTE.fullmatch(note)
    assert m and m[1] == f"{256 * (2.0**-23) ** (2 / 3):.2g}" == "0.0062" and m.group(6, 7) == ("float32", "24")
    assert float(m[3]) == pytest.approx(r.side_errors["lhs"].bits, abs=0.05)
    assert f"  {note}" in detail(r).splitlines()
    assert f"  {note}" in explain(r).splitlines()
    with pytest.raises(AssertionError) as info:
        assert_identity(
            "diff(sin(x), x)",
            "cos(x)",
            vars={"x": "real[-3, 3]"},
            backends="float32",
            examples=60,
            expect={"float32": "precision_failure"},
        )
    assert NOTE.search(str(info.value)), str(info.value)


def test_no_note_where_the_tolerance_is_not_the_central_difference_one():
    declared = verify(dsin(tolerance="1e-6 rel or 1e-6 abs"), "float64", examples=30)
    assert declared.tolerance_source == "declared" and declared.quotient_sides == ("lhs",)
    assert tolerance_note(declared) == ""
    plain = verify(identity("double", "2*x", "x + x", vars={"x": "real"}), "float64", examples=30)
    assert (plain.tolerance_source, plain.quotient_sides, tolerance_note(plain)) == ("default", (), "")
    exact = verify(dsin(), "mpmath", examples=10)
    assert (exact.tolerance_source, tolerance_note(exact)) == ("", "")


def test_the_note_is_in_the_report(tmp_path):
    pytest.importorskip("matplotlib")
    from identities.registry.files import Registry
    from identities.report import write_report

    ident = dsin()
    r = verify(ident, "float64", examples=40, keep_samples=True)
    note = tolerance_note(r)
    assert NOTE.fullmatch(note)
    kw = dict(registry=Registry([ident]), seed=0, examples=40, backends=["float64"])
    write_report(tmp_path / "r.json", [r], **kw)
    doc = json.loads((tmp_path / "r.json").read_text())
    [res] = doc["results"]
    assert res["analysis"]["tolerance_note"] == note
    assert (res["tolerance_source"], res["quotient_sides"]) == ("central-difference", ["lhs"])
    write_report(tmp_path / "r.md", [r], **kw)
    assert f"- {note}" in (tmp_path / "r.md").read_text().splitlines()
    write_report(tmp_path / "r.html", [r], **kw)
    assert note.replace("'", "&#x27;") in (tmp_path / "r.html").read_text()
