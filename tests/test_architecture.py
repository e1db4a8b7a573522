"""The guard of the layout: the import graph of ``identities/`` has no cycle, no module imports another
module's ``_private`` name, and each stage imports only the stages below it in the flow."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "identities"

# the flow, bottom first: a stage may import itself and the stages before it in this list
STAGES = [
    "errors",
    "library",
    "numbers",
    "language",
    "evaluate",
    "oracle",
    "backends",
    "draws",
    "registry",
    "bounds",
    "check",
    "sweep",
    "report",
    "testing",
    "strategies",
    "floats",
    "pytest",
    "pytest_plugin",
    "cli",
    "__main__",
]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for every import, lazy ones included."""
    tree = ast.parse(path.read_text(), str(path))
    me = module_name(path)
    out: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((a.name, None, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join([*pkg, base] if base else pkg)
            for a in node.names:
                sub = f"{base}.{a.name}"
                if sub in known:
                    out.append((sub, None, node.lineno))
                else:
                    out.append((base, a.name, node.lineno))
    return [(m, n, line) for m, n, line in out if m == "identities" or m.startswith("identities.")]


def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: {t for t, _, _ in imports(p, known) if t in known and t != m} for m, p in known.items()}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in sorted(g.get(m, ())):
            if state.get(t) == 1:
                return [*stack[stack.index(t) :], t]
            if t not in state and (c := visit(t)):
                return c
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(g):
        if m not in state and (c := visit(m)):
            return c
    return None


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "identities"


def test_the_import_graph_has_no_cycle() -> None:
    assert find_cycle(graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_a_private_name_of_another() -> None:
    known = modules()
    bad = [
        f"{module_name(p)}:{line} imports {m}.{n}"
        for p in known.values()
        for m, n, line in imports(p, known)
        if n is not None and n.startswith("_") and not n.startswith("__")
    ]
    bad += [
        f"{module_name(p)}:{line} imports {m}"
        for p in known.values()
        for m, _, line in imports(p, known)
        if any(part.startswith("_") and not part.startswith("__") for part in m.split("."))
    ]
    assert bad == []


def test_each_stage_imports_only_stages_below_it() -> None:
    known = modules()
    bad = []
    for m, p in known.items():
        here = stage(m)
        if here == "identities":  # the lazy public API may name anything
            continue
        for target, _, line in imports(p, known):
            there = stage(target)
            if there == "identities" or there == here:
                continue
            if STAGES.index(there) > STAGES.index(here):
                bad.append(f"{m}:{line} ({here}) imports {target} ({there})")
    assert bad == []


def test_every_module_is_in_a_stage() -> None:
    assert sorted({stage(m) for m in modules()} - {"identities", *STAGES}) == []
