"""The example notebook (docs/examples/notebook.ipynb) runs without error, says what it should (the h table's
best step, every verdict as declared), and its saved outputs, which the documentation shows, are what a fresh
run prints."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

NOTEBOOK = ROOT / "docs" / "examples" / "notebook.ipynb"

for module in ("nbformat", "nbclient", "ipykernel", "torch", "matplotlib", "pandas"):
    pytest.importorskip(module, reason=f"the notebook needs {module}: pip install '.[test,autodiff]'")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402


def texts(nb) -> list[list[str]]:
    """Per code cell, its outputs as text: streams, and the text/plain of results (the images aside)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown = []
        for o in cell.outputs:
            if o.output_type == "stream":
                shown.append(o.text)
            elif o.output_type == "error":
                shown.append(f"ERROR {o.ename}: {o.evalue}")
            elif "image/png" not in o.get("data", {}):
                shown.append(o.data.get("text/plain", ""))
        out.append(shown)
    return out


@pytest.fixture(scope="module")
def fresh():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def test_the_notebook_runs_and_shows_what_it_saved(fresh):
    saved = nbformat.read(NOTEBOOK, as_version=4)
    assert texts(fresh) == texts(saved)
    assert not any(t.startswith("ERROR") for cell in texts(fresh) for t in cell)
    # the documentation shows the saved HTML tables and the plot
    kinds = [set(o.get("data", {})) for c in saved.cells if c.cell_type == "code" for o in c.outputs]
    assert sum("text/html" in k for k in kinds) == 7 and sum("image/png" in k for k in kinds) == 1


def test_the_h_table_turns_bad_below_the_square_root_of_eps(fresh):
    out = "\n".join(t for cell in texts(fresh) for t in cell)
    # the notebook's own five rows, as it printed them
    assert "h=0.00001, numerical limit= 2.00003" in out
    rows = re.findall(r"h = (\S+)   quotient = (\S+)\s+error = (\S+)", out)
    assert len(rows) == 16
    errors = {float(h): float(e) for h, _, e in rows}
    assert min(errors, key=errors.get) == 1e-8 and errors[1e-8] == 1.2e-8
    assert errors[1e-16] == 2.0  # f(1 + 1e-16) == f(1): the quotient is 0
    assert "best step: h = 1e-08, error 1.2e-08" in out
    assert "best forward step: h = 1e-08 (error 1.2e-08)" in out


def test_the_verdicts(fresh):
    tables = [t for cell in texts(fresh) for t in cell if t.startswith("identity ")]
    verdicts = {}
    for table in tables:
        summary = table.splitlines()[-1]
        assert not summary[0].isdigit() or re.fullmatch(r"(\d+) results: \1 as expected", summary), table
        for line in table.splitlines()[1:]:
            cells = line.split()
            if len(cells) >= 4 and not line.startswith(("minimal", "worst")) and "results:" not in line:
                verdicts[(cells[0], cells[1])] = cells[2]
    assert verdicts[("derivative_sin", "torch-float32")] == "holds"
    assert verdicts[("notebook_grad_accumulates", "torch-float32")] == "holds"
    for name in ("notebook_grad_dot", "notebook_grad_total", "notebook_vjp_ones", "notebook_detach"):
        assert verdicts[(name, "torch-float32")] == "holds"
    assert verdicts[("notebook_detach", "float32")] == "precision_failure"
    assert verdicts[("notebook_forward_difference", "float64")] == "precision_failure"
    assert verdicts[("notebook_forward_difference", "mpmath")] == "holds"
    assert {v for (n, _), v in verdicts.items() if n.startswith("notebook_log")} == {"holds"}
    assert verdicts[("log_product", "float64")] == "precision_failure"
    assert verdicts[("notebook_binomial_point", "float64")] == "holds"
    assert verdicts[("binomial_exact", "float64")] == "precision_failure"
    assert verdicts[("binomial_exact", "mpmath")] == "holds"
    out = "\n".join(t for cell in texts(fresh) for t in cell)
    assert "(0.43200000000000005, 1.0, True)" in out  # 3*.6**2*.4 is 1 ulp above 0.432, which is 54/125
