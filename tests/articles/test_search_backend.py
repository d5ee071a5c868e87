"""The search backend is chosen once, from the database: ranked full-text search
on PostgreSQL, the simple word search on SQLite. Nothing else asks which
database it is to decide how to search."""

import ast
from pathlib import Path

from django.db import connection

from articles import search
from articles.search.postgresql import PostgresSearch
from articles.search.simple import SimpleSearch

ROOT = Path(__file__).resolve().parents[2]


def test_the_backend_is_the_one_for_the_database_and_chosen_once():
    chosen = search.backend()
    assert search.backend() is chosen
    assert type(chosen) is {"postgresql": PostgresSearch, "sqlite": SimpleSearch}[connection.vendor]


def functions_asking_for_the_vendor(path):
    tree = ast.parse(path.read_text())
    return [
        function.name
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Attribute) and node.attr == "vendor"
    ]


def test_only_the_choice_asks_for_the_database_vendor():
    search_modules = sorted((ROOT / "articles/search").glob("*.py"))
    modules = [*search_modules, ROOT / "articles/models.py", ROOT / "articles/views.py"]
    askers = {
        path.relative_to(ROOT).as_posix(): functions_asking_for_the_vendor(path)
        for path in modules
        if functions_asking_for_the_vendor(path)
    }
    # Besides the search's choice, only the front page's newest stories of each section, which
    # PostgreSQL reads as arrays (a query shape, not a way of searching).
    assert askers == {"articles/search/__init__.py": ["backend"], "articles/models.py": ["latest_by_section"]}
