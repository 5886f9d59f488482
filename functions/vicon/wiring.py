"""Builds the Core from settings once per process; adapters are chosen by URL and created lazily."""

from __future__ import annotations

import os
import threading

from vicon.blobs import blobs_from_url
from vicon.core import Core
from vicon.mail import FolderMailSink, SmtpMailer
from vicon.ports import Mailer
from vicon.settings import Settings
from vicon.store import store_from_url

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


def build_core(settings: Settings) -> Core:
    """A Core with the adapters the settings name."""
    return Core(
        settings=settings,
        store=store_from_url(settings.store_url, project=os.environ.get("GOOGLE_CLOUD_PROJECT")),
        blobs=blobs_from_url(settings.blob_url),
        mailer=mailer_from_settings(settings),
    )


def get_core() -> Core:
    """The process-wide Core, built on first use (not at import: cold starts stay cheap)."""
    global _core
    with _lock:
        if _core is None:
            _core = build_core(Settings.from_env())
        return _core


def reset_core(core: Core | None = None) -> None:
    """Forget (or replace) the process-wide Core; for the dev server and tests."""
    global _core
    with _lock:
        _core = core
