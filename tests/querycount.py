"""Count the SQL statements the app runs (for N+1 guards)."""

from __future__ import annotations

from contextlib import contextmanager

from crm.db import db


class Counter:
    def __init__(self):
        self.count = 0
        self.statements: list[str] = []


@contextmanager
def count_queries():
    """Count every statement executed through the shared peewee database (all threads)."""
    counter = Counter()
    original = db.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        counter.count += 1
        counter.statements.append(sql)
        return original(sql, params, *args, **kwargs)

    db.execute_sql = counting
    try:
        yield counter
    finally:
        del db.execute_sql
