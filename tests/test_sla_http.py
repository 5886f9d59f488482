"""The SLA clocks through the public contract (decision 0031): a request submitted, decided and provisioned through
the targets, the clock moved, and `scheduled_tick` run — several times at every step, because each reminder goes
once whatever the tick does. The real Zoom client against the sandbox where a meeting is made; SQLite and the
Firestore emulator for the main paths.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.harness import VERIFIERS, Harness, HarnessFactory
from tests.stores import STORE_KINDS
from tests.test_review_provision_http import decide, review_token
from vicon.lifecycle import Status
from vicon.ports import ClaimedJob
from vicon.usecases.sla import SLA, Notice, SlaNotices, SlaPorts, notice_key

WIB = dt.timezone(dt.timedelta(hours=7))
BIG = "host-besar@vicon.example"
OPERATOR = "petugas.jaringan@diskominfo.example"
SUPERVISOR = "kepala.bidang.informatika@diskominfo.example"
REQUESTER = "budi.santoso@dinkes.example.go.id"
REMINDER = "Pengingat verifikasi"
OVERDUE = "Verifikasi terlambat"
MEETING_REMINDER = "Pengingat pembuatan meeting"
MEETING_OVERDUE = "Pembuatan meeting terlambat"
SLA_SUBJECTS = (REMINDER, OVERDUE, MEETING_REMINDER, MEETING_OVERDUE, "Pengingat kegiatan", "Pengingat meeting ")


def wib(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=WIB)


def at(harness: Harness, when: str, ticks: int = 1) -> None:
    """Move the clock to `when` (WIB) and run the tick `ticks` times."""
    harness.clock.now = wib(when).astimezone(dt.UTC)
    for _ in range(ticks):
        answer = harness.client("scheduled_tick").post("/")
        assert answer.status_code == 200, answer.get_data(as_text=True)


def mails(harness: Harness, to: str, subject_part: str) -> list[Any]:
    return [m for m in harness.sent_mail() if m["To"] == to and subject_part in m["Subject"]]


def sla_mails(harness: Harness) -> list[str]:
    return [f"{m['To']}: {m['Subject']}" for m in harness.sent_mail() if any(s in m["Subject"] for s in SLA_SUBJECTS)]


def text(mail: Any) -> str:
    return str(mail.get_body(("plain",)).get_content())


def sla_audit(harness: Harness, request_id: str) -> list[str]:
    return [entry.action for entry in harness.store.audit_trail(request_id) if entry.action.startswith("sla_")]


def status_query(submitted: dict[str, Any]) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(submitted["status_url"]).query).items()}


@pytest.fixture(params=STORE_KINDS)
def staffed(make_harness: HarnessFactory, request: pytest.FixtureRequest) -> Harness:
    """Two verifiers and a supervisor; Zoom unreachable (nothing here makes a meeting)."""
    return make_harness(
        store_kind=request.param, now=wib("2026-12-23T15:00"), SUPERVISOR_EMAILS=SUPERVISOR, OPERATOR_EMAILS=OPERATOR
    )


def zoom_harness(make_harness: HarnessFactory, zoom_sandbox: Any, store_kind: str = "sqlite", **env: str) -> Harness:
    staff = {"ZOOM_HOSTS": f"{BIG}:300", "SUPERVISOR_EMAILS": SUPERVISOR, "OPERATOR_EMAILS": OPERATOR}
    return make_harness(store_kind=store_kind, meetings=zoom_sandbox.client(sleep=lambda seconds: None), **staff | env)


# ---- verification: across a weekend and a holiday ----------------------------------------------------------


def test_verification_reminder_before_the_due_time_and_one_escalation_after_it_across_holidays_and_a_weekend(
    staffed: Harness,
) -> None:
    harness = staffed
    # Wednesday 23 December 2026, 15:00 WIB. Thursday 24 is cuti bersama, Friday 25 Christmas, then the weekend:
    # one working day of office time (8 hours from 08:00–16:00) ends on Monday 28 December at 15:00.
    request_id = harness.submit_valid(start="2026-12-29T09:00", end="2026-12-29T11:30", letter_date="2026-12-22")["id"]
    [verifier_mail] = mails(harness, VERIFIERS[0], "Permohonan baru")
    assert "paling lambat Senin, 28 Desember 2026 15.00 WIB" in text(verifier_mail)

    for when in ("2026-12-23T16:30", "2026-12-24T10:00", "2026-12-25T13:00", "2026-12-26T10:00", "2026-12-27T10:00"):
        at(harness, when, ticks=2)
    at(harness, "2026-12-28T08:00")
    at(harness, "2026-12-28T12:59", ticks=2)  # one minute before the reminder (two office hours before the due)
    assert sla_mails(harness) == []

    at(harness, "2026-12-28T13:00", ticks=3)
    for verifier in VERIFIERS:
        [reminder] = mails(harness, verifier, REMINDER)
        body = text(reminder)
        assert "Batas verifikasi: Senin, 28 Desember 2026 15.00 WIB" in body
        assert "/api/review_request?token=" in body and f"khusus untuk {verifier}" in body
    assert mails(harness, SUPERVISOR, OVERDUE) == []

    at(harness, "2026-12-28T14:59", ticks=2)
    assert mails(harness, SUPERVISOR, OVERDUE) == []
    at(harness, "2026-12-28T15:00", ticks=3)
    [escalation] = mails(harness, SUPERVISOR, OVERDUE)
    assert escalation["Subject"].startswith(f"[Vicon] Verifikasi terlambat {request_id}")
    body = text(escalation)
    assert "Batas verifikasi: Senin, 28 Desember 2026 15.00 WIB (TERLAMBAT)" in body
    assert ", ".join(VERIFIERS) in body and "belum diverifikasi" in body

    for when in ("2026-12-28T15:01", "2026-12-28T16:30", "2026-12-29T08:00", "2027-01-04T09:00"):
        at(harness, when, ticks=2)
    # None twice: one reminder per verifier, one escalation, each written down once.
    event = "Rapat Koordinasi Percepatan Penurunan Stunting"
    assert sorted(sla_mails(harness)) == sorted(
        [
            f"{VERIFIERS[0]}: [Vicon] {REMINDER} {request_id}: {event}",
            f"{VERIFIERS[1]}: [Vicon] {REMINDER} {request_id}: {event}",
            f"{SUPERVISOR}: [Vicon] {OVERDUE} {request_id}: {event}",
        ]
    )
    assert sla_audit(harness, request_id) == ["sla_verification_reminder", "sla_verification_overdue"]
    assert harness.request(request_id).sla_notices == (Notice.VERIFICATION_REMINDER, Notice.VERIFICATION_OVERDUE)


def test_a_stalled_tick_sends_the_escalation_and_not_a_reminder_that_is_past_its_point(staffed: Harness) -> None:
    harness = staffed
    request_id = harness.submit_valid(start="2026-12-29T09:00", end="2026-12-29T11:30", letter_date="2026-12-22")["id"]
    at(harness, "2026-12-28T17:00", ticks=2)  # no tick ran between Wednesday and Monday evening
    assert mails(harness, VERIFIERS[0], REMINDER) == []
    assert len(mails(harness, SUPERVISOR, OVERDUE)) == 1
    assert sla_audit(harness, request_id) == ["sla_verification_overdue"]


def test_the_review_page_marks_the_overdue_verification(staffed: Harness) -> None:
    harness = staffed
    request_id = harness.submit_valid(start="2026-12-29T09:00", end="2026-12-29T11:30", letter_date="2026-12-22")["id"]
    page = harness.client("review_request")
    token = review_token(harness, request_id)
    at(harness, "2026-12-28T14:59")
    before = page.get("/", query_string={"token": token}).get_data(as_text=True)
    assert "batas verifikasi Senin, 28 Desember 2026 15.00 WIB" in before and 'id="sla-overdue"' not in before
    at(harness, "2026-12-28T15:01")
    after = page.get("/", query_string={"token": token}).get_data(as_text=True)
    assert 'id="sla-overdue"' in after and "<strong>Terlambat:</strong> batas verifikasi sudah lewat" in after


def test_a_notice_run_twice_for_one_job_sends_once(make_harness: HarnessFactory) -> None:
    # A job is at least once (its lease ran out, an instance died before finishing it): the handler itself must
    # not send twice, also when both runs hold the same claim.
    harness = make_harness(SUPERVISOR_EMAILS=SUPERVISOR)
    request_id = harness.submit_valid()["id"]
    harness.clock.now = wib("2026-12-01T09:00").astimezone(dt.UTC)  # Monday's 09:00 request is due now
    [claimed] = harness.store.claim_due_jobs(harness.clock(), dt.timedelta(minutes=1), 1, [SLA])
    assert claimed.job.key == notice_key(Notice.VERIFICATION_REMINDER, request_id)
    overdue = harness.store.job(notice_key(Notice.VERIFICATION_OVERDUE, request_id))
    assert overdue is not None
    again = ClaimedJob(overdue.job, "lease", 0, None, 1)
    core = harness.core
    handler = SlaNotices(SlaPorts(core.service_level, core.store, core.mails, core.clock))
    for _ in range(3):
        handler.handle(again)
    escalations = [e for e in harness.store.pending_mail(request_id) if OVERDUE in e.mail.subject]
    assert [e.mail.to for e in escalations] == [(SUPERVISOR,)]
    assert sla_audit(harness, request_id) == ["sla_verification_overdue"]


# ---- nothing for a request that moved on in time --------------------------------------------------------------


def test_nothing_is_sent_for_a_request_decided_in_time(make_harness: HarnessFactory, zoom_sandbox: Any) -> None:
    harness = zoom_harness(make_harness, zoom_sandbox)
    rejected = harness.submit_valid()["id"]  # Monday 30 November 09:00: verification due Tuesday 09:00
    approved = harness.submit_valid(start="2026-12-02T13:00", end="2026-12-02T15:00")["id"]
    at(harness, "2026-11-30T10:00")
    assert decide(harness, review_token(harness, rejected), "reject", "Surat belum ditandatangani.").status_code == 200
    assert decide(harness, review_token(harness, approved), "approve").status_code == 200
    assert harness.request(approved).status == Status.PROVISIONED
    for when in ("2026-11-30T15:00", "2026-11-30T15:30", "2026-12-01T09:00", "2026-12-01T10:00", "2026-12-01T12:00"):
        at(harness, when, ticks=2)
    assert [s for s in sla_mails(harness) if "Pengingat kegiatan" not in s and "Pengingat meeting " not in s] == []
    assert sla_audit(harness, rejected) == []
    # The page shows the meeting made in time.
    page = harness.client("review_request").get("/", query_string={"token": review_token(harness, approved)})
    body = page.get_data(as_text=True)
    assert "Batas pembuatan meeting Selasa, 1 Desember 2026 10.00 WIB · meeting dibuat Senin, 30 November" in body
    assert "melewati batas" not in body and 'id="sla-provisioning-overdue"' not in body


def test_a_cancelled_request_gets_no_reminder(make_harness: HarnessFactory, zoom_sandbox: Any) -> None:
    harness = zoom_harness(make_harness, zoom_sandbox)
    submitted = harness.submit_valid()
    request_id = submitted["id"]
    decide(harness, review_token(harness, request_id), "approve")
    cancel = harness.client("cancel_request").post("/", data=status_query(submitted))
    assert cancel.status_code == 200
    for when in ("2026-12-01T08:00", "2026-12-01T09:00", "2026-12-02T08:00"):
        at(harness, when, ticks=2)
    assert sla_mails(harness) == []


# ---- provisioning: a meeting that could not be made -------------------------------------------------------------


def two_at_once(harness: Harness) -> tuple[dict[str, Any], str]:
    """Two requests for the same hours and one licensed host: the first gets it, the second fails at 11:00."""
    first = harness.submit_valid()
    second = harness.submit_valid(event_name="Sosialisasi Aplikasi Srikandi")["id"]
    at(harness, "2026-11-30T11:00")
    decide(harness, review_token(harness, first["id"]), "approve")
    decide(harness, review_token(harness, second), "approve")
    assert harness.request(first["id"]).status == Status.PROVISIONED
    record = harness.request(second)
    assert record.status == Status.PROVISIONING_FAILED and "Tidak ada akun Zoom" in (record.provisioning_error or "")
    return first, second


@pytest.mark.parametrize("store_kind", STORE_KINDS)
def test_a_failed_provisioning_reminds_the_verifiers_and_escalates_once_when_overdue(
    make_harness: HarnessFactory, zoom_sandbox: Any, store_kind: str
) -> None:
    harness = zoom_harness(make_harness, zoom_sandbox, store_kind)
    _, request_id = two_at_once(harness)
    # Approved Monday 11:00: the meeting is due Tuesday 11:00, the reminder two office hours before it.
    [failure] = mails(harness, VERIFIERS[0], "Pembuatan meeting tertunda")
    assert "Batas pembuatan meeting: Selasa, 1 Desember 2026 11.00 WIB" in text(failure)

    for when in ("2026-11-30T11:05", "2026-11-30T13:00", "2026-11-30T15:00", "2026-11-30T20:00", "2026-12-01T08:59"):
        at(harness, when, ticks=2)
    assert mails(harness, VERIFIERS[0], MEETING_REMINDER) == []
    at(harness, "2026-12-01T09:00", ticks=3)
    for verifier in VERIFIERS:
        [reminder] = mails(harness, verifier, MEETING_REMINDER)
        assert "Batas pembuatan meeting: Selasa, 1 Desember 2026 11.00 WIB" in text(reminder)
        assert "Tidak ada akun Zoom" in text(reminder)
    at(harness, "2026-12-01T10:59", ticks=2)
    assert mails(harness, SUPERVISOR, MEETING_OVERDUE) == []
    at(harness, "2026-12-01T11:00", ticks=3)
    [escalation] = mails(harness, SUPERVISOR, MEETING_OVERDUE)
    assert "Batas pembuatan meeting: Selasa, 1 Desember 2026 11.00 WIB (TERLAMBAT)" in text(escalation)
    for when in ("2026-12-01T11:01", "2026-12-01T15:00", "2026-12-02T08:00"):
        at(harness, when, ticks=2)
    assert len(mails(harness, SUPERVISOR, MEETING_OVERDUE)) == 1
    assert all(len(mails(harness, verifier, MEETING_REMINDER)) == 1 for verifier in VERIFIERS)
    # It was approved within its verification time: no verification notice at all.
    assert mails(harness, VERIFIERS[0], REMINDER) == [] and mails(harness, SUPERVISOR, OVERDUE) == []
    assert sla_audit(harness, request_id) == ["sla_provisioning_reminder", "sla_provisioning_overdue"]
    page = harness.client("review_request").get("/", query_string={"token": review_token(harness, request_id)})
    assert 'id="sla-provisioning-overdue"' in page.get_data(as_text=True)


def test_a_failed_provisioning_that_succeeds_before_the_due_time_sends_nothing_more(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    harness = zoom_harness(make_harness, zoom_sandbox)
    first, request_id = two_at_once(harness)
    assert harness.client("cancel_request").post("/", data=status_query(first)).status_code == 200
    at(harness, "2026-11-30T11:30", ticks=2)  # the next retry finds the host free
    assert harness.request(request_id).status == Status.PROVISIONED
    for when in ("2026-12-01T09:00", "2026-12-01T11:00", "2026-12-01T12:00"):
        at(harness, when, ticks=2)
    assert mails(harness, VERIFIERS[0], MEETING_REMINDER) == [] and mails(harness, SUPERVISOR, MEETING_OVERDUE) == []
    assert [a for a in sla_audit(harness, request_id) if "provisioning" in a] == []


# ---- the working day before the event ----------------------------------------------------------------------


@pytest.mark.parametrize("store_kind", STORE_KINDS)
def test_the_working_day_before_the_event_the_requester_and_the_officers_are_reminded_once(
    make_harness: HarnessFactory, zoom_sandbox: Any, store_kind: str
) -> None:
    harness = zoom_harness(make_harness, zoom_sandbox, store_kind, OPERATOR_EMAILS=f"{OPERATOR},petugas.dua@x.example")
    harness.clock.now = wib("2026-12-18T10:00").astimezone(dt.UTC)  # Friday 18 December
    request_id = harness.submit_valid(start="2026-12-28T09:00", end="2026-12-28T11:30", letter_date="2026-12-17")["id"]
    at(harness, "2026-12-18T11:00")
    decide(harness, review_token(harness, request_id), "approve")
    meeting = harness.request(request_id).held_meeting()
    # The event is on Monday 28 December; Friday 25 is Christmas and Thursday 24 cuti bersama, so the reminder
    # goes on Wednesday 23 December at the office's opening.
    for when in ("2026-12-21T08:00", "2026-12-22T16:00", "2026-12-23T07:59"):
        at(harness, when, ticks=2)
    assert mails(harness, REQUESTER, "Pengingat kegiatan") == []
    at(harness, "2026-12-23T08:00", ticks=3)
    for when in ("2026-12-23T09:00", "2026-12-24T08:00", "2026-12-28T08:00"):
        at(harness, when, ticks=2)

    [reminder] = mails(harness, REQUESTER, "Pengingat kegiatan")
    body = text(reminder)
    assert "Senin, 28 Desember 2026, 09.00–11.30 WIB" in body
    assert meeting.join_url in body and (meeting.passcode or "-") in body
    assert f"/status.html?id={request_id}&token=" in body
    assert "start_meeting" not in body and "officer" not in body  # never a host link for the requester
    for operator in (OPERATOR, "petugas.dua@x.example"):
        [officer] = mails(harness, operator, "Pengingat meeting ")
        assert "/api/start_meeting?token=" in text(officer) and meeting.host in text(officer)
    assert sla_audit(harness, request_id) == ["sla_meeting_reminder"]


def test_no_day_before_reminder_when_the_meeting_is_made_after_its_time(
    make_harness: HarnessFactory, zoom_sandbox: Any
) -> None:
    # Submitted Monday for Wednesday, approved Tuesday 10:00: the invitation itself is the day-before mail.
    harness = zoom_harness(make_harness, zoom_sandbox)
    request_id = harness.submit_valid()["id"]
    at(harness, "2026-12-01T10:00")
    decide(harness, review_token(harness, request_id), "approve")
    assert harness.store.job(notice_key(Notice.MEETING_REMINDER, request_id)) is None
    at(harness, "2026-12-01T10:30")
    assert mails(harness, REQUESTER, "Pengingat kegiatan") == []
    assert len(mails(harness, REQUESTER, "Zoom Meeting siap")) == 1
