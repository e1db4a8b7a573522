"""``identities export NAME [FILES] --fpcore``, and the FPCore files every command reads."""

from __future__ import annotations

from pathlib import Path

from identities.cli import main
from identities.registry.files import load

DATA = Path(__file__).resolve().parents[1] / "data" / "fpbench"


def test_export_writes_fpcore_that_loads_back(tmp_path, capsys):
    out = tmp_path / "logs.fpcore"
    assert main(["export", "log_*", "--fpcore", "--side", "lhs", "--backend", "float32", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "identities: warning: log_change_of_base: not expressible in FPCore: log(x, b)" in err
    back = load(out)
    assert "log_product" in back and back.refused == ()
    assert back["log_product"].tags == ("fpcore", "binary32")
    assert str(back["log_product"].rhs) == "log(x) + log(y)"
    assert main(["list", str(out), "--select", "log_product"]) == 0
    assert "log_product  log(x*y) == log(x) + log(y)   [x: positive, y: positive]" in capsys.readouterr().out


def test_export_to_standard_output_both_sides(capsys):
    assert main(["export", "exp_sum", "--fpcore"]) == 0
    out = capsys.readouterr().out
    assert out.count("(FPCore (x y)") == 2
    assert ':name "exp_sum"' in out and ':name "exp_sum.rhs"' in out


def test_export_of_nothing_expressible_is_a_usage_error(capsys):
    assert main(["export", "derivative_sin", "--fpcore"]) == 2
    err = capsys.readouterr().err
    assert "derivative_sin: not expressible in FPCore: a derivative (diff)" in err
    assert "identities: error: nothing to write: none of the 1 identities matching 'derivative_sin'" in err
    assert main(["export", "no_such_*", "--fpcore"]) == 2
    assert "--select no_such_* matches none" in capsys.readouterr().err


def test_check_an_fpcore_file_warns_of_refusals_and_goes_on(tmp_path, capsys):
    daisy = (DATA / "daisy.fpcore").read_text().split("\n\n")[0]  # carthesianToPolar, radius: :spec (hypot x y)
    f = tmp_path / "bench.fpcore"
    f.write_text(daisy + '\n\n(FPCore (x) :name "loop"\n (while (< x 1) ([x x (+ x 1)]) x))\n')
    code = main(["check", str(f), "--backend", "float64,mpmath", "--examples", "30", "--no-database"])
    captured = capsys.readouterr()
    assert code == 0
    assert "carthesiantopolar_radius  float64  holds" in captured.out
    assert "carthesiantopolar_radius  mpmath   holds" in captured.out
    assert captured.err == f"identities: warning: {f}:8: FPCore 'loop' refused: a loop (while) cannot be expressed\n"


def test_list_an_fpcore_file_with_loops(capsys):
    assert main(["list", str(DATA / "salsa.fpcore"), str(DATA / "daisy.fpcore")]) == 0
    captured = capsys.readouterr()
    assert "salsa.fpcore:13: FPCore 'Odometry' refused: a loop (while*) cannot be expressed" in captured.err
    assert captured.err.count("refused: a loop") == 10
    assert "carthesiantopolar_radius  sqrt(x*x + y*y) == hypot(x, y)" in captured.out


def test_check_without_backend_checks_each_fpcore_on_its_precision_and_mpmath(tmp_path, capsys):
    f = tmp_path / "mixed.fpcore"
    f.write_text(
        '(FPCore (x) :name "half" :precision binary32 :pre (<= 1 x 2) :spec (/ x 2) (* x 0.5))\n'
        '(FPCore (x) :name "double" :pre (<= 1 x 2) :spec (* 2 x) (+ x x))\n'
    )
    toml = tmp_path / "t.toml"
    toml.write_text('[[identity]]\nname = "sq"\nlhs = "x*x"\nrhs = "x**2"\nvars = { x = "real[1, 2]" }\n')
    code = main(["check", str(f), str(toml), "--examples", "25", "--no-database", "--bound-seconds", "0"])
    out = capsys.readouterr().out
    assert code == 0
    header = out.splitlines()[1]
    assert header.startswith(
        "identities check: 3 identities, no --backend: each FPCore x its :precision (float32 for 1, float64 for 1) "
        "and mpmath; the other 1 x float64, float32, mpmath; "
    )
    rows = [line.split()[:3] for line in out.splitlines() if line.split()[:1] in (["half"], ["double"], ["sq"])]
    assert rows == [
        ["half", "float32", "holds"],
        ["half", "mpmath", "holds"],
        ["double", "float64", "holds"],
        ["double", "mpmath", "holds"],
        ["sq", "float64", "holds"],
        ["sq", "float32", "holds"],
        ["sq", "mpmath", "holds"],
    ]
    # --backend still decides when given, for every identity
    assert main(["check", str(f), "--backend", "float16", "--examples", "10", "--no-database"]) == 0
    out = capsys.readouterr().out
    assert "identities check: 2 identities x float16; " in out
