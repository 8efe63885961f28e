"""Configuration from CRM_* environment variables, validated once at start-up."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import stat
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says how to fix it."""


PLACEHOLDER_SECRETS = {"", "dev", "changeme", "change-me", "secret", "please-change-me", "xxx"}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"CRM_{name}")
    return default if value is None or value.strip() == "" else value.strip()


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"CRM_{name} must be true or false, not {value!r}")


def _int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"CRM_{name} must be a whole number, not {value!r}") from None


def load(overrides: dict | None = None, *, with_secret: bool = True) -> dict:
    """Effective settings: defaults, then CRM_* variables, then explicit overrides.

    with_secret=False skips the secret key, so the database can be checked before a
    development key file (and its directory) would be created.
    """
    overrides = dict(overrides or {})
    env = overrides.get("ENV") or _env("ENV", "development")
    data_dir = Path(overrides.get("DATA_DIR") or _env("DATA_DIR", "instance")).resolve()
    config = {
        "ENV": env,
        "DATA_DIR": str(data_dir),
        "DATABASE": str(overrides.get("DATABASE") or _env("DATABASE") or data_dir / "rapport.sqlite3"),
        "TIMEZONE": _env("TIMEZONE", "UTC"),
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        "SESSION_COOKIE_SECURE": _bool("SECURE_COOKIES", True),
        "ALLOWED_HOSTS": [h.strip() for h in (_env("ALLOWED_HOSTS", "") or "").split(",") if h.strip()],
        "MAX_UPLOAD_MB": _int("MAX_UPLOAD_MB", 64),
        "SESSION_DAYS": _int("SESSION_DAYS", 14),
        "LOGIN_BURST": _int("LOGIN_BURST", 10),
        "LOGIN_WINDOW_SECONDS": _int("LOGIN_WINDOW_SECONDS", 60),
    }
    config.update(overrides)
    try:
        ZoneInfo(config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"CRM_TIMEZONE {config['TIMEZONE']!r} is not a known time zone (e.g. Europe/Berlin)"
        ) from None
    if not config["SESSION_COOKIE_SECURE"] and config["ENV"] == "production":
        raise ConfigError("CRM_SECURE_COOKIES=false is only for plain-http local development")
    if not with_secret:
        return config
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(config)
    if config["SECRET_KEY"] in PLACEHOLDER_SECRETS or len(config["SECRET_KEY"]) < 16:
        raise ConfigError("The secret key is a placeholder or too short: use at least 32 random characters")
    return config


def _secret_key(config: dict) -> str:
    """CRM_SECRET_KEY, else CRM_SECRET_KEY_FILE, else (development only) a generated key file."""
    value = _env("SECRET_KEY")
    if value:
        return value
    path = _env("SECRET_KEY_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"CRM_SECRET_KEY_FILE {path!r} cannot be read: {exc.strerror}") from None
    if config["ENV"] == "production":
        raise ConfigError(
            "No secret key: set CRM_SECRET_KEY_FILE to a file holding a random key "
            "(make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return _generated_key(Path(config["DATA_DIR"]) / "secret_key")


def _generated_key(path: Path) -> str:
    """Read the development key, creating it once (mode 0600) when missing."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def flask_settings(config: dict) -> dict:
    """The Flask keys derived from our settings."""
    return {
        "SECRET_KEY": config["SECRET_KEY"],
        "SESSION_COOKIE_NAME": "__Host-rapport" if config["SESSION_COOKIE_SECURE"] else "rapport",
        "SESSION_COOKIE_SECURE": config["SESSION_COOKIE_SECURE"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(days=config["SESSION_DAYS"]),
        "MAX_CONTENT_LENGTH": config["MAX_UPLOAD_MB"] * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        "MAX_FORM_PARTS": 200,
        "TRUSTED_HOSTS": config["ALLOWED_HOSTS"] or None,
        "TEMPLATES_AUTO_RELOAD": config["ENV"] == "development",
    }


def masked(config: dict) -> dict:
    """Settings safe to print: secrets replaced by a short fingerprint."""
    shown = {}
    for key, value in sorted(config.items()):
        if "SECRET" in key or "PASSWORD" in key:
            shown[key] = "****" + str(value)[-4:] if value else "(not set)"
        else:
            shown[key] = value
    return shown
