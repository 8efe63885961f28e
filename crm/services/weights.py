"""The owner's tuning of Today: the daily goal and every ranking weight, validated and stored."""

from __future__ import annotations

import dataclasses

from crm import scoring
from crm.db import write
from crm.models import get_setting, set_setting
from crm.services import derived
from crm.services.today import MAX_GOAL, TodayError


def weight_rows(values: dict | None = None, errors: dict | None = None) -> list[dict]:
    """Every tunable weight with its help, default and current value, for the settings form."""
    defaults = derived.default_weights()
    current = derived.weights()
    overrides = get_setting("score_weights", {}) or {}
    out = []
    for f in dataclasses.fields(scoring.Weights):
        name = f.name
        default = getattr(defaults, name)
        shown = (values or {}).get(f"w-{name}")
        if shown is None:
            shown = _fmt(getattr(current, name)) if name in overrides else ""
        out.append(
            {
                "name": name,
                "label": name.replace("_", " ").capitalize(),
                "help": scoring.WEIGHT_HELP.get(name, ""),
                "default": _fmt(default),
                "value": shown,
                "error": (errors or {}).get(f"w-{name}"),
                "changed": name in overrides,
                "group": _group(name),
            }
        )
    return out


WEIGHT_GROUPS = ("Signals", "Timing", "Keeping in touch", "Dates", "Value and stage", "Give and ask")


def _group(name: str) -> str:
    if name.startswith(("awaiting_reply", "followup")):
        return "Timing"
    if name.startswith(("cadence", "going_quiet")):
        return "Keeping in touch"
    if name.startswith(("birthday", "anniversary")):
        return "Dates"
    if name.startswith(("value", "stage")):
        return "Value and stage"
    if name.startswith("reciprocity"):
        return "Give and ask"
    return "Signals"


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def save_today_settings(goal_text: str, form: dict) -> None:
    """Validate and store the daily goal and weight overrides (empty = default); rescore all."""
    errors: dict[str, str] = {}
    goal_text = (goal_text or "").strip()
    if not (goal_text.isdigit() and 1 <= int(goal_text) <= MAX_GOAL):
        errors["daily_goal"] = f"A whole number from 1 to {MAX_GOAL}."
    defaults = derived.default_weights()
    overrides: dict[str, float] = {}
    for f in dataclasses.fields(scoring.Weights):
        raw = (form.get(f"w-{f.name}") or "").strip()
        if not raw:
            continue
        try:
            value = getattr(scoring.Weights.from_overrides({f.name: raw.replace(",", ".")}), f.name)
        except ValueError:
            errors[f"w-{f.name}"] = "A number of zero or more (leave empty for the default)."
            continue
        if value != getattr(defaults, f.name):
            overrides[f.name] = value
    if errors:
        raise TodayError(errors)
    with write():
        set_setting("daily_goal", int(goal_text))
        set_setting("score_weights", overrides)
    derived.refresh_all()


def reset_weights() -> None:
    """Forget every weight override and rescore."""
    with write():
        set_setting("score_weights", {})
    derived.refresh_all()
