"""Signed, expiring tokens for links in emails, bound to a request and a purpose.

A token is `KID.BODY.MAC`: KID names the key that signed it (8 hex characters, see `key_id`), BODY is the
compact JSON payload in URL-safe base64 and MAC an HMAC-SHA256 over `KID.BODY`. The key id lets a verifier
holding several keys (the current one and those still accepted after a rotation) pick the right one at once.
Tokens from before key ids (`BODY.MAC`, MAC over BODY alone) are still accepted; see `Signer.verify`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
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


def _derive(key: str) -> bytes:
    return hashlib.sha256(("vicon-links:" + key).encode()).digest()


def key_id(key: str) -> str:
    """The public name of a signing key: 8 hex characters of SHA-256 of the derived key.

    It reveals nothing usable about the key (a hash of a hash), and 32 bits keep accidental clashes between
    the two or three keys ever accepted at once out of reach; a clash would still verify, just by trying both.
    """
    return hashlib.sha256(_derive(key)).hexdigest()[:8]


class Signer:
    """HMAC-SHA256 over a compact JSON payload; the keys never leave the server.

    `key` signs every new token; `accepted` are older keys whose tokens still verify (a rotation in progress).
    """

    def __init__(self, key: str, accepted: Iterable[str] = ()) -> None:
        self._kid = key_id(key)
        self._key = _derive(key)
        self._keys: dict[str, list[bytes]] = {}
        for each in dict.fromkeys([key, *accepted]):  # the current key first, duplicates once
            self._keys.setdefault(key_id(each), []).append(_derive(each))

    @staticmethod
    def _mac(key: bytes, signed: str) -> str:
        return _b64encode(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()[:24])

    def sign(self, purpose: str, request_id: str, expires_at: dt.datetime, **claims: Any) -> str:
        """A token for `purpose` on `request_id`, valid until `expires_at`, signed with the current key."""
        return self._sign_as(self._kid, purpose, request_id, expires_at, **claims)

    def decoy(self, purpose: str, request_id: str, expires_at: dt.datetime, **claims: Any) -> str:
        """Shaped like `sign`'s tokens, with our key id, but MACed with a throwaway key: it verifies nowhere.

        The key id is ours so that a decoy cannot be told from a real link by comparing their first segments.
        """
        return Signer(secrets.token_urlsafe(32))._sign_as(self._kid, purpose, request_id, expires_at, **claims)

    def _sign_as(self, kid: str, purpose: str, request_id: str, expires_at: dt.datetime, **claims: Any) -> str:
        payload = {"p": purpose, "r": request_id, "e": int(expires_at.timestamp()), **claims}
        body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
        signed = f"{kid}.{body}"
        return f"{signed}.{self._mac(self._key, signed)}"

    def _authentic_body(self, token: str) -> str:
        """The BODY of a token whose MAC one of the accepted keys made; TokenError("invalid") otherwise."""
        if not token.isascii():
            raise TokenError("invalid")
        parts = token.split(".")
        if len(parts) == 3:
            kid, body, mac = parts
            signed = f"{kid}.{body}"
            # Only the keys the token names: an unknown or altered key id matches nothing.
            candidates = self._keys.get(kid, [])
        elif len(parts) == 2:
            # Links mailed before key ids existed (MAC over BODY alone) live up to 90 days after their event.
            # They carry no hint, so each accepted key is tried: two or three HMACs, and only for such links.
            body, mac = parts
            signed = body
            candidates = [key for keys in self._keys.values() for key in keys]
        else:
            raise TokenError("invalid")
        for key in candidates:
            if hmac.compare_digest(mac.encode(), self._mac(key, signed).encode()):
                return body
        raise TokenError("invalid")

    def verify(self, token: str, purpose: str, now: dt.datetime, request_id: str | None = None) -> dict[str, Any]:
        """The payload of a valid token; TokenError otherwise."""
        body = self._authentic_body((token or "").strip())
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
