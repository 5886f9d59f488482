"""Zoom's webhook: checked and stored as a job within Zoom's 3 seconds; the job does the work.

The delivery's body is its de-duplication key (Zoom's retries repeat it byte for byte), so the same event three
times is one job. Only meetings this app created are acted on: the meeting id must belong to one of our requests.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from vicon import webhooks
from vicon.lifecycle import Status
from vicon.meetings import Recording, RecordingFile
from vicon.ports import AuditEntry, ClaimedJob, Job, Jobs, RequestStore
from vicon.records import RequestRecord
from vicon.usecases.completion import Completion
from vicon.usecases.jobs import Done, Outcome
from vicon.usecases.recordings import schedule_recording_check

log = logging.getLogger(__name__)

WEBHOOK = "webhook"
SYSTEM = "zoom"


@dataclass(frozen=True)
class Acknowledgement:
    """What to answer Zoom: the URL check's answer, or an empty 200 (`queued` False for a repeat)."""

    body: dict[str, str] | None
    queued: bool


class WebhookReceiver:
    def __init__(self, secret: str | None, jobs: Jobs, clock: Callable[[], dt.datetime]) -> None:
        self.secret = secret
        self.jobs = jobs
        self.clock = clock

    def receive(self, headers: Mapping[str, str], body: bytes) -> Acknowledgement:
        """Verify and queue one delivery; WebhookRefused (4xx, nothing stored) when it is not Zoom's."""
        now = self.clock()
        data = webhooks.parse_body(body) if self.secret else None
        if data is not None and data["event"] == webhooks.URL_VALIDATION and not headers.get(webhooks.SIGNATURE_HEADER):
            # The check is answered for Zoom-shaped tokens only, so it can never sign a forged delivery.
            return Acknowledgement(
                webhooks.url_validation_answer(self.secret or "", webhooks.read_url_validation(data)), False
            )
        webhooks.verify_signature(self.secret, headers, body, now)
        data = data if data is not None else webhooks.parse_body(body)
        if data["event"] == webhooks.URL_VALIDATION:
            return Acknowledgement(
                webhooks.url_validation_answer(self.secret or "", webhooks.read_url_validation(data)), False
            )
        if webhooks.read_event(data) is None:
            log.info("webhook %s acknowledged and ignored", data["event"])
            return Acknowledgement(None, False)
        queued = self.jobs.schedule_job(Job(webhooks.delivery_key(body), WEBHOOK, now, {"event": data}))
        return Acknowledgement(None, queued)

    def _validation(self, data: dict[str, Any]) -> Acknowledgement:
        answer = webhooks.url_validation_answer(self.secret or "", webhooks.read_url_validation(data))
        return Acknowledgement(answer, False)


class WebhookEvents:
    """The `webhook` job: one verified event, acted on for our own meetings only."""

    def __init__(
        self, requests: RequestStore, jobs: Jobs, completion: Completion, clock: Callable[[], dt.datetime]
    ) -> None:
        self.requests = requests
        self.jobs = jobs
        self.completion = completion
        self.clock = clock

    def handle(self, claimed: ClaimedJob) -> Outcome:
        data: dict[str, Any] = claimed.job.payload["event"]
        event = webhooks.read_event(data)
        if event is None:
            return Done()
        meeting = event.payload.object
        record = self.requests.request_by_meeting(meeting.id)
        if record is None or record.meeting is None:
            log.info("webhook %s for meeting %s, which is not ours: ignored", data["event"], meeting.id)
            return Done()
        if isinstance(event, webhooks.RecordingCompleted):
            self._recording_completed(record, event)
        elif event.event == webhooks.MEETING_STARTED:
            self.requests.record_audit(
                AuditEntry(
                    record.id,
                    self.clock(),
                    SYSTEM,
                    "meeting_started",
                    None,
                    None,
                    {"uuid": meeting.uuid, "start": data["payload"]["object"].get("start_time")},
                )
            )
        elif meeting.end_time is not None:
            self.completion.meeting_ended(record, meeting.uuid, meeting.start_time, meeting.end_time, "webhook")
        return Done()

    def _recording_completed(self, record: RequestRecord, event: webhooks.RecordingCompleted) -> None:
        meeting = event.payload.object
        # Only the files' ids matter here: the recordings job asks Zoom for them again, with a fresh token.
        recording = Recording(
            uuid=meeting.uuid,
            meeting_id=meeting.id,
            host_id=meeting.host_id,
            host_email=meeting.host_email,
            topic="",
            start_time=meeting.start_time,
            duration=0,
            files=tuple(
                RecordingFile(
                    id=file.id,
                    meeting_uuid=meeting.uuid,
                    file_type=file.file_type or "",
                    file_extension="",
                    file_size=file.file_size or 0,
                    download_url="",
                    status=file.status or "",
                    recording_type="",
                    recording_start=None,
                    recording_end=None,
                )
                for file in meeting.recording_files
            ),
            download_access_token=None,
        )
        if record.status in (Status.PROVISIONED, Status.COMPLETED, Status.CANCELLED):
            schedule_recording_check(self.jobs, record, recording, self.clock())
