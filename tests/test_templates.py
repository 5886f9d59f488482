"""Every template under templates/ rendered through the one environment, with the context its caller passes.

The test finds the templates itself: a new template without a case here fails it, and so does a partial
that nothing includes. Records are built by the core's own code from a valid submission whose event name is
hostile, so the HTML renderings must escape it and the text ones must keep it as typed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import escape

from tests.harness import MONDAY_MORNING, VERIFIERS, Harness, HarnessFactory, valid_fields
from tests.pdfs import one_page_pdf
from tests.staff_template_cases import staff_cases
from tests.zoom_needs_data import POLL_ANSWER, POLL_QUESTION, POLLS_REFUSED, with_zoom_needs
from vicon import intake
from vicon.core import Submission
from vicon.inputs import ComplaintContext, ComplaintForm
from vicon.intake import FieldError, format_datetime_id
from vicon.invitations import format_meeting_id, schedule_text, whatsapp_share_url, whatsapp_text
from vicon.lifecycle import Status
from vicon.mail import SinkMessage
from vicon.messages import defanged, quoted_lines
from vicon.records import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintRecord,
    ComplaintStatus,
    LetterCheck,
    RequestRecord,
    SignatureCheck,
    StoredMeeting,
)
from vicon.rendering import environment, render, templates_dir
from vicon.usecases import submit
from vicon.usecases.complaints import ComplaintReceipt, complaint_view

HOSTILE = "<script>alert('x')</script> Rapat & Evaluasi"
ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Rapat &amp; Evaluasi"
OPERATOR = "operator@diskominfo.example"
SUPERVISOR = "kepala.bidang@diskominfo.example"
HOST = "host-besar@vicon.example"


@dataclass
class Case:
    """One rendering of one template: what the caller passes, and what must show."""

    label: str
    context: dict[str, Any]
    shows: list[str] = field(default_factory=list)  # values as given; escaped here for HTML
    shows_event_name: bool = True


def template_names() -> list[str]:
    root = templates_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def is_partial(name: str) -> bool:
    return Path(name).name.startswith("_")


# The document check as vicon.document_check stores it: a signer's name is the certificate's, so hostile too.
SIGNER = "Dr. <b>Siti</b> Aminah & Rekan"
SIGNED_AT = dt.datetime(2026, 11, 27, 3, 15, tzinfo=dt.UTC)  # Jumat, 27 November 2026 10.15 WIB
LETTER_CHECK = LetterCheck(
    page_count=5,
    text_readable=True,
    number_found=True,
    date_found=False,
    signatures=(
        SignatureCheck(
            signer_name=SIGNER,
            signing_time=SIGNED_AT,
            intact=True,
            trusted=True,
            issuer_name="Root CA Indonesia DS G1",
            summary=f"Ditandatangani elektronik oleh {SIGNER} pada Jumat, 27 November 2026 10.15 WIB, sertifikat "
            "dipercaya (Root CA Indonesia DS G1), dokumen utuh.",
        ),
        SignatureCheck(
            signer_name="Kedua",
            intact=False,
            trusted=False,
            summary="Tanda tangan tidak valid: dokumen berubah setelah ditandatangani (isinya diubah sesudah tanda "
            "tangan dibubuhkan); tanda tangan oleh Kedua.",
        ),
    ),
    summary="5 halaman; nomor surat ditemukan di teks, tanggal surat tidak ditemukan; tanda tangan tidak valid "
    "(1 dari 2): dokumen berubah setelah ditandatangani.",
    notes=("Teks diperiksa pada 3 halaman pertama dari 5.",),
)
CHECK_SHOWS = [
    "Pemeriksaan dokumen",
    LETTER_CHECK.summary,
    "5 halaman",
    "Ditemukan di teks surat",
    "Tidak ditemukan di teks surat",
    *(signature.summary for signature in LETTER_CHECK.signatures),
    "Status pencabutan sertifikat tidak diperiksa",
    "Teks diperiksa pada 3 halaman pertama dari 5.",
    "tidak pernah menolak permohonan",
]
SCANNED_CHECK = LetterCheck(
    page_count=1,
    text_readable=False,
    number_found=False,
    date_found=False,
    summary="1 halaman; teks tidak dapat dibaca (mungkin hasil pindai): periksa nomor dan tanggal surat secara "
    "manual; tanpa tanda tangan elektronik.",
)
FAILED_CHECK = LetterCheck(
    page_count=None,
    text_readable=False,
    number_found=False,
    date_found=False,
    summary="Pemeriksaan dokumen tidak dapat diselesaikan; periksa surat secara manual.",
    completed=False,
)


ARCHIVED = [
    {
        "file_id": f"file-{kind}",
        "meeting_uuid": "aDYlohsHRtCd4ii1uC2+hA==",
        "file_type": kind.upper(),
        "file_extension": kind,
        "size": size,
        "sha256": "ab" * 32,
        "blob_key": f"recordings/VC-2026-000042/file-{kind}.{kind}",
        "archived_at": dt.datetime(2026, 12, 2, 6, tzinfo=dt.UTC),
    }
    for kind, size in (("mp4", 312_500_000), ("m4a", 48_000_000))
]


def records(harness: Harness) -> dict[str, RequestRecord]:
    """A request as the core records it at each stage of its life."""
    core = harness.core
    now = MONDAY_MORNING.astimezone(dt.UTC)
    fields = {k: v if isinstance(v, list) else [v] for k, v in valid_fields(event_name=HOSTILE).items()}
    letter = one_page_pdf()
    valid = intake.validate_request(fields, letter, core.rules, now)
    submitted = submit.request_record("VC-2026-000042", valid, letter, "letters/2026/0123456789abcdef.pdf", now)
    decided = {"decided_by": VERIFIERS[0], "decided_at": now + dt.timedelta(hours=2), "decision_reason": None}
    meeting = StoredMeeting(  # as provisioning._record_meeting stores it
        id=81234567890,
        uuid="aDYlohsHRtCd4ii1uC2+hA==",
        host=HOST,
        join_url="https://zoom.example/j/81234567890?pwd=bXlKZ0hPTmR4UT09.1",  # not the passcode itself
        passcode="Ab3dE5gH7k",
        start=submitted.start,
        end=submitted.end,
    )
    failure = {"provisioning_error": "Semua akun Zoom terpakai pada jadwal itu.", "provisioning_attempts": 8}

    def at(status: Status, *parts: dict[str, Any], **fields: Any) -> RequestRecord:
        update: dict[str, Any] = {"status": status}
        for part in parts:
            update.update(part)
        return RequestRecord.model_validate({**submitted.model_dump(), **update, **fields})

    return {
        "submitted": submitted,  # as stored before the document check existed: no letter_check
        "checked": submitted.model_copy(update={"letter_check": LETTER_CHECK}),
        "scanned": submitted.model_copy(update={"letter_check": SCANNED_CHECK}),
        "check_failed": submitted.model_copy(update={"letter_check": FAILED_CHECK}),
        "approved": at(Status.APPROVED, decided),
        "provisioned": at(Status.PROVISIONED, decided, meeting=meeting),
        "provisioning_failed": at(Status.PROVISIONING_FAILED, decided, failure),
        # Still retrying: an attempt is scheduled. The record above has used every attempt and gave up.
        "provisioning_retrying": at(
            Status.PROVISIONING_FAILED,
            decided,
            failure,
            provisioning_attempts=3,
            next_provisioning_at=dt.datetime(2026, 11, 30, 3, tzinfo=dt.UTC),
        ),
        # Attempts left, none scheduled: the event started first.
        "provisioning_too_late": at(Status.PROVISIONING_FAILED, decided, failure, provisioning_attempts=3),
        "rejected": at(
            Status.REJECTED,
            decided,
            decision_reason="Surat belum ditandatangani <b>kepala</b> perangkat daerah.",
        ),
        # Held, recorded with consent, and archived into our storage (vicon.usecases.recordings).
        "archived": at(Status.COMPLETED, decided, meeting=meeting, recordings=ARCHIVED),
        "recordings_deleted": at(
            Status.COMPLETED,
            decided,
            meeting=meeting,
            deleted_recordings=[{**f, "deleted_at": submitted.end + dt.timedelta(days=30)} for f in ARCHIVED],
            recordings_deleted_at=submitted.end + dt.timedelta(days=30),
        ),
        # Held, and its requester answered the satisfaction survey (vicon.usecases.survey).
        "surveyed": at(
            Status.COMPLETED,
            decided,
            meeting=meeting,
            actual_start=submitted.start,
            actual_end=submitted.end,
            survey={
                "scores": [4, 3, 4, 4, 3, 4, 4, 3, 4],
                "usia": "35_44",
                "comment": HOSTILE,
                "submitted_at": submitted.end + dt.timedelta(hours=2),
            },
        ),
        "cancelled": at(Status.CANCELLED),  # before anyone decided
        "cancelled_with_meeting": at(Status.CANCELLED, decided, meeting=meeting),
    }


MONTH = dt.timedelta(days=30)
COMPLAINT_ANSWER = "Mohon maaf atas gangguannya; akun host sudah diperiksa. <b>Terima kasih</b>."


def complaint_records(harness: Harness) -> dict[str, ComplaintRecord]:
    """A complaint as the core records it: from the web form, registered by an officer without an address, answered.

    Its message is the hostile text (the form keeps it as typed), so the HTML must escape it and the text keep it.
    """
    now = MONDAY_MORNING.astimezone(dt.UTC)
    form = ComplaintForm.parse(
        {
            "category": "pengaduan",
            "message": HOSTILE,
            "name": "Budi Santoso",
            "email": "budi.santoso@dinkes.example.go.id",
            "phone": "0812-3456-7890",
            "opd": "dinas kesehatan",
            "request_id": "VC-2026-000042",
        },
        ComplaintContext(harness.core.settings.opd_list),
    )
    web = ComplaintRecord(
        id="PG-2026-000007",
        status=ComplaintStatus.OPEN,
        received_at=now,
        channel=ComplaintChannel.WEB,
        category=ComplaintCategory(form.category),
        message=form.message,
        name=form.name,
        email=form.email,
        phone=form.phone,
        opd=form.opd,
        request_id=form.request_id,
    )
    registered = web.model_copy(
        update={
            "id": "PG-2026-000008",
            "channel": ComplaintChannel.PHONE,
            "category": ComplaintCategory.SARAN,
            "email": "",
            "registered_by": OPERATOR,
            "request_id": None,
        }
    )
    answered_at = now + dt.timedelta(days=1)
    answered = web.model_copy(
        update={
            "status": ComplaintStatus.ANSWERED,
            "answer": COMPLAINT_ANSWER,
            "answered_by": OPERATOR,
            "answered_at": answered_at,
        }
    )
    answered_by_phone = registered.model_copy(
        update={
            "status": ComplaintStatus.ANSWERED,
            "answer": COMPLAINT_ANSWER,
            "answered_by": SUPERVISOR,
            "answered_at": answered_at,
        }
    )
    return {"web": web, "registered": registered, "answered": answered, "answered_by_phone": answered_by_phone}


def complaint_cases(harness: Harness, request: RequestRecord) -> dict[str, list[Case]]:
    """The complaint mails and pages (messages.MailComposer, usecases.complaints, core), per template."""
    core = harness.core
    base_url = core.settings.public_base_url
    c = complaint_records(harness)
    answer_url = core.complaint_answer_url(c["web"], OPERATOR)
    register_url = core.complaint_register_url(OPERATOR, MONDAY_MORNING)

    def mail(complaint: ComplaintRecord, **context: Any) -> dict[str, Any]:
        quoted = defanged(complaint.message)
        return {
            **complaint_view(complaint),
            "registered": complaint.channel != ComplaintChannel.WEB,
            "quoted": quoted,
            "quoted_text": quoted_lines(quoted),
            **context,
        }

    def page(complaint: ComplaintRecord, **context: Any) -> dict[str, Any]:
        base = {"request": None, "token": "token-jawab", "person": OPERATOR, "error": None, "answer": "", "done": False}
        return {"base_url": base_url, **complaint_view(complaint), **base, "max_answer": 5000, **context}

    register = {
        "base_url": base_url,
        "token": "token-catat",
        "person": OPERATOR,
        "categories": {"pengaduan": "Pengaduan", "saran": "Saran", "masukan": "Masukan"},
        "channels": {"in_person": "Langsung di kantor", "phone": "Telepon"},
        "opd_list": ("Dinas Kesehatan", "Dinas Pendidikan"),
        "limits": {"message": 5000, "name": 120, "email": 254, "phone": 30, "opd": 200, "request_id": 20},
    }
    typed = {"category": "saran", "channel": "phone", "message": HOSTILE, "name": "Budi", "request_id": "VC-1"}
    refused = [FieldError("phone", "Isi email atau nomor telepon pengirim."), FieldError("request_id", "Bentuknya.")]
    return {
        "email/complaint_receipt": [
            Case("web", mail(c["web"]), [c["web"].id, "Senin, 30 November 2026 09.00 WIB", "abaikan email ini"]),
            Case("registered", mail(c["registered"]), [c["registered"].id, "dicatat oleh petugas", "telepon"]),
        ],
        "email/complaint_staff": [
            Case(
                "web, about a request",
                mail(c["web"], request=request, person=OPERATOR, answer_url=answer_url, register_url=register_url),
                [c["web"].id, answer_url, register_url, OPERATOR, "+6281234567890", "Dinas Kesehatan", request.id],
            ),
            Case(
                "registered by phone, no address",
                mail(c["registered"], request=None, person=OPERATOR, answer_url=answer_url, register_url=register_url),
                [c["registered"].id, "Tidak ada", "lewat telepon +6281234567890", f"dicatat oleh {OPERATOR}"],
            ),
        ],
        "email/complaint_answer": [
            Case("answered", mail(c["answered"]), [c["answered"].id, COMPLAINT_ANSWER, "selesai"]),
        ],
        "email/complaint_register_link": [
            Case(
                "officer",
                {"person": OPERATOR, "register_url": register_url, "expires_at": MONDAY_MORNING + MONTH},
                [register_url, OPERATOR, "Rabu, 30 Desember 2026"],
                shows_event_name=False,
            )
        ],
        "pages/complaint_received": [
            Case(
                "web",
                {"base_url": base_url, "receipt": ComplaintReceipt(c["web"].id, "pengaduan", True), "again_url": None},
                [c["web"].id, "Pengaduan terkirim", f"{base_url}/pengaduan.html"],
                shows_event_name=False,
            ),
            Case(
                "registered, no address",
                {
                    "base_url": base_url,
                    "receipt": ComplaintReceipt(c["registered"].id, "saran", False),
                    "again_url": register_url,
                },
                [c["registered"].id, "Saran tercatat", register_url, "sampaikan nomor ini"],
                shows_event_name=False,
            ),
        ],
        "pages/complaint_failed": [
            Case(
                "refused",
                {"base_url": base_url, "errors": [FieldError("message", HOSTILE), FieldError(None, "Periksa.")]},
                ["Periksa.", f"{base_url}/pengaduan.html"],
            )
        ],
        "pages/complaint_answer": [
            Case("open", page(c["web"], request=request), [c["web"].id, "token-jawab", request.event_name, "5.000"]),
            Case(
                "open, refused once",
                page(c["web"], error="Tulis jawaban.", answer=COMPLAINT_ANSWER),
                ["Tulis jawaban.", COMPLAINT_ANSWER, "#answer"],
            ),
            Case("open, no address", page(c["registered"]), ["lewat telepon +6281234567890"]),
            Case(
                "answered just now",
                page(c["answered"], done=True),
                [COMPLAINT_ANSWER, OPERATOR, "Jawaban tercatat", c["answered"].email, "Sudah dijawab"],
            ),
            Case("answered, by phone", page(c["answered_by_phone"]), [SUPERVISOR, COMPLAINT_ANSWER]),
        ],
        "pages/complaint_register": [
            Case(
                "empty",
                {**register, "values": {}, "errors": [], "field_errors": {}},
                ["token-catat", OPERATOR, "Dinas Pendidikan", "Langsung di kantor"],
                shows_event_name=False,
            ),
            Case(
                "refused once",
                {**register, "values": typed, "errors": refused, "field_errors": {e.field: e.message for e in refused}},
                ["Isi email atau nomor telepon pengirim.", "#phone", "#request_id", "VC-1"],
            ),
        ],
        "pages/complaint_link_request": [
            Case("empty", {"base_url": base_url, "error": None, "email": ""}, ["complaint_register_link"], False),
            Case(
                "refused",
                {"base_url": base_url, "error": "Alamat email tidak valid.", "email": "x"},
                ["Alamat email tidak valid.", "#email"],
                shows_event_name=False,
            ),
        ],
    }


def cases(harness: Harness) -> dict[str, list[Case]]:
    """The context each caller passes (messages.MailComposer, core, main, devserver), per template."""
    core = harness.core
    tz = core.settings.tz
    base_url = core.settings.public_base_url
    r = records(harness)
    submitted, provisioned = r["submitted"], r["provisioned"]
    # The SLA due times (vicon.sla) as the core computes them: Monday 09:00 → Tuesday 09:00, and the meeting
    # 1 working day after the approval at 11:00 → Tuesday 11:00.
    verification_due = core.verification_due(submitted.created_at)
    meeting_due = core.provisioning_due(r["provisioning_failed"])
    assert meeting_due is not None
    due_text, meeting_due_text = (format_datetime_id(moment, tz) for moment in (verification_due, meeting_due))

    def mail(record: RequestRecord, **context: Any) -> dict[str, Any]:
        return {"request": record, "schedule": schedule_text(record, tz), **context}

    review_url = core.review_url(submitted, VERIFIERS[0])
    letter_url = core.letter_url(submitted, VERIFIERS[0])
    status_url = core.status_url(submitted)
    officer_url = core.officer_url(provisioned, OPERATOR)
    text = whatsapp_text(provisioned, tz)
    meeting_id = format_meeting_id(provisioned.held_meeting().id)
    meeting_shows = [meeting_id, "Ab3dE5gH7k", provisioned.held_meeting().join_url, schedule_text(provisioned, tz)]
    details_shows = ["Dinas Kesehatan", "005/123/Dinkes/2026", "Budi Santoso", "+6281234567890", "Breakout room"]

    failed = r["provisioning_failed"]
    failure_cases = [
        Case(
            f"{'verifier' if for_verifier else 'requester'}{', final' if final else ''}",
            mail(
                failed,
                for_verifier=for_verifier,
                final=final,
                link_url=link,
                provisioning_due=meeting_due if for_verifier else None,
            ),
            [failed.id, failed.provisioning_error or "", link, *(["8 kali"] if final else [])]
            + (["Batas pembuatan meeting", meeting_due_text] if for_verifier else []),
        )
        for for_verifier, final, link in [
            (True, False, review_url),
            (False, False, status_url),
            (True, True, review_url),
            (False, True, status_url),
        ]
    ]
    failure_cases.append(
        Case(
            "supervisor, final",
            mail(failed, for_verifier=True, final=True, link_url="", provisioning_due=meeting_due),
        )
    )

    sink_message = EmailMessage()
    sink_message["Subject"] = f"[Vicon] Permohonan baru {submitted.id}: {HOSTILE}"
    sink_message["From"] = "Vicon <vicon@diskominfo.example>"
    sink_message["To"] = VERIFIERS[0]
    sink_message["Date"] = format_datetime(MONDAY_MORNING)
    sink_message.set_content(f"Halaman verifikasi:\n{review_url}\n")
    sink_message.add_alternative(f"<p><a href='{review_url}'>Buka</a></p>", subtype="html")
    sink_id = "20261130T020000123456Z-0123456789ab"

    polls_refused = with_zoom_needs(provisioned, polls_error=POLLS_REFUSED)
    console_url = f"{base_url}/api/staff_request?id={provisioned.id}"

    surveyed = r["surveyed"]
    survey_url = core.survey_url(surveyed)
    report_context = quarterly_report_context(harness)
    return {
        "email/survey": [
            Case(
                label,
                mail(surveyed, reminder=reminder, survey_url=survey_url, expires_at=core.survey_expiry(surveyed)),
                [surveyed.id, survey_url, "survei.html?token=", "Jumat, 1 Januari 2027", extra],
            )
            for label, reminder, extra in (("first", False, "9 pertanyaan"), ("reminder", True, "pengingat terakhir"))
        ],
        "email/quarterly_report": [
            Case(
                "supervisor",
                {
                    "quarter_label": "Triwulan IV 2026",
                    "months": "Oktober–Desember 2026",
                    "report_url": f"{base_url}/api/quarterly_report?token=laporan",
                    "headline": [("Permohonan", "1.234"), ("Indeks Kepuasan Masyarakat (IKM)", "91,48 (mutu A)")],
                },
                ["Triwulan IV 2026", "token=laporan", "1.234", "91,48 (mutu A)", "CSV"],
                shows_event_name=False,
            )
        ],
        "reports/quarterly": [
            Case(
                "a quarter with an overdue request and a survey",
                report_context,
                [
                    "Triwulan IV 2026",
                    "91,67",
                    "(Sangat Baik)",
                    "ikm.csv",
                    submitted.id,
                    "Belum ada data pengaduan",
                ],
            )
        ],
        **complaint_cases(harness, submitted),
        **staff_cases(harness, r, Case),
        "email/verifier_new_request": [
            Case(
                label,
                mail(r[record], review_url=review_url, verifier=VERIFIERS[0], verification_due=verification_due),
                [
                    submitted.id,
                    review_url,
                    VERIFIERS[0],
                    due_text,
                    "Bappelitbangda",
                    *details_shows,
                    *extra,
                ],
            )
            for label, record, extra in (
                ("verifier, letter checked", "checked", CHECK_SHOWS),
                (
                    "verifier, scanned letter",
                    "scanned",
                    [SCANNED_CHECK.summary, "Tidak dapat diperiksa: teks surat tidak dapat dibaca", "Tidak ada tanda"],
                ),
                ("verifier, check failed", "check_failed", [FAILED_CHECK.summary]),
                ("verifier, no check (older request)", "submitted", []),
            )
        ],
        # The receipt repeats no submitted text (anyone can type any address): no event name in it.
        "email/requester_receipt": [
            Case(
                "requester",
                mail(submitted, status_url=status_url, verification_due=verification_due),
                [submitted.id, status_url, due_text, schedule_text(submitted, tz)],
                shows_event_name=False,
            )
        ],
        "email/invitation": [
            Case(
                "requester",
                mail(
                    provisioned,
                    meeting_id=meeting_id,
                    whatsapp_text=text,
                    whatsapp_url=whatsapp_share_url(text),
                    status_url=core.status_url(provisioned),
                ),
                [
                    provisioned.id,
                    "Budi Santoso",
                    whatsapp_share_url(text),
                    core.status_url(provisioned),
                    *meeting_shows,
                ],
            )
        ],
        "email/operator_meeting": [
            Case(
                "operator",
                mail(provisioned, meeting_id=meeting_id, officer_url=officer_url, operator=OPERATOR),
                [provisioned.id, HOST, officer_url, OPERATOR, *meeting_shows, *details_shows],
            )
        ],
        "email/provisioning_failed": failure_cases,
        "email/polls_failed": [
            Case(
                label,
                mail(polls_refused, attempts=attempts, console_url=console_url),
                [polls_refused.id, POLLS_REFUSED, console_url, HOST, meeting_id, POLL_QUESTION, POLL_ANSWER, *extra],
            )
            for label, attempts, extra in (
                ("refused by Zoom", 0, ["Meeting Polls/Quizzes", "Zoom menolak polling untuk permohonan"]),
                ("retries ran out", 12, ["sudah mencoba 12 kali", "Percobaan otomatis dihentikan"]),
            )
        ],
        "email/sla_reminder": [
            Case(
                "verification",
                mail(
                    submitted, stage="verification", due=verification_due, review_url=review_url, verifier=VERIFIERS[0]
                ),
                [submitted.id, review_url, VERIFIERS[0], "Batas verifikasi", due_text, "Dinas Kesehatan"],
            ),
            *(
                Case(
                    f"provisioning, {label}",
                    mail(record, stage="provisioning", due=meeting_due, review_url=review_url, verifier=VERIFIERS[0]),
                    [record.id, review_url, "Batas pembuatan meeting", meeting_due_text, *extra],
                )
                for label, record, extra in (
                    ("retrying", r["provisioning_retrying"], [failed.provisioning_error or "", "sudah 3 kali dicoba"]),
                    ("gave up", r["provisioning_failed"], ["dihentikan setelah 8 kali"]),
                    ("approved", r["approved"], ["masih mencoba lagi otomatis"]),
                )
            ),
        ],
        "email/sla_overdue": [
            Case(
                "verification",
                mail(submitted, stage="verification", due=verification_due, verifiers=", ".join(VERIFIERS)),
                [submitted.id, due_text, ", ".join(VERIFIERS), "belum diverifikasi", "butir 9", *details_shows],
            ),
            Case(
                "provisioning",
                mail(failed, stage="provisioning", due=meeting_due, verifiers=", ".join(VERIFIERS)),
                [failed.id, meeting_due_text, VERIFIERS[0], failed.provisioning_error or "", "8 kali dicoba"],
            ),
        ],
        "email/meeting_reminder": [
            Case(
                "requester",
                mail(
                    provisioned,
                    for_operator=False,
                    meeting_id=meeting_id,
                    whatsapp_url=whatsapp_share_url(text),
                    link_url=core.status_url(provisioned),
                    operator="",
                ),
                [provisioned.id, "Budi Santoso", core.status_url(provisioned), "sekali lagi", *meeting_shows],
            ),
            Case(
                "operator",
                mail(
                    provisioned,
                    for_operator=True,
                    meeting_id=meeting_id,
                    whatsapp_url="",
                    link_url=officer_url,
                    operator=OPERATOR,
                ),
                [provisioned.id, HOST, officer_url, OPERATOR, *meeting_shows],
            ),
        ],
        "email/rejected": [
            Case("requester", mail(r["rejected"]), [r["rejected"].id, r["rejected"].decision_reason or ""])
        ],
        "email/cancelled": [
            Case(
                f"{'requester' if for_requester else 'staff'}, {label}",
                mail(record, for_requester=for_requester),
                [record.id, *([format_meeting_id(record.meeting.id)] if record.meeting else [])]
                + ([] if for_requester else ["Dinas Kesehatan"])
                + ([HOST] if record.meeting and not for_requester else []),
            )
            for for_requester in (True, False)
            for label, record in (("no meeting", r["cancelled"]), ("meeting", r["cancelled_with_meeting"]))
        ],
        "email/recording_unconsented": [
            Case(
                "staff",
                mail(
                    provisioned,
                    person=OPERATOR,
                    decision_url="https://vicon.example.go.id/api/recording_decision?token=keputusan",
                    file_count=2,
                    total_size="360 MB",
                    retention_days=30,
                ),
                [provisioned.id, "token=keputusan", OPERATOR, "360 MB", "30 hari", "menyetujui perekaman"],
            )
        ],
        "email/recordings_ready": [
            Case(
                label,
                mail(
                    r["archived"],
                    reminder=reminder,
                    deletion_at=r["archived"].end + dt.timedelta(days=30),
                    recordings_url="https://vicon.example.go.id/api/recordings?token=rekaman",
                    file_count=2,
                    total_size="361 MB",
                    retention_days=30,
                ),
                [r["archived"].id, "token=rekaman", "Jumat, 1 Januari 2027", *extra],
            )
            for label, reminder, extra in (("ready", False, ["361 MB", "3 hari"]), ("reminder", True, ["dihapus"]))
        ],
        "email/undeliverable": [
            Case(
                "staff",
                {
                    "request_id": submitted.id,
                    "to": "budi.santoso@dinkes.example.go.id",
                    "mail_subject": f"[Vicon] Permohonan baru {submitted.id}: {HOSTILE}",
                    "attempts": 8,
                    "error": "550 5.1.1 <budi.santoso@dinkes.example.go.id>: mailbox unavailable",
                },
                [submitted.id, "budi.santoso@dinkes.example.go.id", "8 kali", "550 5.1.1"],
            )
        ],
        "pages/review": [
            Case(
                "submitted, refused once",
                {
                    "base_url": base_url,
                    "request": submitted,
                    "token": "token-tinjau",
                    "error": "Alasan penolakan wajib diisi.",
                    "reason": HOSTILE,
                    "letter_url": letter_url,
                    "verification_due": verification_due,
                    "verification_overdue": True,
                    "provisioning_due": None,
                    "provisioning_overdue": False,
                    "lead_working_days": 2,
                    "min_lead_working_days": 2,
                },
                [
                    submitted.id,
                    "token-tinjau",
                    "Alasan penolakan wajib diisi.",
                    letter_url,
                    f"batas verifikasi {due_text}",
                    "batas verifikasi sudah lewat",
                    "2 hari kerja",
                    *details_shows,
                    "Pemeriksaan dokumen otomatis tidak tersedia untuk permohonan ini",
                ],
            ),
            Case(
                "submitted with breakout rooms and polls (decision 0032)",
                {
                    "base_url": base_url,
                    "request": with_zoom_needs(submitted),
                    "token": "token-tinjau",
                    "error": None,
                    "reason": "",
                    "letter_url": letter_url,
                    "verification_due": verification_due,
                    "verification_overdue": False,
                    "provisioning_due": None,
                    "provisioning_overdue": False,
                    "lead_working_days": 2,
                    "min_lead_working_days": 2,
                },
                [
                    "Breakout room disiapkan",
                    "4 ruang (Ruang 1 … Ruang 4)",
                    POLL_QUESTION,
                    POLL_ANSWER,
                    "Keamanan informasi",
                    "boleh lebih dari satu jawaban",
                    "Live streaming",
                ],
            ),
            *(
                Case(
                    f"submitted, {label}",
                    {
                        "base_url": base_url,
                        "request": r[record],
                        "token": "token-tinjau",
                        "error": None,
                        "reason": "",
                        "letter_url": letter_url,
                        "verification_due": verification_due,
                        "verification_overdue": False,
                        "provisioning_due": None,
                        "provisioning_overdue": False,
                        "lead_working_days": 2,
                        "min_lead_working_days": 2,
                    },
                    [submitted.id, letter_url, *details_shows, *shows],
                )
                for label, record, shows in (
                    ("letter checked", "checked", [*CHECK_SHOWS, "Tanggal surat", "(005/123/Dinkes/2026)"]),
                    ("scanned letter", "scanned", [SCANNED_CHECK.summary, "Tidak ada tanda tangan elektronik PDF"]),
                    ("check failed", "check_failed", [FAILED_CHECK.summary]),
                )
            ),
            *(
                Case(
                    status,
                    {
                        "base_url": base_url,
                        "request": r[status],
                        "token": "token-tinjau",
                        "error": None,
                        "reason": "",
                        "letter_url": letter_url,
                        "verification_due": verification_due,
                        "verification_overdue": False,
                        "provisioning_due": None if status in ("rejected", "cancelled") else meeting_due,
                        "provisioning_overdue": status == "provisioning_retrying",
                        "lead_working_days": 2,
                        "min_lead_working_days": 2,
                    },
                    [r[status].id, *extra],
                )
                for status, extra in (
                    ("provisioned", [VERIFIERS[0], HOST, "Ab3dE5gH7k", provisioned.held_meeting().join_url]),
                    (
                        "provisioning_retrying",
                        [
                            failed.provisioning_error,
                            "percobaan ke-3",
                            f"Batas pembuatan meeting {meeting_due_text}",
                            "meeting belum dibuat",
                        ],
                    ),
                    ("provisioning_failed", [failed.provisioning_error, "dihentikan setelah 8 kali"]),
                    ("rejected", [r["rejected"].decision_reason]),
                    ("cancelled", ["Tidak ada keputusan verifikator"]),
                )
            ),
        ],
        "pages/decided": [
            Case(status, {"base_url": base_url, "request": r[status]}, [r[status].id, *extra])
            for status, extra in (
                ("approved", ["Meeting sedang dibuat"]),
                ("provisioned", [HOST, meeting_id]),
                ("provisioning_retrying", [failed.provisioning_error, "mencoba lagi otomatis"]),
                ("provisioning_failed", [failed.provisioning_error, "dihentikan setelah 8 kali"]),
                ("provisioning_too_late", [failed.provisioning_error, "Kegiatan sudah dimulai"]),
                ("rejected", ["Alasan penolakan sudah dikirim"]),
                ("cancelled", ["membatalkan permohonan"]),
            )
        ],
        "pages/recording_decision": [
            Case(
                label,
                {"base_url": base_url, "request": record, "token": "token-keputusan", "retention_days": 30},
                [record.id, *shows],
            )
            for label, record, shows in (
                ("undecided", provisioned, ["token-keputusan", "Hapus sekarang", "30 hari"]),
                (
                    "decided",
                    provisioned.model_copy(update={"recording_decision": "archive", "recording_decided_by": OPERATOR}),
                    [OPERATOR, "disimpan"],
                ),
            )
        ],
        "pages/recordings": [
            Case(
                "files",
                {
                    "base_url": base_url,
                    "request": r["archived"],
                    "files": [
                        {
                            "url": f"{base_url}/api/recording_file?token=t&file=file-mp4",
                            "label": "Video (MP4)",
                            "size": "313 MB",
                        },
                        {
                            "url": f"{base_url}/api/recording_file?token=t&file=file-m4a",
                            "label": "Audio (M4A)",
                            "size": "48 MB",
                        },
                    ],
                    "deletion_at": r["archived"].end + dt.timedelta(days=30),
                },
                ["Video (MP4)", "file=file-m4a", "313 MB", "Jumat, 1 Januari 2027"],
            ),
            Case(
                "deleted",
                {
                    "base_url": base_url,
                    "request": r["recordings_deleted"],
                    "files": [],
                    "deletion_at": r["recordings_deleted"].end + dt.timedelta(days=30),
                },
                ["sudah dihapus", "kebijakan arsip"],
            ),
        ],
        "pages/start_meeting": [
            Case(
                "operator",
                {"base_url": base_url, "request": provisioned, "token": "token-petugas"},
                [provisioned.id, "token-petugas", HOST, meeting_id],
            )
        ],
        "pages/submitted": [
            Case(
                "submitted",
                {"base_url": base_url, "submission": Submission(submitted.id, "submitted", status_url)},
                [submitted.id, status_url],
                shows_event_name=False,
            )
        ],
        "pages/submit_failed": [
            Case(
                "refused",
                {"base_url": base_url, "errors": [FieldError("event_name", HOSTILE), FieldError(None, "Periksa.")]},
                ["Periksa.", f"{base_url}/"],
            )
        ],
        "pages/message": [
            Case(
                "message",
                {"base_url": base_url, "heading": "Permohonan dibatalkan", "message": HOSTILE},
                ["Permohonan dibatalkan"],
            ),
            Case(
                "refused link, with a next step",
                {
                    "base_url": base_url,
                    "heading": "Tautan verifikasi tidak dapat dipakai",
                    "message": HOSTILE,
                    "next_step": "Buka tautan dari email Vicon terbaru.",
                },
                ["Tautan verifikasi tidak dapat dipakai", "Selanjutnya:", "Buka tautan dari email Vicon terbaru."],
            ),
        ],
        "pages/dev_mail_list": [
            Case(
                "two messages",
                {
                    "base_url": base_url,
                    "messages": [
                        SinkMessage(
                            sink_id,
                            f"[Vicon] Permohonan baru {submitted.id}: {HOSTILE}",
                            (VERIFIERS[0], VERIFIERS[1]),
                            "vicon@diskominfo.example",
                            MONDAY_MORNING.astimezone(dt.UTC),
                        )
                    ],
                },
                [f"{base_url}/_dev/mail/{sink_id}", f"{VERIFIERS[0]}, {VERIFIERS[1]}"],
            ),
            Case("empty", {"base_url": base_url, "messages": []}, ["Belum ada email."], shows_event_name=False),
        ],
        "pages/dev_mail_message": [
            Case(
                "message",
                {
                    "base_url": base_url,
                    "message_id": sink_id,
                    "message": sink_message,
                    "has_html": True,
                    "text": f"Halaman verifikasi:\n{review_url}\n",
                    "links": [review_url],
                    "attachments": [(f"surat-permohonan-{submitted.id}.pdf", "application/pdf")],
                },
                [
                    review_url,
                    VERIFIERS[0],
                    f"{base_url}/_dev/mail/{sink_id}/body.html",
                    f"{base_url}/_dev/mail/{sink_id}/attachments/0",
                    f"surat-permohonan-{submitted.id}.pdf",
                ],
            )
        ],
    }


def quarterly_report_context(harness: Harness) -> dict[str, Any]:
    """What vicon.reporting.render passes the report template, for 2026Q4 of the records above."""
    from vicon.quarters import Quarter
    from vicon.reporting.compute import compute
    from vicon.reporting.facts import QuarterFacts, request_facts
    from vicon.reporting.render import render_html

    quarter = Quarter(2026, 4)
    facts = QuarterFacts(quarter, tuple(request_facts(record) for record in records(harness).values()), None)
    report = compute(
        facts,
        QuarterFacts(quarter.previous(), (), None),
        harness.core.service_level,
        dt.datetime(2027, 1, 4, 2, tzinfo=dt.UTC),
    )
    captured: dict[str, Any] = {}

    def capture(name: str, **context: Any) -> str:
        captured.update(context)
        return ""

    render_html(report, capture, harness.core.settings.tz, lambda slug: f"{slug}.csv")
    return captured


def test_every_template_renders_with_its_callers_context_and_escapes_html(harness: Harness) -> None:
    names = template_names()
    assert names, "no templates found"
    table = cases(harness)
    # Mails have a .txt and an .html part from one context; pages are .html only.
    wanted: dict[str, list[str]] = {}
    for name in names:
        if not is_partial(name):
            wanted.setdefault(Path(name).with_suffix("").as_posix(), []).append(name)
    assert sorted(table) == sorted(wanted), "every template needs a case here (and no case a missing template)"

    timezone = harness.core.settings.timezone
    rendered: list[str] = []
    for stem, files in wanted.items():
        if stem.startswith("email/"):
            assert sorted(Path(f).suffix for f in files) == [".html", ".txt"], stem
        for case in table[stem]:
            for name in files:
                where = f"{name} ({case.label})"
                out = render(timezone, name, **case.context)
                rendered.append(name)
                assert "Undefined" not in out and "None" not in out, where
                assert "{{" not in out and "{%" not in out, where
                html = name.endswith(".html")
                for value in case.shows:
                    assert (str(escape(value)) if html else value) in out, f"{where}: {value!r} missing"
                if html:
                    # Every user value is escaped; the only script tags are the page's own from site/assets/.
                    own_scripts = re.sub(r'<script src="[^"<>]*/assets/[a-z]+\.js" defer></script>', "", out)
                    assert "<script" not in own_scripts and "<b>" not in out, where
                    assert out.lstrip().lower().startswith("<!doctype html>"), where
                    if case.shows_event_name:
                        assert ESCAPED in out, where
                else:
                    assert "&lt;" not in out and "&amp;" not in out, where  # text mail is not HTML-escaped
                    if case.shows_event_name:
                        assert HOSTILE in out, where
                if not case.shows_event_name:
                    assert "alert(" not in out, where
    assert {name for name in names if not is_partial(name)} == set(rendered)


def test_every_partial_is_included_by_a_template_that_is_rendered() -> None:
    env = environment("Asia/Jakarta")
    names = template_names()
    referenced: set[str] = set()
    for name in names:
        source = Path(templates_dir(), name).read_text(encoding="utf-8")
        referenced |= {ref for ref in jinja2.meta.find_referenced_templates(env.parse(source)) if ref}
    partials = {name for name in names if is_partial(name)}
    assert partials, "no partials found"
    assert partials <= referenced, f"included by nothing: {sorted(partials - referenced)}"
    assert referenced <= set(names), f"missing: {sorted(referenced - set(names))}"


def test_html_is_autoescaped_and_text_is_not() -> None:
    env = environment("Asia/Jakarta")
    assert env.autoescape("x.html") is True  # type: ignore[operator]
    assert env.autoescape("x.txt") is False  # type: ignore[operator]
    assert isinstance(env.undefined(name="x"), jinja2.StrictUndefined)


def test_a_configured_regency_is_named_in_pages_and_mails_and_majalengka_nowhere(make_harness: HarnessFactory) -> None:
    harness = make_harness(
        REGENCY_NAME="Kabupaten Kuningan",
        OFFICE_SHORT_NAME="Diskominfo Kuningan",
        CONTACT_EMAIL="diskominfo@kuningankab.go.id",
        PIC_PHONE="0232 871234",
    )
    # The receipt: no submitted text in it (the fixture's participants come from Majalengka).
    context = cases(harness)["email/requester_receipt"][0].context
    core = harness.core
    rendered = {
        "page": core.page("pages/message.html", heading="Permohonan dibatalkan", message="Selesai."),
        "html mail": core.render("email/requester_receipt.html", **context),
        "text mail": core.render("email/requester_receipt.txt", **context),
    }
    for where, out in rendered.items():
        assert "Kabupaten Kuningan" in out, where
        assert "Diskominfo Kuningan" in out, where
        assert "diskominfo@kuningankab.go.id" in out, where
        assert "+62232871234" in out, where
        assert "majalengka" not in out.lower(), where
