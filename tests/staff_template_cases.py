"""The staff console's templates for tests/test_templates.py, with the context their callers pass (decision 0030).

Kept apart from test_templates.py's table, which `cases()` extends with these; `Case` is handed in so this module
never imports that test module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.harness import VERIFIERS, Harness
from tests.zoom_needs_data import (
    PAGE_URL,
    POLL_ANSWER,
    POLL_QUESTION,
    POLLS_REFUSED,
    STREAM_SET_BY,
    STREAM_URL,
    live_stream,
    with_zoom_needs,
)
from vicon.fields import FieldError
from vicon.hostbusy import Span
from vicon.lifecycle import Status
from vicon.ports import AuditEntry, OutboxEntry, OutgoingMail
from vicon.records import QueueEntry, RequestRecord
from vicon.settings import ZoomHost
from vicon.usecases.complaints import ComplaintReceipt
from vicon.usecases.host_calendar import CalendarDay, CalendarEntry, EntryKind, HostWeek, TodayMeeting
from vicon.usecases.staff_access import StaffMember, StaffRole
from vicon.usecases.staff_console import (
    AUDIT_ACTIONS,
    DETAIL_LABELS,
    DETAIL_VALUE_LABELS,
    QUEUE_LIMIT,
    MailRow,
    QueueRow,
)
from vicon.usecases.staff_intake import complaint_form_context, request_form_context
from vicon.usecases.submit import intake_options

HOSTILE_REASON = "<b>Pemohon</b> menelepon & minta batal"


def entry(record: RequestRecord) -> QueueEntry:
    return QueueEntry.from_stored(record.to_stored())


def staff_cases(harness: Harness, r: dict[str, RequestRecord], case: Any) -> dict[str, list[Any]]:
    core = harness.core
    base_url = core.settings.public_base_url
    verifier = StaffMember(VERIFIERS[0], frozenset({StaffRole.VERIFIER, StaffRole.SUPERVISOR}))
    operator = StaffMember("petugas@diskominfo.example", frozenset({StaffRole.OFFICER}))
    submitted, provisioned, failed = r["submitted"], r["provisioned"], r["provisioning_failed"]
    now = submitted.created_at
    due = dt.datetime(2026, 12, 1, 16, 59, 59, tzinfo=dt.UTC)
    login_url = f"{base_url}/api/staff_login?token=token-masuk"
    mail = OutgoingMail((submitted.contact_email,), f"[Vicon] Tanda terima permohonan {submitted.id}", "t", "<p>t</p>")
    mails = [
        MailRow(OutboxEntry("m-sent", mail, submitted.id, 0, now, state="sent", queued_at=now, sent_at=now)),
        MailRow(OutboxEntry("m-dead", mail, submitted.id, 30, now, "550 <x@y> ditolak", state="dead", queued_at=now)),
        MailRow(OutboxEntry("m-wait", mail, submitted.id, 2, now, "421 sibuk", queued_at=None)),
    ]
    audit = [
        AuditEntry(submitted.id, now, submitted.contact_email, "submit", None, Status.SUBMITTED),
        AuditEntry(
            submitted.id,
            now,
            VERIFIERS[0],
            "cancel",
            Status.SUBMITTED,
            Status.CANCELLED,
            {"reason": HOSTILE_REASON, "via": "konsol", "empty": ""},
        ),
        AuditEntry(submitted.id, now, "sistem", "unknown_action", None, None, {"meeting": 81234567890}),
    ]

    def request_page(record: RequestRecord, member: StaffMember, actions: set[str], **extra: Any) -> dict[str, Any]:
        return {
            "base_url": base_url,
            "member": member,
            "request": record,
            "letter_url": f"{base_url}/api/staff_letter?id={record.id}",
            "lead_working_days": 2,
            "min_lead_working_days": 2,
            "verification_due": dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
            "due": None,
            "overdue": False,
            "audit": audit,
            "audit_actions": AUDIT_ACTIONS,
            "detail_labels": DETAIL_LABELS,
            "detail_values": DETAIL_VALUE_LABELS,
            "mails": mails,
            "actions": actions,
            "error": None,
            "reason": "",
            "done": "",
            **extra,
        }

    queue = {
        "base_url": base_url,
        "member": verifier,
        "rows": [QueueRow(entry(submitted), due, True), QueueRow(entry(provisioned), None, False)],
        "limit_reached": False,
        "limit": QUEUE_LIMIT,
        "values": {"status": "", "from": "2026-11-30", "to": "", "opd": "Dinas Kesehatan", "q": "stunting"},
        "errors": [],
        "statuses": list(Status),
        "opd_choices": [*core.settings.opd_list, "Lainnya"],
    }
    meeting = provisioned.held_meeting()
    buffer = dt.timedelta(minutes=30)
    monday = dt.date(2026, 11, 30)
    wednesday = monday + dt.timedelta(days=2)
    portal = Span(dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC))
    entries = [
        CalendarEntry(
            EntryKind.VICON,
            Span(meeting.start, meeting.end),
            Span(meeting.start - buffer, meeting.end + buffer),
            provisioned,
            meeting.id,
            provisioned.event_name,
            ("Jadwal di Zoom berbeda dari catatan Vicon.",),
        ),
        CalendarEntry(
            EntryKind.FOREIGN,
            portal,
            Span(portal.start - buffer, portal.end + buffer),
            None,
            81234567890,
            "<i>Rapat pimpinan</i>",
        ),
        CalendarEntry(EntryKind.VICON, portal, portal, failed, None, failed.event_name),
        CalendarEntry(EntryKind.UNTRACKED, portal, portal, None, 81234567891, "[VC-2026-999999]", ("Tidak ada.",)),
    ]
    free = [Span(dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 2, 1, 30, tzinfo=dt.UTC))]
    days = [CalendarDay(monday + dt.timedelta(days=n), [], free) for n in range(7)]
    days[2] = CalendarDay(wednesday, entries, free)
    calendar = {
        "base_url": base_url,
        "member": operator,
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous_week": "2026-11-23",
        "next_week": "2026-12-07",
        "this_week": monday,
        "today": wednesday,
        "hosts": [
            HostWeek(ZoomHost(meeting.host, 100), days, None, [f"{provisioned.id}: Jadwal di Zoom berbeda."]),
            HostWeek(ZoomHost("host-besar@vicon.example", 300), days, "Jadwal di Zoom tidak dapat diperiksa."),
        ],
        "today_meetings": [TodayMeeting(provisioned, f"{base_url}/api/start_meeting?token=tautan-petugas")],
        "is_officer": True,
        "buffer_minutes": 30,
        "zone": "WIB",
        "day_hours": "06.00–22.00",
        "errors": [],
        "entry_kinds": EntryKind,
    }
    options = intake_options(core.settings, core.rules, now)
    typed = {
        "event_name": [str(submitted.event_name)],
        "contact_email": ["bukan-alamat"],
        "needs": ["recording", "polling"],
        "recording_consent": ["on"],
        "opd": ["Lainnya"],
    }
    refused = [
        FieldError("contact_email", "Alamat email tidak valid."),
        FieldError("needs", "Kebutuhan khusus tidak dikenal."),
        FieldError("letter", "Surat permohonan resmi (PDF) wajib dilampirkan."),
        FieldError(None, "Periksa lagi."),
    ]
    paper = {"base_url": base_url, **request_form_context(operator, options)}
    paper_refused = {"base_url": base_url, **request_form_context(operator, options, refused, typed)}
    complaint_typed = {"category": ["saran"], "channel": ["phone"], "message": [HOSTILE_REASON], "name": ["Budi"]}
    complaint_refused = [FieldError("phone", "Isi email atau nomor telepon pengirim."), FieldError("channel", "Pilih.")]
    opd_list = core.settings.opd_list
    return {
        "pages/staff_calendar": [
            case(
                "an officer's week",
                calendar,
                [
                    "dibuat di luar Vicon",
                    "<i>Rapat pimpinan</i>",
                    "tautan-petugas",
                    "Jadwal di Zoom tidak dapat diperiksa.",
                    "Selisih antara Vicon dan Zoom",
                    "Meeting Vicon yang tidak tercatat",
                    "06.00–08.30 WIB",
                    "Senin, 30 November 2026 – Minggu, 6 Desember 2026",
                ],
            ),
            case(
                "a bad week, not an officer",
                {
                    **calendar,
                    "member": verifier,
                    "hosts": [],
                    "today_meetings": [TodayMeeting(provisioned, None)],
                    "is_officer": False,
                    "errors": [FieldError("week", "Minggu (week) salah.")],
                },
                ["Minggu (week) salah.", "hanya tampil bagi alamat di OPERATOR_EMAILS"],
            ),
        ],
        "pages/staff_new_request": [
            case("empty", paper, ["/api/staff_new_request", operator.email, "Catat surat", "Lainnya"], False),
            case(
                "refused, as typed",
                paper_refused,
                ["bukan-alamat", "#needs-breakout_room", "#letter", "Periksa lagi."],
            ),
        ],
        "pages/staff_new_complaint": [
            case(
                "empty",
                {"base_url": base_url, **complaint_form_context(operator, opd_list)},
                ["/api/staff_new_complaint", "Telepon", "Catat pengaduan"],
                False,
            ),
            case(
                "refused, as typed",
                {
                    "base_url": base_url,
                    **complaint_form_context(operator, opd_list, complaint_refused, complaint_typed),
                },
                [HOSTILE_REASON, "Isi email atau nomor telepon pengirim.", "#phone", "#channel"],
                False,
            ),
            case(
                "registered, without an address",
                {
                    "base_url": base_url,
                    **complaint_form_context(
                        operator, opd_list, receipt=ComplaintReceipt("PG-2026-000007", "pengaduan", False)
                    ),
                },
                ["PG-2026-000007", "Pengaduan tercatat", "sampaikan nomor ini"],
                False,
            ),
        ],
        "email/staff_login": [
            case(
                "a listed address",
                {"email": VERIFIERS[0], "login_url": login_url, "expires_at": now + dt.timedelta(minutes=15)},
                [login_url, VERIFIERS[0]],
                shows_event_name=False,
            )
        ],
        "pages/staff_login": [
            case(
                "form",
                {"base_url": base_url, "stage": "form", "email": "", "errors": []},
                ["Kirim tautan masuk"],
                False,
            ),
            case(
                "form refused",
                {
                    "base_url": base_url,
                    "stage": "form",
                    "email": "x@y",
                    "errors": [FieldError("email", "Tidak valid.")],
                },
                ["Tidak valid.", "x@y"],
                False,
            ),
            case("sent", {"base_url": base_url, "stage": "sent", "email": "x@y", "errors": []}, ["x@y"], False),
            case(
                "confirm",
                {
                    "base_url": base_url,
                    "stage": "confirm",
                    "token": "token-masuk",
                    "member": verifier,
                    "expires_at": now,
                },
                ["token-masuk", VERIFIERS[0], "Verifikator, Kepala Bidang"],
                False,
            ),
            case(
                "signed out",
                {"base_url": base_url, "stage": "signed_out", "email": "", "errors": []},
                ["keluar"],
                False,
            ),
        ],
        "pages/staff_message": [
            case(
                "not signed in",
                {"base_url": base_url, "heading": "Silakan masuk", "message": "Sesi berakhir.", "sign_in": True},
                ["/api/staff_login"],
                False,
            ),
            case(
                "refused",
                {"base_url": base_url, "heading": "Permintaan ditolak", "message": "Origin asing."},
                ["/api/staff_console", "Origin asing."],
                False,
            ),
        ],
        "pages/staff_console": [
            case(
                "queue", queue, [submitted.id, VERIFIERS[0], "terlambat", "stunting", provisioned.held_meeting().host]
            ),
            case(
                "refused filters",
                {**queue, "rows": [], "errors": [FieldError("from", "Tanggal awal salah.")]},
                ["Tanggal awal salah."],
                False,
            ),
        ],
        "pages/staff_request": [
            case(
                "a verifier on a submitted request",
                request_page(
                    submitted,
                    verifier,
                    {"approve", "reject", "cancel", "resend"},
                    due=due,
                    overdue=True,
                    error="Alasan penolakan wajib diisi.",
                    reason=HOSTILE_REASON,
                ),
                [HOSTILE_REASON, "Alasan penolakan wajib diisi.", "m-dead", "550 <x@y> ditolak", "Kirim ulang"],
            ),
            case(
                "retry after a failure",
                request_page(failed, verifier, {"retry", "cancel", "resend"}, done="Pembuatan meeting dicoba lagi."),
                [failed.provisioning_error or "", "Coba buat meeting lagi", "Pembuatan meeting dicoba lagi."],
            ),
            case(
                "an operator on a provisioned request",
                request_page(provisioned, operator, set()),
                [provisioned.held_meeting().join_url, "Tidak ada tindakan", "Petugas"],
            ),
            # Decision 0032: the section "Kebutuhan di Zoom" in each state, and its two forms.
            case(
                "zoom needs: polls refused by Zoom, no live stream yet",
                request_page(
                    with_zoom_needs(provisioned, polls_error=POLLS_REFUSED), operator, {"livestream", "polls"}
                ),
                [
                    "Kebutuhan di Zoom",
                    "4 ruang disiapkan di meeting",
                    POLLS_REFUSED,
                    "Buat polling di Zoom",
                    "Belum dipasang.",
                    "Pasang live streaming di Zoom",
                    POLL_QUESTION,
                    POLL_ANSWER,
                    "4 ruang (Ruang 1 … Ruang 4)",
                ],
            ),
            case(
                "zoom needs: polls not made yet",
                request_page(with_zoom_needs(provisioned), operator, {"livestream"}),
                ["Kebutuhan di Zoom", "Belum dibuat.", "Belum dipasang."],
            ),
            case(
                "zoom needs: polls made, live stream set",
                request_page(
                    with_zoom_needs(provisioned, zoom_polls=("poll-1",), livestream=live_stream(now)),
                    operator,
                    {"livestream"},
                    done="Live streaming dipasang pada meeting Zoom; kuncinya disimpan di Zoom saja.",
                ),
                [
                    "Sudah dibuat di meeting Zoom (2 pertanyaan).",
                    f"Dipasang oleh {STREAM_SET_BY}",
                    STREAM_URL,
                    PAGE_URL,
                    "Kunci stream disimpan di Zoom saja",
                    "Live streaming dipasang pada meeting Zoom",
                ],
            ),
            case(
                "zoom needs: the event is over, nothing offered",
                request_page(with_zoom_needs(provisioned, status=Status.COMPLETED), operator, set()),
                ["Kebutuhan di Zoom", "Tidak ada tindakan"],
            ),
        ],
    }
