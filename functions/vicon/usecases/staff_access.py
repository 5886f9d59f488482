"""The staff console's sign-in: a single-use link by mail, then a session kept in the store (decision 0030).

No passwords. `request_link` counts the attempt and, only for an address on VERIFIER_EMAILS, OPERATOR_EMAILS or
SUPERVISOR_EMAILS, hands back the mail to send *after* the answer: the answer (and the time it takes) is the same
for every address. The link's GET shows a confirmation and changes nothing (mail scanners open links); the POST
from its button consumes the link's nonce (compare-and-set in the store) and starts a session. The session cookie
carries a random token; the store keeps its SHA-256 only. Roles are read from the lists at every request, so an
address taken off the lists loses the console at once, and sign-out ends the session in the store.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import math
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from vicon.links import Links
from vicon.mailing import compose
from vicon.messages import MailComposer
from vicon.ports import Blobs, Mailer, RateBucket, RateLimits, StaffSessions
from vicon.settings import RateLimit, Settings
from vicon.signing import Signer, TokenError
from vicon.usecases.access import Refused
from vicon.usecases.submit import RateLimited, _digest, _wait_text

log = logging.getLogger(__name__)

LOGIN_PURPOSE = "staff_login"
LOGIN_LINK_LIFETIME = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=12)
# Sign-in links asked for one address, and from one client address (offices share a NAT address).
LOGIN_RATE_PER_ADDRESS = RateLimit(5, 15 * 60)
LOGIN_RATE_PER_CLIENT = RateLimit(30, 60 * 60)
# The signed link names no request; its `r` claim is this.
LOGIN_SUBJECT = "konsol"


class StaffRole(StrEnum):
    """What the lists make an address; one address may be several."""

    VERIFIER = "verifier"  # VERIFIER_EMAILS
    OFFICER = "officer"  # OPERATOR_EMAILS
    SUPERVISOR = "supervisor"  # SUPERVISOR_EMAILS


# Who registers what arrives on paper, by phone or in person: the roles of `Settings.complaint_staff`, the people
# complaints already go to.
REGISTER_ROLES = frozenset({StaffRole.OFFICER, StaffRole.SUPERVISOR})

ROLE_LABELS = {
    StaffRole.VERIFIER: "Verifikator",
    StaffRole.OFFICER: "Petugas",
    StaffRole.SUPERVISOR: "Kepala Bidang",
}


@dataclass(frozen=True)
class StaffMember:
    """A signed-in staff member: the address as the lists spell it, and its roles now."""

    email: str
    roles: frozenset[StaffRole]

    def has(self, *roles: StaffRole) -> bool:
        return bool(self.roles & set(roles))

    @property
    def registers(self) -> bool:
        """May register paper requests and complaints from the console: officers and supervisors (decision 0034)."""
        return self.has(*REGISTER_ROLES)

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[role] for role in StaffRole if role in self.roles]


@dataclass(frozen=True)
class StartedSession:
    """The cookie's token (given to the browser once, stored only as a hash) and when it ends."""

    token: str
    expires_at: dt.datetime
    member: StaffMember

    def max_age(self, now: dt.datetime) -> int:
        return max(0, math.floor((self.expires_at - now).total_seconds()))


class NotSignedIn(Exception):
    """No session, or one that ended (expired, signed out, or its address left the lists): 401."""


def staff_member(settings: Settings, address: str) -> StaffMember | None:
    """The address with its roles, compared ignoring case and spelt as the lists spell it; None when on no list."""
    wanted = address.strip().lower()
    lists = (
        (StaffRole.VERIFIER, settings.verifier_emails),
        (StaffRole.OFFICER, settings.operator_emails),
        (StaffRole.SUPERVISOR, settings.supervisor_emails),
    )
    spelt: str | None = None
    roles: set[StaffRole] = set()
    for role, emails in lists:
        for email in emails:
            if email.strip().lower() == wanted:
                roles.add(role)
                spelt = spelt or email.strip()
    return StaffMember(spelt, frozenset(roles)) if spelt else None


def token_hash(token: str) -> str:
    """What the store keeps of a session token: its SHA-256, so a copy of the store opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


class StaffAccess:
    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        sessions: StaffSessions,
        rate_limits: RateLimits,
        mailer: Mailer,
        blobs: Blobs,
        links: Links,
        mails: MailComposer,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.sessions = sessions
        self.rate_limits = rate_limits
        self.mailer = mailer
        self.blobs = blobs
        self.links = links
        self.mails = mails
        self.page = page
        self.clock = clock

    # ---- the link --------------------------------------------------------------------------------------------

    def request_link(self, email: str, client: str | None) -> Callable[[], None] | None:
        """Count the attempt (RateLimited over a limit, for any address alike); the mail to send after answering
        when the address is on a list, else None. Nothing else differs between the two."""
        now = self.clock()
        self._count_attempt(email, client, now)
        member = staff_member(self.settings, email)
        if member is None:
            log.info("a sign-in link was asked for an address on no staff list")
            return None
        expires = now + LOGIN_LINK_LIFETIME
        token = self.signer.sign(LOGIN_PURPOSE, LOGIN_SUBJECT, expires, v=member.email, n=secrets.token_urlsafe(16))
        return functools.partial(self._send_link, member.email, self.links.api_url("staff_login", token=token), expires)

    def _send_link(self, email: str, url: str, expires: dt.datetime) -> None:
        """Mailed directly, not through the outbox: a link that lives 15 minutes is asked for again, not retried."""
        try:
            mail = self.mails.staff_login(email, url, expires)
            self.mailer.send(compose(mail, self.settings.mail_from, self.blobs, uuid.uuid4().hex))
        except Exception:
            log.exception("the sign-in link for %s could not be mailed", email)

    def _count_attempt(self, email: str, client: str | None, now: dt.datetime) -> None:
        per_address = LOGIN_RATE_PER_ADDRESS
        buckets = [
            RateBucket(
                f"staff-login-address-{_digest(email.strip().lower())}-{per_address.seconds}",
                per_address.count,
                per_address.window_end(now),
            )
        ]
        if client:
            per_client = LOGIN_RATE_PER_CLIENT
            buckets.append(
                RateBucket(
                    f"staff-login-client-{_digest(client)}-{per_client.seconds}",
                    per_client.count,
                    per_client.window_end(now),
                )
            )
        full = self.rate_limits.take_rate_limit(buckets, now)
        if full is None:
            return
        retry_after = max(1, math.ceil((full.window_end - now).total_seconds()))
        raise RateLimited(
            "email" if full is buckets[0] else None,
            f"Terlalu banyak permintaan tautan masuk; coba lagi {_wait_text(retry_after)}.",
            retry_after,
        )

    def _link(self, token: str) -> tuple[StaffMember, dict[str, object]]:
        """The member a sign-in link names, still on a list; TokenError or Refused(403) otherwise."""
        claims = self.signer.verify(token, LOGIN_PURPOSE, self.clock())
        email, nonce = claims.get("v"), claims.get("n")
        if not isinstance(email, str) or not isinstance(nonce, str) or not nonce:
            raise TokenError("invalid")
        member = staff_member(self.settings, email)
        if member is None:
            raise Refused(403, "Alamat email pada tautan ini tidak lagi terdaftar sebagai petugas Vicon.")
        return member, claims

    def confirmation_page(self, token: str) -> str:
        """The link's page: who signs in, and the button. Changes nothing (mail scanners open every link)."""
        member, claims = self._link(token)
        expires = dt.datetime.fromtimestamp(int(str(claims["e"])), dt.UTC)
        return self.page("pages/staff_login.html", stage="confirm", token=token, member=member, expires_at=expires)

    # ---- the session -----------------------------------------------------------------------------------------

    def sign_in(self, token: str) -> StartedSession:
        """The confirmation page's POST: the link is used up and a session starts; 409 for a link used before."""
        member, claims = self._link(token)
        now = self.clock()
        expires = dt.datetime.fromtimestamp(int(str(claims["e"])), dt.UTC)
        if not self.sessions.consume_login(str(claims["n"]), expires, now):
            raise Refused(409, "Tautan masuk ini sudah dipakai. Minta tautan baru dari halaman masuk konsol.")
        session = secrets.token_urlsafe(32)
        ends = now + SESSION_LIFETIME
        self.sessions.create_session(token_hash(session), member.email, now, ends)
        log.info("staff session started for %s", member.email)
        return StartedSession(session, ends, member)

    def member(self, session: str) -> StaffMember:
        """The signed-in member of a session token, with the roles the lists give now; NotSignedIn otherwise."""
        if not session:
            raise NotSignedIn()
        hashed = token_hash(session)
        stored = self.sessions.get_session(hashed)
        if stored is None:
            raise NotSignedIn()
        member = staff_member(self.settings, stored.email)
        if stored.expires_at <= self.clock() or member is None:
            self.sessions.end_session(hashed)
            raise NotSignedIn()
        return member

    def sign_out(self, session: str) -> None:
        if not session:
            return
        hashed = token_hash(session)
        stored = self.sessions.get_session(hashed)
        self.sessions.end_session(hashed)
        if stored is not None:
            log.info("staff session ended by sign-out for %s", stored.email)
