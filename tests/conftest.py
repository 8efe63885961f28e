"""Shared fixtures: a real SQLite file per test, the real app and its test client."""
