"""The Zoom REST API client: Server-to-Server OAuth, meetings and cloud recordings over httpx.

The meetings port's types and failures (`Meeting`, `MeetingSpec`, `ZoomError` and its kinds) are declared in
`vicon.meetings`; this adapter raises them. Nothing here is global: every ZoomClient holds its own token cache,
lock and HTTP connection pool.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vicon.meetings import (
    BREAKOUT_MAX_ROOMS,
    LIVESTREAM_KEY_MAX_LENGTH,
    LIVESTREAM_URL_MAX_LENGTH,
    NO_MEETING_CODE,
    NO_RECORDING_CODE,
    NOT_FOUND_CODES,
    POLL_MAX_ANSWERS,
    POLL_MIN_ANSWERS,
    POLL_QUESTION_MAX_LENGTH,
    POLL_QUESTION_TYPES,
    POLL_TITLE_MAX_LENGTH,
    Attendance,
    DownloadRefused,
    Meeting,
    MeetingSpec,
    PastMeeting,
    Poll,
    PollQuestion,
    Recording,
    RecordingFile,
    ZoomAmbiguous,
    ZoomAuthError,
    ZoomDailyLimit,
    ZoomError,
    ZoomNotFound,
    ZoomOutOfTime,
    ZoomRateLimited,
    ZoomRejected,
    ZoomUnavailable,
    parse_zoom_time,
    recording_from_json,
    validate_passcode,
)

if TYPE_CHECKING:
    # httpx costs about 100 ms to import; it is imported where a call is first made, not at cold start.
    import httpx


AGENDA_MAX_LENGTH = 2000
TOPIC_MAX_LENGTH = 200
AUTO_RECORDING_VALUES = ("local", "cloud", "none")
LIST_KINDS = ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
MAX_PAGE_SIZE = 300  # Zoom's maximum page_size for list endpoints
RECORDING_WINDOW_DAYS = 30  # Zoom answers recording lists for at most a month at a time

TOKEN_REFRESH_MARGIN = 300.0  # seconds before expiry when a cached token counts as stale
# Inside a time budget, a call is only sent (or waited for) when at least this much of the budget is left for it:
# a create sent with a few milliseconds to spare would mostly come back ambiguous.
MIN_CALL_SECONDS = 1.0
# Sent with every request: it names this service in Zoom's logs (and lets the tests tell its calls from their own).
USER_AGENT = "vicon-zoom-client/1"
_MAX_PAGES = 1000  # a runaway next_page_token loop is a bug on one side; stop rather than spin


def encode_meeting_uuid(uuid: str) -> str:
    """Encode a meeting UUID for a URL path; twice when it starts with "/" or contains "//", as Zoom requires."""
    once = quote(uuid, safe="")
    if uuid.startswith("/") or "//" in uuid:
        return quote(once, safe="")
    return once


def format_zoom_time(moment: datetime) -> str:
    """An aware datetime as Zoom's UTC form, e.g. 2026-12-02T02:00:00Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("meeting times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, an ISO 8601 time (Zoom's example) or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            moment = None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def _seconds_to_next_utc_midnight(now: datetime) -> float:
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return max(0.0, (midnight - now).total_seconds())


def meeting_from_json(data: Mapping[str, Any]) -> Meeting:
    """Build a Meeting from a Zoom meeting object (create, get or list item)."""
    try:
        meeting_id = int(data["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ZoomError(f"Zoom answered a meeting without a usable id: {data!r:.200}") from exc
    return Meeting(
        id=meeting_id,
        uuid=str(data.get("uuid") or ""),
        host_id=str(data.get("host_id") or ""),
        host_email=data.get("host_email") or None,
        topic=str(data.get("topic") or ""),
        agenda=str(data.get("agenda") or ""),
        start_time=parse_zoom_time(data.get("start_time")),
        duration=int(data.get("duration") or 0),
        join_url=str(data.get("join_url") or ""),
        start_url=data.get("start_url") or None,
        passcode=data.get("password") or None,
    )


def _path_segment(value: int | str) -> str:
    return quote(str(value), safe="@")


def _meeting_ref(meeting_id: int | str) -> str:
    """A meeting ID as a path segment; a non-numeric one is a UUID and gets Zoom's UUID encoding."""
    text = str(meeting_id)
    return text if text.isdigit() else encode_meeting_uuid(text)


@dataclass
class _Token:
    value: str
    fresh_until: float  # on the client's clock


class ZoomClient:
    """A Zoom API client for one Server-to-Server OAuth app; safe to share between threads.

    It implements both Zoom ports of `vicon.ports`: `Meetings` and `CloudRecordings`. The app needs these scopes,
    as Zoom's API reference lists them per operation (classic scope; granular scope):

    - create_meeting (POST /users/{userId}/meetings): meeting:write:admin; meeting:write:meeting:admin
    - get_meeting (GET /meetings/{meetingId}): meeting:read:admin; meeting:read:meeting:admin
    - update_meeting (PATCH /meetings/{meetingId}): meeting:write:admin; meeting:update:meeting:admin
    - delete_meeting (DELETE /meetings/{meetingId}): meeting:write:admin; meeting:delete:meeting:admin
    - list_meetings (GET /users/{userId}/meetings): meeting:read:admin; meeting:read:list_meetings:admin
    - list_recordings (GET /users/{userId}/recordings): recording:read:admin;
      cloud_recording:read:list_user_recordings:admin
    - meeting_recordings (GET /meetings/{meetingId}/recordings): recording:read;
      cloud_recording:read:list_recording_files:admin
    - trash_recordings, delete_recordings (DELETE /meetings/{meetingId}/recordings): recording:write:admin;
      cloud_recording:delete:meeting_recording:admin
    - past_meeting (GET /past_meetings/{meetingId}): meeting:read:admin; meeting:read:past_meeting:admin
    - attendance (GET /past_meetings/{meetingId}/participants): meeting:read:admin;
      meeting:read:list_past_participants:admin
    - update_livestream (PATCH /meetings/{meetingId}/livestream): meeting:write:admin;
      meeting:update:livestream:admin
    - list_polls (GET /meetings/{meetingId}/polls): meeting:read:admin; meeting:read:list_polls:admin
    - create_poll (POST /meetings/{meetingId}/polls): meeting:write:admin; meeting:write:poll:admin

    The reference lists only `recording:read` (no `:admin` form) as the classic scope of GET
    /meetings/{meetingId}/recordings, unlike the list and delete next to it; the granular `:admin` scope covers an
    account-level app. `include_fields=download_access_token` also needs "View the recording content" on the
    role that authorised the app. Downloads need no scope of their own: the token sent with them does. Past
    meetings and participant lists need a paid (Pro or higher) plan.
    """

    def __init__(
        self,
        api_url: str,
        oauth_url: str,
        account_id: str,
        client_id: str,
        client_secret: str,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        qps_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if qps_retries < 0:
            raise ValueError("qps_retries must not be negative")
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url
        self._account_id = account_id
        self._client_id = client_id
        self._client_secret = client_secret
        self._http = http
        self._owns_http = http is None
        # Connecting should be quick; a slow connect is a network problem, not Zoom thinking.
        self._timeout_seconds = timeout
        self._sleep = sleep
        self._qps_retries = qps_retries
        self._clock = clock
        # Retry-After may name a time of day; it is read against this clock (the service's), not the machine's.
        self._wall_clock = wall_clock
        self._backoff_base = 0.5
        self._backoff_cap = 30.0
        self._token: _Token | None = None
        self._token_lock = threading.Lock()
        self._http_lock = threading.Lock()
        # Per thread: the client is shared, and each HTTP request's budget is its own.
        self._budget = threading.local()

    # --- lifecycle -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP connection pool if this client created it."""
        with self._http_lock:
            if self._owns_http and self._http is not None:
                self._http.close()
                self._http = None

    def __enter__(self) -> ZoomClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _timeout(self) -> httpx.Timeout:
        import httpx

        return httpx.Timeout(self._timeout_seconds, connect=min(self._timeout_seconds, 5.0))

    # --- time budget ---------------------------------------------------------------------------------

    @contextmanager
    def time_budget(self, seconds: float) -> Iterator[None]:
        """Within the block, this thread's calls spend at most `seconds` on sleeps and request timeouts together.

        A caller with a deadline of its own (an HTTP function's timeout) hands the rest to a later retry: a wait
        that does not fit raises ZoomRateLimited (429) or the error it would have retried, and a call with less
        than MIN_CALL_SECONDS left is not sent (ZoomOutOfTime). Nested budgets never extend the outer one.
        """
        if seconds <= 0:
            raise ValueError("a time budget must be positive")
        outer: float | None = getattr(self._budget, "deadline", None)
        deadline = self._clock() + seconds
        self._budget.deadline = deadline if outer is None else min(deadline, outer)
        try:
            yield
        finally:
            self._budget.deadline = outer

    def _remaining(self) -> float | None:
        """Seconds left of this thread's budget, or None without one."""
        deadline: float | None = getattr(self._budget, "deadline", None)
        return None if deadline is None else deadline - self._clock()

    def _fits(self, wait: float) -> bool:
        """Whether waiting `wait` seconds still leaves the budget room for the call after it."""
        remaining = self._remaining()
        return remaining is None or remaining - wait >= MIN_CALL_SECONDS

    def _call_timeout(self, what: str) -> httpx.Timeout:
        """The timeout for the next call: the client's, cut to what is left of the budget."""
        import httpx

        remaining = self._remaining()
        if remaining is None:
            return self._timeout
        if remaining < MIN_CALL_SECONDS:
            # Nothing is sent, so Zoom cannot have acted.
            raise ZoomOutOfTime(f"time budget spent before {what} ({max(remaining, 0.0):.1f} s left)")
        seconds = min(self._timeout_seconds, remaining)
        return httpx.Timeout(seconds, connect=min(seconds, 5.0))

    def _client(self) -> httpx.Client:
        import httpx

        with self._http_lock:
            if self._http is None:
                self._http = httpx.Client(timeout=self._timeout, follow_redirects=False)
            return self._http

    # --- OAuth ----------------------------------------------------------------------------------------

    def _access_token(self) -> str:
        token = self._token
        if token is not None and self._clock() < token.fresh_until:
            return token.value
        # One fetch for all waiting threads: Zoom caps how many live tokens an app may hold, so a burst of
        # parallel fetches can invalidate the tokens other threads are using.
        with self._token_lock:
            token = self._token
            if token is not None and self._clock() < token.fresh_until:
                return token.value
            self._token = self._fetch_token()
            return self._token.value

    def _invalidate(self, stale: str) -> None:
        with self._token_lock:
            # Only the token that failed: another thread may already have fetched its replacement.
            if self._token is not None and self._token.value == stale:
                self._token = None

    def _fetch_token(self) -> _Token:
        import httpx

        timeout = self._call_timeout("the OAuth token request")
        started = self._clock()
        try:
            response = self._client().post(
                self.oauth_url,
                params={"grant_type": "account_credentials", "account_id": self._account_id},
                auth=(self._client_id, self._client_secret),
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                timeout=timeout,
            )
        except httpx.HTTPError as exc:
            # Asking for a token changes nothing at Zoom, so any transport failure here just means "unavailable".
            raise ZoomUnavailable(f"Zoom OAuth endpoint unreachable: {exc.__class__.__name__}: {exc}") from exc
        body = _json_or_none(response)
        if response.status_code >= 500 or response.status_code == 429:
            raise ZoomUnavailable("Zoom OAuth endpoint is failing", status=response.status_code)
        if response.status_code != 200:
            reason = _oauth_reason(body) or response.reason_phrase
            raise ZoomAuthError(f"Zoom refused the OAuth credentials: {reason}", status=response.status_code)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
            raise ZoomUnavailable("Zoom OAuth answered without an access_token", status=response.status_code)
        try:
            expires_in = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            expires_in = 3600.0
        # Five minutes of margin, but never more than half the lifetime so short-lived tokens still get cached.
        margin = min(TOKEN_REFRESH_MARGIN, expires_in / 2)
        return _Token(body["access_token"], started + expires_in - margin)

    # --- the request loop ----------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        retry_ambiguous: bool,
    ) -> httpx.Response:
        """Send one API call with auth, 401 refresh, QPS backoff and (when safe) one retry of an ambiguous failure."""
        import httpx

        url = self.api_url + path
        refreshed = False
        qps_attempts = 0
        ambiguous_retries = 1 if retry_ambiguous else 0
        while True:
            token = self._access_token()
            timeout = self._call_timeout(f"{method} {path}")
            try:
                response = self._client().request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Accept": "application/json",
                        "User-Agent": USER_AGENT,
                    },
                    timeout=timeout,
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol) as exc:
                # No connection was made, so nothing was sent: Zoom cannot have acted.
                raise ZoomUnavailable(f"Zoom API unreachable: {exc.__class__.__name__}: {exc}") from exc
            except httpx.TransportError as exc:
                # Sent (or partly sent) and no answer: Zoom may have acted.
                if ambiguous_retries > 0 and self._fits(self._backoff_base):
                    ambiguous_retries -= 1
                    self._sleep(self._backoff_base)
                    continue
                raise ZoomAmbiguous(f"no answer from Zoom for {method} {path}: {exc.__class__.__name__}") from exc

            status = response.status_code
            if status == 401:
                if not refreshed:
                    refreshed = True
                    self._invalidate(token)
                    continue
                raise _error_from(ZoomAuthError, response, "Zoom refused a freshly fetched access token")
            if status == 429:
                delay = self._rate_limited(response, qps_attempts)
                qps_attempts += 1
                self._sleep(delay)
                continue
            if status >= 500:
                if ambiguous_retries > 0 and self._fits(self._backoff_base):
                    ambiguous_retries -= 1
                    self._sleep(self._backoff_base)
                    continue
                raise _error_from(ZoomAmbiguous, response, f"Zoom failed on {method} {path}")
            if status == 404:
                raise _error_for_404(response, f"{method} {path}")
            if status >= 400:
                raise _error_from(ZoomRejected, response, f"Zoom refused {method} {path}")
            return response

    def _rate_limited(self, response: httpx.Response, qps_attempts: int) -> float:
        """Raise for a daily limit or spent retries; otherwise return how long to sleep before the next try."""
        body = _json_or_none(response)
        message = _message(body) or "rate limited"
        code = _code(body)
        limit_type = response.headers.get("X-RateLimit-Type")
        now = self._wall_clock()
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        # Zoom has been seen answering the per-user daily create/update limit without X-RateLimit-Type,
        # naming it only in the message, so the message counts when the header is missing.
        is_daily = "daily" in limit_type.lower() if limit_type else "daily" in message.lower()
        if is_daily:
            if retry_after is None:
                retry_after = _seconds_to_next_utc_midnight(now)  # Zoom's daily limits reset at 00:00 UTC
            raise ZoomDailyLimit(message, retry_after=retry_after, status=429, code=code)
        if qps_attempts >= self._qps_retries:
            raise ZoomRateLimited(message, retry_after=retry_after, status=429, code=code)
        jitter = random.uniform(0, self._backoff_base)
        if retry_after is not None:
            delay = min(retry_after, self._backoff_cap) + jitter
        else:
            delay = min(self._backoff_base * (2**qps_attempts), self._backoff_cap) + jitter
        if not self._fits(delay):
            # Waiting would overrun the caller's budget: give up now rather than sleep into its timeout.
            raise ZoomRateLimited(
                f"{message} (a wait of {delay:.1f} s does not fit the time budget)",
                retry_after=retry_after if retry_after is not None else delay,
                status=429,
                code=code,
            )
        return delay

    # --- meetings ------------------------------------------------------------------------------------

    def create_meeting(self, host_user: str, spec: MeetingSpec) -> Meeting:
        """Schedule a meeting for `host_user`; never retried here on ambiguity, since Zoom has no idempotency key."""
        body = meeting_body(spec)
        response = self._request(
            "POST", f"/users/{_path_segment(host_user)}/meetings", json=body, retry_ambiguous=False
        )
        return meeting_from_json(_json_object(response))

    def get_meeting(self, meeting_id: int | str) -> Meeting:
        """Fetch a meeting, including a fresh start_url (valid for about two hours)."""
        response = self._request("GET", f"/meetings/{_meeting_ref(meeting_id)}", retry_ambiguous=True)
        return meeting_from_json(_json_object(response))

    def update_meeting(self, meeting_id: int | str, changes: Mapping[str, Any]) -> None:
        """PATCH a meeting with Zoom field names; datetimes become UTC strings and a passcode is validated first."""
        body: dict[str, Any] = {}
        for key, value in changes.items():
            if isinstance(value, datetime):
                value = format_zoom_time(value)
            if key == "password":
                validate_passcode(value)
            if key == "agenda" and isinstance(value, str) and len(value) > AGENDA_MAX_LENGTH:
                raise ValueError(f"agenda longer than {AGENDA_MAX_LENGTH} characters")
            body[key] = value
        if not body:
            raise ValueError("no changes given")
        # Not retried: an update counts against the host's 100-a-day create/update limit.
        self._request("PATCH", f"/meetings/{_meeting_ref(meeting_id)}", json=body, retry_ambiguous=False)

    def delete_meeting(self, meeting_id: int | str) -> bool:
        """Delete a meeting; False when Zoom says it was already gone (either way it no longer exists)."""
        try:
            self._request("DELETE", f"/meetings/{_meeting_ref(meeting_id)}", retry_ambiguous=True)
        except ZoomNotFound:
            return False
        except ZoomRejected as exc:
            if exc.code == 3001:
                return False
            raise
        return True

    def list_meetings(self, host_user: str, kind: str = "upcoming", page_size: int = MAX_PAGE_SIZE) -> list[Meeting]:
        """All of a host's meetings of `kind` (scheduled, upcoming, live, ...), following next_page_token."""
        if kind not in LIST_KINDS:
            raise ValueError(f"kind must be one of {', '.join(LIST_KINDS)}")
        path = f"/users/{_path_segment(host_user)}/meetings"
        items = self._paginate(path, {"type": kind}, "meetings", page_size)
        return [meeting_from_json(item) for item in items]

    def update_livestream(self, meeting_id: int | str, stream_url: str, stream_key: str, page_url: str) -> None:
        """Set the meeting's custom live stream; the key goes to Zoom only and is never logged here.

        Retried once after a lost answer: setting the same three values twice leaves the same stream. Zoom answers
        204; 404 (3001) for an unknown meeting raises ZoomNotFound, a refused value ZoomRejected.
        """
        body = {"stream_url": stream_url, "stream_key": stream_key, "page_url": page_url}
        if not stream_url or len(stream_url) > LIVESTREAM_URL_MAX_LENGTH:
            raise ValueError(f"stream_url must have 1 to {LIVESTREAM_URL_MAX_LENGTH} characters")
        if not page_url or len(page_url) > LIVESTREAM_URL_MAX_LENGTH:
            raise ValueError(f"page_url must have 1 to {LIVESTREAM_URL_MAX_LENGTH} characters")
        if not stream_key or len(stream_key) > LIVESTREAM_KEY_MAX_LENGTH:
            raise ValueError(f"stream_key must have 1 to {LIVESTREAM_KEY_MAX_LENGTH} characters")
        self._request("PATCH", f"/meetings/{_meeting_ref(meeting_id)}/livestream", json=body, retry_ambiguous=True)

    def list_polls(self, meeting_id: int | str) -> list[Poll]:
        """The meeting's polls (id and title); Zoom answers them all at once, without pages."""
        body = _json_object(self._request("GET", f"/meetings/{_meeting_ref(meeting_id)}/polls", retry_ambiguous=True))
        return [
            Poll(id=str(item.get("id") or ""), title=str(item.get("title") or ""))
            for item in body.get("polls") or []
            if isinstance(item, dict)
        ]

    def create_poll(self, meeting_id: int | str, title: str, questions: Sequence[PollQuestion]) -> Poll:
        """Add one poll (Zoom's poll_type 1) to the meeting; never retried here, since a retry could add it twice.

        The caller lists the polls first after an unclear failure (`list_polls`): the title is its tag.
        """
        body = poll_body(title, questions)
        response = self._request(
            "POST", f"/meetings/{_meeting_ref(meeting_id)}/polls", json=body, retry_ambiguous=False
        )
        answer = _json_object(response)
        return Poll(id=str(answer.get("id") or ""), title=str(answer.get("title") or title))

    # --- cloud recordings (the CloudRecordings port) --------------------------------------------------

    def list_recordings(
        self, host_user: str, start: date, end: date, page_size: int = MAX_PAGE_SIZE
    ) -> list[Recording]:
        """A host's cloud recordings of meetings from `start` to `end` (inclusive UTC dates, as Zoom reads them).

        Recordings in the trash are not listed. Longer ranges are asked a window of at most 30 days at a time.
        """
        if end < start:
            raise ValueError("end is before start")
        path = f"/users/{_path_segment(host_user)}/recordings"
        seen: set[str] = set()
        result: list[Recording] = []
        # Zoom answers at most a month per request, so longer ranges are asked in windows.
        for window_start, window_end in _windows(start, end, RECORDING_WINDOW_DAYS):
            params = {"from": window_start.isoformat(), "to": window_end.isoformat()}
            for item in self._paginate(path, params, "meetings", page_size):
                recording = recording_from_json(item)
                # A meeting that spans a window boundary may be listed in both windows.
                if recording.uuid not in seen:
                    seen.add(recording.uuid)
                    result.append(recording)
        return result

    def meeting_recordings(self, meeting_uuid: str) -> Recording | None:
        """One meeting instance's recording with a `download_access_token` for its files.

        None only when Zoom says positively that there is none (404 with code 3301, or 3001 for no such meeting):
        also after the recording went to the trash. Anything unclear raises (ZoomAmbiguous, ZoomUnavailable, ...).
        A numeric meeting ID addresses the latest instance only; pass the instance's UUID.
        """
        try:
            response = self._request(
                "GET",
                f"/meetings/{_meeting_ref(meeting_uuid)}/recordings",
                params={"include_fields": "download_access_token"},
                retry_ambiguous=True,
            )
        except ZoomNotFound as exc:
            if exc.code in (NO_RECORDING_CODE, NO_MEETING_CODE):
                return None
            raise
        return recording_from_json(_json_object(response))

    def trash_recordings(self, meeting_uuid: str) -> None:
        """Move all of one meeting instance's cloud recording files to Zoom's trash (recoverable there 30 days).

        Done, too, when Zoom answers that the meeting has no recording (404, code 3301): the files are no longer
        in its cloud storage, which is what trashing is for, and it is what a retry after a lost answer sees.
        Every other failure raises; retried once by the client after a 5xx or a lost answer (trashing twice is
        harmless).
        """
        try:
            self._request(
                "DELETE",
                f"/meetings/{_meeting_ref(meeting_uuid)}/recordings",
                params={"action": "trash"},
                retry_ambiguous=True,
            )
        except ZoomNotFound as exc:
            if exc.code != NO_RECORDING_CODE:
                raise

    def delete_recordings(self, meeting_uuid: str) -> None:
        """Delete one meeting instance's recordings for good, from Zoom's trash too (`action=delete`).

        The retention deletion's last step: Zoom's trash would otherwise keep the files 30 days whatever the
        policy says. "No recording" (3301) counts as done, as for `trash_recordings`.
        """
        try:
            self._request(
                "DELETE",
                f"/meetings/{_meeting_ref(meeting_uuid)}/recordings",
                params={"action": "delete"},
                retry_ambiguous=True,
            )
        except ZoomNotFound as exc:
            if exc.code != NO_RECORDING_CODE:
                raise

    @contextmanager
    def download(self, file: RecordingFile, token: str | None = None) -> Iterator[Iterator[bytes]]:
        """Stream one recording file: `with client.download(file, token) as chunks: blobs.put_stream(key, chunks, ...)`.

        `token` is the webhook's `download_token` or the recording's `download_access_token`; None uses the
        app's OAuth access token. It is sent as a Bearer token; redirects are followed, and httpx drops the
        Authorization header when a redirect leaves the download URL's origin (Zoom redirects to a signed
        storage URL that needs no token), so the token never reaches another host.

        Raises DownloadRefused on entering when the answer is not the file (status, an HTML or text page, a
        Content-Length other than `file.file_size`); the chunks (about 1 MiB each) raise DownloadRefused when the
        body breaks off, ends short of `file_size` or runs past it, so a consumer that stores them as they come
        must discard what it stored when iterating raises. Nothing of a refused download is ever yielded as good.
        A file without a size (`file_size` 0: CC and TIMELINE files) is checked for status and type only.
        Timeouts are the client's (or what is left of a time budget) per read, not for the whole transfer.
        """
        response = self._open_download(file, token)
        try:
            chunks = _download_chunks(file, response)
            try:
                yield chunks
            finally:
                chunks.close()
        finally:
            response.close()

    def _open_download(self, file: RecordingFile, token: str | None) -> httpx.Response:
        """The streaming answer to a file's download URL after redirects, checked to be the file; else raise."""
        import httpx

        what = f"recording file {file.id or '?'}"
        if not file.download_url:
            raise DownloadRefused(f"{what} has no download_url")
        refreshed = False
        while True:
            bearer = token if token is not None else self._access_token()
            client = self._client()
            request = client.build_request(
                "GET",
                file.download_url,
                headers={
                    "Authorization": f"Bearer {bearer}",
                    "User-Agent": USER_AGENT,
                    # Stored byte for byte as served, so no transfer compression to undo or to miscount.
                    "Accept-Encoding": "identity",
                },
                timeout=self._call_timeout("a recording download"),
            )
            try:
                response = client.send(request, stream=True, follow_redirects=True)
            except httpx.HTTPError as exc:
                raise DownloadRefused(f"download of {what} failed: {exc.__class__.__name__}: {exc}") from exc
            try:
                _check_download_answer(file, response)
            except DownloadRefused:
                response.close()
                # Zoom answers a token it does not take with 200 and a sign-in page (or 401). When that token was
                # our cached OAuth token it may have been revoked meanwhile: fetch a fresh one, once.
                if token is None and not refreshed and _refuses_the_token(response):
                    refreshed = True
                    self._invalidate(bearer)
                    continue
                raise
            return response

    # --- past meetings -------------------------------------------------------------------------------

    def past_meeting(self, meeting_uuid: str) -> PastMeeting | None:
        """What Zoom recorded about an ended meeting instance; None when Zoom says there is none (404, code 3001).

        Zoom only answers for a meeting that has ended (and at most a year ago), so None also means "not ended yet".
        """
        try:
            response = self._request("GET", f"/past_meetings/{_meeting_ref(meeting_uuid)}", retry_ambiguous=True)
        except ZoomNotFound as exc:
            if exc.code == NO_MEETING_CODE:
                return None
            raise
        body = _json_object(response)
        uuid = body.get("uuid")
        meeting_id = _optional_int(body.get("id"))
        if not isinstance(uuid, str) or not uuid or meeting_id is None:
            raise ZoomAmbiguous("Zoom answered a past meeting without a usable uuid and id", status=200)
        return PastMeeting(
            uuid=uuid,
            meeting_id=meeting_id,
            start_time=parse_zoom_time(body.get("start_time")),
            end_time=parse_zoom_time(body.get("end_time")),
            participants_count=_optional_int(body.get("participants_count")),
        )

    def attendance(self, meeting_uuid: str, page_size: int = MAX_PAGE_SIZE) -> Attendance:
        """Distinct participants and their minutes in an ended meeting instance, counted over every page.

        Zoom lists one entry per join: a participant who leaves and rejoins gets a new `user_id`, so entries
        are told apart by `user_email` (when Zoom shows it), else the participant's `id` (set when signed in to
        Zoom), else the display name, else `user_id`. Names and addresses are only compared here, never kept.
        Minutes are the sum of every entry's `duration` (seconds), rounded to the nearest minute. Zoom leaves
        out meetings with one participant unless the account shows them, and may report durations of 0 for a
        while after a large meeting: count again later if that matters. ZoomNotFound (3001) when Zoom has no
        such ended meeting.
        """
        path = f"/past_meetings/{_meeting_ref(meeting_uuid)}/participants"
        people: set[str] = set()
        unnamed = 0  # entries with nothing to tell them apart by: each is someone
        seconds = 0
        for entry in self._paginate(path, {}, "participants", page_size):
            key = _participant_key(entry)
            if key is None:
                unnamed += 1
            else:
                people.add(key)
            seconds += max(0, _optional_int(entry.get("duration")) or 0)
        return Attendance(distinct_participants=len(people) + unnamed, total_minutes=(seconds + 30) // 60)

    def _paginate(self, path: str, params: Mapping[str, Any], key: str, page_size: int) -> Iterator[dict]:
        """The items under `key` of every page; the caller consumes them as they come.

        A next_page_token expires 15 minutes after Zoom issued it, so pages are asked one right after another
        and no token is kept; an expired one fails the whole listing (ZoomRejected), never shortens it.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        token = ""
        seen_tokens: set[str] = set()
        for _ in range(_MAX_PAGES):
            query = dict(params, page_size=page_size)
            if token:
                query["next_page_token"] = token
            body = _json_object(self._request("GET", path, params=query, retry_ambiguous=True))
            for item in body.get(key) or []:
                if isinstance(item, dict):
                    yield item
            token = str(body.get("next_page_token") or "")
            if not token:
                return
            if token in seen_tokens:
                raise ZoomError(f"Zoom repeated a next_page_token while listing {path}")
            seen_tokens.add(token)
        raise ZoomError(f"more than {_MAX_PAGES} pages while listing {path}")


def poll_body(title: str, questions: Sequence[PollQuestion]) -> dict[str, Any]:
    """The create-poll JSON: a plain poll (type 1) of single or multiple choice questions; ValueError if invalid."""
    if not title.strip() or len(title) > POLL_TITLE_MAX_LENGTH:
        raise ValueError(f"a poll title has 1 to {POLL_TITLE_MAX_LENGTH} characters")
    if not questions:
        raise ValueError("a poll has at least one question")
    items = []
    for question in questions:
        if not question.name.strip() or len(question.name) > POLL_QUESTION_MAX_LENGTH:
            raise ValueError(f"a poll question has 1 to {POLL_QUESTION_MAX_LENGTH} characters")
        if question.kind not in POLL_QUESTION_TYPES:
            raise ValueError(f"a poll question's type is one of {', '.join(POLL_QUESTION_TYPES)}")
        if not POLL_MIN_ANSWERS <= len(question.answers) <= POLL_MAX_ANSWERS:
            raise ValueError(f"a poll question has {POLL_MIN_ANSWERS} to {POLL_MAX_ANSWERS} answers")
        items.append({"name": question.name, "type": question.kind, "answers": list(question.answers)})
    return {"title": title, "poll_type": 1, "anonymous": False, "questions": items}


def breakout_settings(rooms: int) -> dict[str, Any]:
    """`settings.breakout_room`: enabled, and with two or more rooms asked for, that many named rooms preset."""
    if rooms < 0 or rooms > BREAKOUT_MAX_ROOMS:
        raise ValueError(f"breakout_rooms must be between 0 and {BREAKOUT_MAX_ROOMS}")
    setting: dict[str, Any] = {"enable": True}
    if rooms >= 2:
        # Participants are assigned by the host in the meeting; the requester's list holds names, not Zoom accounts.
        setting["rooms"] = [{"name": f"Ruang {number}"} for number in range(1, rooms + 1)]
    return setting


def meeting_body(spec: MeetingSpec) -> dict[str, Any]:
    """The create-meeting JSON for `spec`, with every setting we rely on sent explicitly; ValueError if invalid."""
    validate_passcode(spec.passcode)
    if not spec.topic.strip():
        raise ValueError("topic is empty")
    if len(spec.topic) > TOPIC_MAX_LENGTH:
        raise ValueError(f"topic longer than {TOPIC_MAX_LENGTH} characters")
    if len(spec.agenda) > AGENDA_MAX_LENGTH:
        raise ValueError(f"agenda longer than {AGENDA_MAX_LENGTH} characters")
    if isinstance(spec.duration_minutes, bool) or not isinstance(spec.duration_minutes, int):
        raise ValueError("duration_minutes must be an integer")
    if spec.duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    if spec.auto_recording not in AUTO_RECORDING_VALUES:
        raise ValueError(f"auto_recording must be one of {', '.join(AUTO_RECORDING_VALUES)}")
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {spec.timezone!r}") from exc
    settings: dict[str, Any] = {
        "waiting_room": True,
        "join_before_host": False,
        "mute_upon_entry": True,
        "use_pmi": False,  # a fresh meeting ID per event, never the host's personal room
        "auto_recording": spec.auto_recording,
        "approval_type": 2,  # no registration
    }
    if spec.breakout_rooms:
        settings["breakout_room"] = breakout_settings(int(spec.breakout_rooms))
    return {
        "type": 2,  # scheduled
        "topic": spec.topic,
        "agenda": spec.agenda,
        # UTC with a Z: Zoom then ignores `timezone` for the instant and uses it only for display.
        "start_time": format_zoom_time(spec.start),
        "duration": spec.duration_minutes,
        "timezone": spec.timezone,
        "password": spec.passcode,
        "settings": settings,
    }


def _windows(start: date, end: date, days: int) -> Iterator[tuple[date, date]]:
    cursor = start
    while cursor <= end:
        window_end = min(end, cursor + timedelta(days=days - 1))
        yield cursor, window_end
        cursor = window_end + timedelta(days=1)


DOWNLOAD_CHUNK_BYTES = 1 << 20  # what the consumer gets per chunk: memory stays at a few of these
# Files Zoom serves as media: a text answer (HTML sign-in page, JSON error) for one of these is never the file.
_MEDIA_EXTENSIONS = frozenset({"MP4", "M4A", "JPG"})


def _check_download_answer(file: RecordingFile, response: httpx.Response) -> None:
    """Raise DownloadRefused unless the (final) answer looks like the file itself, before any byte is read."""
    what = f"recording file {file.id or '?'}"
    if response.status_code != 200:
        raise DownloadRefused(f"download of {what} answered HTTP {response.status_code}", status=response.status_code)
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    # Zoom's trap: an expired or unknown token, or a trashed file, gets 200 with an HTML page.
    if content_type in ("text/html", "application/xhtml+xml"):
        raise DownloadRefused(f"download of {what} answered an HTML page", status=200)
    if file.file_extension.upper() in _MEDIA_EXTENSIONS and (
        content_type.startswith("text/") or content_type == "application/json"
    ):
        raise DownloadRefused(f"download of {what} answered {content_type}, not a media file", status=200)
    length = response.headers.get("Content-Length")
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if length is not None and not encoded and file.file_size > 0:
        try:
            announced = int(length)
        except ValueError:
            raise DownloadRefused(f"download of {what} announced a Content-Length of {length!r}", status=200) from None
        if announced != file.file_size:
            raise DownloadRefused(
                f"download of {what} announced {announced} bytes, Zoom listed {file.file_size}", status=200
            )


def _refuses_the_token(response: httpx.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return response.status_code == 401 or (response.status_code == 200 and content_type == "text/html")


def _download_chunks(file: RecordingFile, response: httpx.Response) -> Generator[bytes, None, None]:
    """The body in chunks, raising DownloadRefused on a transfer error, a short body or an overrun."""
    import httpx

    what = f"recording file {file.id or '?'}"
    expected = file.file_size
    received = 0
    # Gathered here rather than by httpx's own chunker, which copies each chunk twice more on the way: this way
    # a download holds about two chunks at a time (this buffer and the chunk handed on), whatever the file's size.
    pending = bytearray()
    try:
        for piece in response.iter_bytes():
            received += len(piece)
            if expected > 0 and received > expected:
                raise DownloadRefused(f"download of {what} ran past its {expected} bytes", status=200)
            pending += piece
            if len(pending) >= DOWNLOAD_CHUNK_BYTES:
                with memoryview(pending) as view:
                    chunk = bytes(view[:DOWNLOAD_CHUNK_BYTES])
                del pending[:DOWNLOAD_CHUNK_BYTES]
                yield chunk
    except httpx.HTTPError as exc:
        raise DownloadRefused(
            f"download of {what} broke off after {received} bytes: {exc.__class__.__name__}", status=200
        ) from exc
    if expected > 0 and received < expected:
        raise DownloadRefused(f"download of {what} ended after {received} of {expected} bytes", status=200)
    if received == 0:
        raise DownloadRefused(f"download of {what} was empty", status=200)
    if pending:
        yield bytes(pending)


def _participant_key(entry: Mapping[str, Any]) -> str | None:
    """What tells one participant from another across their joins (see ZoomClient.attendance), if anything."""
    for field, prefix in (("user_email", "email"), ("id", "id"), ("name", "name"), ("user_id", "join")):
        value = entry.get(field)
        if isinstance(value, str) and value.strip():
            return f"{prefix}:{value.strip().casefold()}"
    return None


def _optional_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_object(response: httpx.Response) -> dict:
    body = _json_or_none(response)
    if not isinstance(body, dict):
        # A 2xx that is not JSON: the call reached Zoom and its effect is unknown to us.
        raise ZoomAmbiguous("Zoom answered without a JSON object", status=response.status_code)
    return body


def _message(body: Any) -> str:
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def _code(body: Any) -> int | None:
    if isinstance(body, dict):
        try:
            return int(body["code"])
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _oauth_reason(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("reason") or body.get("error") or "")
    return ""


def _error_for_404(response: httpx.Response, what: str) -> ZoomError:
    """ZoomNotFound only for Zoom's own "does not exist" codes; any other 404 says nothing about the resource."""
    code = _code(_json_or_none(response))
    if code in NOT_FOUND_CODES:
        return _error_from(ZoomNotFound, response, f"not found at Zoom: {what}")
    if code is not None:
        return _error_from(ZoomRejected, response, f"Zoom refused {what}")
    # No Zoom error body: a proxy's or load balancer's page, or a wrong API URL. Nothing may be concluded from it.
    return _error_from(ZoomAmbiguous, response, f"Zoom answered 404 without an error code to {what}")


def _error_from(cls: type[ZoomError], response: httpx.Response, fallback: str) -> ZoomError:
    body = _json_or_none(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    return cls(
        _message(body) or fallback,
        status=response.status_code,
        code=_code(body),
        errors=[e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else None,
    )
