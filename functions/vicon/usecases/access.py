"""What every use case behind a signed link shares: the refusal it answers with and the link's check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from vicon.ports import RequestNotFound, RequestStore
from vicon.records import RequestRecord
from vicon.signing import Signer


class Refused(Exception):
    """A request the service understood but will not carry out; `status` is the 4xx (or 503) to answer."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True)
class AuthorisedLink:
    """A verified link: the person it names (still authorised) and the request it opens."""

    person: str
    record: RequestRecord


def authorised_request(
    signer: Signer,
    requests: RequestStore,
    clock: Callable[[], dt.datetime],
    token: str,
    purpose: str,
    allowed: tuple[str, ...],
) -> AuthorisedLink:
    """The request behind a staff link; the person named in the token must still be authorised."""
    claims = signer.verify(token, purpose, clock())
    person, request_id = claims.get("v"), str(claims["r"])
    if not isinstance(person, str) or person not in allowed:
        raise Refused(403, "Alamat email pada tautan ini tidak lagi terdaftar sebagai petugas yang berwenang.")
    record = requests.get_request(request_id)
    if record is None:
        raise RequestNotFound(request_id)
    return AuthorisedLink(person, record)


@dataclass(frozen=True)
class StaffLink:
    """A verified staff link that is not about a request: the person it names (still authorised) and its subject."""

    person: str
    subject: str


def authorised_staff(
    signer: Signer, clock: Callable[[], dt.datetime], token: str, purpose: str, allowed: tuple[str, ...]
) -> StaffLink:
    """The person and subject behind a staff link (a complaint's answer link, the registration link).

    As `authorised_request`: the signature, purpose and expiry are checked, and the person named in the token must
    still be listed in `allowed` when the link is used, not only when it was mailed.
    """
    claims = signer.verify(token, purpose, clock())
    person = claims.get("v")
    if not isinstance(person, str) or person not in allowed:
        raise Refused(403, "Alamat email pada tautan ini tidak lagi terdaftar sebagai petugas yang berwenang.")
    return StaffLink(person, str(claims["r"]))
