"""Results, lists of results and registries in Jupyter (HTML) and IPython (text), and as a DataFrame."""

from __future__ import annotations

import math
from html.parser import HTMLParser

import pytest

import identities
from identities.check.display import VERDICT_COLOURS, ResultList, error_svg, results_frame, results_text
from identities.check.results import Result
from identities.numbers.metrics import ErrorStats

VOID = {"br", "img", "hr", "meta", "input", "link"}


class Tree(HTMLParser):
    """Checks that tags nest and close, and keeps the tags, attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    assert tree.stack == [], tree.stack
    return tree


@pytest.fixture(scope="module")
def results():
    lib = identities.builtin()
    return identities.verify_all(
        [lib["exp_sum"], lib["notebook_binomial_point"]], ["float64", "mpmath"], examples=60, keep_samples=True
    )


def test_user_text_is_escaped_in_a_registry():
    reg = identities.loads(
        """
[[identity]]
name = "double"
lhs = "2*x"
rhs = "x + x"
vars = { x = "real" }
source = "<script>alert('x')</script> & <b>bold</b>"
"""
    )
    for html in (reg._repr_html_(), reg["double"]._repr_html_()):
        tree = parse(html)
        tags = {t for t, _ in tree.tags}
        assert "script" not in tags and "b" not in tags
        assert "<script>alert('x')</script> & <b>bold</b>; <string>:2" in tree.text
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in html
        assert "2*x == x + x" in tree.text


def test_user_text_is_escaped_in_a_result():
    r = Result(
        identity="odd",
        backend="float64",
        verdict="error",
        expected="holds",
        examples=0,
        tolerance=None,
        exact_rate=0.0,
        max_error=ErrorStats(),
        needed_tolerance=None,
        message="<img src=x onerror=alert(1)>",
    )
    tree = parse(r._repr_html_())
    assert "img" not in {t for t, _ in tree.tags}
    assert "<img src=x onerror=alert(1)>" in tree.text
    assert "note: <img src=x onerror=alert(1)>" in tree.text


def test_a_list_of_results_is_a_table_with_coloured_verdicts_and_plots(results):
    assert isinstance(results, ResultList) and isinstance(results, list) and len(results) == 4
    tree = parse(results._repr_html_())
    rows = [a for t, a in tree.tags if t == "tr"]
    assert len(rows) == 5  # the header and one row per result
    badges = [a["style"] for t, a in tree.tags if t == "span"]
    verdicts = [r.verdict for r in results]
    assert verdicts == ["precision_failure", "holds", "holds", "holds"]
    assert [VERDICT_COLOURS[v] in style for v, style in zip(verdicts, badges, strict=True)] == [True] * 4
    assert "x=0.2, y=-10.0" in tree.text  # exp_sum's minimal counterexample, in its row
    # an inline plot where samples were kept and have an input to plot against: float64's exp_sum only
    # (the mpmath backend keeps no samples; the point identity has no input)
    assert [len(r.samples) > 0 for r in results] == [True, False, True, False]
    svgs = [t for t, _ in tree.tags if t == "svg"]
    assert len(svgs) == 1
    circles = [a for t, a in tree.tags if t == "circle"]
    assert {a["fill"] for a in circles} == {"#1f77b4", "#ff7f0e"}
    for a in circles:
        assert 0 <= float(a["cx"]) <= 180 and 0 <= float(a["cy"]) <= 54


def test_one_result_shows_its_counterexamples_against_the_truth(results):
    r = results[0]
    tree = parse(r._repr_html_())
    text = "".join(tree.text)
    c = r.counterexample
    assert f"minimal counterexample: x=0.2, y=-10.0; {int(c.ulps)} ulp apart" in tree.text
    assert repr(c.lhs) in tree.text and c.truth_decimal[0] in tree.text
    assert "culprit: lhs; rounding" in text
    assert [a.get("width") for t, a in tree.tags if t == "svg"] == ["180", "360"]


def test_the_plot_is_error_bits_against_the_first_input():
    class S:
        def __init__(self, x, lu, ru):
            self.inputs, self.lhs_ulps, self.rhs_ulps = {"x": x, "y": 1.0}, lu, ru

    svg = error_svg([S(0.0, 0.0, 0.0), S(1.0, 3.0, math.nan), S(2.0, 0.0, 1.0)], width=106, height=56)
    tree = parse(svg)
    dots = [(float(a["cx"]), float(a["cy"]), a["fill"]) for t, a in tree.tags if t == "circle"]
    # x 0..2 over 3..103 px; bits log2(1 + ulps): 0 -> the baseline (y = 53), 2 bits (3 ulp) the top
    top = 2 * 1.05
    assert dots == [
        (3.0, 53.0, "#1f77b4"),
        (3.0, 53.0, "#ff7f0e"),
        (53.0, pytest.approx(53 - 2 / top * 50, abs=0.05), "#1f77b4"),
        (103.0, 53.0, "#1f77b4"),
        (103.0, pytest.approx(53 - 1 / top * 50, abs=0.05), "#ff7f0e"),
    ]
    assert error_svg([]) is None and error_svg([S("sin(x)", 1.0, 1.0)]) is None


def test_ipython_shows_aligned_text(results):
    pretty = pytest.importorskip("IPython.lib.pretty").pretty
    text = pretty(results)
    lines = text.splitlines()
    header = ["identity", "backend", "verdict", "expected", "max", "ulp", "bits", "exact", "needed", "counterexample"]
    assert lines[0].split() == header
    assert lines[1].split()[:3] == ["exp_sum", "float64", "precision_failure"] and lines[1].endswith("x=0.2, y=-10.0")
    assert lines[-1] == "4 results: 4 as expected"
    assert text == results_text(results)
    one = pretty(results[0]).splitlines()
    assert one[1].split()[:3] == ["exp_sum", "float64", "precision_failure"]
    assert one[2].startswith("minimal counterexample: x=0.2, y=-10.0: lhs 5.5451599432176945e-05")
    reg = pretty(identities.builtin().select("exp_sum"))
    assert reg.splitlines()[0] == "<Registry of 1 identities>"
    assert reg.splitlines()[2].split()[:4] == ["exp_sum", "exp(x", "+", "y)"]


def test_an_unexpected_verdict_is_marked(results):
    r = results[0]
    from dataclasses import replace

    wrong = replace(r, expected="holds")
    assert "(!)" in results_text([wrong]) and results_text([wrong]).endswith("1 unexpected (!)")
    assert "(unexpected)" in wrong._repr_html_()


def test_results_frame(results):
    pytest.importorskip("pandas")
    df = identities.results_frame(results)
    assert list(df["identity"]) == [r.identity for r in results]
    assert list(df["verdict"]) == ["precision_failure", "holds", "holds", "holds"]
    assert df.loc[0, "max_ulps"] == results[0].max_error.ulps and df.loc[0, "counterexample"] == "x=0.2, y=-10.0"
    assert df.isna().loc[1, "counterexample"] and bool(df["ok"].all())
    assert list(results_frame([]).columns) == ["identity", "backend", "verdict", "expected", "ok"]
