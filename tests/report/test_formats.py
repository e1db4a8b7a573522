"""The structure of each report format: HTML parsed, images decoded, JSON validated against the schema file."""

import base64
import json
import re
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from identities import InvalidArgument, Registry, identity, verify
from identities.report import write_report
from identities.report.document import SCHEMA_PATH

jsonschema = pytest.importorskip("jsonschema")

IDENTITIES = Registry(
    [
        identity("exp_minus_1", "exp(x) - 1", "expm1(x)", vars={"x": "real[-1e-3, 1e-3]"}),
        identity(
            "poly_derivative", "diff(3*x**2 - 4*x, x)", "6*x - 4", vars={"x": "real[-10, 10]"}, examples=[{"x": 1}]
        ),
        identity("square_root_false", "sqrt(x**2)", "x", vars={"x": "real[-4, 4]"}),
        identity("point", "comb(3, 2)*0.6**2*0.4", "0.432"),
    ]
)
BACKENDS = ["float64", "mpmath"]
EXAMPLES = 25


@pytest.fixture(scope="module")
def results():
    return [verify(i, b, examples=EXAMPLES, keep_samples=True) for i in IDENTITIES.values() for b in BACKENDS]


def _write(path, results, **kw):
    write_report(path, results, registry=IDENTITIES, seed=0, examples=EXAMPLES, backends=BACKENDS, **kw)


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR; fails unless it is a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "img", "br", "col", "link"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_one_self_contained_file(tmp_path, results):
    out = tmp_path / "r.html"
    _write(out, results)
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary or side files left
    page = _Collect()
    page.feed(out.read_text(encoding="utf-8"))
    page.close()
    assert page.stack == []  # every element closed, properly nested
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for _, attrs in page.tags:
        for key in ("src", "href"):
            v = attrs.get(key, "")
            assert not v or v.startswith(("#", "data:image/png;base64,")), v  # no network, no files
    images = [a["src"] for t, a in page.tags if t == "img"]
    assert len(images) >= 3  # error plots of exp_minus_1 and poly_derivative, the h plot
    for src in images:
        w, h = png_size(base64.b64decode(src.split(",", 1)[1]))
        assert w >= 300 and h >= 200
    ids = [a["id"] for t, a in page.tags if t == "section"]
    assert ids[0] == "summary" and ids[1:] == [f"id-{n}" for n in IDENTITIES]  # the summary first
    links = {a["href"][1:] for t, a in page.tags if t == "a"}
    assert {f"id-{n}" for n in IDENTITIES} <= links  # the index links every identity
    text = " ".join(page.text)
    assert "Where floats lose the most bits" in text and "Worst inputs found" in text
    assert "identities explain exp_minus_1 --at x=" in text and "--backend float64" in text
    assert "cancellation" in text and "no failure in" in text and "Finite differences of" in text
    assert "Incomplete" not in text


def test_html_marks_an_incomplete_run(tmp_path, results):
    out = tmp_path / "r.html"
    _write(out, results[:3], incomplete=True)
    text = out.read_text(encoding="utf-8")
    assert "<b>Incomplete:</b>" in text and "the 3 results finished" in text


def test_markdown_with_png_files_beside_it(tmp_path, results):
    out = tmp_path / "r.md"
    _write(out, results)
    text = out.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) >= 3 and all(link.startswith("r_files/") for link in links)
    for link in links:
        w, h = png_size((tmp_path / link).read_bytes())
        assert w >= 300 and h >= 200
    assert sorted(p.name for p in (tmp_path / "r_files").iterdir()) == sorted(Path(link).name for link in links)
    assert text.startswith("# identities: float-precision report")
    assert "## Summary" in text and text.index("## Summary") < text.index("## exp_minus_1")
    for table in re.findall(r"((?:^\|.*\|\n)+)", text, re.M):  # every table: header, separator, equal widths
        rows = table.strip().split("\n")
        assert re.fullmatch(r"\|( -{3}:? \|)+", rows[1]), rows[1]
        widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, rows
    worst = next(r for r in results if (r.identity, r.backend) == ("poly_derivative", "float64")).worst.inputs["x"]
    # x = 1 (the example), or near 2/3 (the screen finds it), where 6x - 4 vanishes and the difference
    # quotient's absolute error is the most ulps of the result
    assert 0.99 < worst < 1.01 or abs(6 * worst - 4) < 0.5
    assert f"identities explain poly_derivative --at x={worst!r} --backend float64" in text


def test_json_validates_against_the_schema_file(tmp_path, results):
    out = tmp_path / "r.json"
    _write(out, results)
    doc = json.loads(out.read_text())
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    rows = {(r["identity"], r["backend"]): r for r in doc["results"]}
    em1 = rows[("exp_minus_1", "float64")]["analysis"]
    assert em1["culprit"] == "lhs" and em1["cause"]["label"] == "cancellation"
    assert em1["error"]["lhs"]["max_bits"] > 20 and em1["error"]["rhs"]["max_ulps"] <= 1
    assert em1["minimal"]["command"].startswith("identities explain exp_minus_1 --at x=")
    fd = rows[("poly_derivative", "float64")]["analysis"]["finite_differences"]
    assert fd["at"] == {"x": 1.0} and fd["rows"][0]["forward"] == pytest.approx(2.3)
    held = rows[("poly_derivative", "mpmath")]["analysis"]["confidence"]
    assert held["statement"].startswith(f"no failure in {held['n']} samples")
    assert rows[("square_root_false", "float64")]["verdict"] == "refuted"
    tops = [(t["identity"], t["backend"]) for t in doc["report"]["top_losses"]]
    assert tops[0] == ("exp_minus_1", "float64") and ("poly_derivative", "float64") in tops
    holding = [rows[t]["verdict"] == "holds" for t in tops]
    assert holding == sorted(holding)  # identities failing their tolerance first
    assert "samples" not in rows[("exp_minus_1", "float64")]  # per-example records stay out of the document


def test_json_schema_also_accepts_check_json(tmp_path):
    from identities.cli import main

    out = tmp_path / "check.json"
    f = tmp_path / "ids.toml"
    f.write_text('[[identity]]\nname = "sq"\nlhs = "sqrt(x**2)"\nrhs = "x"\nvars = { x = "real[-4, 4]" }\n')
    main(["check", str(f), "--no-database", "--backend", "float64,mpmath", "--examples", "10", "--json", str(out)])
    jsonschema.validate(
        json.loads(out.read_text()), json.loads(SCHEMA_PATH.read_text()), cls=jsonschema.Draft202012Validator
    )


def test_unknown_suffix_fails_before_writing(tmp_path, results):
    with pytest.raises(InvalidArgument, match=r"unknown suffix '\.txt'.*\.html, \.md or \.json"):
        _write(tmp_path / "r.txt", results)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_report_whole(tmp_path, results, monkeypatch):
    out = tmp_path / "r.html"
    out.write_text("old report")
    import identities.report.html as html_mod

    def boom(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(html_mod, "render_html", boom)
    with pytest.raises(RuntimeError):
        _write(out, results)
    assert out.read_text() == "old report" and [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_ctrl_c_while_drawing_still_writes_the_report(tmp_path, results, monkeypatch):
    import identities.report.plots as plots

    real, calls = plots.error_figure, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(plots, "error_figure", interrupted)
    out = tmp_path / "r.html"
    from identities.report import PlotsInterrupted

    with pytest.raises(PlotsInterrupted):
        _write(out, results)
    assert issubclass(PlotsInterrupted, KeyboardInterrupt)
    text = out.read_text(encoding="utf-8")
    assert "<b>Plots missing:</b>" in text and text.count("data:image/png;base64,") == 1
    assert all(f'id="id-{n}"' in text for n in IDENTITIES)  # every result is there


def test_without_matplotlib_the_report_says_so(tmp_path, results, monkeypatch):
    import identities.report.plots as plots

    monkeypatch.setattr(plots, "has_plots", lambda: False)
    out = tmp_path / "r.md"
    _write(out, results)
    text = out.read_text(encoding="utf-8")
    assert "**Plots missing:** matplotlib is not installed" in text and "pip install 'identities[report]'" in text
    assert "![" not in text and not (tmp_path / "r_files").exists()
    assert "## exp_minus_1" in text and "cancellation" in text  # everything else is there


def test_samples_are_kept_only_when_asked():
    ident = IDENTITIES["exp_minus_1"]
    plain = verify(ident, "float64", examples=10)
    kept = verify(ident, "float64", examples=10, keep_samples=True)
    assert plain.samples == () and len(kept.samples) >= 5
    assert plain.to_json() == kept.to_json()  # same verdict, same document
    records = kept.to_json(samples=True)["samples"]
    assert len(records) == len(kept.samples) and set(records[0]) >= {"inputs", "kind", "truth", "error_ulps"}
    s = max(kept.samples, key=lambda s: s.ulps)
    assert s.lhs_ulps == pytest.approx(s.ulps, rel=0.01) and s.rhs_ulps <= 1  # exp(x) - 1 is the wrong side
    assert verify(ident, "mpmath", examples=5, keep_samples=True).samples == ()


def test_matplotlib_is_imported_only_to_write_a_report(tmp_path):
    code = (
        "import sys, identities\n"
        "from identities.cli import main\n"
        "main(['list'])\n"
        "main(['check', '--no-database', '--select', 'exp_sum', '--backend', 'float64', '--examples', '5'])\n"
        "main(['explain', 'expm1_near_zero', '--at', 'x=1e-10'])\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
        f"main(['report', '--no-database', '--select', 'exp_sum', '--backend', 'float64', '--examples', '5', "
        f"'--output', {str(tmp_path / 'r.json')!r}])\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported for JSON'\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
