"""From an approved request to exactly one Zoom meeting on a free licensed host.

The order matters: the request is claimed by a status transition, a host's time slot is claimed in the store,
Zoom is called outside any transaction, and the meeting is recorded by a second transition. After an
ambiguous failure the host's meetings are searched for the request's tag before anything is created again.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vicon.hostbusy import blocking_meetings
from vicon.intake import EVENT_TYPES
from vicon.lifecycle import (
    MAX_PROVISIONING_ATTEMPTS,
    Actor,
    CleanupState,
    Status,
    allowed_from,
    out_of_attempts,
)
from vicon.meetings import (
    POLL_TITLE_MAX_LENGTH,
    Meeting,
    MeetingSpec,
    PollQuestion,
    ZoomAmbiguous,
    ZoomAuthError,
    ZoomDailyLimit,
    ZoomError,
    ZoomOutOfTime,
    ZoomRateLimited,
    ZoomRejected,
    ZoomUnavailable,
    generate_passcode,
)
from vicon.ports import (
    AuditEntry,
    ClaimedJob,
    HostSlots,
    Job,
    Jobs,
    Meetings,
    Outbox,
    OutgoingMail,
    RequestStore,
    TransitionRefused,
    ZoomUsage,
)
from vicon.records import RequestChanges, RequestRecord, StoredMeeting
from vicon.settings import Settings
from vicon.usecases.completion import schedule_completion_check
from vicon.usecases.jobs import MAX_JOB_ATTEMPTS, Done, GiveUp, Outcome, RequestJob, RetryAt, retry_delay
from vicon.usecases.recordings import schedule_recording_trigger
from vicon.usecases.sla import schedule_meeting_reminder, schedule_provisioning_clock, service_level

log = logging.getLogger(__name__)

# Zoom allows 100 create/update calls per host per UTC day; work moves to another host a little before that.
DAILY_CALL_LIMIT = 100
DAILY_CALL_MARGIN = 5
MAX_RETRY_DELAY = dt.timedelta(hours=1)
# An `approved` request untouched this long was abandoned mid-way (a crashed instance); the tick takes it over.
STALE_APPROVAL = dt.timedelta(minutes=10)
SYSTEM = "sistem"
# Zoom time per provisioning attempt (sleeps for 429s plus request timeouts). The verifier's approve POST runs
# inside a function timeout of about 10 s and must still answer, so inline work gets 8 s and whatever does not
# fit becomes `provisioning_failed`, retried by the tick, which has minutes and may honour a 30 s Retry-After.
INLINE_ZOOM_BUDGET_SECONDS = 8.0
TICK_ZOOM_BUDGET_SECONDS = 60.0
# The polls go after the meeting is recorded, inside the same approve POST: a short budget of their own.
POLLS_ZOOM_BUDGET_SECONDS = 4.0
POLLS_DISABLED_CODE = 4400  # "Meeting polls disabled" (the account's setting), from Zoom's API reference
# The job that retries polls after a transient Zoom failure (one per request), and its Zoom time per attempt.
POLLS_JOB = "polls"
POLLS_JOB_ZOOM_BUDGET_SECONDS = 30.0
# Held on the request by the one attempt that lists and creates its polls (the inline try, the job, the console):
# longer than any attempt's Zoom budget, so a holder that died blocks the others for a few minutes only.
POLLS_LEASE = dt.timedelta(minutes=2)


def meeting_tag(request_id: str) -> str:
    """Written at the start of the agenda; Zoom truncates listed agendas to 250 characters."""
    return f"[{request_id}]"


class ProvisioningMails(Protocol):
    """The two mails provisioning queues with its transitions (`vicon.messages.MailComposer` writes them)."""

    def provisioned(self, record: RequestRecord) -> list[OutgoingMail]: ...

    def provisioning_failed(self, record: RequestRecord, final: bool = False) -> list[OutgoingMail]: ...

    def polls_failed(self, record: RequestRecord, attempts: int = 0) -> list[OutgoingMail]: ...


class ProvisioningContext(Protocol):
    """The ports provisioning works with (`vicon.core.ProvisioningPorts`); this module never imports the core."""

    @property
    def settings(self) -> Settings: ...

    @property
    def requests(self) -> RequestStore: ...

    @property
    def host_slots(self) -> HostSlots: ...

    @property
    def zoom_usage(self) -> ZoomUsage: ...

    @property
    def jobs(self) -> Jobs: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def meetings(self) -> Meetings: ...

    @property
    def clock(self) -> Callable[[], dt.datetime]: ...

    @property
    def mails(self) -> ProvisioningMails: ...


class ProvisioningFailed(Exception):
    """A reason in Bahasa Indonesia; `keep_slot` when Zoom may hold a meeting for this request on that host."""

    def __init__(self, reason: str, keep_slot: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.keep_slot = keep_slot


def provisioning_retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes after the n-th failed attempt, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def provision(
    service: ProvisioningContext, request_id: str, zoom_budget_seconds: float = INLINE_ZOOM_BUDGET_SECONDS
) -> RequestRecord | None:
    """Turn an `approved` request into a meeting, or into `provisioning_failed` with the reason.

    Finding a host and creating the meeting spend at most `zoom_budget_seconds` in Zoom calls; the default is
    the inline budget, so a caller answering an HTTP request is safe without saying so.
    """
    record = service.requests.get_request(request_id)
    if record is None or record.status != Status.APPROVED:
        return record
    try:
        with service.meetings.time_budget(zoom_budget_seconds):
            host, meeting = _obtain_meeting(service, record)
    except ProvisioningFailed as failure:
        if not failure.keep_slot:
            service.host_slots.release_host_slot(request_id)
        return _record_failure(service, record, failure.reason)
    provisioned = _record_meeting(service, record, host, meeting)
    if provisioned is not None and provisioned.status == Status.PROVISIONED and provisioned.polls:
        # After the meeting is recorded, never before: a poll that fails costs the poll, not the meeting.
        try:
            return create_polls(service, provisioned, zoom_budget_seconds=POLLS_ZOOM_BUDGET_SECONDS)
        except PollsInProgress:
            return provisioned  # another attempt is making them and records the outcome
    return provisioned


def poll_title(record: RequestRecord) -> str:
    """The poll's title in Zoom, as participants see it; also how a retry recognises the poll it made."""
    return f"Polling {record.id}"[:POLL_TITLE_MAX_LENGTH]


def polls_job_key(request_id: str) -> str:
    """One polls retry job per request: scheduling it again while it waits (or after it ran) adds nothing."""
    return f"{POLLS_JOB}:{request_id}"


class PollsInProgress(Exception):
    """Another attempt holds the request's polls lease (it is listing or creating them now); this one did nothing."""


@dataclass(frozen=True)
class _PollsAttempt:
    record: RequestRecord  # as stored afterwards; as it was when the outcome could not be written
    failure: Exception | None  # None: the poll is in the meeting
    recorded: bool  # False: the store failed after Zoom answered, so the outcome is on no record yet


def create_polls(
    service: ProvisioningContext,
    record: RequestRecord,
    actor: str = SYSTEM,
    zoom_budget_seconds: float = 8.0,
    via: str | None = None,
) -> RequestRecord:
    """Create the requester's polls in the meeting as one poll, once; PollsInProgress while another attempt does.

    Zoom has no idempotency key for polls, so one attempt at a time holds the request's polls lease (a
    compare-and-set on the record), and lists the meeting's polls before it creates: one already titled
    `poll_title` (made by an attempt whose answer was lost) is taken as done. The outcome is written on the
    record (`zoom_polls` or `polls_error`) and in the audit trail. A transient failure (Zoom unreachable, a 5xx,
    a timeout, a 429), or a store failure that leaves the outcome unwritten, schedules the `polls` job, which
    tries again with backoff (and, listing first, records a poll already made); a refusal mails the operators
    once, since a person has to change something first. The console offers a retry after either. Any failure
    but PollsInProgress is logged or recorded, never raised.
    """
    try:
        attempt = _attempt_polls(service, record, actor, zoom_budget_seconds, via)
    except PollsInProgress:
        raise
    except Exception:
        log.exception("the polls of %s could not be tried; the polls job tries again", record.id)
        _schedule_polls_job(service, record.id)
        return record
    if not attempt.recorded or (attempt.failure is not None and _is_transient(attempt.failure)):
        _schedule_polls_job(service, record.id)
    elif attempt.failure is not None:
        _tell_operators(service, attempt.record)
    return attempt.record


def _schedule_polls_job(service: ProvisioningContext, request_id: str) -> None:
    try:
        due = service.clock() + retry_delay(1)
        service.jobs.schedule_job(
            Job(polls_job_key(request_id), POLLS_JOB, due, RequestJob(request_id=request_id).payload(), request_id)
        )
    except Exception:
        log.exception("scheduling the polls retry of %s failed; the console's button still retries", request_id)


def retry_polls(service: ProvisioningContext, claimed: ClaimedJob) -> Outcome:
    """The `polls` job: try the polls again after a transient failure, with backoff, until the event ends.

    A refusal, or the last attempt failing, mails the operators (once per request) and ends the job; the
    console's button still retries after that.
    """
    record = service.requests.get_request(RequestJob.of(claimed).request_id)
    now = service.clock()
    if (
        record is None
        or not record.polls
        or record.zoom_polls
        or record.meeting is None
        or record.status != Status.PROVISIONED
        or record.end <= now
    ):
        return Done()
    try:
        attempt = _attempt_polls(service, record, SYSTEM, POLLS_JOB_ZOOM_BUDGET_SECONDS, None)
    except PollsInProgress:
        return RetryAt(now + POLLS_LEASE, "polling sedang dibuat oleh percobaan lain")
    failure = attempt.failure
    if attempt.recorded and failure is None:
        return Done()
    if attempt.recorded and failure is not None and not _is_transient(failure):
        _tell_operators(service, attempt.record)
        return Done()
    reason = f"Zoom: {type(failure).__name__}: {failure}" if failure else "hasil polling tidak tercatat di Vicon"
    if claimed.attempts + 1 >= MAX_JOB_ATTEMPTS:
        if failure is not None:
            _tell_operators(service, attempt.record, attempts=MAX_JOB_ATTEMPTS)
        return GiveUp(f"{MAX_JOB_ATTEMPTS} percobaan: {reason}")
    # The try that scheduled the job waited retry_delay(1); each of the job's failures doubles that.
    return RetryAt(now + retry_delay(claimed.attempts + 2), reason)


def _attempt_polls(
    service: ProvisioningContext, record: RequestRecord, actor: str, zoom_budget_seconds: float, via: str | None
) -> _PollsAttempt:
    """One try under the request's polls lease; PollsInProgress when another attempt holds it."""
    if not record.polls or record.zoom_polls or record.meeting is None:
        return _PollsAttempt(record, None, recorded=True)
    current, lease = _take_polls_lease(service, record.id)
    if current.zoom_polls or not current.polls or current.meeting is None:
        return _PollsAttempt(current, None, recorded=True)  # made, or the meeting gone, since `record` was read
    if lease is None:
        raise PollsInProgress(record.id)
    try:
        return _polls_under_lease(service, current, current.meeting.id, actor, zoom_budget_seconds, via)
    finally:
        _release_polls_lease(service, record.id, lease)


def _polls_under_lease(
    service: ProvisioningContext,
    record: RequestRecord,
    meeting_id: int,
    actor: str,
    zoom_budget_seconds: float,
    via: str | None,
) -> _PollsAttempt:
    title = poll_title(record)
    questions = [PollQuestion(name=q.name, kind=q.kind, answers=q.answers) for q in record.polls]
    try:
        with service.meetings.time_budget(zoom_budget_seconds):
            made = next((poll for poll in service.meetings.list_polls(meeting_id) if poll.title == title), None)
            if made is None:
                made = service.meetings.create_poll(meeting_id, title, questions)
    except (ZoomError, ValueError) as exc:
        reason = _polls_reason(exc)
        log.warning("creating the polls of %s in meeting %s failed: %s", record.id, meeting_id, exc)
        try:
            updated = service.requests.update_request(record.id, RequestChanges(polls_error=reason))
        except Exception:
            log.exception("recording why the polls of %s failed did not work; the polls job tries again", record.id)
            return _PollsAttempt(record, exc, recorded=False)
        _audit(
            service,
            AuditEntry(record.id, service.clock(), actor, "polls_failed", None, None, {"reason": reason, "via": via}),
        )
        return _PollsAttempt(updated, exc, recorded=True)
    try:
        updated = service.requests.update_request(record.id, RequestChanges(zoom_polls=(made.id,), polls_error=None))
    except Exception:
        log.exception(
            "poll %s of %s is in meeting %s but recording it failed; the polls job lists and records it",
            made.id,
            record.id,
            meeting_id,
        )
        return _PollsAttempt(record, None, recorded=False)
    detail = {"polls": f"{len(questions)} pertanyaan", "meeting": meeting_id, "via": via}
    _audit(service, AuditEntry(record.id, service.clock(), actor, "polls", None, None, detail))
    return _PollsAttempt(updated, None, recorded=True)


def _take_polls_lease(service: ProvisioningContext, request_id: str) -> tuple[RequestRecord, str | None]:
    """The request as stored, and the lease when this attempt took it (None: held by another, or no longer needed)."""
    now, lease = service.clock(), secrets.token_hex(8)
    taken = False

    def take(current: RequestRecord) -> RequestChanges | None:
        nonlocal taken  # `take` may run again after a lost race: the last run is the one stored
        held = current.polls_lease_until is not None and current.polls_lease_until > now
        taken = not held and not current.zoom_polls and bool(current.polls) and current.meeting is not None
        return RequestChanges(polls_lease=lease, polls_lease_until=now + POLLS_LEASE) if taken else None

    current = service.requests.modify_request(request_id, take)
    return current, lease if taken else None


def _release_polls_lease(service: ProvisioningContext, request_id: str, lease: str) -> None:
    def release(current: RequestRecord) -> RequestChanges | None:
        if current.polls_lease != lease:
            return None
        return RequestChanges(polls_lease=None, polls_lease_until=None)

    try:
        service.requests.modify_request(request_id, release)
    except Exception:
        log.exception("releasing the polls lease of %s failed; it lapses in %s", request_id, POLLS_LEASE)


def _audit(service: ProvisioningContext, entry: AuditEntry) -> None:
    """The audit entry of a polls outcome already on the record; a store failure here is logged, not raised."""
    try:
        service.requests.record_audit(entry)
    except Exception:
        log.exception("the audit entry %s of %s was not written", entry.action, entry.request_id)


def _is_transient(exc: Exception) -> bool:
    """Worth trying again unattended: anything but Zoom's definite refusal or a poll our own checks refuse."""
    return isinstance(exc, ZoomError) and not isinstance(exc, ZoomRejected)


def _tell_operators(service: ProvisioningContext, record: RequestRecord, attempts: int = 0) -> None:
    """OPERATOR_EMAILS, once per request (the key), with what went wrong and what to do; in its mail history."""
    try:
        mails = service.mails.polls_failed(record, attempts=attempts)
        if mails:
            service.outbox.queue_mail_once(f"polls_failed:{record.id}", mails, service.clock(), request_id=record.id)
    except Exception:
        log.exception("queueing the operators' mail about the polls of %s failed; the page shows it", record.id)


def _polls_reason(exc: Exception) -> str:
    """Why the polls are not in the meeting yet, for the request's page; the console's button retries."""
    if isinstance(exc, ZoomRejected):
        if exc.code == POLLS_DISABLED_CODE:
            return (
                "Zoom menolak polling: fitur “Meeting Polls/Quizzes” belum aktif di pengaturan akun Zoom. "
                "Aktifkan, lalu buat polling lagi dari konsol."
            )
        return f"Zoom menolak polling: {exc}"
    if isinstance(exc, ValueError):
        return f"Polling tidak dapat dikirim ke Zoom: {exc}"
    return (
        "Polling belum dibuat: Zoom tidak menjawab dengan jelas atau tidak dapat dihubungi. Vicon mencoba lagi "
        "otomatis; tombol di konsol mencoba sekarang."
    )


def _candidate_hosts(service: ProvisioningContext, record: RequestRecord, day: dt.date, exclude: set[str]) -> list[str]:
    # Smallest sufficient host first, so the big accounts stay free for big events.
    hosts = sorted(service.settings.zoom_hosts, key=lambda host: (host.capacity, host.user))
    return [
        host.user
        for host in hosts
        if host.capacity >= record.participant_count
        and host.user not in exclude
        and service.zoom_usage.zoom_calls(host.user, day) < DAILY_CALL_LIMIT - DAILY_CALL_MARGIN
    ]


def _obtain_meeting(service: ProvisioningContext, record: RequestRecord) -> tuple[str, Meeting]:
    buffer = dt.timedelta(minutes=service.settings.host_buffer_minutes)
    start, end = record.start, record.end
    day = service.clock().astimezone(dt.UTC).date()
    # A previous attempt may have left a meeting on the host whose slot this request holds. Until a search of
    # that host says otherwise, nothing is created and the slot is kept, whatever else fails.
    maybe_created = record.provisioning_attempts > 0
    exhausted: set[str] = set()
    # Hosts left out because Zoom lists a meeting over this time, or because their list could not be read.
    busy_in_zoom: set[str] = set()
    unchecked: set[str] = set()
    while True:
        host = service.host_slots.claim_host_slot(
            record.id, _candidate_hosts(service, record, day, exhausted), start, end, buffer, service.clock()
        )
        if host is None:
            raise ProvisioningFailed(_no_host_reason(service, record, busy_in_zoom, unchecked))
        # One list per host tried (decision 0033): it finds this request's meeting after an ambiguous attempt and
        # any meeting made outside Vicon that keeps the host busy. Never created blind on a list that failed.
        try:
            listed = service.meetings.list_meetings(host, "scheduled")
        except ZoomError as exc:
            if maybe_created:
                raise ProvisioningFailed(_zoom_reason(exc), keep_slot=True) from exc
            log.warning("cannot list the meetings of host %s for %s (%s); not choosing it", host, record.id, exc)
            service.host_slots.release_host_slot(record.id)
            exhausted.add(host)
            unchecked.add(host)
            continue
        if maybe_created:
            try:
                existing = _tagged_in(service.meetings, listed, record.id)
            except ZoomError as exc:
                raise ProvisioningFailed(_zoom_reason(exc), keep_slot=True) from exc
            if existing is not None:
                return host, existing
            maybe_created = False
        if blocking := blocking_meetings(listed, record.id, start, end, buffer):
            log.info("host %s has Zoom meeting %s over %s's time; not choosing it", host, blocking[0].id, record.id)
            service.host_slots.release_host_slot(record.id)
            exhausted.add(host)
            busy_in_zoom.add(host)
            continue
        try:
            service.zoom_usage.count_zoom_call(host, day)
            return host, service.meetings.create_meeting(host, meeting_spec(record, service.settings.timezone))
        except ZoomDailyLimit as exc:
            if maybe_created:
                raise ProvisioningFailed(_zoom_reason(exc), keep_slot=True) from exc
            # A 429 creates nothing: the work moves to another host.
            log.warning("host %s reached its daily limit; moving %s to another host", host, record.id)
            service.zoom_usage.set_zoom_calls(host, day, DAILY_CALL_LIMIT)
            service.host_slots.release_host_slot(record.id)
            exhausted.add(host)
        except ZoomAmbiguous as exc:
            log.warning("ambiguous Zoom answer for %s on %s: %s", record.id, host, exc)
            try:
                found = find_tagged(service.meetings, host, record.id)
            except ZoomError as search_error:
                raise ProvisioningFailed(_zoom_reason(search_error), keep_slot=True) from exc
            if found is not None:
                return host, found
            # Not listed (yet): keep the slot; the retry searches again before it creates.
            raise ProvisioningFailed(_zoom_reason(exc), keep_slot=True) from exc
        except ZoomError as exc:
            raise ProvisioningFailed(_zoom_reason(exc), keep_slot=maybe_created) from exc


def _no_host_reason(
    service: ProvisioningContext, record: RequestRecord, busy_in_zoom: set[str], unchecked: set[str]
) -> str:
    if unchecked:
        return (
            "Jadwal akun Zoom " + ", ".join(sorted(unchecked)) + " tidak dapat diperiksa di Zoom, sehingga meeting "
            "tidak dibuat di sana tanpa memeriksa; akan dicoba lagi otomatis."
        )
    reason = (
        "Tidak ada akun Zoom berlisensi yang kosong dan cukup untuk "
        f"{record.participant_count} peserta pada jadwal tersebut (termasuk jeda "
        f"{service.settings.host_buffer_minutes} menit sebelum dan sesudah)."
    )
    if busy_in_zoom:
        reason += " Meeting yang dibuat di luar Vicon pada akun " + ", ".join(sorted(busy_in_zoom)) + " ikut dihitung."
    return reason


def _zoom_reason(exc: Exception) -> str:
    if isinstance(exc, ZoomOutOfTime):
        return "Zoom menjawab terlalu lambat; akan dicoba lagi otomatis."
    if isinstance(exc, ZoomAmbiguous):
        return "Zoom tidak menjawab dengan jelas (batas waktu atau gangguan server); akan dicoba lagi otomatis."
    if isinstance(exc, ZoomUnavailable):
        return "Zoom tidak dapat dihubungi; akan dicoba lagi otomatis."
    if isinstance(exc, ZoomAuthError):
        return "Kredensial aplikasi Zoom ditolak; periksa ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID dan ZOOM_CLIENT_SECRET."
    if isinstance(exc, ZoomRateLimited):
        return "Zoom sedang membatasi jumlah permintaan; akan dicoba lagi otomatis."
    return f"Zoom menolak pembuatan meeting: {exc}"


def find_tagged(meetings: Meetings, host: str, request_id: str) -> Meeting | None:
    """The meeting on `host` whose agenda carries the request's tag, if Zoom lists one."""
    return _tagged_in(meetings, meetings.list_meetings(host, "scheduled"), request_id)


def _tagged_in(meetings: Meetings, listed: list[Meeting], request_id: str) -> Meeting | None:
    tag = meeting_tag(request_id)
    for each in listed:
        if (each.agenda or "").startswith(tag):
            # Listed meetings carry no passcode; the meeting itself does.
            return meetings.get_meeting(each.id)
    return None


def meeting_spec(record: RequestRecord, timezone: str) -> MeetingSpec:
    start, end = record.start, record.end
    agenda = (
        f"{meeting_tag(record.id)} {record.office_label()} · {EVENT_TYPES.get(record.event_type, '')}\n"
        f"Narasumber: {record.speakers}\n"
        f"Kontak: {record.contact_name} ({record.contact_phone})"
    )
    return MeetingSpec(
        topic=record.event_name[:200],
        agenda=agenda[:2000],
        start=start,
        duration_minutes=math.ceil((end - start).total_seconds() / 60),
        timezone=timezone,
        passcode=generate_passcode(),
        auto_recording="cloud" if record.recording_consent else "none",
        # The count asked for is preset as named rooms; without one the rooms are only enabled (1).
        breakout_rooms=(record.breakout_rooms or 1) if "breakout_room" in record.needs else 0,
    )


def _record_meeting(
    service: ProvisioningContext, record: RequestRecord, host: str, meeting: Meeting
) -> RequestRecord | None:
    now = service.clock()
    stored = StoredMeeting(
        id=meeting.id,
        uuid=meeting.uuid,
        host=host,
        join_url=meeting.join_url,
        passcode=meeting.passcode,
        start=record.start,
        end=record.end,
    )
    changes = RequestChanges(meeting=stored, provisioning_error=None, next_provisioning_at=None)
    try:
        provisioned = service.requests.transition(
            record.id,
            allowed_from(Status.PROVISIONED, Actor.SYSTEM),
            Status.PROVISIONED,
            AuditEntry(
                record.id, now, SYSTEM, "provision", Status.APPROVED, Status.PROVISIONED, {"meeting": meeting.id}
            ),
            changes=changes,
            outbox=service.mails.provisioned(changes.applied_to(record)),
        )
    except TransitionRefused as refused:
        current = service.requests.get_request(record.id)
        recorded = current.meeting.id if current is not None and current.meeting is not None else None
        if refused.current in (Status.CANCELLED, Status.REJECTED) or (
            refused.current == Status.PROVISIONED and recorded != meeting.id
        ):
            # Cancelled meanwhile, or a duplicate: this meeting must not linger in Zoom.
            log.info("request %s is %s; deleting meeting %s", record.id, refused.current, meeting.id)
            try:
                service.meetings.delete_meeting(meeting.id)
            except ZoomError as exc:
                # Nothing else knows this meeting: it is written down, and the tick deletes it later.
                log.warning("could not delete meeting %s of %s yet: %s", meeting.id, record.id, exc)
                return _leave_orphan(service, record.id, meeting.id)
            if refused.current != Status.PROVISIONED:
                service.host_slots.release_host_slot(record.id)
        # Otherwise a retry has taken over; it finds this meeting by its tag.
        return current
    # After the meeting: its recordings are looked for (webhook or not) and its completion checked.
    try:
        schedule_recording_trigger(service.jobs, provisioned)
        schedule_completion_check(service.jobs, provisioned)
    except Exception:
        log.exception("scheduling the after-meeting jobs of %s failed; the daily sweep still looks", record.id)
    try:
        # The reminder the working day before the event (vicon.usecases.sla).
        schedule_meeting_reminder(service.jobs, service_level(service.settings), provisioned, now)
    except Exception:
        log.exception("scheduling the day-before reminder of %s failed", record.id)
    return provisioned


def _leave_orphan(service: ProvisioningContext, request_id: str, meeting_id: int) -> RequestRecord:
    """Record a meeting that exists in Zoom but belongs to no request, for the tick's clean-up."""
    current = service.requests.get_request(request_id)
    orphans = (*(current.orphan_meetings if current is not None else ()), meeting_id)
    return service.requests.update_request(
        request_id, RequestChanges(meeting_cleanup=CleanupState.PENDING, orphan_meetings=orphans)
    )


def _record_failure(service: ProvisioningContext, record: RequestRecord, reason: str) -> RequestRecord | None:
    now = service.clock()
    attempts = record.provisioning_attempts + 1
    gives_up = out_of_attempts(attempts)
    changes = RequestChanges(
        provisioning_error=reason,
        provisioning_attempts=attempts,
        # None once retries stop (lifecycle.gave_up): the due-work query then never returns it again.
        next_provisioning_at=None if gives_up else now + provisioning_retry_delay(attempts),
    )
    try:
        failed = service.requests.transition(
            record.id,
            allowed_from(Status.PROVISIONING_FAILED, Actor.SYSTEM),
            Status.PROVISIONING_FAILED,
            AuditEntry(
                record.id, now, SYSTEM, "provision", Status.APPROVED, Status.PROVISIONING_FAILED, {"reason": reason}
            ),
            changes=changes,
            # People are told at the first failure and when retries stop; in between the pages show the reason.
            outbox=service.mails.provisioning_failed(changes.applied_to(record), final=gives_up)
            if attempts in (1, MAX_PROVISIONING_ATTEMPTS)
            else [],
        )
    except TransitionRefused:
        return service.requests.get_request(record.id)
    try:
        # The meeting's SLA clock (vicon.usecases.sla); scheduled at every failure, the job keys keep one of each.
        schedule_provisioning_clock(service.jobs, service_level(service.settings), failed, now)
    except Exception:
        log.exception("scheduling the provisioning reminders of %s failed; the next failure tries again", record.id)
    return failed


def retry_due(service: ProvisioningContext, limit: int = 50) -> dict[str, int]:
    """The tick's share: take over abandoned approvals and retry failed ones whose backoff has passed.

    The store is asked for exactly the due ones (`next_provisioning_at` has passed), so requests that wait or
    have given up never crowd them out. Each query and each request is isolated: one failure stops nothing else.
    """
    now = service.clock()
    counts = {"taken_over": 0, "retried": 0, "skipped": 0, "errors": 0}
    for status in (Status.APPROVED, Status.PROVISIONING_FAILED):
        try:
            due = service.requests.requests_due(status, now, limit)
        except Exception:
            log.exception("the query for due %s requests failed", status)
            counts["errors"] += 1
            continue
        for record in due:
            try:
                counts[_retry_one(service, record, now)] += 1
            except Exception:
                # Left as it was: the next tick finds it again.
                log.exception("retry of %s failed unexpectedly", record.id)
                counts["errors"] += 1
    return counts


def _retry_one(service: ProvisioningContext, record: RequestRecord, now: dt.datetime) -> str:
    """Handle one due request; the name of the count it adds to."""
    if record.start <= now:
        # The event has started: no meeting is made any more; it drops out of the due work.
        service.requests.update_request(record.id, RequestChanges(next_provisioning_at=None))
        return "skipped"
    if record.status == Status.APPROVED:
        # Approved and untouched until its deadline: the instance that held it died mid-way.
        _record_failure(service, record, "Pembuatan meeting terputus; akan dicoba lagi otomatis.")
        return "taken_over"
    if out_of_attempts(record.provisioning_attempts):
        # Still scheduled with every attempt used: it gives up now (lifecycle.gave_up from then on).
        service.requests.update_request(record.id, RequestChanges(next_provisioning_at=None))
        return "skipped"
    try:
        service.requests.transition(
            record.id,
            allowed_from(Status.APPROVED, Actor.SYSTEM),
            Status.APPROVED,
            AuditEntry(record.id, now, SYSTEM, "retry", Status.PROVISIONING_FAILED, Status.APPROVED),
            changes=RequestChanges(next_provisioning_at=now + STALE_APPROVAL),
        )
    except TransitionRefused:
        return "retried"  # another tick took it
    provision(service, record.id, TICK_ZOOM_BUDGET_SECONDS)
    return "retried"
