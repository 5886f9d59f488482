"""After the meeting, through the public contract: Zoom's webhook, the recordings archived into our storage and
trashed in Zoom, consent, retention, completion. Both stores, the real Zoom client against the sandbox over HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import Harness, HarnessFactory
from vicon.lifecycle import Status
from vicon_dev.zoom_webhooks import signed_webhook_headers

SECRET = "rahasia-webhook-uji"  # test-only webhook secret of the local sandbox
BIG = "host-besar@vicon.example"
SMALL = "host-kecil@vicon.example"
OPERATOR = "operator.jaringan@diskominfo.example"
SUPERVISOR = "kepala.bidang@diskominfo.example"
REQUESTER = "budi.santoso@dinkes.example.go.id"
RECORDINGS_DELETE = r"^/v2/meetings/.+/recordings$"


def after_meeting_harness(make_harness: HarnessFactory, zoom_sandbox: Any, store_kind: str = "sqlite") -> Harness:
    """Two hosts on the Zoom sandbox over HTTP, officers, a supervisor and the webhook secret: what happens after a
    meeting (webhooks, recordings, the survey) on `store_kind`."""
    zoom_sandbox.state.base_url = zoom_sandbox.base_url
    return make_harness(
        store_kind=store_kind,
        meetings=zoom_sandbox.client(sleep=lambda seconds: None),
        ZOOM_HOSTS=f"{BIG}:300,{SMALL}:100",
        OPERATOR_EMAILS=OPERATOR,
        SUPERVISOR_EMAILS=SUPERVISOR,
        ZOOM_WEBHOOK_SECRET=SECRET,
    )


@pytest.fixture(params=["sqlite", pytest.param("firestore", marks=pytest.mark.firestore)])
def rec(make_harness: HarnessFactory, zoom_sandbox: Any, request: pytest.FixtureRequest) -> Harness:
    return after_meeting_harness(make_harness, zoom_sandbox, request.param)


@pytest.fixture
def rec_sqlite(make_harness: HarnessFactory, zoom_sandbox: Any) -> Harness:
    return after_meeting_harness(make_harness, zoom_sandbox)


def review_token(harness: Harness, request_id: str) -> str:
    for mail in harness.sent_mail():
        if request_id in mail["Subject"] and "Permohonan baru" in mail["Subject"]:
            found = re.search(r"https?://\S+/api/review_request\?token=\S+", mail.get_body(("plain",)).get_content())
            assert found is not None
            return parse_qs(urlsplit(found.group(0)).query)["token"][0]
    raise AssertionError(f"no review mail for {request_id}")


def provisioned(harness: Harness, consent: bool = True) -> tuple[str, int, str]:
    """A request approved and given its meeting: (request id, meeting id, meeting UUID)."""
    fields: dict[str, Any] = (
        {"needs": ["recording"], "recording_consent": "on"} if consent else {"needs": [], "recording_consent": ""}
    )
    request_id = harness.submit_valid(**fields)["id"]
    token = review_token(harness, request_id)
    answer = harness.client("review_request").post("/", data={"token": token, "decision": "approve"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    record = harness.request(request_id)
    assert record.status == Status.PROVISIONED, record.provisioning_error
    meeting = record.held_meeting()
    return request_id, meeting.id, meeting.uuid


def post_webhook(harness: Harness, event: dict[str, Any], secret: str = SECRET, **overrides: Any) -> Any:
    body = overrides.pop("body", None) or json.dumps(event).encode()
    at = overrides.pop("at", harness.clock())
    headers = signed_webhook_headers(secret, body, at)
    headers.update(overrides.pop("headers", {}))
    return harness.client("zoom_webhook").post("/", data=body, headers=headers, content_type="application/json")


def run_jobs(harness: Harness) -> dict[str, Any]:
    report: dict[str, Any] = harness.client("scheduled_tick").post("/").get_json()
    return report


def mails(harness: Harness, to: str, subject_part: str) -> list[Any]:
    return [m for m in harness.sent_mail() if m["To"] == to and subject_part in m["Subject"]]


def trash_calls(zoom_sandbox: Any) -> int:
    return int(zoom_sandbox.state.calls_to("DELETE", RECORDINGS_DELETE))


def after_meeting(harness: Harness, request_id: str, hours: float = 2) -> None:
    harness.clock.now = harness.request(request_id).end + dt.timedelta(hours=hours)


# ---- the webhook's door ---------------------------------------------------------------------------------------


def test_url_validation_is_answered_as_zoom_documents_it(rec_sqlite: Harness) -> None:
    harness = rec_sqlite
    event = {"event": "endpoint.url_validation", "event_ts": 1, "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}
    for answer in (
        post_webhook(harness, event),
        harness.client("zoom_webhook").post("/", json=event),  # Zoom's check without the signature headers too
    ):
        assert answer.status_code == 200
        digest = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", "sha256").hexdigest()
        assert answer.get_json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": digest}


def test_url_validation_never_signs_what_could_pass_for_a_delivery(rec_sqlite: Harness) -> None:
    # HMAC(secret, "v0:{ts}:{body}") is exactly a delivery's signature: such a "token" must never be answered.
    harness = rec_sqlite
    forged = '{"event":"meeting.ended"}'
    event = {"event": "endpoint.url_validation", "event_ts": 1, "payload": {"plainToken": f"v0:1700000000:{forged}"}}
    answer = harness.client("zoom_webhook").post("/", json=event)
    assert answer.status_code == 400
    assert answer.get_json()["errors"][0]["field"] == "payload.plainToken"


def _no_job_was_queued(harness: Harness) -> None:
    assert harness.store.claim_due_jobs(harness.clock() + dt.timedelta(days=400), dt.timedelta(minutes=1), 50) == []


def test_a_delivery_zoom_did_not_sign_is_refused_and_changes_nothing(rec_sqlite: Harness, zoom_sandbox: Any) -> None:
    harness = rec_sqlite
    request_id, meeting_id, _ = provisioned(harness)
    # Claim and finish what approval scheduled, so only what the deliveries below would queue is left.
    for claimed in harness.store.claim_due_jobs(harness.clock() + dt.timedelta(days=400), dt.timedelta(minutes=5), 50):
        harness.store.finish_job(claimed.job.key, claimed.lease, harness.clock())
    event = zoom_sandbox.state.meeting_ended_event(meeting_id, end_time=harness.request(request_id).end)
    body = json.dumps(event).encode()
    now = harness.clock()
    cases = {
        "bad signature": post_webhook(harness, event, secret="rahasia-lain"),
        "stale timestamp": post_webhook(harness, event, at=now - dt.timedelta(minutes=6)),
        "from the future": post_webhook(harness, event, at=now + dt.timedelta(minutes=6)),
        "no signature": post_webhook(harness, event, headers={"x-zm-signature": ""}),
        "no timestamp": post_webhook(harness, event, headers={"x-zm-request-timestamp": ""}),
    }
    # The body Zoom signed, changed after signing: one byte, and the event itself.
    headers = signed_webhook_headers(SECRET, body, now)
    for name, changed in (
        ("a byte changed", body[:-2] + b" }"),
        ("the event changed", body.replace(b"meeting.ended", b"meeting.started")),
    ):
        cases[name] = harness.client("zoom_webhook").post(
            "/", data=changed, headers=headers, content_type="application/json"
        )
    for name, answer in cases.items():
        assert answer.status_code in (400, 401), name
        assert answer.get_json()["errors"][0]["message"], name
    _no_job_was_queued(harness)
    assert harness.request(request_id).status == Status.PROVISIONED


def test_without_a_webhook_secret_every_delivery_is_refused(make_harness: HarnessFactory, zoom_sandbox: Any) -> None:
    harness = make_harness(meetings=zoom_sandbox.client(sleep=lambda seconds: None))
    event = {"event": "endpoint.url_validation", "event_ts": 1, "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}
    answer = post_webhook(harness, event, secret="apa-saja")
    assert answer.status_code == 403
    assert answer.get_json()["errors"][0]["field"] == "secret"
    assert harness.client("zoom_webhook").post("/", json=event).status_code == 403


def test_a_body_that_is_not_an_event_is_a_400(rec_sqlite: Harness) -> None:
    harness = rec_sqlite
    for body in (b"not json", b"[1, 2]", b'{"payload": {}}', "\u00ff".encode("latin-1")):
        answer = post_webhook(harness, {}, body=body)
        assert answer.status_code == 400, body
        assert answer.get_json()["errors"]
    _no_job_was_queued(harness)


# ---- recordings ---------------------------------------------------------------------------------------------


def test_a_recording_is_archived_once_then_trashed_in_zoom_once(rec: Harness, zoom_sandbox: Any) -> None:
    harness = rec
    request_id, meeting_id, uuid = provisioned(harness)
    recording = zoom_sandbox.state.add_recording(meeting_id)
    after_meeting(harness, request_id, hours=0.25)
    event = zoom_sandbox.state.recording_completed_event(uuid)

    for _ in range(3):  # Zoom delivers late, twice, or more
        assert post_webhook(harness, event).status_code == 200
    run_jobs(harness)
    run_jobs(harness)

    record = harness.request(request_id)
    files = {file["id"]: file for file in recording["recording_files"]}
    assert sorted(a.file_id for a in record.recordings) == sorted(files)
    for archived in record.recordings:
        data = zoom_sandbox.state.file_bytes(archived.file_id)
        assert archived.size == len(data) == files[archived.file_id]["file_size"]
        assert archived.sha256 == hashlib.sha256(data).hexdigest()
        assert harness.core.blobs.get(archived.blob_key) == data
    assert trash_calls(zoom_sandbox) == 1
    assert zoom_sandbox.state.trashed(uuid) is not None
    assert record.trashed_recordings == (uuid,)
    assert len(mails(harness, REQUESTER, "Rekaman tersedia")) == 1
    actions = [entry.action for entry in harness.store.audit_trail(request_id)]
    assert actions.count("recording_archived") == len(files) and actions.count("recording_trashed") == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"cut_after": 100},
        {"status": 500},
        {"status": 200, "content_type": "text/html; charset=utf-8", "body": "<html><body>Sign in</body></html>"},
    ],
    ids=["cut-off", "500", "html-200"],
)
def test_a_failed_download_is_retried_and_zoom_keeps_its_copy_until_the_bytes_are_archived(
    rec_sqlite: Harness, zoom_sandbox: Any, fault: dict[str, Any]
) -> None:
    harness = rec_sqlite
    request_id, meeting_id, uuid = provisioned(harness)
    zoom_sandbox.state.add_recording(meeting_id, files=[{"file_type": "MP4", "size": 300_000}])
    after_meeting(harness, request_id, hours=0.25)
    # The cut comes on the file's content, behind the download link's redirect; the others on the link itself.
    where = r"^/rec/content/" if "cut_after" in fault else r"^/rec/(webhook_)?download/"
    zoom_sandbox.state.inject("GET", where, times=1, **fault)
    post_webhook(harness, zoom_sandbox.state.recording_completed_event(uuid))

    run_jobs(harness)
    record = harness.request(request_id)
    assert record.recordings == ()  # never a truncated file, never an HTML page
    assert trash_calls(zoom_sandbox) == 0 and zoom_sandbox.state.recording(uuid) is not None
    [key] = [k for k in _pending_keys(harness) if k.startswith("recordings:") and not k.endswith(":trigger")]
    job = harness.store.job(key)
    assert job is not None and job.attempts == 1 and job.last_error

    harness.clock.now = job.job.due_at + dt.timedelta(seconds=1)
    run_jobs(harness)
    record = harness.request(request_id)
    assert [a.size for a in record.recordings] == [300_000]
    assert trash_calls(zoom_sandbox) == 1


def _pending_keys(harness: Harness) -> list[str]:
    keys = []
    for request_id in [r.id for r in harness.all_requests()]:
        keys += [state.job.key for state in harness.store.jobs_by_request(request_id) if state.state == "pending"]
    return keys


def test_a_missed_webhook_is_caught_by_the_trigger(rec: Harness, zoom_sandbox: Any) -> None:
    harness = rec
    request_id, meeting_id, _uuid = provisioned(harness)
    zoom_sandbox.state.add_recording(meeting_id)
    after_meeting(harness, request_id, hours=1.5)  # the trigger is due an hour after the end
    run_jobs(harness)
    assert len(harness.request(request_id).recordings) == 2
    assert trash_calls(zoom_sandbox) == 1


def test_a_recording_missed_by_webhook_and_trigger_is_caught_by_the_daily_sweep(
    rec_sqlite: Harness, zoom_sandbox: Any
) -> None:
    harness = rec_sqlite
    request_id, meeting_id, _uuid = provisioned(harness)
    after_meeting(harness, request_id, hours=60)  # the trigger looked for two days and found nothing
    run_jobs(harness)
    run_jobs(harness)
    assert harness.request(request_id).recordings == ()
    zoom_sandbox.state.add_recording(meeting_id)  # Zoom lists it only now
    harness.clock.now += dt.timedelta(days=1)  # the next day's sweep
    run_jobs(harness)
    run_jobs(harness)
    assert len(harness.request(request_id).recordings) == 2
    assert trash_calls(zoom_sandbox) == 1


def test_a_meeting_made_in_the_zoom_portal_is_never_touched(rec_sqlite: Harness, zoom_sandbox: Any) -> None:
    harness = rec_sqlite
    foreign = zoom_sandbox.state.add_recording(89012345678, host=SMALL)
    post_webhook(harness, zoom_sandbox.state.recording_completed_event(foreign["uuid"]))
    harness.clock.now += dt.timedelta(days=1)
    run_jobs(harness)
    run_jobs(harness)
    assert trash_calls(zoom_sandbox) == 0 and zoom_sandbox.state.recording(foreign["uuid"]) is not None


def test_two_ticks_at_once_archive_and_mail_once(rec: Harness, zoom_sandbox: Any) -> None:
    harness = rec
    request_id, meeting_id, _uuid = provisioned(harness)
    zoom_sandbox.state.add_recording(meeting_id)
    after_meeting(harness, request_id, hours=1.5)
    threads = [threading.Thread(target=harness.core.tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_jobs(harness)
    actions = [entry.action for entry in harness.store.audit_trail(request_id)]
    assert actions.count("recording_archived") == 2 and actions.count("recording_trashed") == 1
    assert len(mails(harness, REQUESTER, "Rekaman tersedia")) == 1
    assert trash_calls(zoom_sandbox) == 1


# ---- consent --------------------------------------------------------------------------------------------------


def _decision_token(harness: Harness, to: str) -> str:
    [mail] = mails(harness, to, "Rekaman tanpa persetujuan")
    found = re.search(r"https?://\S+/api/recording_decision\?token=\S+", mail.get_body(("plain",)).get_content())
    assert found is not None
    return parse_qs(urlsplit(found.group(0)).query)["token"][0]


@pytest.mark.parametrize("decision", ["delete", "archive"])
def test_a_recording_without_consent_is_reported_before_anything_is_deleted(
    rec_sqlite: Harness, zoom_sandbox: Any, decision: str
) -> None:
    harness = rec_sqlite
    request_id, meeting_id, uuid = provisioned(harness, consent=False)
    zoom_sandbox.state.add_recording(meeting_id)  # a host pressed "record to cloud" anyway
    after_meeting(harness, request_id, hours=0.25)
    post_webhook(harness, zoom_sandbox.state.recording_completed_event(uuid))
    run_jobs(harness)
    run_jobs(harness)

    assert trash_calls(zoom_sandbox) == 0 and harness.request(request_id).recordings == ()
    for person in (OPERATOR, SUPERVISOR):
        mail = mails(harness, person, "Rekaman tanpa persetujuan")
        assert len(mail) == 1 and request_id in mail[0].get_body(("plain",)).get_content()
    token = _decision_token(harness, SUPERVISOR)
    page = harness.client("recording_decision").get("/", query_string={"token": token})
    assert page.status_code == 200 and "Hapus sekarang" in page.get_data(as_text=True)
    assert trash_calls(zoom_sandbox) == 0  # opening the link decided nothing

    answer = harness.client("recording_decision").post("/", data={"token": token, "decision": decision})
    assert answer.status_code == 200
    run_jobs(harness)
    record = harness.request(request_id)
    assert record.recording_decided_by == SUPERVISOR
    assert trash_calls(zoom_sandbox) == 1
    assert len(record.recordings) == (2 if decision == "archive" else 0)
    again = harness.client("recording_decision").post("/", data={"token": token, "decision": "archive"})
    assert again.status_code == 409
    assert f"recording_{decision}" in [e.action for e in harness.store.audit_trail(request_id) if e.actor == SUPERVISOR]


# ---- retention and the organiser's link ----------------------------------------------------------------------


def _recordings_link(harness: Harness) -> str:
    [mail] = mails(harness, REQUESTER, "Rekaman tersedia")
    found = re.search(r"https?://\S+/api/recordings\?token=\S+", mail.get_body(("plain",)).get_content())
    assert found is not None
    return parse_qs(urlsplit(found.group(0)).query)["token"][0]


def test_the_organiser_downloads_until_the_retention_deletion_and_nothing_is_left_after(
    rec: Harness, zoom_sandbox: Any
) -> None:
    harness = rec
    request_id, meeting_id, uuid = provisioned(harness)
    zoom_sandbox.state.add_recording(meeting_id)
    after_meeting(harness, request_id, hours=1.5)
    run_jobs(harness)
    record = harness.request(request_id)
    token = _recordings_link(harness)
    listing = harness.client("recordings").get("/", query_string={"token": token})
    assert listing.status_code == 200
    [first, *_] = record.recordings
    data = harness.core.blobs.get(first.blob_key)
    whole = harness.client("recording_file").get("/", query_string={"token": token, "file": first.file_id})
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Content-Disposition"] == f'attachment; filename="rekaman-{request_id}-1.mp4"'
    part = harness.client("recording_file").get(
        "/", query_string={"token": token, "file": first.file_id}, headers={"Range": "bytes=10-19"}
    )
    assert part.status_code == 206 and part.data == data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    beyond = harness.client("recording_file").get(
        "/", query_string={"token": token, "file": first.file_id}, headers={"Range": f"bytes={len(data)}-"}
    )
    assert beyond.status_code == 416

    deletion = record.end + dt.timedelta(days=harness.core.settings.recording_retention_days)
    harness.clock.now = deletion - dt.timedelta(days=3) + dt.timedelta(minutes=1)
    run_jobs(harness)
    assert len(mails(harness, REQUESTER, "Rekaman akan dihapus")) == 1
    harness.clock.now = deletion - dt.timedelta(minutes=1)
    run_jobs(harness)
    assert all(harness.core.blobs.exists(f.blob_key) for f in record.recordings)  # not a minute early

    harness.clock.now = deletion + dt.timedelta(hours=23)
    run_jobs(harness)
    after = harness.request(request_id)
    assert after.recordings == () and len(after.deleted_recordings) == 2
    assert not any(harness.core.blobs.exists(f.blob_key) for f in record.recordings)
    deleted = [e for e in harness.store.audit_trail(request_id) if e.action == "recording_deleted"]
    assert sorted(e.detail["sha256"] for e in deleted) == sorted(f.sha256 for f in record.recordings)
    assert all(e.detail["size"] and "masa simpan" in e.detail["reason"] for e in deleted)
    # Zoom's copy does not outlive the retention either: its trash is emptied of the meeting's recordings.
    assert zoom_sandbox.state.trashed(uuid) is None and zoom_sandbox.state.recording(uuid) is None
    gone = harness.client("recording_file").get("/", query_string={"token": token, "file": first.file_id})
    assert gone.status_code in (404, 410)


# ---- completion -------------------------------------------------------------------------------------------------


def test_meeting_ended_completes_the_request_and_a_test_run_does_not(rec: Harness, zoom_sandbox: Any) -> None:
    harness = rec
    request_id, meeting_id, _uuid = provisioned(harness)
    record = harness.request(request_id)
    rehearsal_end = record.start - dt.timedelta(hours=20)
    post_webhook(harness, zoom_sandbox.state.meeting_ended_event(meeting_id, end_time=rehearsal_end))
    run_jobs(harness)
    assert harness.request(request_id).status == Status.PROVISIONED
    assert "meeting_test_run" in [e.action for e in harness.store.audit_trail(request_id)]

    harness.clock.now = record.end + dt.timedelta(minutes=5)
    ended = record.end - dt.timedelta(minutes=10)
    zoom_sandbox.state.hold_meeting(meeting_id, record.start, ended)
    event = zoom_sandbox.state.meeting_ended_event(meeting_id, end_time=ended)
    assert post_webhook(harness, event).status_code == 200
    assert post_webhook(harness, event).status_code == 200
    run_jobs(harness)
    completed = harness.request(request_id)
    assert completed.status == Status.COMPLETED and completed.actual_end == ended
    assert [h.status for h in completed.history].count(Status.COMPLETED) == 1


def test_the_tick_completes_a_meeting_whose_webhook_never_came(rec_sqlite: Harness, zoom_sandbox: Any) -> None:
    harness = rec_sqlite
    request_id, meeting_id, _uuid = provisioned(harness)
    record = harness.request(request_id)
    participants = [
        {"name": "Budi", "user_email": "budi@dinkes.example.go.id"},
        {"name": "Budi", "user_email": "budi@dinkes.example.go.id"},  # rejoined
        {"name": "Sari", "user_email": ""},
    ]
    zoom_sandbox.state.hold_meeting(meeting_id, record.start, record.end, participants)
    harness.clock.now = record.end + dt.timedelta(hours=2)
    run_jobs(harness)
    run_jobs(harness)
    completed = harness.request(request_id)
    assert completed.status == Status.COMPLETED
    assert completed.attendance_participants is not None and completed.attendance_participants >= 2
    assert completed.attendance_minutes is not None and completed.attendance_minutes > 0
