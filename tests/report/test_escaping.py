"""User text is shown, never live (issue 15): an identity file's source and tags holding HTML, Markdown and
terminal control sequences reach the Markdown report (parsed with markdown-it, then its HTML parsed), the HTML
report (parsed), the JSON report (valid) and the terminal (controls shown as escapes) as inert text."""

import json
from html.parser import HTMLParser

import pytest

from identities.cli import main
from identities.report.markdown import md_code, md_prose, md_text

HOSTILE = (
    "<img src=x onerror=alert(2)> **bold** [click](javascript:alert(1)) `code` | pipe $x$ ~~s~~ _em_ & \x1b[31mred\x07"
)
TAGS = ["<script>alert(1)</script>", "*star*", "a|b"]

FILE = f"""
[[identity]]
name = "hostile_source"
lhs = "exp(x + y)"
rhs = "exp(x)*exp(y)"
vars = {{ x = "real[-5, 5]", y = "real[-5, 5]" }}
expect = {{ float64 = "precision_failure" }}
tags = {json.dumps(TAGS)}
source = {json.dumps(HOSTILE)}
"""


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(text):
    p = Elements()
    p.feed(text)
    p.close()
    return p


def assert_inert(p: Elements, allowed: set[str]):
    names = {t for t, _ in p.tags}
    assert names <= allowed, names - allowed
    assert not any(k.startswith("on") for _, attrs in p.tags for k in attrs), "an event handler attribute"
    assert not any("javascript:" in (v or "") for _, attrs in p.tags for v in attrs.values())
    text = "".join(p.text)
    assert "<img src=x onerror=alert(2)>" in text  # shown as text
    assert "\x1b" not in text and "\x07" not in text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    path = d / "hostile.toml"
    path.write_text(FILE)
    return d, path


def test_the_markdown_report_shows_user_text_and_runs_none_of_it(hostile):
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py (test extra) renders the Markdown")
    d, path = hostile
    out = d / "r.md"
    assert main(["report", str(path), "--backend", "float64", "--examples", "15", "--output", str(out)]) in (0, 1)
    text = out.read_text()
    md = markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough")
    tokens = md.parse(text)
    inline = [c for t in tokens if t.children for c in t.children]
    assert not [t for t in tokens + inline if t.type in ("html_inline", "html_block")]
    assert not [t for t in inline if t.type in ("link_open", "image") and "javascript" in str(t.attrs)]
    p = parse_html(md.render(text))
    assert_inert(p, {"h1", "h2", "h3", "h4", "p", "strong", "em", "code", "pre", "ul", "li", "blockquote", "a",
                     "img", "table", "thead", "tbody", "tr", "th", "td"})  # fmt: skip
    # the emphasis, links and strike-outs in the source stay characters
    shown = "".join(p.text)
    assert "**bold** [click](javascript:alert(1)) `code` | pipe $x$ ~~s~~ _em_ & \\x1b[31mred\\x07" in shown
    assert "<script>alert(1)</script>" in shown and "*star*" in shown
    assert all(attrs.get("href", "#").startswith("#") for t, attrs in p.tags if t == "a")


def test_the_html_report_shows_user_text_and_runs_none_of_it(hostile):
    d, path = hostile
    out = d / "r.html"
    assert main(["report", str(path), "--backend", "float64", "--examples", "15", "--output", str(out)]) in (0, 1)
    p = parse_html(out.read_text())
    assert not [t for t, _ in p.tags if t == "script"]
    assert not [attrs for t, attrs in p.tags if t == "img" and not attrs.get("src", "").startswith("data:image/png")]
    assert_inert(p, {t for t, _ in p.tags} - {"script", "iframe", "object", "embed"})


def test_the_json_report_is_valid_whatever_the_text(hostile, capsys):
    d, path = hostile
    out = d / "r.json"
    assert main(["check", str(path), "--backend", "float64", "--examples", "15", "--json", str(out)]) in (0, 1)
    doc = json.loads(out.read_text())
    assert doc["results"][0]["identity"] == "hostile_source"
    assert "\x1b" not in out.read_text()  # escaped as \u001b by the JSON encoder
    assert "\x1b" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "field",
    [
        'name = "x\\u001b[2J"\nlhs = "x"',
        'name = "x"\nlhs = "x\\u001b[2J + y"',
        'name = "x"\nlhs = "x"\ntolerance = "4 ulp\\u001b[2J"',
        'name = "x"\nlhs = "x"\nexpect = "holds\\u009b31m"',
    ],
)
def test_control_characters_reach_the_terminal_as_escapes(tmp_path, capsys, field):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[identity]]\n{field}\nrhs = "x"\nvars = {{ x = "real" }}\n')
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("identities: error: ") and err.count("\n") == 1
    assert not any(ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) < 0xA0 for c in err), repr(err)


def test_terminal_text_shows_controls():
    from identities.cli.common import terminal_text

    assert terminal_text("a\x1b[31mb\x07\r\n\u009bc") == "a\\x1b[31mb\\x07\\r\n\\x9bc"


def test_markdown_escapes():
    assert md_text("a_b _c_ *d* <e> & [f](g) `h` #i |j ~k $l\n") == (
        "a_b \\_c\\_ \\*d\\* &lt;e&gt; &amp; \\[f\\](g) \\`h\\` \\#i \\|j \\~k \\$l\\\\x0a"
    )
    assert md_code("a`b") == "`` a`b ``" and md_code("x <y>") == "`x <y>`"
    assert md_prose("`exp(a)` overflows <b>") == "`exp(a)` overflows &lt;b&gt;"
