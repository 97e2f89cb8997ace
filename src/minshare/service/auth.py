"""Users, roles, API tokens, browser sessions and the sign-in rate limit.

- Passwords and API tokens are stored only as argon2id hashes. A token is
  ``mst_<id>_<secret>``: the id finds the row, the secret is verified against its hash. A
  verified token is remembered in memory by its SHA-256 (never stored), so argon2 runs once per
  token per process; revocation is checked in the database on every request.
- A browser session is a random id in an ``HttpOnly``, ``SameSite=Strict`` (and, by default,
  ``Secure``) cookie; the database keeps only its SHA-256, with the session's CSRF token, which
  every form and every cookie-authenticated API write must echo.
- Sign-in is rate-limited per user name and per client address: after ``login_attempts``
  failures within ``login_window_seconds`` further attempts are refused (429) until the window
  passes, whether the password is right or not.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from minshare.service.db import StateDB
from minshare.service.errors import AuthRequired, Conflict, InvalidInput, NotFound, RateLimited
from minshare.service.settings import Settings

Role = Literal["requester", "steward", "reviewer", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
TOKEN_PREFIX = "mst_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, their role, their agency (requesters), and how they signed in."""

    name: str
    role: Role
    agency: str | None
    via: Literal["token", "session"]
    csrf: str | None = None  # the session's CSRF token (sessions only)


def now_text(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Auth:
    def __init__(self, db: StateDB, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )
        self._verified: dict[str, str] = {}  # sha256(token) -> token id
        self._lock = threading.Lock()
        # A hash to verify against when the user does not exist (same cost either way).
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))

    # --- users ------------------------------------------------------------------------------

    def add_user(
        self, name: str, role: str, *, agency: str | None = None, password: str | None = None
    ) -> None:
        if role not in ROLES:
            raise InvalidInput(f"unknown role {role!r}: one of {', '.join(ROLES)}", field="role")
        if not name.strip():
            raise InvalidInput("a user needs a name", field="name")
        if role == "requester" and not agency:
            raise InvalidInput(
                "a requester belongs to an agency: give the recipient id it files requests as",
                field="agency",
            )
        if self.db.one("SELECT name FROM users WHERE name = ?", (name,)):
            raise Conflict(f"user {name} exists")
        hashed = self.hasher.hash(password) if password else None
        self.db.execute(
            "INSERT INTO users (name, role, agency, password_hash, created_at, disabled) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            (name, role, agency if role == "requester" else None, hashed, now_text()),
        )

    def users(self) -> list[dict[str, object]]:
        return self.db.query(
            "SELECT name, role, agency, created_at, disabled FROM users ORDER BY name"
        )

    def _principal(
        self, name: str, via: Literal["token", "session"], csrf: str | None = None
    ) -> Principal:
        row = self.db.one("SELECT role, agency, disabled FROM users WHERE name = ?", (name,))
        if row is None or row["disabled"]:
            raise AuthRequired("this account does not exist or is disabled")
        return Principal(name, row["role"], row["agency"], via, csrf)

    # --- tokens -----------------------------------------------------------------------------

    def issue_token(self, user: str, label: str | None = None) -> tuple[str, str]:
        """A new API token for ``user``: (token id, the token). The token is shown once."""
        if not self.db.one("SELECT name FROM users WHERE name = ?", (user,)):
            raise NotFound(f"no user {user}")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        self.db.execute(
            "INSERT INTO tokens (id, user_name, hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
            (token_id, user, self.hasher.hash(secret), label, now_text()),
        )
        return token_id, f"{TOKEN_PREFIX}{token_id}_{secret}"

    def revoke_token(self, token_id: str) -> None:
        changed = self.db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now_text(), token_id),
        )
        if not changed:
            raise NotFound(f"no active token {token_id}")
        with self._lock:
            self._verified = {k: v for k, v in self._verified.items() if v != token_id}

    def tokens(self) -> list[dict[str, object]]:
        return self.db.query(
            "SELECT id, user_name, label, created_at, revoked_at FROM tokens ORDER BY created_at"
        )

    def check_token(self, token: str) -> Principal:
        if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
            raise AuthRequired("not a minshare API token")
        token_id, secret = token[len(TOKEN_PREFIX) :].split("_", 1)
        row = self.db.one(
            "SELECT user_name, hash, revoked_at FROM tokens WHERE id = ?", (token_id,)
        )
        if row is None or row["revoked_at"] is not None:
            raise AuthRequired("unknown or revoked token")
        digest = _sha(token)
        with self._lock:
            known = self._verified.get(digest) == token_id
        if not known:
            try:
                self.hasher.verify(row["hash"], secret)
            except (VerificationError, InvalidHashError):
                raise AuthRequired("unknown or revoked token") from None
            with self._lock:
                self._verified[digest] = token_id
        return self._principal(row["user_name"], "token")

    # --- sign-in and sessions ---------------------------------------------------------------

    def _limited(self, name: str, client: str) -> bool:
        since = now_text(datetime.now(UTC) - timedelta(seconds=self.settings.login_window_seconds))
        row = self.db.one(
            "SELECT COUNT(*) AS n FROM login_attempts "
            "WHERE ok = 0 AND at >= ? AND (user_name = ? OR client = ?)",
            (since, name, client),
        )
        return row is not None and int(row["n"]) >= self.settings.login_attempts

    def sign_in(self, name: str, password: str, client: str) -> tuple[str, Principal]:
        """A new session for a correct name and password: (session id for the cookie, who)."""
        if self._limited(name, client):
            raise RateLimited("too many failed sign-ins; wait a minute and try again")
        row = self.db.one("SELECT password_hash, disabled FROM users WHERE name = ?", (name,))
        ok = False
        try:
            stored = row["password_hash"] if row and row["password_hash"] else self._dummy
            self.hasher.verify(stored, password)
            ok = bool(row and row["password_hash"] and not row["disabled"])
        except (VerificationError, InvalidHashError):
            ok = False
        self.db.execute(
            "INSERT INTO login_attempts (user_name, client, at, ok) VALUES (?, ?, ?, ?)",
            (name, client, now_text(), int(ok)),
        )
        if not ok:
            raise AuthRequired("wrong user name or password")
        session = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + timedelta(hours=self.settings.session_hours)
        self.db.execute(
            "INSERT INTO sessions (id_hash, user_name, csrf, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (_sha(session), name, csrf, now_text(), now_text(expires)),
        )
        return session, self._principal(name, "session", csrf)

    def check_session(self, session: str) -> Principal:
        row = self.db.one(
            "SELECT user_name, csrf, expires_at FROM sessions WHERE id_hash = ?", (_sha(session),)
        )
        if row is None or row["expires_at"] < now_text():
            raise AuthRequired("your session has ended; sign in again")
        return self._principal(row["user_name"], "session", row["csrf"])

    def sign_out(self, session: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE id_hash = ?", (_sha(session),))


def csrf_ok(principal: Principal, sent: str | None) -> bool:
    return (
        principal.csrf is not None
        and sent is not None
        and hmac.compare_digest(principal.csrf, sent)
    )


__all__ = ["ROLES", "Auth", "Principal", "Role", "csrf_ok"]
