"""Signed, expiring tokens for links in emails, bound to a request and a purpose."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any


class TokenError(ValueError):
    """The token is malformed, tampered with, expired or meant for something else."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired" or "mismatch"


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """HMAC-SHA256 over a compact JSON payload; the key never leaves the server."""

    def __init__(self, key: str) -> None:
        self._key = hashlib.sha256(("vicon-links:" + key).encode()).digest()

    def _mac(self, body: str) -> str:
        return _b64encode(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()[:24])

    def sign(self, purpose: str, request_id: str, expires_at: dt.datetime, **claims: Any) -> str:
        """A token for `purpose` on `request_id`, valid until `expires_at`."""
        payload = {"p": purpose, "r": request_id, "e": int(expires_at.timestamp()), **claims}
        body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str, purpose: str, now: dt.datetime, request_id: str | None = None) -> dict[str, Any]:
        """The payload of a valid token; TokenError otherwise."""
        body, dot, mac = (token or "").strip().partition(".")
        if not dot or not token.isascii() or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            raise TokenError("invalid")
        try:
            payload = json.loads(_b64decode(body))
        except ValueError as exc:
            raise TokenError("invalid") from exc
        if not isinstance(payload, dict) or payload.get("p") != purpose:
            raise TokenError("mismatch")
        if request_id is not None and payload.get("r") != request_id:
            raise TokenError("mismatch")
        if not isinstance(payload.get("e"), int) or now.timestamp() >= payload["e"]:
            raise TokenError("expired")
        return payload
