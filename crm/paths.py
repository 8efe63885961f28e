"""Where templates and static files live: beside the package in a wheel, at the repo top in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The installed copy (crm/<name>) if present, else the source tree's top-level folder."""
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name
