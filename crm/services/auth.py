"""The single owner's password, session revocation and login throttling."""

from __future__ import annotations

import datetime as dt
import threading

from werkzeug.security import check_password_hash, generate_password_hash

from crm.db import write
from crm.models import LoginAttempt, get_setting, set_setting, utcnow

MIN_PASSWORD_LENGTH = 10
# scrypt costs ~32 MiB per hash: never run more than two at once on a 1 GB box.
_HASHING = threading.BoundedSemaphore(2)
_DUMMY_HASH = generate_password_hash("not-the-password-" + "x" * 16)


class PasswordError(ValueError):
    """The new password is not acceptable; the message says why."""


def has_password() -> bool:
    """True once the owner has set a password (with `crm set-password`)."""
    return bool(get_setting("password_hash"))


def set_password(password: str) -> None:
    """Store a new password hash and sign out every existing session."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    with _HASHING:
        hashed = generate_password_hash(password)
    with write():
        set_setting("password_hash", hashed)
        set_setting("session_generation", session_generation() + 1)


def verify_password(password: str) -> bool:
    """Check a password; a missing password still costs one hash so timing tells nothing."""
    stored = get_setting("password_hash") or _DUMMY_HASH
    with _HASHING:
        ok = check_password_hash(stored, password or "")
    return ok and stored is not _DUMMY_HASH


def session_generation() -> int:
    """Sessions carry this number; bumping it revokes every session at once."""
    return int(get_setting("session_generation", 1))


def revoke_sessions() -> None:
    """Sign out everywhere (logout and password change)."""
    with write():
        set_setting("session_generation", session_generation() + 1)


def throttle_wait(client: str, *, burst: int, window_seconds: int, now: dt.datetime | None = None) -> int:
    """Seconds this client must wait before trying again (0 when it may try now).

    After `burst` failures within 15 minutes, one attempt per `window_seconds` is allowed;
    there is no permanent lockout, and other addresses are not affected.
    """
    now = now or utcnow()
    since = now - dt.timedelta(minutes=15)
    recent = (
        LoginAttempt.select(LoginAttempt.at)
        .where(LoginAttempt.client == client, LoginAttempt.at > since)
        .order_by(LoginAttempt.at.desc())
        .limit(burst)
    )
    stamps = [row.at for row in recent]
    if len(stamps) < burst:
        return 0
    wait = window_seconds - (now - stamps[0]).total_seconds()
    return max(0, int(wait) + 1) if wait > 0 else 0


def record_failure(client: str) -> None:
    """Remember a failed login (and forget ones older than a day)."""
    with write():
        LoginAttempt.create(client=client, at=utcnow())
        LoginAttempt.delete().where(LoginAttempt.at < utcnow() - dt.timedelta(days=1)).execute()


def clear_failures(client: str) -> None:
    """A successful login resets that address's counter."""
    with write():
        LoginAttempt.delete().where(LoginAttempt.client == client).execute()
