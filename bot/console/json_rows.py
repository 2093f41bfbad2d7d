"""`json_rows(...)`: a subquery's rows as one JSON array of arrays (PostgreSQL and SQLite), so a page reads several
short lists in one SELECT. The order inside the array is not guaranteed (SQLite < 3.44): callers sort."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction


class json_rows(GenericFunction[Any]):  # lower case, like the SQL functions it stands for
    type = JSON()
    inherit_cache = True


@compiles(json_rows, "postgresql")
def _postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce(json_agg(json_build_array({compiler.process(element.clauses, **kw)})), '[]')"


@compiles(json_rows, "sqlite")
def _sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


def timestamp(value: str) -> datetime:
    """A timestamp as JSON holds it (PostgreSQL: ISO 8601 with its offset; SQLite: UTC as stored)."""
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
