"""One settings object, read from the environment once, with embedded local defaults."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vicon.fields import OPD_OTHER, TEXT_LIMITS, normalize_phone
from vicon.sla import DEFAULT_OFFICE_HOURS, OfficeHours

# The repository root when running from a checkout; in a deployed function the source folder itself.
FUNCTIONS_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = FUNCTIONS_DIR.parent
DEFAULT_DATA_DIR = REPO_DIR / ".data"
# Inside the function source, so it ships with every deploy; a relative OPD_LIST is read from FUNCTIONS_DIR too.
DEFAULT_OPD_LIST = FUNCTIONS_DIR / "vicon" / "data" / "opd-majalengka.txt"
MAX_OPD_CHARS = TEXT_LIMITS["opd"]
_CONTACT_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# A site-relative logo: a path under the site, plain characters only (it lands in an attribute and a CSP).
_SITE_PATH = re.compile(r"^/?(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$")

# Sandbox hosts: two licensed users of different sizes, so capacity rules are visible locally.
SANDBOX_HOSTS = "host-besar@vicon.example:300,host-kecil@vicon.example:100"
DEFAULT_HOST_CAPACITY = 100

# On Google Cloud the local defaults would be wrong rather than merely unusual: mails would carry links to
# 127.0.0.1, requests would land in a SQLite file on an instance's scratch disk, and mail in a folder nobody reads.
PRODUCTION_REQUIRED = (
    "PUBLIC_BASE_URL",
    "STORE_URL",
    "BLOB_URL",
    "SMTP_HOST",
    "SIGNING_KEY",
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "ZOOM_HOSTS",
)
# The internal server (VICON_ENV=production, one Linux machine behind Caddy) has no IAM in front of scheduled_tick:
# the timer's shared secret is required there too. On Google Cloud the function is private and it may stay unset.
SERVER_REQUIRED = (*PRODUCTION_REQUIRED, "TICK_TOKEN")
ENVIRONMENTS = ("development", "production")
# A bearer token (RFC 6750's b64token characters); `secrets.token_urlsafe(32)` makes one of 43.
MIN_TICK_TOKEN_CHARS = 32
_TICK_TOKEN = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; raised at start-up, never per request."""


@dataclass(frozen=True)
class ZoomHost:
    user: str
    capacity: int = DEFAULT_HOST_CAPACITY


@dataclass(frozen=True)
class RateLimit:
    """At most `count` uses per window of `seconds` (fixed windows aligned on the epoch)."""

    count: int
    seconds: int

    def window_end(self, now: dt.datetime) -> dt.datetime:
        """The end of the window `now` falls in."""
        start = int(now.timestamp()) // self.seconds * self.seconds
        return dt.datetime.fromtimestamp(start + self.seconds, dt.UTC)


@dataclass(frozen=True)
class Identity:
    """Who runs the service: shown on every page and in every mail, so another regency adopts Vicon unedited."""

    regency_name: str = "Kabupaten Majalengka"
    office_name: str = "Dinas Komunikasi dan Informatika Kabupaten Majalengka"
    office_short_name: str = "Diskominfo"
    contact_email: str = "diskominfo@majalengkakab.go.id"
    pic_phone: str = ""  # +62…, empty: not shown
    pic_whatsapp: str = ""  # +62…, empty: not shown
    # An https URL, or a path under the site ("assets/logo.svg"), never starting with a slash.
    logo_url: str = "assets/logo.svg"

    @property
    def logo_is_external(self) -> bool:
        return self.logo_url.startswith("https://")

    def logo_src(self, base_url: str) -> str:
        """The logo's address from a page served under `base_url` (server pages live under /api/…)."""
        return self.logo_url if self.logo_is_external else f"{base_url}/{self.logo_url}"

    @property
    def logo_origin(self) -> str | None:
        """The origin an https logo is loaded from, for the pages' img-src; None for the site's own."""
        if not self.logo_is_external:
            return None
        parts = urlsplit(self.logo_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def pic_whatsapp_url(self) -> str:
        """wa.me wants the number without the plus."""
        return f"https://wa.me/{self.pic_whatsapp.lstrip('+')}" if self.pic_whatsapp else ""

    def as_json(self) -> dict[str, str]:
        return {
            "regency_name": self.regency_name,
            "office_name": self.office_name,
            "office_short_name": self.office_short_name,
            "contact_email": self.contact_email,
            "pic_phone": self.pic_phone,
            "pic_whatsapp": self.pic_whatsapp,
            "pic_whatsapp_url": self.pic_whatsapp_url,
            "logo_url": self.logo_url,
        }


def load_opd_list(path: Path, name: str = "OPD_LIST") -> tuple[str, ...]:
    """The regency's perangkat daerah from a UTF-8 file: one per line, blank lines and # comments ignored."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise SettingsError(f"{name}: no such file {str(path)!r}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{name}: {str(path)!r} is not UTF-8 text") from exc
    except OSError as exc:
        raise SettingsError(f"{name}: cannot read {str(path)!r}: {exc.strerror}") from exc
    names: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        entry = normalize_opd_name(line)
        if not entry or entry.startswith("#"):
            continue
        where = f"{name} {path.name} line {number}"
        if any(unicodedata.category(char).startswith("C") for char in entry):
            raise SettingsError(f"{where}: control or format characters are not allowed")
        if len(entry) > MAX_OPD_CHARS:
            raise SettingsError(f"{where}: a name may have at most {MAX_OPD_CHARS} characters")
        key = entry.casefold()
        if key == OPD_OTHER.casefold():
            raise SettingsError(f"{where}: {OPD_OTHER!r} is added by Vicon itself; remove it from the list")
        if key in seen:
            raise SettingsError(f"{where}: {entry!r} repeats line {seen[key]} (names are compared ignoring case)")
        seen[key] = number
        names.append(entry)
    if not names:
        raise SettingsError(f"{name}: {str(path)!r} names no perangkat daerah")
    return tuple(names)


def normalize_opd_name(value: str) -> str:
    """Whitespace runs (tabs and no-break spaces too) as one space, none at the ends."""
    return " ".join(value.split())


@dataclass(frozen=True)
class TrustRoot:
    """A certificate whose signatures on letters are trusted (TRUSTED_SIGNATURE_ROOTS), as DER."""

    path: str
    der: bytes


_PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s*([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----")


def load_trust_roots(value: str | None, name: str = "TRUSTED_SIGNATURE_ROOTS") -> tuple[TrustRoot, ...]:
    """The certificates in the comma-separated files `value` names, each PEM (one or more certificates) or DER.

    A relative path is read from the function source folder, like OPD_LIST. Each certificate's DER structure is
    checked here, without a crypto library, so no target's cold start pays for one; pyHanko reads them fully
    when it validates the first signed letter.
    """
    roots: list[TrustRoot] = []
    for entry in _split(value or ""):
        path = _source_path(entry)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise SettingsError(f"{name}: no such file {str(path)!r}") from exc
        except OSError as exc:
            raise SettingsError(f"{name}: cannot read {str(path)!r}: {exc.strerror}") from exc
        if b"-----BEGIN" in data:
            blocks = _PEM_CERTIFICATE.findall(data)
            if not blocks:
                raise SettingsError(f"{name}: {str(path)!r} is PEM but holds no CERTIFICATE block")
            try:
                ders = [base64.b64decode(b"".join(block.split()), validate=True) for block in blocks]
            except binascii.Error as exc:
                raise SettingsError(f"{name}: {str(path)!r} has a CERTIFICATE block that is not base64") from exc
        else:
            ders = [data]
        for der in ders:
            if not is_x509_certificate(der):
                raise SettingsError(f"{name}: {str(path)!r} is not an X.509 certificate (PEM or DER)")
            if all(root.der != der for root in roots):
                roots.append(TrustRoot(str(path), der))
    return tuple(roots)


def _der_items(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(tag, content start, content end) of each DER element in data[start:end]; ValueError if they do not fit."""
    items = []
    at = start
    while at < end:
        if end - at < 2:
            raise ValueError("truncated")
        tag, first = data[at], data[at + 1]
        at += 2
        if tag & 0x1F == 0x1F or first == 0x80:  # high tag numbers, indefinite lengths: not in a certificate
            raise ValueError("not DER")
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count > 4 or at + count > end:
                raise ValueError("bad length")
            length = int.from_bytes(data[at : at + count], "big")
            at += count
        if at + length > end:
            raise ValueError("truncated")
        items.append((tag, at, at + length))
        at += length
    return items


def is_x509_certificate(der: bytes) -> bool:
    """Whether `der` has an X.509 certificate's structure (RFC 5280 4.1), which keys, requests and CRLs do not:
    SEQUENCE { tbsCertificate, signatureAlgorithm, signature BIT STRING }, tbsCertificate holding serial,
    algorithm, issuer, a validity of two times, subject and key."""
    sequence, integer, bit_string, explicit_0 = 0x30, 0x02, 0x03, 0xA0
    times = (0x17, 0x18)  # UTCTime, GeneralizedTime
    try:
        [(tag, start, end)] = _der_items(der, 0, len(der))
        if tag != sequence:
            return False
        parts = _der_items(der, start, end)
        if [tag for tag, _, _ in parts] != [sequence, sequence, bit_string]:
            return False
        tbs = _der_items(der, parts[0][1], parts[0][2])
        if tbs and tbs[0][0] == explicit_0:
            tbs = tbs[1:]
        tags = [tag for tag, _, _ in tbs]
        if len(tags) < 6 or tags[:6] != [integer, sequence, sequence, sequence, sequence, sequence]:
            return False
        validity = _der_items(der, tbs[3][1], tbs[3][2])
        return len(validity) == 2 and all(tag in times for tag, _, _ in validity)
    except ValueError:
        return False


RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Settings:
    """Typed configuration; a plain frozen dataclass, not a pydantic model: every target reads it at its first request
    and most never parse a form, so none of them loads pydantic for it (decision 0019)."""

    port: int = 8080
    public_base_url: str = "http://127.0.0.1:8080"
    store_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'vicon.sqlite3'}"
    blob_url: str = f"file://{DEFAULT_DATA_DIR / 'blobs'}"
    data_dir: Path = DEFAULT_DATA_DIR

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: str = "none"
    smtp_timeout_seconds: float = 10.0

    mail_from: str = "Vicon Diskominfo <vicon@diskominfo.example>"
    verifier_emails: tuple[str, ...] = ("verifikator@diskominfo.example",)
    supervisor_emails: tuple[str, ...] = ("kabid.informatika@diskominfo.example",)
    operator_emails: tuple[str, ...] = ("petugas@diskominfo.example",)

    zoom_account_id: str | None = None
    zoom_client_id: str | None = None
    zoom_client_secret: str | None = None
    zoom_api_url: str | None = None
    zoom_oauth_url: str | None = None
    zoom_hosts: tuple[ZoomHost, ...] = ()
    zoom_webhook_secret: str | None = None

    signing_key: str = ""
    # Older keys whose links still verify after SIGNING_KEY was rotated; new links are never signed with them.
    signing_keys_previous: tuple[str, ...] = ()
    timezone: str = "Asia/Jakarta"
    min_lead_working_days: int = 2
    recording_retention_days: int = 30
    host_buffer_minutes: int = 30
    extra_holidays: frozenset[dt.date] = frozenset()
    extra_working_days: frozenset[dt.date] = frozenset()
    # The SLA clocks count open office hours on working days (vicon.sla); Friday may close at another time.
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS
    office_hours_friday: OfficeHours | None = None
    submit_rate_limit: RateLimit = RateLimit(10, 3600)
    submit_rate_limit_per_client: RateLimit = RateLimit(120, 3600)
    # How many proxies in front of the function append to X-Forwarded-For (Google's front end is one); the
    # client address is the entry they appended, so a value the client wrote itself is never trusted.
    trusted_proxy_hops: int = 0
    identity: Identity = Identity()
    opd_list: tuple[str, ...] = field(default_factory=lambda: load_opd_list(DEFAULT_OPD_LIST))
    # Production: on Google Cloud (K_SERVICE, or FUNCTION_TARGET with GOOGLE_CLOUD_PROJECT) or the internal server
    # (VICON_ENV=production); from_env then refused every local default that would be wrong there.
    production: bool = False
    # The shared secret scheduled_tick asks for (`Authorization: Bearer …`) when set; None serves any caller.
    tick_token: str | None = None
    # Certificates whose chains make a letter's electronic signature trusted (vicon.document_check); none: no
    # signature is shown as trusted.
    trusted_signature_roots: tuple[TrustRoot, ...] = ()

    @property
    def complaint_staff(self) -> tuple[str, ...]:
        """Who receives complaints and may answer or register them (decision 0027): OPERATOR_EMAILS and
        SUPERVISOR_EMAILS, each address once. The one list the complaint mails, links and console use."""
        return tuple(dict.fromkeys((*self.operator_emails, *self.supervisor_emails)))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def max_participants(self) -> int:
        return max(host.capacity for host in self.zoom_hosts)

    @property
    def uses_zoom_sandbox(self) -> bool:
        """No Zoom app configured: the dev server serves a local sandbox at /_zoom."""
        return not self.zoom_api_url

    @property
    def uses_mail_sink(self) -> bool:
        return not self.smtp_host

    @property
    def mail_sink_dir(self) -> Path:
        return self.data_dir / "mail"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every variable of DESIGN.md; anything unset gets its embedded local default."""
        env = dict(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        environment = (get("VICON_ENV") or "development").lower()
        if environment not in ENVIRONMENTS:
            raise SettingsError(f"VICON_ENV must be one of {', '.join(ENVIRONMENTS)}, got {get('VICON_ENV')!r}")
        on_google_cloud = bool(get("K_SERVICE") or (get("FUNCTION_TARGET") and get("GOOGLE_CLOUD_PROJECT")))
        on_server = environment == "production"
        in_production = on_google_cloud or on_server
        if in_production:
            # All at once: a deploy that fails one variable at a time takes as many deploys as there are gaps.
            required, where = (
                (SERVER_REQUIRED, "on the internal server (VICON_ENV=production)")
                if on_server
                else (PRODUCTION_REQUIRED, "on Google Cloud (K_SERVICE or FUNCTION_TARGET is set)")
            )
            missing = [name for name in required if get(name) is None]
            if missing:
                raise SettingsError(f"required {where} but unset: " + ", ".join(missing))
            _check_public_base_url(get("PUBLIC_BASE_URL") or "")
        tick_token = get("TICK_TOKEN")
        if tick_token is not None:
            _check_tick_token(tick_token)
        data_dir = Path(get("VICON_DATA_DIR") or DEFAULT_DATA_DIR)
        port = _int(get("PORT") or "8080", "PORT")
        timezone = get("TIMEZONE") or "Asia/Jakarta"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SettingsError(f"TIMEZONE {timezone!r} is not a known IANA time zone") from exc

        signing_key = get("SIGNING_KEY") or _local_signing_key(data_dir)  # always set in production (above)

        security = (get("SMTP_SECURITY") or "none").lower()
        if security not in ("none", "starttls", "ssl"):
            raise SettingsError("SMTP_SECURITY must be one of none, starttls, ssl")
        default_smtp_port = {"none": 25, "starttls": 587, "ssl": 465}[security]

        has_zoom_credentials = bool(get("ZOOM_ACCOUNT_ID") and get("ZOOM_CLIENT_ID"))
        hosts = _parse_hosts(get("ZOOM_HOSTS") or ("" if has_zoom_credentials else SANDBOX_HOSTS))
        if not hosts:
            raise SettingsError("ZOOM_HOSTS must list at least one licensed user (user[:capacity])")

        optional: dict[str, Any] = {
            name: value
            for name, value in {
                "mail_from": get("MAIL_FROM"),
                "zoom_account_id": get("ZOOM_ACCOUNT_ID"),
                "zoom_client_id": get("ZOOM_CLIENT_ID"),
                "zoom_client_secret": get("ZOOM_CLIENT_SECRET"),
                "zoom_api_url": get("ZOOM_API_URL") or ("https://api.zoom.us/v2" if has_zoom_credentials else None),
                "zoom_oauth_url": get("ZOOM_OAUTH_URL")
                or ("https://zoom.us/oauth/token" if has_zoom_credentials else None),
                "zoom_webhook_secret": get("ZOOM_WEBHOOK_SECRET"),
                "smtp_username": get("SMTP_USERNAME"),
                "smtp_password": get("SMTP_PASSWORD"),
            }.items()
            if value is not None
        }
        for name, variable in (
            ("verifier_emails", "VERIFIER_EMAILS"),
            ("supervisor_emails", "SUPERVISOR_EMAILS"),
            ("operator_emails", "OPERATOR_EMAILS"),
        ):
            value = get(variable)
            if value is not None:
                optional[name] = _split(value)

        return cls(
            port=port,
            public_base_url=(get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
            store_url=get("STORE_URL") or f"sqlite:///{data_dir / 'vicon.sqlite3'}",
            blob_url=get("BLOB_URL") or f"file://{data_dir / 'blobs'}",
            data_dir=data_dir,
            smtp_host=get("SMTP_HOST"),
            smtp_port=_int(get("SMTP_PORT") or str(default_smtp_port), "SMTP_PORT"),
            smtp_security=security,
            signing_key=signing_key,
            signing_keys_previous=_split(get("SIGNING_KEYS_PREVIOUS") or ""),
            timezone=timezone,
            min_lead_working_days=_int(get("MIN_LEAD_WORKING_DAYS") or "2", "MIN_LEAD_WORKING_DAYS"),
            recording_retention_days=_int(get("RECORDING_RETENTION_DAYS") or "30", "RECORDING_RETENTION_DAYS", 1),
            host_buffer_minutes=_int(get("HOST_BUFFER_MINUTES") or "30", "HOST_BUFFER_MINUTES"),
            extra_holidays=_parse_dates(get("EXTRA_HOLIDAYS"), "EXTRA_HOLIDAYS"),
            extra_working_days=_parse_dates(get("EXTRA_WORKING_DAYS"), "EXTRA_WORKING_DAYS"),
            office_hours=_parse_office_hours(get("OFFICE_HOURS"), "OFFICE_HOURS") or DEFAULT_OFFICE_HOURS,
            office_hours_friday=_parse_office_hours(get("OFFICE_HOURS_FRIDAY"), "OFFICE_HOURS_FRIDAY"),
            submit_rate_limit=_parse_rate(get("SUBMIT_RATE_LIMIT") or "10/hour", "SUBMIT_RATE_LIMIT"),
            submit_rate_limit_per_client=_parse_rate(
                get("SUBMIT_RATE_LIMIT_PER_CLIENT") or "120/hour", "SUBMIT_RATE_LIMIT_PER_CLIENT"
            ),
            trusted_proxy_hops=_int(get("TRUSTED_PROXY_HOPS") or ("1" if in_production else "0"), "TRUSTED_PROXY_HOPS"),
            zoom_hosts=hosts,
            identity=_parse_identity(get),
            opd_list=load_opd_list(_opd_list_path(get("OPD_LIST"))),
            production=in_production,
            tick_token=tick_token,
            trusted_signature_roots=load_trust_roots(get("TRUSTED_SIGNATURE_ROOTS")),
            **optional,
        )


def _parse_identity(get: Callable[[str], str | None]) -> Identity:
    default = Identity()
    values: dict[str, str] = {}
    for attribute, variable in (
        ("regency_name", "REGENCY_NAME"),
        ("office_name", "OFFICE_NAME"),
        ("office_short_name", "OFFICE_SHORT_NAME"),
    ):
        value = get(variable)
        if value is not None:
            value = " ".join(value.split())
            if any(unicodedata.category(char).startswith("C") for char in value) or len(value) > 200:
                raise SettingsError(f"{variable} must be one line of at most 200 printable characters")
            values[attribute] = value
    regency = values.get("regency_name", default.regency_name)
    if "office_name" not in values and "regency_name" in values:
        # A regency that names only itself gets its own Diskominfo, not Majalengka's.
        values["office_name"] = f"Dinas Komunikasi dan Informatika {regency}"

    email = get("CONTACT_EMAIL")
    if email is not None:
        if not _CONTACT_EMAIL.match(email) or len(email) > 254:
            raise SettingsError(f"CONTACT_EMAIL must be one email address like diskominfo@example.go.id, got {email!r}")
        values["contact_email"] = email

    for attribute, variable in (("pic_phone", "PIC_PHONE"), ("pic_whatsapp", "PIC_WHATSAPP")):
        raw = get(variable)
        if raw is not None:
            number = normalize_phone(raw)
            if number is None:
                raise SettingsError(
                    f"{variable} must be an Indonesian number (0812…, 62812… or +62812…; landlines with their area "
                    f"code, 0233…), got {raw!r}"
                )
            values[attribute] = number

    logo = get("LOGO_URL")
    if logo is not None:
        values["logo_url"] = _check_logo_url(logo)
    return Identity(**values)


def _check_logo_url(value: str) -> str:
    """An https URL with a host, or a path under the site (a leading slash is dropped: pages add their base)."""
    if _SITE_PATH.match(value) and ".." not in value.split("/"):
        return value.lstrip("/")
    parts = urlsplit(value)
    if (
        parts.scheme == "https"
        and parts.hostname
        and not parts.username
        and not parts.password
        and not any(char in value for char in " \"'<>;,")
    ):
        return value
    raise SettingsError(
        "LOGO_URL must be an https:// URL or a path under the site such as assets/logo.svg "
        f"(letters, digits, . _ - and /), got {value!r}"
    )


def _opd_list_path(value: str | None) -> Path:
    if value is None:
        return DEFAULT_OPD_LIST
    return _source_path(value)


def _source_path(value: str) -> Path:
    """An absolute path as it is; a relative one under the function source folder (`functions/` in a checkout)."""
    path = Path(value)
    return path if path.is_absolute() else FUNCTIONS_DIR / path


def _check_public_base_url(url: str) -> None:
    """In production links in mails must reach people: https, and not this machine's loopback address."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or parts.query or parts.fragment:
        raise SettingsError(f"PUBLIC_BASE_URL must be an https:// URL without query in production, got {url!r}")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        local = host == "localhost" or host.endswith(".localhost")
    else:
        local = address.is_loopback or address.is_unspecified
    if local:
        raise SettingsError(f"PUBLIC_BASE_URL points at this machine ({host}) in production, got {url!r}")


def _check_tick_token(token: str) -> None:
    """A secret long enough not to be guessed, in the characters an Authorization header carries as they are."""
    if len(token) < MIN_TICK_TOKEN_CHARS or not _TICK_TOKEN.match(token):
        raise SettingsError(
            f"TICK_TOKEN must be at least {MIN_TICK_TOKEN_CHARS} characters of A-Z a-z 0-9 . _ ~ + / - "
            '(make one with python3 -c "import secrets; print(secrets.token_urlsafe(32))")'
        )


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _int(value: str, name: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {value!r}") from exc
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {number}")
    return number


def _parse_dates(value: str | None, name: str) -> frozenset[dt.date]:
    try:
        return frozenset(dt.date.fromisoformat(part) for part in _split(value or ""))
    except ValueError as exc:
        raise SettingsError(f"{name} must be comma-separated YYYY-MM-DD dates") from exc


def _parse_office_hours(value: str | None, name: str) -> OfficeHours | None:
    if value is None:
        return None
    try:
        return OfficeHours.parse(value)
    except ValueError as exc:
        raise SettingsError(
            f"{name} must look like 08:00-16:00 (24-hour clock, opening before closing), got {value!r}"
        ) from exc


def _parse_rate(value: str, name: str) -> RateLimit:
    """`10/hour`, `120/hour`, `5/minute`, `100/day`, `30/15minute`."""
    count, _, per = value.replace(" ", "").partition("/")
    digits = per.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = per[len(digits) :].removesuffix("s")
    if not count.isdigit() or int(count) < 1 or unit not in RATE_UNITS or (digits and not digits.isdigit()):
        raise SettingsError(f"{name} must look like 10/hour (a count of at least 1 per second, minute, hour or day)")
    multiple = int(digits) if digits else 1
    if multiple < 1:
        raise SettingsError(f"{name}: the window must be at least one {unit}")
    return RateLimit(int(count), multiple * RATE_UNITS[unit])


def _parse_hosts(value: str) -> tuple[ZoomHost, ...]:
    hosts = []
    for entry in _split(value):
        user, _, capacity = entry.partition(":")
        hosts.append(
            ZoomHost(
                user=user.strip(),
                capacity=_int(capacity.strip(), "ZOOM_HOSTS capacity", 2) if capacity else DEFAULT_HOST_CAPACITY,
            )
        )
    return tuple(hosts)


def _local_signing_key(data_dir: Path) -> str:
    """Generate a signing key once per checkout so links survive a restart of `make run`."""
    path = data_dir / "signing-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    # O_EXCL: two processes starting at once agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
