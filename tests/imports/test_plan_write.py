"""The commit's shortcuts write exactly what the general path writes."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm.services import imports

VALUES = [None, 0, 1, -1, 2**63 - 1, True, False, 0.0, -0.0, 1.5, 0.1, "", "x", "It's", "a\0b", "é ✓", "NULL"]


def _stored(db, table: str) -> list[tuple]:
    return db.execute_sql(
        f"SELECT id, v, typeof(v), r, typeof(r), t, typeof(t) FROM {table} ORDER BY id"  # noqa: S608
    ).fetchall()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(VALUES), min_size=1, max_size=3), st.integers(1, 3))
@example(values=[0, 0.0], copies=1)  # equal, but stored as an integer and as a real
@example(values=[False, 0], copies=2)
@example(values=["a\0b"], copies=2)  # quote() stops at the NUL
@example(values=["It's"], copies=3)
def test_a_column_written_as_one_literal_is_stored_as_when_bound(database, values, copies):
    column = values * copies
    for table in ("bound", "fixed"):
        database.execute_sql(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY, v, r REAL, t TEXT)")
    try:
        ids = range(1, len(column) + 1)
        imports._insert(
            "bound", ["id", "v", "r", "t"], [(i, v, v, v) for i, v in zip(ids, column, strict=True)]
        )
        if imports._literal(set(map(type, column)), column):
            imports._insert(
                "fixed", ["id"], [(i,) for i in ids], {"v": column[0], "r": column[0], "t": column[0]}
            )
        else:
            imports._insert(
                "fixed", ["id", "v", "r", "t"], [(i, v, v, v) for i, v in zip(ids, column, strict=True)]
            )
        assert _stored(database, "fixed") == _stored(database, "bound")
    finally:
        for table in ("bound", "fixed"):
            database.execute_sql(f"DROP TABLE temp.{table}")


def test_only_one_value_of_one_type_is_a_literal():
    assert imports._literal({str}, ["x", "x"])
    assert imports._literal({type(None)}, [None])
    assert not imports._literal({int, float}, [0, 0.0])
    assert not imports._literal({str}, ["x", "y"])
    assert not imports._literal({float}, [1.5, 1.5])  # bound: no question of how quote() rounds
    assert not imports._literal({str}, ["a\0b"])
