"""Tokens kept in process memory behind opaque references.

shillelagh writes an adapter's arguments into the ``CREATE VIRTUAL TABLE`` statement of the
connection's in-memory SQLite database, where ``SELECT sql FROM sqlite_master`` shows them. The
``dtetrust://`` dialect therefore passes the adapter a reference instead of the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_KEY = secrets.token_bytes(32)
_TOKENS: dict[str, str] = {}


def remember(token: str) -> str:
    """Keep a token and return its reference (the same token always gets the same reference)."""
    ref = "ref-" + hmac.new(_KEY, token.encode(), hashlib.sha256).hexdigest()[:32]
    _TOKENS[ref] = token
    return ref


def recall(ref: str) -> str | None:
    """The token behind a reference, or None when this process does not know it."""
    return _TOKENS.get(ref)
