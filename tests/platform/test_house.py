"""The house rules of the package: no import cycle, no private name borrowed across modules, short modules.

The import graph is read from the source with `ast`, so nothing is imported to draw it. Only
module-level imports are edges of the cycle check (an import inside a function is a deliberate late
binding, and `if TYPE_CHECKING:` imports never run); they are still checked for private names. An
edge from a package's `__init__` to its own submodules is not counted: a package re-exporting its
parts is how packages are built, and the parts importing their package's shared names is then not a
cycle in any sense that matters at import time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("zerolegwork", "worker")
EXCLUDED = ("zerolegwork/migrations",)
MAX_LINES = 400
# Exceptions to the rules below: none since the reports domain became sub-packages (issue 10, item 1).
# Nothing may join these sets.
PENDING_SPLIT: set[str] = set()
PENDING_PRIVATE: set[str] = set()


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    top_imports: set[str] = field(default_factory=set)  # module names imported at module level
    private_imports: list[str] = field(default_factory=list)  # "module._name" borrowed from another module


def module_name(root: Path, path: Path) -> tuple[str, bool]:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def collect(root: Path, packages: tuple[str, ...], excluded: tuple[str, ...] = ()) -> dict[str, Module]:
    """Every module of the packages under root, with what each imports at module level."""
    modules: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if any(rel.startswith(e + "/") for e in excluded):
                continue
            name, is_package = module_name(root, path)
            modules[name] = Module(name, path, is_package)
    for module in modules.values():
        _read_imports(module, modules)
    return modules


def _resolve(module: Module, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, target] if target else base)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                lines.add(getattr(inner, "lineno", -1))
    return lines


def _read_imports(module: Module, modules: dict[str, Module]) -> None:
    tree = ast.parse(module.path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    skipped = _type_checking_lines(tree)
    aliases: dict[str, str] = {}  # local name -> project module it stands for
    for node in ast.walk(tree):
        edges: list[str] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES_SEEN(modules):
                    edges.append(alias.name)
                    aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else ""
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node.level, node.module)
            if source.split(".")[0] not in PACKAGES_SEEN(modules):
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in modules:
                    edges.append(submodule)
                    aliases[alias.asname or alias.name] = submodule
                else:
                    edges.append(source)
                    if alias.name.startswith("_") and source != module.name:
                        module.private_imports.append(f"{source}.{alias.name}")
        else:
            continue
        counted = id(node) in top_level and node.lineno not in skipped
        for edge in edges:
            target = edge if edge in modules else _nearest(edge, modules)
            if not target or target == module.name:
                continue
            if module.is_package and target.startswith(module.name + "."):
                continue  # a package importing its own parts
            if counted:
                module.top_imports.add(target)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr.startswith("_"):
            target = aliases.get(node.value.id)
            if target and target in modules and target != module.name and not node.attr.startswith("__"):
                module.private_imports.append(f"{target}.{node.attr}")


def PACKAGES_SEEN(modules: dict[str, Module]) -> set[str]:  # noqa: N802  (a constant-like view)
    return {name.split(".")[0] for name in modules}


def _nearest(name: str, modules: dict[str, Module]) -> str:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(modules[v].top_imports):
            if w not in modules:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(modules):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_in_the_package():
    modules = collect(ROOT, PACKAGES, EXCLUDED)
    assert len(modules) > 100, "the walk found too few modules to mean anything"
    found = cycles(modules)
    assert found == [], "import cycles (module-level imports): " + "; ".join(" -> ".join(c) for c in found)


def test_no_private_name_is_imported_across_modules():
    modules = collect(ROOT, PACKAGES, EXCLUDED)
    borrowed = sorted({f"{m.name} uses {p}" for m in modules.values() for p in m.private_imports} - PENDING_PRIVATE)
    assert borrowed == [], "private names used across modules: " + "; ".join(borrowed)


def test_no_module_is_longer_than_four_hundred_lines():
    long = []
    for module in collect(ROOT, PACKAGES, EXCLUDED).values():
        n = len(module.path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and module.path.relative_to(ROOT).as_posix() not in PENDING_SPLIT:
            long.append(f"{module.path.relative_to(ROOT)} ({n} lines)")
    assert long == [], "split these by responsibility: " + ", ".join(long)


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    names = sorted(collect(ROOT, PACKAGES, EXCLUDED))
    script = (
        "import importlib, sys, traceback\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:\n"
        "        failed.append(name + ': ' + traceback.format_exc(limit=2).splitlines()[-1])\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *names], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_walk_finds_a_planted_cycle_and_ignores_late_imports(tmp_path):
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "from . import a\n",
            "pkg/a.py": "from .b import thing\n",
            "pkg/b.py": "from . import c\nthing = 1\n",
            "pkg/c.py": "from pkg.a import thing\n",
            "pkg/d.py": "from .a import thing\n",
            "pkg/e.py": "def late():\n    from .d import thing\n    return thing\n",
        },
    )
    modules = collect(tmp_path, ("pkg",))
    assert cycles(modules) == [["pkg.a", "pkg.b", "pkg.c"]]
    assert "pkg.d" not in modules["pkg.e"].top_imports


def test_the_walk_finds_a_planted_private_import(tmp_path):
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "_secret = 1\n_own = 2\nx = _own\n",
            "pkg/b.py": "from .a import _secret\n",
            "pkg/c.py": "from . import a\ny = a._secret\n",
        },
    )
    modules = collect(tmp_path, ("pkg",))
    assert modules["pkg.b"].private_imports == ["pkg.a._secret"]
    assert modules["pkg.c"].private_imports == ["pkg.a._secret"]
    assert modules["pkg.a"].private_imports == []
