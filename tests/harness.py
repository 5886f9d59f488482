"""A Core wired to real adapters in a temp folder, and clients for the targets through the Functions Framework."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from functions_framework import create_app

from tests.pdfs import one_page_pdf
from tests.stores import STORE_KINDS, make_store
from vicon.blobs import FolderBlobs
from vicon.core import Core
from vicon.mail import FolderMailSink
from vicon.ports import Mailer, Store, Zoom
from vicon.records import RequestRecord
from vicon.settings import REPO_DIR, Settings
from vicon.timefmt import iso
from vicon.wiring import reset_core
from vicon.zoom import ZoomClient

MAIN = str(REPO_DIR / "functions" / "main.py")
_client_lock = threading.Lock()
WIB = dt.timezone(dt.timedelta(hours=7))
# Monday 30 November 2026, 09:00 WIB: two working days later is Wednesday 2 December.
MONDAY_MORNING = dt.datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
VERIFIERS = ("verifikator.satu@diskominfo.example", "verifikator.dua@diskominfo.example")


class Clock:
    """A settable clock: tests decide what "now" is."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def valid_fields(**overrides: str | list[str]) -> dict[str, Any]:
    """A complete, valid submission for an event on Wednesday 2 December 2026 (submitted Monday 30 November)."""
    fields: dict[str, Any] = {
        "opd": "Dinas Kesehatan",
        "event_name": "Rapat Koordinasi Percepatan Penurunan Stunting",
        "event_type": "rapat_koordinasi",
        "start": "2026-12-02T09:00",
        "end": "2026-12-02T11:30",
        "participant_count": "40",
        "participants": "Kepala Puskesmas Majalengka\nKepala Puskesmas Kadipaten\nBappelitbangda",
        "speakers": "dr. Siti Rahmawati (Kepala Dinas Kesehatan)",
        "contact_name": "Budi Santoso",
        "contact_phone": "0812-3456-7890",
        "contact_email": "budi.santoso@dinkes.example.go.id",
        "letter_number": "005/123/Dinkes/2026",
        "letter_date": "2026-11-27",
        "needs": ["breakout_room", "recording"],
        "needs_notes": "Mohon disiapkan 3 breakout room.",
        "recording_consent": "on",
        "website": "",
    }
    fields.update(overrides)
    return {name: value for name, value in fields.items() if value is not None}


@dataclass
class Harness:
    core: Core
    clock: Clock
    data_dir: Path
    sink: FolderMailSink | None
    _clients: dict[str, FlaskClient] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.core.store

    def client(self, target: str) -> FlaskClient:
        # Built once, under a lock: tests call this from many threads, and werkzeug compiles routes with the
        # ast module, which CPython 3.11 cannot do in two threads at once.
        with _client_lock:
            if target not in self._clients:
                self._clients[target] = create_app(target, MAIN).test_client()
            return self._clients[target]

    def submit(
        self, fields: dict[str, Any] | None = None, letter: bytes | None = None, filename: str = "surat.pdf", **kw: Any
    ) -> Any:
        """POST multipart/form-data to submit_request, like the form does."""
        data: dict[str, Any] = dict(valid_fields() if fields is None else fields)
        if letter is not None:
            data["letter"] = (_stream(letter), filename, "application/pdf")
        return self.client("submit_request").post("/", data=data, content_type="multipart/form-data", **kw)

    def submit_valid(self, **overrides: Any) -> dict[str, Any]:
        response = self.submit(valid_fields(**overrides), one_page_pdf())
        assert response.status_code == 201, response.get_data(as_text=True)
        return dict(response.get_json())

    def request(self, request_id: str) -> RequestRecord:
        """The stored request, which the test expects to exist."""
        record = self.store.get_request(request_id)
        assert record is not None, f"no request {request_id}"
        return record

    def all_requests(self) -> list[RequestRecord]:
        everything = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
        return self.store.requests_starting_between(*everything)

    def sent_mail(self) -> list[Any]:
        assert self.sink is not None
        return [self.sink.get_message(m.id) for m in self.sink.list_messages()]

    def blob_files(self) -> list[Path]:
        root = self.data_dir / "blobs"
        return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []

    def assert_nothing_stored_or_sent(self) -> None:
        assert self.all_requests() == []
        assert self.store.pending_mail() == []
        assert self.blob_files() == []
        if self.sink is not None:
            assert self.sink.list_messages() == []


def _stream(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def settings_for(data_dir: Path, **env: str) -> Settings:
    base = {
        "VICON_DATA_DIR": str(data_dir),
        "SIGNING_KEY": "test-signing-key",
        "PUBLIC_BASE_URL": "https://vicon.example.go.id",
        "VERIFIER_EMAILS": ",".join(VERIFIERS),
        "MAIL_FROM": "Vicon <vicon@diskominfo.example>",
    }
    return Settings.from_env({**base, **env})


HarnessFactory = Callable[..., Harness]


def unreachable_zoom() -> ZoomClient:
    """For tests that must not reach Zoom: any call fails (nothing listens on the discard port)."""
    return ZoomClient("http://127.0.0.1:9/v2", "http://127.0.0.1:9/oauth/token", "a", "b", "c", timeout=1)


@pytest.fixture
def make_harness(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[HarnessFactory]:
    """Build a harness: `store_kind` sqlite or firestore, `mailer` (default: the folder sink), env overrides."""

    def build(
        store_kind: str = "sqlite",
        mailer: Mailer | None = None,
        now: dt.datetime = MONDAY_MORNING,
        meetings: Zoom | None = None,
        **env: str,
    ) -> Harness:
        settings = settings_for(tmp_path, **env)
        sink = None
        if mailer is None:
            sink = FolderMailSink(tmp_path / "mail")
            mailer = sink
        clock = Clock(now)
        core = Core(
            settings=settings,
            store=make_store(store_kind, tmp_path, request),
            blobs=FolderBlobs(tmp_path / "blobs"),
            mailer=mailer,
            meetings=meetings or unreachable_zoom(),
            clock=clock,
        )
        reset_core(core)
        return Harness(core=core, clock=clock, data_dir=tmp_path, sink=sink)

    yield build
    reset_core(None)


@pytest.fixture
def harness(make_harness: HarnessFactory) -> Harness:
    """The embedded defaults: SQLite, a blob folder, the mail sink."""
    return make_harness()


@pytest.fixture(params=STORE_KINDS)
def any_store_harness(make_harness: HarnessFactory, request: pytest.FixtureRequest) -> Harness:
    """The same test on SQLite and on the Firestore emulator."""
    return make_harness(store_kind=request.param)


__all__ = ["MONDAY_MORNING", "Harness", "iso", "valid_fields"]
