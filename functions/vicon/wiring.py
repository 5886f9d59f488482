"""Builds the Core from settings once per process; adapters are chosen by URL and created lazily."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable

from vicon.blobs import blobs_from_url
from vicon.core import Core, utc_now
from vicon.mail import FolderMailSink, SmtpMailer
from vicon.ports import Mailer, Store
from vicon.settings import Settings
from vicon.zoom import ZoomClient

_lock = threading.Lock()
_core: Core | None = None


def mailer_from_settings(settings: Settings) -> Mailer:
    """SMTP when SMTP_HOST is set, otherwise the local sink shown at /_dev/mail."""
    if settings.smtp_host:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_security,
            settings.smtp_username,
            settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
    return FolderMailSink(settings.mail_sink_dir)


SANDBOX_PATH = "/_zoom"
SANDBOX_CREDENTIAL = "sandbox"


def meetings_from_settings(settings: Settings, clock: Callable[[], dt.datetime] = utc_now) -> ZoomClient:
    """The Zoom client: the real API when configured, else the sandbox the dev server mounts at /_zoom."""
    if settings.uses_zoom_sandbox:
        base = f"http://127.0.0.1:{settings.port}{SANDBOX_PATH}"
        return ZoomClient(
            f"{base}/v2",
            f"{base}/oauth/token",
            SANDBOX_CREDENTIAL,
            SANDBOX_CREDENTIAL,
            SANDBOX_CREDENTIAL,
            wall_clock=clock,
        )
    return ZoomClient(
        settings.zoom_api_url or "",
        settings.zoom_oauth_url or "",
        settings.zoom_account_id or "",
        settings.zoom_client_id or "",
        settings.zoom_client_secret or "",
        wall_clock=clock,
    )


def store_from_url(url: str, project: str | None = None) -> Store:
    """`sqlite:///relative`, `sqlite:////absolute` or `firestore`.

    Only the chosen adapter's module is imported (production never loads sqlite3); neither imports this module.
    """
    if url.startswith("sqlite:///"):
        from vicon.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url == "firestore" or url.startswith("firestore://"):
        from vicon.store.firestore import FirestoreStore

        return FirestoreStore(project=project)
    raise ValueError(f"STORE_URL {url!r}: expected sqlite:///PATH or firestore")


def build_core(settings: Settings) -> Core:
    """A Core with the adapters the settings name."""
    return Core(
        settings=settings,
        store=store_from_url(settings.store_url, project=os.environ.get("GOOGLE_CLOUD_PROJECT")),
        blobs=blobs_from_url(settings.blob_url),
        mailer=mailer_from_settings(settings),
        meetings=meetings_from_settings(settings),
    )


def get_core() -> Core:
    """The process-wide Core, built on first use (not at import: cold starts stay cheap)."""
    global _core
    with _lock:
        if _core is None:
            _core = build_core(Settings.from_env())
        return _core


def current_settings_logo_origin() -> str | None:
    """The origin of an https LOGO_URL of the process-wide core, if one is built; for the pages' CSP."""
    core = _core
    return core.settings.identity.logo_origin if core is not None else None


def reset_core(core: Core | None = None) -> None:
    """Forget (or replace) the process-wide Core; for the dev server and tests."""
    global _core
    with _lock:
        _core = core
