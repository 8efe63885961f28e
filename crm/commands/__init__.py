"""Area command modules for the `crm` CLI; each exposes COMMANDS (click commands or groups)."""

from __future__ import annotations

from crm.commands import contacts, dedupe, export, imports, ops, stream, today

AREAS: tuple = (ops, export, imports, stream, dedupe, today, contacts)
