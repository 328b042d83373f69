"""The layering, checked on the source: no import cycle among bot modules, and cogs reach the
data only through the services."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import pytest

ROOT = Path(__file__).resolve().parents[2]
COGS = "bot.discordbot.cogs"
# Modules a cog must not import: the stores are reached through services, and the
# composition root imports the cogs (through the client).
FORBIDDEN_IN_COGS = ("bot.store", "bot.app")
STORE = "bot.store"
# A statement: a verb and, further on, the clause it needs (case-sensitive, as we write SQL).
SQL_TEXT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET|WHERE)\b", re.DOTALL)
DB_CALLS = {"execute", "executemany", "executescript", "fetchall", "fetchone", "fetchrow"}


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `package` under `root`."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported_names(module: str, path: Path) -> Iterator[str]:
    """Every name an import statement in the module asks for, wherever the statement stands
    (module level, inside a function, under `if TYPE_CHECKING:`): a cycle hidden in a function
    or a type-only import is still a circle in the design."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports (`from a import b` counts a.b when b is a
    module, else a; a parent package run on the way is not counted)."""
    files = module_files(root, package)

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in files.items():
        targets = {known(name) for name in _imported_names(module, path)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_bot_modules_import_each_other_without_cycles() -> None:
    assert cycles(import_graph(ROOT, "bot")) == []


@pytest.mark.parametrize(
    "circle",
    [
        ("bot.app", "bot.discordbot.client", "bot.discordbot.cogs.watch"),
        ("bot.digest.builder", "bot.watch.service", "bot.render.digest"),
    ],
)
def test_the_two_old_circles_are_gone(circle: tuple[str, ...]) -> None:
    """Each edge of the old circle may stay, but the whole circle may not close again."""
    components = cycles(import_graph(ROOT, "bot"))
    assert not any(set(circle) <= set(c) for c in components), components


def test_no_cog_imports_a_store_or_the_composition_root() -> None:
    graph = import_graph(ROOT, "bot")
    cogs = [m for m in graph if m.startswith(COGS + ".")]
    assert len(cogs) >= 4  # admin, digest, lookups, watch: the walk found them
    offending = {
        cog: sorted(t for t in graph[cog] if t.startswith(FORBIDDEN_IN_COGS)) for cog in cogs
    }
    assert {c: t for c, t in offending.items() if t} == {}


def test_cogs_neither_wire_the_poster_nor_run_loops() -> None:
    """The client's setup_hook is the one place adapters meet services: a cog that attaches the
    poster or owns a background loop is a second composition root."""
    files = module_files(ROOT, "bot")
    wiring = {}
    for module, path in files.items():
        if not module.startswith(COGS + "."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)}
        found = sorted(names & {"attach_poster", "BackgroundTask", "cog_load", "cog_unload"})
        if found:
            wiring[module] = found
    assert wiring == {}


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_check_sees_cycles_through_functions_type_checking_and_relative_imports(
    tmp_path: Path,
) -> None:
    """Bad input for the checker itself: a planted cycle is found whichever way it is written."""
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    from pkg.b import thing\n",
            "pkg/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import c\n"
            ),
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "from .. import a\n",
            "pkg/d.py": "import pkg.a\n",  # imports into the cycle, is not part of it
        },
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg.sub.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_the_check_passes_an_acyclic_package(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\nimport os\n",
            "pkg/b.py": "from pkg.c import x\n",
            "pkg/c.py": "x = 1\n",
        },
    )
    graph = import_graph(root, "pkg")
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.c"}, "pkg.c": set()}
    assert cycles(graph) == []


def sql_outside(root: Path, package: str, allowed: str) -> dict[str, list[str]]:
    """Module -> the SQL it holds (statement text in a string or f-string, or a database call),
    for every module of `package` outside `allowed`."""
    found: dict[str, list[str]] = {}
    for module, path in module_files(root, package).items():
        if module == allowed or module.startswith(allowed + "."):
            continue
        hits = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL_TEXT.search(node.value):
                    hits.append(f"line {node.lineno}: {node.value[:60]!r}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in DB_CALLS
            ):
                hits.append(f"line {node.lineno}: .{node.func.attr}(")
        if hits:
            found[module] = hits
    return found


def test_no_module_outside_the_store_holds_sql() -> None:
    assert sql_outside(ROOT, "bot", STORE) == {}


def test_the_sql_check_finds_statements_and_database_calls(tmp_path: Path) -> None:
    """Bad input for the checker: SQL planted as text, f-string or a call is found; the store
    itself and prose that merely uses the words are left alone."""
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/store/__init__.py": "",
            "pkg/store/s.py": "Q = 'SELECT * FROM t'\n",
            "pkg/a.py": "Q = 'UPDATE models SET norm = ? WHERE id = ?'\n",
            "pkg/b.py": "def f(t):\n    return f'DELETE FROM {t} WHERE rowid = ?'\n",
            "pkg/c.py": "async def f(db):\n    await db.fetchall(q)\n",
            "pkg/d.py": "HELP = 'Select a model from the list'\n",
        },
    )
    found = sql_outside(root, "pkg", "pkg.store")
    assert sorted(found) == ["pkg.a", "pkg.b", "pkg.c"]
    assert found["pkg.c"] == ["line 2: .fetchall("]


DRIVERS = ("aiosqlite", "sqlite3", "asyncpg")


def rows_outside(root: Path, package: str, store: str) -> dict[str, list[str]]:
    """Module -> its imports of a database driver (aiosqlite, sqlite3, asyncpg) or of a
    store's `Row`, for every module of `package` outside `store`: callers get typed records,
    never rows, and catch `bot.store.errors.DATABASE_ERRORS`, never one backend's errors."""
    found: dict[str, list[str]] = {}
    for module, path in module_files(root, package).items():
        if module == store or module.startswith(store + "."):
            continue
        hits = [
            name
            for name in _imported_names(module, path)
            if name.partition(".")[0] in DRIVERS
            or (name.startswith(store + ".") and name.rpartition(".")[2] == "Row")
        ]
        if hits:
            found[module] = sorted(hits)
    return found


def test_no_module_outside_the_store_sees_a_database_row() -> None:
    assert rows_outside(ROOT, "bot", STORE) == {}


def test_the_row_check_finds_the_driver_and_store_rows(tmp_path: Path) -> None:
    """Bad input for the checker: the driver imported plainly or in part, and a store's `Row`
    imported absolutely or relatively, are found; the store itself and records are left alone."""
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/store/__init__.py": "",
            "pkg/store/s.py": "import aiosqlite\nRow = aiosqlite.Row\n",
            "pkg/a.py": "import aiosqlite\n",
            "pkg/b.py": "from pkg.store.s import Row\n",
            "pkg/core/__init__.py": "",
            "pkg/core/c.py": "def f():\n    from ..store.s import Row\n",
            "pkg/d.py": "from aiosqlite import Row as R\n",
            "pkg/e.py": "from pkg.store.s import Record, Rows\n",
            "pkg/f.py": "import sqlite3\n",
            "pkg/g.py": "from asyncpg.exceptions import PostgresError\n",
            "pkg/h.py": "import sqlite3x\n",
        },
    )
    found = rows_outside(root, "pkg", "pkg.store")
    assert sorted(found) == ["pkg.a", "pkg.b", "pkg.core.c", "pkg.d", "pkg.f", "pkg.g"]
    assert found["pkg.b"] == ["pkg.store.s.Row"]


def data_reaches(root: Path, package: str, adapters: str) -> dict[str, list[str]]:
    """Module -> the `.store`/`.db` attribute chains it reads, for every module under
    `adapters` (e.g. `self.service.store.sources` is found as `.store`)."""
    found: dict[str, list[str]] = {}
    for module, path in module_files(root, package).items():
        if not module.startswith(adapters + "."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        hits = sorted(
            f"line {n.lineno}: .{n.attr}"
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr in ("store", "db")
        )
        if hits:
            found[module] = hits
    return found


def test_no_cog_reaches_a_store_or_the_database_through_attributes() -> None:
    assert data_reaches(ROOT, "bot", COGS) == {}


def test_the_attribute_check_finds_store_and_db_anywhere_in_a_chain(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/cogs/__init__.py": "",
            "pkg/cogs/a.py": "def f(self):\n    return self.service.store.sources()\n",
            "pkg/cogs/b.py": "def f(s):\n    return s.db\n",
            "pkg/cogs/c.py": "def f(self):\n    return self.service.subscriptions(self.storey)\n",
            "pkg/other.py": "def f(self):\n    return self.store.x\n",
        },
    )
    assert data_reaches(root, "pkg", "pkg.cogs") == {
        "pkg.cogs.a": ["line 2: .store"],
        "pkg.cogs.b": ["line 2: .db"],
    }


def test_cogs_build_no_cards_themselves() -> None:
    """Cards are built in bot/render from typed results; a cog only sends them."""
    builders = {}
    for module, path in module_files(ROOT, "bot").items():
        if module.startswith(COGS + "."):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            lines = [n.lineno for n in ast.walk(tree) if _names(n, "CardBuilder")]
            if lines:
                builders[module] = lines
    assert builders == {}


def _names(node: ast.AST, name: str) -> bool:
    return (isinstance(node, ast.Name) and node.id == name) or (
        isinstance(node, ast.alias) and node.name == name
    )


# Stores converted to typed records so far (the catalog and watch stores follow).
TYPED_STORES = (
    "bot.store.digests:DigestStore",
    "bot.store.curation:CurationStore",
    "bot.store.outbox:OutboxStore",
)


def _mentions_row(hint: object) -> bool:
    if hint is aiosqlite.Row:
        return True
    return any(_mentions_row(arg) for arg in typing.get_args(hint))


def row_returning_methods(cls: type) -> list[str]:
    """The public methods of `cls` whose return annotation mentions `aiosqlite.Row`."""
    found = []
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") and _mentions_row(typing.get_type_hints(method).get("return")):
            found.append(name)
    return found


@pytest.mark.parametrize("target", TYPED_STORES)
def test_typed_stores_return_records_not_rows(target: str) -> None:
    module, name = target.split(":")
    assert row_returning_methods(getattr(importlib.import_module(module), name)) == []


def test_the_record_check_finds_rows_inside_containers() -> None:
    class Leaky:
        async def one(self) -> aiosqlite.Row | None: ...
        async def many(self) -> list[aiosqlite.Row]: ...
        async def fine(self) -> list[int]: ...
        async def _private(self) -> aiosqlite.Row: ...

    assert row_returning_methods(Leaky) == ["many", "one"]
