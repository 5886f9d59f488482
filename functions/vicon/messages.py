"""Every mail the service sends, rendered from templates; one place to see who is told what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import parseaddr
from typing import Any, Protocol

from vicon.invitations import format_meeting_id, ics_invitation, schedule_text, whatsapp_share_url, whatsapp_text
from vicon.mailing import UNDELIVERABLE_NOTICE, header_text
from vicon.meetings import Recording
from vicon.ports import Attachment, OutboxEntry, OutgoingMail
from vicon.records import RequestRecord
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


class MailContext(Protocol):
    """What the mails are made from: settings, the clock, the templates, and the dates and links people are sent.

    `vicon.core.Core` provides it (structurally); declared here so the composer never imports the core it serves.
    """

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Callable[[], dt.datetime]: ...

    def render(self, name: str, **context: Any) -> str: ...

    def verify_by(self, submitted_at: dt.datetime) -> dt.date:
        """The last day a verifier may decide (the same date the review page names)."""
        ...

    def status_url(self, record: RequestRecord) -> str: ...

    def review_url(self, record: RequestRecord, verifier: str) -> str: ...

    def officer_url(self, record: RequestRecord, operator: str) -> str: ...

    def recording_decision_url(self, record: RequestRecord, person: str) -> str: ...

    def recordings_url(self, record: RequestRecord, until: dt.datetime) -> str: ...


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
        verify_by = self.service.verify_by(self.service.clock())
        mails = [
            self._mail(
                (verifier,),
                f"Permohonan baru {record.id}: {record.event_name}",
                "verifier_new_request",
                (letter,),
                request=record,
                review_url=self.service.review_url(record, verifier),
                verifier=verifier,
                verify_by=verify_by,
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
                verify_by=verify_by,
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
        mails = [
            self._mail(
                (to,), subject, "provisioning_failed", request=record, for_verifier=True, final=final, link_url=link
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
        context = {
            "request_id": request_id,
            "to": ", ".join(entry.mail.to),
            "mail_subject": entry.mail.subject,
            "attempts": entry.attempts + 1,
            "error": error,
        }
        return [
            OutgoingMail(
                to=(to,),
                subject=header_text(f"{SUBJECT_PREFIX} Email tidak terkirim untuk permohonan {request_id}"),
                text=self.service.render("email/undeliverable.txt", **context),
                html=self.service.render("email/undeliverable.html", **context),
                kind=UNDELIVERABLE_NOTICE,
            )
            for to in staff
        ]
