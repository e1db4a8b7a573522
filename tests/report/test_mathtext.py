"""Identities in readable mathematical form, and the report package's public names."""

import importlib

import pytest

from identities.language.expr import parse
from identities.report.mathtext import to_html, to_text


def p(text, names=("x", "y", "n", "p", "b")):
    return parse(text, set(names))


@pytest.mark.parametrize(
    "source, text",
    [
        ("3*x**2 - 4*x", "3·x² − 4·x"),
        ("diff(3*x**2 - 4*x, x)", "d/dx (3·x² − 4·x)"),
        ("diff(sin(x), x, 2)", "d²/dx² sin(x)"),
        ("sqrt(x + 1) - sqrt(x)", "√(x + 1) − √x"),
        ("log(x, b)", "log_b(x)"),
        ("log2(x) + log10(y)", "log₂(x) + log₁₀(y)"),
        ("sum(comb(n, k)*p**k, k, 0, n)", "Σ_{k=0}^{n} C(n, k)·p^k"),
        ("factorial(n - 1)*gamma(x)", "(n − 1)!·Γ(x)"),
        ("(1 - p)**(n - y)", "(1 − p)^(n − y)"),
        ("-x**2", "−x²"),
        ("(-x)**2", "(−x)²"),
        ("x - (y - 1)", "x − (y − 1)"),
        ("x/(y*2)", "x/(y·2)"),
        ("abs(x)*pi", "|x|·π"),
    ],
)
def test_unicode_text(source, text):
    assert to_text(p(source)) == text


def test_html_uses_sup_and_escapes():
    assert to_html(p("x**(n + 1)")) == "<i>x</i><sup><i>n</i> + 1</sup>"
    assert to_html(p("sum(k, k, 0, n)")).startswith('<span class="bigop">Σ<sub><i>k</i>=0</sub><sup><i>n</i></sup>')
    html = to_html(parse("x < y", {"x", "y"}, allow_compare=True))
    assert "&lt;" in html and "<" not in html.replace("<i>", "").replace("</i>", "").replace("&lt;", "")


@pytest.mark.parametrize(
    "module",
    [
        "report",
        "report.analysis",
        "report.baseline",
        "check.causes",
        "cli.report",
        "report.document",
        "report.explain",
        "report.fdtable",
        "report.html",
        "report.markdown",
        "report.mathtext",
        "report.plots",
        "report.text",
        "check.samples",
    ],
)
def test_report_modules_declare_all(module):
    m = importlib.import_module(f"identities.{module}")
    assert m.__all__ and len(set(m.__all__)) == len(m.__all__)
    for name in m.__all__:
        assert hasattr(m, name), f"identities.{module}.{name}"
