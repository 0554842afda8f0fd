"""What the change log keeps of a row's values, made in Python (a record saved through the
ORM: `loggable`) or by the database (rows inserted in bulk: `log_inserted`).

An import inserts tens of thousands of rows. Making each one's entry in Python (every value
made JSON-safe, the object serialised, an id generated, all bound) cost more than storing the
rows. One INSERT ... SELECT per page instead builds the entries in the database from
the rows just stored, with the same JSON values `loggable` gives (uuids as dashed text,
timestamps as ISO 8601 in UTC, booleans as true and false), which the tests check value for
value on SQLite and PostgreSQL. A value every row shares (the time, the actor, an empty field)
is made once, in Python, and bound.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any, NamedTuple

from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Integer,
    String,
    Table,
    Text,
    Uuid,
    any_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from webitel_tui.db.ids import hex_prefix
from webitel_tui.db.tables import SysChangeLog, UtcDateTime, utcnow
from webitel_tui.domain.changelog import Operation
from webitel_tui.repositories.bulk import Prepared

NOT_LOGGED = frozenset({"UserPassword", "SearchText", "NameKey", "Version", "ModifiedOn"})
"""Columns the change log never records: hashes and derived search helpers."""
_MASKED = "********"


def json_safe(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):  # in UTC, as the columns store it
        return (value if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def loggable(values: Mapping[str, Any], *, secret_columns: Iterable[str] = ()) -> dict[str, Any]:
    """Column values as the change log keeps them: JSON-safe, secrets masked, hashes and
    derived helpers left out."""
    secrets = set(secret_columns)
    return {
        key: _MASKED if key in secrets and value else json_safe(value)
        for key, value in values.items()
        if key not in NOT_LOGGED
    }


_LOG_COLUMNS = [
    "Id",
    "CreatedOn",
    "CreatedById",
    "EntitySchemaName",
    "RecordId",
    "Operation",
    "OldValues",
    "NewValues",
]


_UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


def _sqlite_dashed(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQLAlchemy stores a uuid in SQLite as 32 hex digits: `str(uuid)` is dashed."""
    parts = [func.substr(value, start, length) for start, length in _UUID_GROUPS]
    joined: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        joined = joined + "-" + part
    return joined


def _sqlite_iso(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQLAlchemy stores a UTC timestamp in SQLite as "YYYY-MM-DD HH:MM:SS.ffffff";
    `datetime.isoformat` leaves out a zero fraction and adds the zone."""
    date_and_time = func.substr(value, 1, 10) + "T" + func.substr(value, 12, 8)
    return case(
        (value.is_(None), None),
        (func.substr(value, 21) == "000000", date_and_time + "+00:00"),
        else_=date_and_time + func.substr(value, 20) + "+00:00",
    )


def _sqlite_json(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """sqlite3 stores a boolean as 0 or 1; json() keeps true and false JSON in the object."""
    return case(
        (value.is_(None), None),
        (value == 1, func.json("true")),
        else_=func.json("false"),
    )


def _postgres_iso(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """PostgreSQL would write the session's zone and drop trailing zeros of the fraction."""
    utc = func.timezone("UTC", value)
    return case(
        (value.is_(None), None),
        (
            func.date_trunc("second", value) == value,
            func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
        ),
        else_=func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
    )


def logged_value(column: Column[Any], dialect: str) -> ColumnElement[Any]:
    """`column` of the row as its change-log JSON value (see `json_safe`)."""
    kind = column.type
    if isinstance(kind, UtcDateTime):
        return _sqlite_iso(column) if dialect == "sqlite" else _postgres_iso(column)
    if dialect != "sqlite":
        return column  # PostgreSQL's JSON of a uuid, boolean, number or text is already it
    if isinstance(kind, Uuid):
        return _sqlite_dashed(column)
    if isinstance(kind, Boolean):
        return _sqlite_json(column)
    if isinstance(kind, Integer | BigInteger | String | Text):
        return column
    raise TypeError(f"no change-log form for {column} ({kind})")


def _new_id(dialect: str, prefix: BindParameter[str]) -> ColumnElement[Any]:
    """A version 7 uuid per row (see `db.ids`): `prefix` is the statement's time and version,
    the rest random, as SQLAlchemy stores a uuid (32 hex digits in SQLite)."""
    if dialect != "sqlite":
        # gen_random_uuid() is version 4 ("xxxxxxxx-xxxx-4xxx-..."): its time and version
        # digits are overwritten.
        return cast(func.overlay(cast(func.gen_random_uuid(), String), prefix, 1, 15), Uuid)
    hexed, blob = func.hex, func.randomblob
    return func.lower(
        prefix
        + func.substr(hexed(blob(2)), 2)
        + func.substr("89ab", 1 + func.random().op("&")(3), 1)  # the RFC's variant
        + func.substr(hexed(blob(2)), 2)
        + hexed(blob(6))
    )


class _Part(NamedTuple):
    """A table's part of the statement: the entity name, the columns logged, the ones bound."""

    table: Table
    entity: str
    logged: tuple[str, ...]
    shared: frozenset[str]


def _entries(dialect: str, part: _Part, n: int) -> Select[Any]:
    """The change-log rows of a part (its parameters are suffixed with `n`)."""
    object_of = func.json_object if dialect == "sqlite" else func.json_build_object
    pairs: list[ColumnElement[Any]] = []
    for key in part.logged:
        made: ColumnElement[Any]
        if key in part.shared:  # bound once as JSON text (see `log_inserted`)
            value = bindparam(f"shared_{key}_{n}", type_=String)
            made = func.json(value) if dialect == "sqlite" else cast(value, JSON)
        else:
            made = logged_value(part.table.c[key], dialect)
        pairs += [literal(key, String), made]
    ids: BindParameter[Any] = bindparam(f"ids_{n}")
    chosen: ColumnElement[bool]
    if dialect == "sqlite":  # the ids as one JSON array, not one parameter each
        chosen = part.table.c.Id.in_(select(func.json_each(ids).table_valued("value").c.value))
    else:
        chosen = part.table.c.Id == any_(cast(ids, ARRAY(Uuid)))
    return select(
        _new_id(dialect, bindparam("prefix", type_=String)),
        bindparam("now", type_=UtcDateTime()),
        bindparam("actor", type_=Uuid()),
        literal(part.entity, String),
        part.table.c.Id,
        literal(Operation.INSERT.value, String),
        object_of(type_=JSON),
        object_of(*pairs, type_=JSON),
    ).where(chosen)


@functools.cache
def _statement(dialect: str, parts: tuple[_Part, ...]) -> Insert:
    entries = [_entries(dialect, part, n) for n, part in enumerate(parts)]
    made = entries[0] if len(entries) == 1 else union_all(*entries)
    return insert(SysChangeLog).from_select(_LOG_COLUMNS, made)


def log_inserted(
    connection: Connection, inserted: Sequence[Prepared], actor: uuid.UUID | None
) -> None:
    """Insert the change-log entry ("Insert", with the new values) of each row just inserted,
    in one statement (one trip to the database for a whole import page)."""
    if not inserted:
        return
    dialect = connection.dialect.name
    now = utcnow()
    prefix = hex_prefix(int(now.timestamp() * 1000))
    if dialect != "sqlite":
        prefix = f"{prefix[:8]}-{prefix[8:12]}-{prefix[12:]}"
    parameters: dict[str, Any] = {"prefix": prefix, "now": now, "actor": actor}
    parts = []
    for n, rows in enumerate(inserted):
        columns = rows.columns
        shared = {
            key: json.dumps(json_safe(value))
            for key, value in columns.shared.items()
            if key not in NOT_LOGGED
        }
        logged = tuple(key for key in columns.values if key not in NOT_LOGGED)
        parts.append(_Part(rows.table, rows.entity.__name__, logged, frozenset(shared)))
        parameters.update({f"shared_{key}_{n}": value for key, value in shared.items()})
        ids = rows.stored_ids
        parameters[f"ids_{n}"] = json.dumps(ids) if dialect == "sqlite" else ids
    connection.execute(_statement(dialect, tuple(parts)), parameters)
