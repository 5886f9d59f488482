"""Every mail the service sends, built the way it builds them: MailComposer on records made by the core's own code.

Shared by the phone-layout browser tests and the text-part tests, so both see every kind and every variant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tests.harness import Harness, HarnessFactory
from tests.test_templates import complaint_records, records
from tests.zoom_needs_data import POLLS_REFUSED, with_zoom_needs
from vicon.meetings import Recording, RecordingFile
from vicon.ports import OutboxEntry, OutgoingMail
from vicon.records import RequestChannel, RequestRecord

OPERATOR = "operator.jaringan@diskominfo.example"
SUPERVISOR = "kepala.bidang.aplikasi.informatika@diskominfo.example"

Build = Callable[[Harness, dict[str, RequestRecord]], list[OutgoingMail]]


def _undeliverable(harness: Harness, r: dict[str, RequestRecord]) -> list[OutgoingMail]:
    [invitation, *_] = harness.core.mails.provisioned(r["provisioned"])
    entry = OutboxEntry("m1", invitation, r["provisioned"].id, 7, harness.clock())
    error = f"550 5.1.1 <{r['provisioned'].contact_email}>: Recipient address rejected: mailbox unavailable"
    return harness.core.mails.undeliverable(entry, error)


def _unconsented(harness: Harness, r: dict[str, RequestRecord]) -> list[OutgoingMail]:
    record = r["provisioned"]
    meeting = record.held_meeting()
    files = tuple(
        RecordingFile(
            id=f"file-{n}",
            meeting_uuid=meeting.uuid,
            file_type=kind,
            file_extension=kind,
            file_size=size,
            download_url="https://zoom.example/rec/download/x",
            status="completed",
            recording_type="shared_screen_with_speaker_view",
            recording_start=record.start,
            recording_end=record.end,
        )
        for n, (kind, size) in enumerate((("MP4", 312_500_000), ("M4A", 48_000_000)))
    )
    recording = Recording(meeting.uuid, meeting.id, "host-id", None, record.event_name, record.start, 150, files, None)
    return harness.core.mails.recording_unconsented(record, recording)


def _verification_due(harness: Harness, record: RequestRecord) -> dt.datetime:
    return harness.core.verification_due(record.created_at)


def _meeting_due(harness: Harness, record: RequestRecord) -> dt.datetime:
    due = harness.core.provisioning_due(record)
    assert due is not None
    return due


def _quarterly_report(harness: Harness, r: dict[str, RequestRecord]) -> list[OutgoingMail]:
    """As the `report` job writes it: each supervisor's link, and the headline of a real report."""
    from vicon.quarters import Quarter
    from vicon.reporting.compute import compute
    from vicon.reporting.facts import QuarterFacts, request_facts
    from vicon.usecases.report import headline

    quarter = Quarter(2026, 4)
    facts = QuarterFacts(quarter, tuple(request_facts(record) for record in r.values()), None)
    report = compute(facts, facts, harness.core.service_level, harness.clock())
    now = harness.clock()
    links = [(s, harness.core.links.report_url(str(quarter), s, now)) for s in harness.core.settings.supervisor_emails]
    return harness.core.mails.quarterly_report(quarter.label, quarter.months, links, headline(report))


def _complaint_received(harness: Harness, r: dict[str, RequestRecord], kind: str) -> list[OutgoingMail]:
    complaint = complaint_records(harness)[kind]
    return harness.core.mails.complaint_received(complaint, r["submitted"] if complaint.request_id else None)


def _register_link(harness: Harness) -> list[OutgoingMail]:
    now = harness.clock()
    url = harness.core.complaint_register_url(OPERATOR, now)
    return harness.core.mails.complaint_register_link(OPERATOR, url, now + dt.timedelta(days=30))


def _deletion(record: RequestRecord) -> dt.datetime:
    return record.end + dt.timedelta(days=30)


def _paper(record: RequestRecord) -> RequestRecord:
    """The request as registered from a paper letter by an officer (decision 0034)."""
    return record.model_copy(update={"received_via": RequestChannel.SURAT, "registered_by": OPERATOR})


# Each event of a request's life that sends mail, with every variant its templates branch on.
KINDS: dict[str, Build] = {
    "intake": lambda h, r: h.core.mails.intake(r["submitted"], h.core.status_url(r["submitted"])),
    "intake_paper": lambda h, r: h.core.mails.intake(_paper(r["submitted"]), h.core.status_url(r["submitted"])),
    "provisioned": lambda h, r: h.core.mails.provisioned(r["provisioned"]),
    "provisioning_failed": lambda h, r: h.core.mails.provisioning_failed(r["provisioning_failed"]),
    "provisioning_failed_final": lambda h, r: h.core.mails.provisioning_failed(r["provisioning_failed"], final=True),
    "rejected": lambda h, r: h.core.mails.rejected(r["rejected"]),
    "cancelled": lambda h, r: h.core.mails.cancelled(r["cancelled"]),
    "cancelled_with_meeting": lambda h, r: h.core.mails.cancelled(r["cancelled_with_meeting"]),
    "cancelled_by_staff": lambda h, r: h.core.mails.cancelled(
        r["cancelled_with_meeting"], "kabid.informatika@diskominfo.example", "Pemohon menelepon: kegiatan ditunda."
    ),
    "staff_login": lambda h, r: [
        h.core.mails.staff_login(
            "verifikator.satu@diskominfo.example",
            f"{h.core.settings.public_base_url}/api/staff_login?token=token-masuk",
            h.clock() + dt.timedelta(minutes=15),
        )
    ],
    "undeliverable": _undeliverable,
    "recording_unconsented": _unconsented,
    "recordings_ready": lambda h, r: h.core.mails.recordings_ready(r["archived"], _deletion(r["archived"])),
    "recordings_reminder": lambda h, r: h.core.mails.recordings_reminder(r["archived"], _deletion(r["archived"])),
    # The service-level notices (vicon.usecases.sla).
    "verification_reminder": lambda h, r: h.core.mails.verification_reminder(
        r["submitted"], _verification_due(h, r["submitted"])
    ),
    "verification_overdue": lambda h, r: h.core.mails.verification_overdue(
        r["submitted"], _verification_due(h, r["submitted"])
    ),
    "provisioning_reminder": lambda h, r: h.core.mails.provisioning_reminder(
        r["provisioning_retrying"], _meeting_due(h, r["provisioning_retrying"])
    ),
    "provisioning_overdue": lambda h, r: h.core.mails.provisioning_overdue(
        r["provisioning_failed"], _meeting_due(h, r["provisioning_failed"])
    ),
    "meeting_reminder": lambda h, r: h.core.mails.meeting_reminder(r["provisioned"]),
    "survey": lambda h, r: h.core.mails.survey(r["surveyed"]),
    "survey_reminder": lambda h, r: h.core.mails.survey(r["surveyed"], reminder=True),
    "quarterly_report": _quarterly_report,
    # Complaints (decision 0027): the receipt and each officer's mail; one registered by phone without an address
    # (officers only); the answer; an officer's registration link.
    "complaint_received": lambda h, r: _complaint_received(h, r, "web"),
    "complaint_registered_without_email": lambda h, r: _complaint_received(h, r, "registered"),
    "complaint_answered": lambda h, r: h.core.mails.complaint_answered(complaint_records(h)["answered"]),
    "complaint_register_link": lambda h, r: _register_link(h),
    # Polls not in the meeting (decision 0032): Zoom refused them, or the automatic retries ran out.
    "polls_failed": lambda h, r: h.core.mails.polls_failed(
        with_zoom_needs(r["provisioned"], polls_error=POLLS_REFUSED)
    ),
    "polls_failed_gave_up": lambda h, r: h.core.mails.polls_failed(
        with_zoom_needs(r["provisioned"], polls_error="Polling belum dibuat: Zoom tidak dapat dihubungi."), attempts=12
    ),
}


def staffed_harness(make_harness: HarnessFactory) -> Harness:
    """Operators and supervisors too, so every recipient's variant of every mail is built."""
    return make_harness(OPERATOR_EMAILS=OPERATOR, SUPERVISOR_EMAILS=SUPERVISOR)


def every_mail(harness: Harness) -> list[tuple[str, OutgoingMail]]:
    """(kind, mail) for every mail of every kind."""
    r = records(harness)
    return [(kind, mail) for kind, build in KINDS.items() for mail in build(harness, r)]
