"""The package's shape: imports that match the command, no import cycles, no reads of ../shared/tools."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "claimx"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _statements(tree: ast.Module, lazy: bool):
    """The import statements that run: at the top level (and, with ``lazy``, inside functions), never those
    under ``if TYPE_CHECKING:``."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo += node.orelse
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not lazy:
            continue
        else:
            todo += [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]


def _imports(path: Path, lazy: bool) -> set[str]:
    """The claimx modules `path` imports."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in _statements(ast.parse(path.read_text(encoding="utf-8")), lazy):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("claimx")}
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            mod = ".".join(base + ([node.module] if node.module else []))
        else:
            mod = node.module or ""
        if mod.startswith("claimx"):
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}  # `from . import x` imports the module x
    return out


def _graph(lazy: bool) -> nx.DiGraph:
    """Module → the claimx modules it imports (``lazy``: also the imports inside functions). A module's
    own packages are left out: they import it back for shared names, which is no cycle of modules."""
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(path, lazy):
            if target in modules and target != name and not name.startswith(target + "."):
                g.add_edge(name, target)
    return g


def test_no_import_cycles_between_package_modules():
    """Not even through imports inside functions."""
    g = _graph(lazy=True)
    assert g.number_of_edges() > 100  # the walk sees the imports
    assert list(nx.simple_cycles(g)) == []


def test_the_light_layers_import_no_heavy_layer():
    """What `import claimx` and the CLI's start load stays free of the model runtime and the pipeline."""
    g = _graph(lazy=False)
    for light in ("claimx", "claimx.cli", "claimx.errors", "claimx.options", "claimx.records", "claimx.results"):
        reached = nx.descendants(g, light)
        assert not {m for m in reached if m.startswith(("claimx.models", "claimx.pipeline", "claimx.extractor"))}, light


def test_import_claimx_loads_neither_torch_nor_spacy():
    code = ("import sys, claimx, claimx.cli; print('torch' in sys.modules, 'spacy' in sys.modules, "
            "'transformers' in sys.modules, 'pyarrow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False", "False"]


def test_lazy_names_resolve():
    import claimx

    assert {"load", "Extractor", "read_results", "render_html", "to_pandas"} <= set(dir(claimx))
    assert callable(claimx.read_results) and claimx.read_results.__module__ == "claimx.io.results"
    assert set(claimx.__all__) <= set(dir(claimx))


def test_no_package_module_reads_the_shared_tools():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "spec_from_file_location" not in text and '"tools"' not in text and "'tools'" not in text, path


def test_help_of_light_commands_starts_fast():
    """`claimx graph --help` and `claimx report --help` import Typer and claimx's light modules only."""
    for command in ("graph", "report"):
        code = (f"import sys; sys.argv = ['claimx', '{command}', '--help']\n"
                "from claimx.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
                "print('MODULES', 'torch' in sys.modules, 'spacy' in sys.modules, 'networkx' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert out.splitlines()[-1] == "MODULES False False False", out


def test_training_needs_only_torch_and_transformers():
    """A GPU box that trains and scores has torch, transformers and safetensors, not spaCy, datasets & co."""
    code = """
import sys
BLOCKED = {"datasets", "spacy", "scispacy", "thinc", "lxml", "pyarrow", "typer", "pandas", "networkx", "tqdm"}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"blocked: {name}", name=name)
sys.meta_path.insert(0, Block())
import claimx.models.training.entities, claimx.models.training.claims, claimx.corpora.examples
import claimx.eval.claims, claimx.eval.entities, claimx.models.predictor
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]
