"""Every mail the service sends, rendered from templates; one place to see who is told what."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from email.utils import parseaddr
from typing import Any, Protocol
from urllib.parse import urlencode

from vicon.fields import COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, is_complaint_id
from vicon.invitations import format_meeting_id, ics_invitation, schedule_text, whatsapp_share_url, whatsapp_text
from vicon.mailing import UNDELIVERABLE_NOTICE, header_text
from vicon.meetings import Recording
from vicon.ports import Attachment, OutboxEntry, OutgoingMail
from vicon.records import ComplaintChannel, ComplaintRecord, RequestRecord
from vicon.settings import Settings

SUBJECT_PREFIX = "[Vicon]"
# method= tells Gmail and Outlook what the attached event is for (RFC 6047): offer to add it, or remove it.
INVITATION_TYPE = "text/calendar; method=REQUEST; charset=UTF-8"
CANCELLATION_TYPE = "text/calendar; method=CANCEL; charset=UTF-8"


def format_size(size: int) -> str:
    """'1,5 GB', '320 MB', '12 KB': what a person reads, with the decimal comma."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= factor:
            value = size / factor
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return f"{text.replace('.', ',')} {unit}"
    return f"{size} byte"


# What makes text a link to a mail program: a scheme, or a dot between a name and something like a domain label.
_SCHEME = re.compile(r"://")
_DOMAIN_DOT = re.compile(r"(?<=[A-Za-z0-9-])\.(?=[A-Za-z][A-Za-z0-9-]*)")


def defanged(text: str) -> str:
    """Text from the public as mails quote it: no scheme or domain a mail program would turn into a link.

    `https://contoh.go.id` reads `https[:]//contoh[.]go[.]id`. The complaint form mails its message back to any
    address typed into it; so quoted, it carries no clickable link to that address (decision 0027).
    """
    return _DOMAIN_DOT.sub("[.]", _SCHEME.sub("[:]//", text))


def quoted_lines(text: str) -> str:
    """Text quoted for a mail's text part, each line after "> " (an empty line as ">")."""
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


class MailContext(Protocol):
    """What the mails are made from: settings, the clock, the templates, and the dates and links people are sent.

    `vicon.core.Core` provides it (structurally); declared here so the composer never imports the core it serves.
    """

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Callable[[], dt.datetime]: ...

    def render(self, name: str, **context: Any) -> str: ...

    def verification_due(self, submitted_at: dt.datetime) -> dt.datetime:
        """When the verification is due (vicon.sla: the same time the review page names)."""
        ...

    def provisioning_due(self, record: RequestRecord) -> dt.datetime | None:
        """When the meeting of an approved request is due (vicon.sla); None before an approval."""
        ...

    def status_url(self, record: RequestRecord) -> str: ...

    def review_url(self, record: RequestRecord, verifier: str) -> str: ...

    def officer_url(self, record: RequestRecord, operator: str) -> str: ...

    def recording_decision_url(self, record: RequestRecord, person: str) -> str: ...

    def recordings_url(self, record: RequestRecord, until: dt.datetime) -> str: ...

    def survey_url(self, record: RequestRecord) -> str: ...

    def survey_expiry(self, record: RequestRecord) -> dt.datetime: ...
    def complaint_answer_url(self, complaint: ComplaintRecord, person: str) -> str: ...

    def complaint_register_url(self, person: str, now: dt.datetime) -> str: ...


class MailComposer:
    """Builds OutgoingMail for each event of a request's life; the core stores them with the change."""

    def __init__(self, service: MailContext) -> None:
        self.service = service

    def _mail(
        self, to: tuple[str, ...], subject: str, template: str, attachments: tuple[Attachment, ...] = (), **context: Any
    ) -> OutgoingMail:
        context.setdefault("schedule", schedule_text(context["request"], self.service.settings.tz))
        return OutgoingMail(
            to=to,
            # Neutralised here too (compose does it again), so the outbox never even stores an encoded word.
            subject=header_text(f"{SUBJECT_PREFIX} {subject}"),
            text=self.service.render(f"email/{template}.txt", **context),
            html=self.service.render(f"email/{template}.html", **context),
            attachments=attachments,
        )

    def intake(self, record: RequestRecord, status_url: str) -> list[OutgoingMail]:
        """Each verifier (with the letter and a review link of their own) and the requester (a receipt)."""
        letter = Attachment(
            filename=f"surat-permohonan-{record.id}.pdf",
            content_type="application/pdf",
            blob_key=record.letter.key,
        )
        verification_due = self.service.verification_due(record.created_at)
        mails = [
            self._mail(
                (verifier,),
                f"Permohonan baru {record.id}: {record.event_name}",
                "verifier_new_request",
                (letter,),
                request=record,
                review_url=self.service.review_url(record, verifier),
                verifier=verifier,
                verification_due=verification_due,
            )
            for verifier in self.service.settings.verifier_emails
        ]
        mails.append(
            self._mail(
                (record.contact_email,),
                f"Tanda terima permohonan {record.id}",
                "requester_receipt",
                request=record,
                status_url=status_url,
                verification_due=verification_due,
            )
        )
        return mails

    def provisioned(self, record: RequestRecord) -> list[OutgoingMail]:
        """The invitation (with .ics and WhatsApp text) to the requester; details and an officer link to operators."""
        tz = self.service.settings.tz
        text = whatsapp_text(record, tz)
        meeting_id = format_meeting_id(record.held_meeting().id)
        organizer = parseaddr(self.service.settings.mail_from)[1] or "vicon@localhost"
        ics = Attachment(
            filename=f"undangan-{record.id}.ics",
            content_type=INVITATION_TYPE,
            data=ics_invitation(record, organizer, self.service.clock()),
        )
        mails = [
            self._mail(
                (record.contact_email,),
                f"Zoom Meeting siap: {record.event_name} ({record.id})",
                "invitation",
                (ics,),
                request=record,
                meeting_id=meeting_id,
                whatsapp_text=text,
                whatsapp_url=whatsapp_share_url(text),
                status_url=self.service.status_url(record),
            )
        ]
        mails += [
            self._mail(
                (operator,),
                f"Meeting dijadwalkan {record.id}: {record.event_name}",
                "operator_meeting",
                request=record,
                meeting_id=meeting_id,
                officer_url=self.service.officer_url(record, operator),
                operator=operator,
            )
            for operator in self.service.settings.operator_emails
        ]
        return mails

    def provisioning_failed(self, record: RequestRecord, final: bool = False) -> list[OutgoingMail]:
        """Verifiers and the requester; with `final` (retries have stopped) the supervisors too."""
        if final:
            subject = f"Meeting gagal dibuat {record.id}: {record.event_name}"
        else:
            subject = f"Pembuatan meeting tertunda {record.id}: {record.event_name}"
        staff = [
            (verifier, self.service.review_url(record, verifier)) for verifier in self.service.settings.verifier_emails
        ]
        if final:
            staff += [(supervisor, "") for supervisor in self.service.settings.supervisor_emails]
        due = self.service.provisioning_due(record)
        mails = [
            self._mail(
                (to,),
                subject,
                "provisioning_failed",
                request=record,
                for_verifier=True,
                final=final,
                link_url=link,
                provisioning_due=due,
            )
            for to, link in staff
        ]
        mails.append(
            self._mail(
                (record.contact_email,),
                subject,
                "provisioning_failed",
                request=record,
                for_verifier=False,
                final=final,
                link_url=self.service.status_url(record),
                provisioning_due=None,
            )
        )
        return mails

    def rejected(self, record: RequestRecord) -> list[OutgoingMail]:
        return [
            self._mail(
                (record.contact_email,),
                f"Permohonan ditolak {record.id}: {record.event_name}",
                "rejected",
                request=record,
            )
        ]

    def polls_failed(self, record: RequestRecord, attempts: int = 0) -> list[OutgoingMail]:
        """OPERATOR_EMAILS (the verifiers when none are set): the polls are not in the meeting and need a person.

        With `attempts` 0 Zoom refused them (a setting, a question it will not take); otherwise the automatic
        retries after Zoom failures ran out after that many. Either way the meeting stands; the mail says what to do.
        """
        settings = self.service.settings
        subject = f"Polling belum dibuat {record.id}: {record.event_name}"
        console_url = f"{settings.public_base_url}/api/staff_request?{urlencode({'id': record.id})}"
        return [
            self._mail(
                (person,),
                subject,
                "polls_failed",
                request=record,
                attempts=attempts,
                console_url=console_url,
            )
            for person in settings.operator_emails or settings.verifier_emails
        ]

    def cancelled(self, record: RequestRecord, staff: str | None = None, reason: str = "") -> list[OutgoingMail]:
        """Verifiers, the operators when a meeting had been scheduled, and the requester (with a calendar cancel).

        With `staff` a staff member cancelled on the requester's behalf (the console), for `reason`.
        """
        subject = f"Permohonan dibatalkan {record.id}: {record.event_name}"
        by: dict[str, Any] = {"cancelled_by": staff, "cancel_reason": reason} if staff else {}
        had_meeting = bool(record.meeting)
        notified = (
            *self.service.settings.verifier_emails,
            *(self.service.settings.operator_emails if had_meeting else ()),
        )
        mails = [self._mail((to,), subject, "cancelled", request=record, for_requester=False, **by) for to in notified]
        attachments: tuple[Attachment, ...] = ()
        if had_meeting:
            organizer = parseaddr(self.service.settings.mail_from)[1] or "vicon@localhost"
            attachments = (
                Attachment(
                    filename=f"batal-{record.id}.ics",
                    content_type=CANCELLATION_TYPE,
                    data=ics_invitation(record, organizer, self.service.clock(), cancelled=True),
                ),
            )
        mails.append(
            self._mail(
                (record.contact_email,), subject, "cancelled", attachments, request=record, for_requester=True, **by
            )
        )
        return mails

    def recording_unconsented(self, record: RequestRecord, recording: Recording) -> list[OutgoingMail]:
        """Operators and supervisors, each with a decision link of their own, before anything is deleted."""
        settings = self.service.settings
        staff = dict.fromkeys((*settings.operator_emails, *settings.supervisor_emails))
        size = sum(file.file_size for file in recording.files)
        return [
            self._mail(
                (person,),
                f"Rekaman tanpa persetujuan {record.id}: {record.event_name}",
                "recording_unconsented",
                request=record,
                person=person,
                decision_url=self.service.recording_decision_url(record, person),
                file_count=len(recording.files),
                total_size=format_size(size),
                retention_days=settings.recording_retention_days,
            )
            for person in staff
        ]

    def recordings_ready(self, record: RequestRecord, deletion_at: dt.datetime) -> list[OutgoingMail]:
        """The organiser's one mail with the link to the archived recordings (valid until they are deleted)."""
        return self._recordings_mail(record, deletion_at, reminder=False)

    def recordings_reminder(self, record: RequestRecord, deletion_at: dt.datetime) -> list[OutgoingMail]:
        return self._recordings_mail(record, deletion_at, reminder=True)

    def _recordings_mail(self, record: RequestRecord, deletion_at: dt.datetime, reminder: bool) -> list[OutgoingMail]:
        subject = (
            f"Rekaman akan dihapus {record.id}: {record.event_name}"
            if reminder
            else f"Rekaman tersedia {record.id}: {record.event_name}"
        )
        return [
            self._mail(
                (record.contact_email,),
                subject,
                "recordings_ready",
                request=record,
                reminder=reminder,
                deletion_at=deletion_at,
                recordings_url=self.service.recordings_url(record, deletion_at),
                file_count=len(record.recordings),
                total_size=format_size(sum(file.size for file in record.recordings)),
                retention_days=self.service.settings.recording_retention_days,
            )
        ]

    # ---- service level (vicon.usecases.sla): reminders, escalations, the day before ----------------------------

    def verification_reminder(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        """Each verifier, with a review link of their own, before the verification is due."""
        return self._sla_reminder(record, due, "verification", f"Pengingat verifikasi {record.id}: {record.event_name}")

    def provisioning_reminder(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        """Each verifier (the team that makes the meeting by hand if it must), before the meeting is due."""
        return self._sla_reminder(
            record, due, "provisioning", f"Pengingat pembuatan meeting {record.id}: {record.event_name}"
        )

    def _sla_reminder(self, record: RequestRecord, due: dt.datetime, stage: str, subject: str) -> list[OutgoingMail]:
        return [
            self._mail(
                (verifier,),
                subject,
                "sla_reminder",
                request=record,
                stage=stage,
                due=due,
                review_url=self.service.review_url(record, verifier),
                verifier=verifier,
            )
            for verifier in self.service.settings.verifier_emails
        ]

    def verification_overdue(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        """SUPERVISOR_EMAILS (SOP item 9): the request is still undecided past its verification due time."""
        return self._sla_overdue(record, due, "verification", f"Verifikasi terlambat {record.id}: {record.event_name}")

    def provisioning_overdue(self, record: RequestRecord, due: dt.datetime) -> list[OutgoingMail]:
        """SUPERVISOR_EMAILS: the approved request still has no meeting past its due time."""
        return self._sla_overdue(
            record, due, "provisioning", f"Pembuatan meeting terlambat {record.id}: {record.event_name}"
        )

    def _sla_overdue(self, record: RequestRecord, due: dt.datetime, stage: str, subject: str) -> list[OutgoingMail]:
        settings = self.service.settings
        return [
            self._mail(
                (supervisor,),
                subject,
                "sla_overdue",
                request=record,
                stage=stage,
                due=due,
                verifiers=", ".join(settings.verifier_emails),
            )
            for supervisor in dict.fromkeys(settings.supervisor_emails)
        ]

    def meeting_reminder(self, record: RequestRecord) -> list[OutgoingMail]:
        """The working day before the event: the requester (the invitation's details again) and the operators."""
        tz = self.service.settings.tz
        text = whatsapp_text(record, tz)
        meeting_id = format_meeting_id(record.held_meeting().id)
        mails = [
            self._mail(
                (record.contact_email,),
                f"Pengingat kegiatan {record.id}: {record.event_name}",
                "meeting_reminder",
                request=record,
                for_operator=False,
                meeting_id=meeting_id,
                whatsapp_url=whatsapp_share_url(text),
                link_url=self.service.status_url(record),
                operator="",
            )
        ]
        mails += [
            self._mail(
                (operator,),
                f"Pengingat meeting {record.id}: {record.event_name}",
                "meeting_reminder",
                request=record,
                for_operator=True,
                meeting_id=meeting_id,
                whatsapp_url="",
                link_url=self.service.officer_url(record, operator),
                operator=operator,
            )
            for operator in self.service.settings.operator_emails
        ]
        return mails

    def survey(self, record: RequestRecord, reminder: bool = False) -> list[OutgoingMail]:
        """The requester's one survey mail once the event is completed, and its one reminder."""
        subject = (
            f"Pengingat survei kepuasan {record.id}: {record.event_name}"
            if reminder
            else f"Survei kepuasan layanan {record.id}: {record.event_name}"
        )
        return [
            self._mail(
                (record.contact_email,),
                subject,
                "survey",
                request=record,
                reminder=reminder,
                survey_url=self.service.survey_url(record),
                expires_at=self.service.survey_expiry(record),
            )
        ]

    def quarterly_report(
        self, quarter_label: str, months: str, links: Sequence[tuple[str, str]], headline: Sequence[tuple[str, str]]
    ) -> list[OutgoingMail]:
        """Each supervisor, with a link of their own to the quarter's report; `headline` is (label, value) rows."""
        mails = []
        for supervisor, url in links:
            context = {"quarter_label": quarter_label, "months": months, "report_url": url, "headline": headline}
            mails.append(
                OutgoingMail(
                    to=(supervisor,),
                    subject=header_text(f"{SUBJECT_PREFIX} Laporan evaluasi {quarter_label} layanan Zoom Meeting"),
                    text=self.service.render("email/quarterly_report.txt", **context),
                    html=self.service.render("email/quarterly_report.html", **context),
                )
            )
        return mails

    def staff_login(self, email: str, login_url: str, expires_at: dt.datetime) -> OutgoingMail:
        """A staff member's single-use link into the console (sent directly, never through the outbox)."""
        context = {"email": email, "login_url": login_url, "expires_at": expires_at}
        return OutgoingMail(
            to=(email,),
            subject=header_text(f"{SUBJECT_PREFIX} Tautan masuk konsol"),
            text=self.service.render("email/staff_login.txt", **context),
            html=self.service.render("email/staff_login.html", **context),
        )

    def undeliverable(self, entry: OutboxEntry, error: str) -> list[OutgoingMail]:
        """Supervisors and verifiers: which mail, to whom, for which request could not be delivered (and why)."""
        staff = dict.fromkeys((*self.service.settings.supervisor_emails, *self.service.settings.verifier_emails))
        request_id = entry.request_id or "-"
        subject_label = "pengaduan" if is_complaint_id(entry.request_id) else "permohonan"
        context = {
            "request_id": request_id,
            "subject_label": subject_label,
            "to": ", ".join(entry.mail.to),
            "mail_subject": entry.mail.subject,
            "attempts": entry.attempts + 1,
            "error": error,
        }
        return [
            OutgoingMail(
                to=(to,),
                subject=header_text(f"{SUBJECT_PREFIX} Email tidak terkirim untuk {subject_label} {request_id}"),
                text=self.service.render("email/undeliverable.txt", **context),
                html=self.service.render("email/undeliverable.html", **context),
                kind=UNDELIVERABLE_NOTICE,
            )
            for to in staff
        ]

    # ---- complaints, suggestions and input (docs/decisions/0027-complaints.md) ------------------------------------

    def _complaint_mail(self, to: str, subject: str, template: str, **context: Any) -> OutgoingMail:
        return OutgoingMail(
            to=(to,),
            subject=header_text(f"{SUBJECT_PREFIX} {subject}"),
            text=self.service.render(f"email/{template}.txt", **context),
            html=self.service.render(f"email/{template}.html", **context),
        )

    @staticmethod
    def _complaint_context(complaint: ComplaintRecord) -> dict[str, Any]:
        """What every complaint mail shows of it: labels, and the message quoted without live links."""
        quoted = defanged(complaint.message)
        return {
            "complaint": complaint,
            "category_label": COMPLAINT_CATEGORIES[complaint.category],
            "channel_label": COMPLAINT_CHANNELS[complaint.channel],
            "registered": complaint.channel != ComplaintChannel.WEB,
            "quoted": quoted,
            "quoted_text": quoted_lines(quoted),
        }

    def complaint_received(self, complaint: ComplaintRecord, request: RequestRecord | None) -> list[OutgoingMail]:
        """The sender's acknowledgement (when they gave an address) and the complaint to each officer.

        Each officer's mail has an answer link of their own and a link to register one received another way.
        """
        context = self._complaint_context(complaint)
        label = context["category_label"]
        mails = []
        if complaint.email:
            mails.append(
                self._complaint_mail(
                    complaint.email, f"Tanda terima {label.lower()} {complaint.id}", "complaint_receipt", **context
                )
            )
        about = f" tentang {complaint.request_id}" if complaint.request_id else ""
        now = self.service.clock()
        mails += [
            self._complaint_mail(
                person,
                f"{label} baru {complaint.id}{about}",
                "complaint_staff",
                **context,
                request=request,
                person=person,
                answer_url=self.service.complaint_answer_url(complaint, person),
                register_url=self.service.complaint_register_url(person, now),
            )
            for person in self.service.settings.complaint_staff
        ]
        return mails

    def complaint_answered(self, complaint: ComplaintRecord) -> list[OutgoingMail]:
        """The answer to the sender; none for one registered without an address (the officer tells them)."""
        if not complaint.email:
            return []
        context = self._complaint_context(complaint)
        subject = f"Jawaban atas {context['category_label'].lower()} {complaint.id}"
        return [self._complaint_mail(complaint.email, subject, "complaint_answer", **context)]

    def complaint_register_link(self, person: str, register_url: str, expires_at: dt.datetime) -> list[OutgoingMail]:
        """An officer's link to register complaints received in person, by phone, by message or by email."""
        return [
            self._complaint_mail(
                person,
                "Tautan pencatatan pengaduan, saran dan masukan",
                "complaint_register_link",
                person=person,
                register_url=register_url,
                expires_at=expires_at,
            )
        ]
