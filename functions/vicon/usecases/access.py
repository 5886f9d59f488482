"""What every use case behind a signed link shares: the refusal it answers with and the link's check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from vicon.ports import RequestNotFound, Store
from vicon.signing import Signer


class Refused(Exception):
    """A request the service understood but will not carry out; `status` is the 4xx (or 503) to answer."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def authorised_request(
    signer: Signer,
    store: Store,
    clock: Callable[[], dt.datetime],
    token: str,
    purpose: str,
    allowed: tuple[str, ...],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verified claims and the request; the person named in the token must still be authorised."""
    claims = signer.verify(token, purpose, clock())
    if claims.get("v") not in allowed:
        raise Refused(403, "Alamat email pada tautan ini tidak lagi terdaftar sebagai petugas yang berwenang.")
    record = store.get_request(str(claims["r"]))
    if record is None:
        raise RequestNotFound(str(claims["r"]))
    return claims, record
