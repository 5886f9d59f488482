"""The CloudRecordings port of the Zoom client against the Zoom sandbox over real HTTP: recordings, downloads,
trash, past meetings and attendance; and the sandbox's webhook bodies and signatures against Zoom's schemas.

Every request the client sends and every answer the sandbox gives is held to Zoom's OpenAPI document by the
`zoom_sandbox` fixture (tests/zoom_schema.py); `test_every_new_operation_is_one_of_zooms` makes sure the new
operations are among those checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.zoom_schema import API_PREFIX, exchange_problems, find_operation, webhook_problems
from vicon.blobs import FolderBlobs
from vicon.meetings import (
    Attendance,
    DownloadRefused,
    MeetingSpec,
    Recording,
    RecordingFile,
    ZoomAmbiguous,
    ZoomError,
    ZoomNotFound,
    ZoomOutOfTime,
    ZoomRejected,
    recording_from_json,
)
from vicon.ports import CloudRecordings
from vicon.zoom import USER_AGENT, ZoomClient, encode_meeting_uuid
from vicon_dev.zoom_sandbox import CONTENT_TYPES, SandboxState
from vicon_dev.zoom_webhooks import (
    event_bytes,
    signed_webhook_headers,
    url_validation_answer,
    url_validation_event,
    webhook_signature,
)

if TYPE_CHECKING:
    from tests.zoom_fixtures import ZoomSandboxServer

pytest_plugins = ["tests.zoom_fixtures"]

HOST = "host-besar@vicon.example"
OTHER_HOST = "host-kecil@vicon.example"
SLASHED_UUID = "/Ab12cd//EF34gh+IJ56kl=="  # starts with "/" and contains "//": Zoom wants it encoded twice
HELD_START = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
HELD_END = HELD_START + timedelta(minutes=90)
CONTENT = "/rec/content/"


def spec(**overrides: Any) -> MeetingSpec:
    values: dict[str, Any] = {
        "topic": "Rapat Koordinasi Bappeda",
        "agenda": "VICON-2026-0001 Rapat koordinasi",
        "start": HELD_START,
        "duration_minutes": 90,
        "timezone": "Asia/Jakarta",
        "passcode": "Ab3dE5gH7k",
        "auto_recording": "cloud",
    }
    values.update(overrides)
    return MeetingSpec(**values)


def recorded_meeting(
    sandbox: ZoomSandboxServer, files: list[dict[str, Any]] | None = None, uuid: str | None = None
) -> tuple[ZoomClient, Recording]:
    """A client, and a meeting of HOST with a cloud recording as the client reads it back."""
    client = sandbox.client(sleep=lambda _: None)
    if uuid is not None:
        sandbox.state.queue_uuid(uuid)
    meeting = client.create_meeting(HOST, spec())
    sandbox.state.add_recording(meeting.id, files=files)
    recording = client.meeting_recordings(meeting.uuid)
    assert recording is not None
    return client, recording


def read_all(client: ZoomClient, file: RecordingFile, token: str | None) -> bytes:
    with client.download(file, token) as chunks:
        return b"".join(chunks)


def downloads(state: SandboxState) -> list[Any]:
    return [e for e in state.exchanges if e.path.startswith("/rec/")]


# --- the port and its vocabulary --------------------------------------------------------------------------


def test_zoom_client_is_a_cloud_recordings_port(zoom_sandbox: ZoomSandboxServer) -> None:
    port: CloudRecordings = zoom_sandbox.client()  # mypy holds the signatures to the protocol
    assert callable(port.download) and callable(port.attendance)


def test_recording_from_json_reads_rest_and_webhook_shapes() -> None:
    rest = {
        "uuid": "abc==",
        "id": 85746065432,
        "host_id": "h1",
        "topic": "Rapat",
        "type": "2",
        "start_time": "2026-11-27T02:00:00Z",
        "duration": 90,
        "recording_files": [
            {"id": "f1", "meeting_id": "abc==", "file_type": "MP4", "file_extension": "MP4", "file_size": 7220.0},
            {"file_type": "TIMELINE", "download_url": "https://zoom.example/rec/download/t"},  # no id, no size
            "not a file",
        ],
    }
    recording = recording_from_json(rest, download_access_token="tok")
    assert recording.meeting_id == 85746065432 and recording.host_email is None
    assert recording.start_time == HELD_START and recording.download_access_token == "tok"
    mp4, timeline = recording.files
    assert mp4.file_size == 7220 and mp4.meeting_uuid == "abc=="
    assert timeline.id == "" and timeline.file_size == 0 and timeline.meeting_uuid == "abc=="
    webhook = dict(rest, id=85746065432, type=2, host_email="host@vicon.example")
    assert recording_from_json(webhook).host_email == "host@vicon.example"
    for broken in ({"id": 1}, {"uuid": "abc=="}, {"uuid": "", "id": 1}, {"uuid": "abc==", "id": "x"}):
        with pytest.raises(ZoomError):
            recording_from_json(broken)


# --- meeting_recordings, list_recordings, trash_recordings ------------------------------------------------


def test_meeting_recordings_brings_a_download_access_token(zoom_sandbox: ZoomSandboxServer) -> None:
    _, recording = recorded_meeting(zoom_sandbox)
    assert recording.download_access_token
    assert recording.host_id and recording.topic == "Rapat Koordinasi Bappeda" and recording.duration == 90
    assert [f.file_type for f in recording.files] == ["MP4", "M4A"]
    assert all(f.status == "completed" and f.file_size > 0 and f.recording_start for f in recording.files)
    [asked] = [e for e in zoom_sandbox.state.exchanges if e.path.endswith("/recordings") and e.method == "GET"]
    assert asked.query == {"include_fields": ["download_access_token"]}
    grant = zoom_sandbox.state.download_grants[recording.download_access_token]
    assert grant.meeting_uuid == recording.uuid and grant.expires_at > zoom_sandbox.state.clock()


def test_a_uuid_needing_double_encoding_reaches_every_endpoint(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox, uuid=SLASHED_UUID)
    assert recording.uuid == SLASHED_UUID
    zoom_sandbox.state.hold_meeting(recording.meeting_id, HELD_START, HELD_END, [{"name": "Budi", "duration": 600}])
    past = client.past_meeting(SLASHED_UUID)
    assert past is not None and past.uuid == SLASHED_UUID
    assert client.attendance(SLASHED_UUID) == Attendance(distinct_participants=1, total_minutes=10)
    client.trash_recordings(SLASHED_UUID)
    assert zoom_sandbox.state.trashed(SLASHED_UUID) is not None
    encoded = encode_meeting_uuid(SLASHED_UUID)
    assert encoded.startswith("%252F")
    sent = {e.path for e in zoom_sandbox.state.exchanges if e.path.startswith("/v2/") and "/users/" not in e.path}
    # The gateway decodes once: what arrives still carries one level of encoding, in one path segment.
    assert sent == {
        "/v2/meetings/%2FAb12cd%2F%2FEF34gh%2BIJ56kl%3D%3D/recordings",
        "/v2/past_meetings/%2FAb12cd%2F%2FEF34gh%2BIJ56kl%3D%3D",
        "/v2/past_meetings/%2FAb12cd%2F%2FEF34gh%2BIJ56kl%3D%3D/participants",
    }


def test_trash_moves_the_recording_to_the_trash_and_then_there_is_none(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    client.trash_recordings(recording.uuid)
    [trash] = [e for e in zoom_sandbox.state.exchanges if e.method == "DELETE"]
    assert trash.query == {"action": ["trash"]} and trash.status == 204
    trashed = zoom_sandbox.state.trashed(recording.uuid)
    assert trashed is not None and trashed["deleted_time"] == "2026-11-30T02:00:00Z"
    assert [f["id"] for f in trashed["recording_files"]] == [f.id for f in recording.files]
    assert client.meeting_recordings(recording.uuid) is None
    assert client.list_recordings(HOST, date(2026, 11, 27), date(2026, 11, 27)) == []
    # A retry after a lost answer meets Zoom's "no recording" (3301): done, not an error.
    client.trash_recordings(recording.uuid)
    # Trashed files are no longer served, with Zoom's 200-and-HTML.
    with pytest.raises(DownloadRefused, match="HTML"):
        read_all(client, recording.files[0], recording.download_access_token)


def test_action_delete_removes_the_recording_for_good(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    token = client._access_token()
    url = f"{zoom_sandbox.api_url}/meetings/{encode_meeting_uuid(recording.uuid)}/recordings"
    deleted = httpx.delete(url, params={"action": "delete"}, headers={"Authorization": f"Bearer {token}"})
    assert deleted.status_code == 204
    assert zoom_sandbox.state.recording(recording.uuid) is None and zoom_sandbox.state.trashed(recording.uuid) is None
    assert client.meeting_recordings(recording.uuid) is None
    assert recording.files[0].id not in zoom_sandbox.state.recording_content


def test_an_unclear_answer_never_reads_as_no_recording(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    path = r"^/v2/meetings/.+/recordings$"
    zoom_sandbox.state.inject("GET", path, status=500, times=2)  # the retry fails too
    with pytest.raises(ZoomAmbiguous) as caught:
        client.meeting_recordings(recording.uuid)
    assert caught.value.status == 500
    # A 404 that is not Zoom's (a proxy's page) says nothing about the recording.
    zoom_sandbox.state.inject("GET", path, status=404, content_type="text/html", body="<h1>Not Found</h1>")
    with pytest.raises(ZoomAmbiguous):
        client.meeting_recordings(recording.uuid)
    # Nor does a 404 with a code that does not mean "no such recording".
    zoom_sandbox.state.inject("GET", path, status=404, body={"code": 124, "message": "Invalid access token."})
    with pytest.raises(ZoomRejected) as rejected:
        client.meeting_recordings(recording.uuid)
    assert not isinstance(rejected.value, ZoomNotFound)
    # A 200 that is not JSON: the answer is unknown, not empty.
    zoom_sandbox.state.inject("GET", path, status=200, content_type="text/html", body="<html></html>")
    with pytest.raises(ZoomAmbiguous):
        client.meeting_recordings(recording.uuid)
    zoom_sandbox.state.inject("DELETE", path, status=503, times=2)
    with pytest.raises(ZoomAmbiguous):
        client.trash_recordings(recording.uuid)
    assert zoom_sandbox.state.trashed(recording.uuid) is None
    # And after all that, the recording is still there.
    assert client.meeting_recordings(recording.uuid) is not None


def test_trash_retried_after_a_lost_answer_is_done(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    zoom_sandbox.state.inject("DELETE", r"/recordings$", status=502, after_effect=True)
    client.trash_recordings(recording.uuid)  # trashed, answer lost, retried: 3301, which counts as done
    assert zoom_sandbox.state.calls_to("DELETE", r"/recordings$") == 2
    assert zoom_sandbox.state.trashed(recording.uuid) is not None


def test_list_recordings_follows_pages_and_windows(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    starts = [datetime(2026, 11, 2, 2, tzinfo=UTC) + timedelta(days=3 * i) for i in range(7)]
    made = [zoom_sandbox.state.add_recording(30000000000 + i, host=HOST, start_time=t) for i, t in enumerate(starts)]
    zoom_sandbox.state.add_recording(39999999999, host=OTHER_HOST, start_time=starts[0])
    found = client.list_recordings(HOST, date(2026, 11, 1), date(2026, 11, 30), page_size=3)
    assert [r.uuid for r in found] == [r["uuid"] for r in made]
    listing = [e for e in zoom_sandbox.state.exchanges if e.path.endswith("/recordings") and e.method == "GET"]
    assert len(listing) == 3
    assert listing[0].query == {"from": ["2026-11-01"], "to": ["2026-11-30"], "page_size": ["3"]}
    assert [bool(e.query.get("next_page_token")) for e in listing] == [False, True, True]
    assert all(r.download_access_token is None and len(r.files) == 2 for r in found)


def test_unknown_host_for_recordings_is_not_found(zoom_sandbox: ZoomSandboxServer) -> None:
    with pytest.raises(ZoomNotFound) as caught:
        zoom_sandbox.client().list_recordings("nobody@vicon.example", date(2026, 11, 1), date(2026, 11, 2))
    assert caught.value.code == 1001


# --- downloads ----------------------------------------------------------------------------------------------


def test_download_with_each_kind_of_token_follows_the_redirect(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox, files=[{"file_type": "MP4", "size": 3 * (1 << 20) + 17}])
    [file] = recording.files
    state = zoom_sandbox.state
    expected = state.file_bytes(file.id)
    event = state.recording_completed_event(recording.uuid)
    webhook_file = recording_from_json(event["payload"]["object"]).files[0]
    assert "/rec/webhook_download/download/" in webhook_file.download_url
    for target, token in (
        (file, recording.download_access_token),
        (webhook_file, event["download_token"]),
        (file, None),  # the app's OAuth token
    ):
        before = len(downloads(state))
        with client.download(target, token) as chunks:
            received = list(chunks)
        assert b"".join(received) == expected
        assert [len(c) for c in received] == [1 << 20] * 3 + [17]
        first, second = downloads(state)[before:]
        assert first.status == 302 and first.location is not None and CONTENT in first.location
        assert first.headers["authorization"] == f"Bearer {token or client._access_token()}"
        assert first.headers["accept-encoding"] == "identity"
        assert second.path.startswith(CONTENT) and second.status == 200
        assert second.content_type == CONTENT_TYPES["MP4"]


def test_the_token_does_not_follow_a_redirect_to_another_host(zoom_sandbox: ZoomSandboxServer) -> None:
    from tests.zoom_fixtures import serve_app

    client, recording = recorded_meeting(zoom_sandbox, files=[{"file_type": "M4A", "content": b"\x00\x00 ftypM4A"}])
    # The same sandbox on a second port: another origin, as Zoom's storage host is.
    with serve_app(zoom_sandbox.app) as storage:
        zoom_sandbox.state.content_base_url = storage
        assert read_all(client, recording.files[0], recording.download_access_token) == b"\x00\x00 ftypM4A"
    first, second = downloads(zoom_sandbox.state)
    assert "authorization" in first.headers
    assert "authorization" not in second.headers  # httpx drops it across origins; the signed URL needs none
    assert second.content_type == "audio/mp4"


def test_an_html_page_with_200_is_refused_before_anything_is_yielded(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    file = recording.files[0]
    state = zoom_sandbox.state
    for provoke in (
        lambda: state.expire_download_tokens(),
        lambda: state.inject("GET", "^/rec/download/", status=200, content_type="text/html", body="<html>x</html>"),
        lambda: state.inject("GET", "^/rec/content/", status=200, content_type="text/html; charset=utf-8", body="x"),
    ):
        provoke()
        entered = False
        with (
            pytest.raises(DownloadRefused, match="HTML") as caught,
            client.download(file, recording.download_access_token),
        ):
            entered = True
        assert not entered and caught.value.status == 200
    # Another meeting's token gets the same page.
    _, other = recorded_meeting(zoom_sandbox)
    with pytest.raises(DownloadRefused, match="HTML"):
        read_all(client, file, other.download_access_token)


def test_a_text_answer_for_a_media_file_is_refused(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    mp4 = recording.files[0]
    body = json.dumps({"status": False, "errorCode": 401, "errorMessage": "Forbidden"})
    for content_type in ("application/json", "text/plain"):
        zoom_sandbox.state.inject("GET", "^/rec/content/", status=200, content_type=content_type, body=body)
        with pytest.raises(DownloadRefused, match="not a media file"):
            read_all(client, mp4, recording.download_access_token)


def test_text_files_of_a_recording_download_as_text(zoom_sandbox: ZoomSandboxServer) -> None:
    chat = b"09:00:01 Budi: Selamat pagi\n"
    client, recording = recorded_meeting(
        zoom_sandbox, files=[{"file_type": "CHAT", "recording_type": "chat_file", "content": chat}]
    )
    [file] = recording.files
    assert file.file_extension == "TXT"
    assert read_all(client, file, recording.download_access_token) == chat


@pytest.mark.parametrize("status", [500, 503, 403, 404])
def test_an_error_status_is_refused(zoom_sandbox: ZoomSandboxServer, status: int) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    zoom_sandbox.state.inject("GET", "^/rec/content/", status=status)
    with pytest.raises(DownloadRefused) as caught:
        read_all(client, recording.files[0], recording.download_access_token)
    assert caught.value.status == status


def test_a_body_cut_off_half_way_is_refused_and_nothing_is_stored(
    zoom_sandbox: ZoomSandboxServer, tmp_path: Path
) -> None:
    size = 5 * (1 << 20)
    client, recording = recorded_meeting(zoom_sandbox, files=[{"file_type": "MP4", "size": size}])
    [file] = recording.files
    blobs = FolderBlobs(tmp_path)
    zoom_sandbox.state.inject("GET", "^/rec/content/", cut_after=size // 2)
    received = 0
    with client.download(file, recording.download_access_token) as chunks:  # the headers still look right

        def counted() -> Iterator[bytes]:
            nonlocal received
            for chunk in chunks:
                received += len(chunk)
                yield chunk

        with pytest.raises(DownloadRefused, match="broke off") as caught:
            blobs.put_stream("recordings/cut.mp4", counted(), "video/mp4")
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert 0 < received <= size // 2
    assert not blobs.exists("recordings/cut.mp4") and list(tmp_path.rglob("*.mp4*")) == []
    # Whole, it goes in.
    with client.download(file, recording.download_access_token) as chunks:
        assert blobs.put_stream("recordings/whole.mp4", chunks, "video/mp4") == size
    assert hashlib.sha256((tmp_path / "recordings/whole.mp4").read_bytes()).hexdigest() == (
        zoom_sandbox.state.file_sha256(file.id)
    )


def test_a_content_length_other_than_the_listed_size_is_refused(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox, files=[{"file_type": "MP4", "size": 1000, "file_size": 999}])
    entered = False
    with (
        pytest.raises(DownloadRefused, match="announced 1000 bytes, Zoom listed 999"),
        client.download(recording.files[0], recording.download_access_token),
    ):
        entered = True
    assert not entered


@pytest.mark.parametrize(("served", "listed", "message"), [(3000, 2000, "ran past"), (1000, 2000, "ended after")])
def test_a_body_without_a_length_must_still_come_to_the_listed_size(
    zoom_sandbox: ZoomSandboxServer, served: int, listed: int, message: str
) -> None:
    client, recording = recorded_meeting(
        zoom_sandbox, files=[{"file_type": "MP4", "size": served, "file_size": listed}]
    )
    zoom_sandbox.state.inject("GET", "^/rec/content/", drop_headers=["Content-Length"])
    with (
        client.download(recording.files[0], recording.download_access_token) as chunks,
        pytest.raises(DownloadRefused, match=message),
    ):
        for _ in chunks:
            pass
    [_, content] = downloads(zoom_sandbox.state)
    assert content.status == 200  # the sandbox did send it, unannounced


def test_a_revoked_oauth_token_is_replaced_once_for_a_download(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox)
    zoom_sandbox.state.revoke_tokens()
    before = zoom_sandbox.state.oauth_calls
    assert read_all(client, recording.files[0], None) == zoom_sandbox.state.file_bytes(recording.files[0].id)
    assert zoom_sandbox.state.oauth_calls == before + 1
    # A token the caller gave is never swapped for ours.
    zoom_sandbox.state.expire_download_tokens()
    with pytest.raises(DownloadRefused):
        read_all(client, recording.files[0], recording.download_access_token)
    assert zoom_sandbox.state.oauth_calls == before + 1


def test_a_download_is_not_started_without_time_left(zoom_sandbox: ZoomSandboxServer) -> None:
    clock = [1000.0]
    client = zoom_sandbox.client(clock=lambda: clock[0])
    meeting = client.create_meeting(HOST, spec())
    zoom_sandbox.state.add_recording(meeting.id)
    recording = client.meeting_recordings(meeting.uuid)
    assert recording is not None
    with client.time_budget(5.0):
        clock[0] += 4.5
        with pytest.raises(ZoomOutOfTime):
            read_all(client, recording.files[0], recording.download_access_token)
    assert downloads(zoom_sandbox.state) == []


def test_a_file_without_a_download_url_is_refused(zoom_sandbox: ZoomSandboxServer) -> None:
    empty = RecordingFile("f", "u", "MP4", "MP4", 10, "", "completed", "audio_only", None, None)
    with pytest.raises(DownloadRefused, match="no download_url"):
        read_all(zoom_sandbox.client(), empty, "token")


def test_memory_stays_flat_while_downloading_a_large_file(zoom_sandbox: ZoomSandboxServer) -> None:
    size = 64 * (1 << 20)
    client, recording = recorded_meeting(zoom_sandbox, files=[{"file_type": "MP4", "size": size, "seed": 7}])
    [file] = recording.files
    digest = hashlib.sha256()
    received = 0
    tracemalloc.start()
    try:
        with client.download(file, recording.download_access_token) as chunks:
            for chunk in chunks:
                digest.update(chunk)
                received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == size
    assert digest.hexdigest() == zoom_sandbox.state.file_sha256(file.id)
    # Client and sandbox together, in this process: a few chunks of 1 MiB, whatever the file's size.
    assert peak < 6 * (1 << 20), f"peak {peak / (1 << 20):.1f} MiB while downloading 64 MiB"


# --- past meetings and attendance ---------------------------------------------------------------------------


def test_past_meeting_of_a_held_meeting(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    assert client.past_meeting(meeting.uuid) is None  # not held (or not ended) yet: Zoom's 3001
    zoom_sandbox.state.hold_meeting(meeting.id, HELD_START, HELD_END, [{"name": "A"}, {"name": "B"}])
    past = client.past_meeting(meeting.uuid)
    assert past is not None
    assert (past.uuid, past.meeting_id, past.start_time, past.end_time) == (
        meeting.uuid,
        meeting.id,
        HELD_START,
        HELD_END,
    )
    assert past.participants_count == 2
    # By numeric ID: the latest instance.
    later = zoom_sandbox.state.hold_meeting(meeting.id, HELD_END, HELD_END + timedelta(hours=1), uuid="second==")
    latest = client.past_meeting(str(meeting.id))
    assert latest is not None and latest.uuid == later["uuid"] == "second=="


def test_past_meeting_failures_are_not_none(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client(sleep=lambda _: None)
    zoom_sandbox.state.inject("GET", r"^/v2/past_meetings/", status=502, times=2)
    with pytest.raises(ZoomAmbiguous):
        client.past_meeting("abc==")
    zoom_sandbox.state.inject("GET", r"^/v2/past_meetings/", status=400, body={"code": 12702, "message": "old"})
    with pytest.raises(ZoomRejected) as caught:
        client.past_meeting("abc==")
    assert caught.value.code == 12702


def test_attendance_counts_people_not_joins_over_every_page(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    participants: list[dict[str, Any]] = []
    for i in range(320):  # people with an address Zoom shows: each joins twice (a dropped connection)
        email = f"peserta{i}@opd.example"
        participants += [{"name": f"Peserta {i}", "user_email": email, "duration": 1200}] * 2
    for i in range(15):  # signed in to Zoom, address not shown: told apart by their participant id
        participants += [{"name": "iPhone", "user_email": "", "id": f"zoomuser{i}", "duration": 90}] * 2
    for i in range(10):  # guests: only the display name, which they keep when rejoining
        participants += [{"name": f"Tamu {i}", "user_email": "", "id": "", "duration": 30}] * 3
    zoom_sandbox.state.hold_meeting(meeting.id, HELD_START, HELD_END, participants)
    assert len(participants) == 640 + 30 + 30

    attendance = client.attendance(meeting.uuid)
    assert attendance == Attendance(
        distinct_participants=320 + 15 + 10,
        total_minutes=round((640 * 1200 + 30 * 90 + 30 * 30) / 60),
    )
    pages = [e for e in zoom_sandbox.state.exchanges if e.path.endswith("/participants")]
    assert [e.query.get("page_size") for e in pages] == [["300"]] * 3
    assert [bool(e.query.get("next_page_token")) for e in pages] == [False, True, True]
    assert client.attendance(meeting.uuid, page_size=50) == attendance


def test_attendance_rounds_minutes_and_counts_nameless_entries_apart(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    nameless = {"name": "", "user_email": "", "id": "", "user_id": ""}
    entries = [dict(nameless, duration=89), dict(nameless, duration=0), {"name": "Budi", "duration": 60}]
    zoom_sandbox.state.hold_meeting(meeting.id, HELD_START, HELD_END, entries)
    # 149 seconds: 2 minutes (rounded, not cut); the two entries with nothing to go by are two people.
    assert client.attendance(meeting.uuid) == Attendance(distinct_participants=3, total_minutes=2)


def test_attendance_of_an_unknown_meeting_is_not_found(zoom_sandbox: ZoomSandboxServer) -> None:
    with pytest.raises(ZoomNotFound) as caught:
        zoom_sandbox.client().attendance("nie-gehalten==")
    assert caught.value.code == 3001


def test_an_expired_page_token_is_an_error_not_a_short_list(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec())
    zoom_sandbox.state.hold_meeting(meeting.id, HELD_START, HELD_END, [{"name": f"P{i}"} for i in range(5)])
    # Zoom's next_page_token lasts 15 minutes: the client fetches page after page at once, holding none.
    zoom_sandbox.state.inject("GET", r"/participants$", status=400, body={"code": 300, "message": "expired"})
    with pytest.raises(ZoomRejected):
        client.attendance(meeting.uuid, page_size=2)


# --- held to Zoom's document -------------------------------------------------------------------------------


def test_every_new_operation_is_one_of_zooms(zoom_sandbox: ZoomSandboxServer) -> None:
    client, recording = recorded_meeting(zoom_sandbox, uuid=SLASHED_UUID)
    zoom_sandbox.state.hold_meeting(recording.meeting_id, HELD_START, HELD_END, [{"name": "A", "duration": 60}])
    client.list_recordings(HOST, date(2026, 11, 1), date(2026, 11, 30))
    read_all(client, recording.files[0], recording.download_access_token)
    client.past_meeting(recording.uuid)
    client.attendance(recording.uuid)
    client.trash_recordings(recording.uuid)
    assert client.meeting_recordings(recording.uuid) is None
    api = [e for e in zoom_sandbox.state.exchanges if e.path.startswith(API_PREFIX + "/")]
    named = set()
    for exchange in api:
        operation = find_operation(exchange.method, exchange.path[len(API_PREFIX) :])
        assert operation is not None, exchange.path
        named.add(operation.spec["operationId"])
        assert exchange.headers["user-agent"] == USER_AGENT
    assert named >= {
        "recordingGet",
        "recordingDelete",
        "recordingsList",
        "pastMeetingDetails",
        "pastMeetingParticipants",
    }
    assert exchange_problems(zoom_sandbox.state.exchanges, client_agent=USER_AGENT) == []


def test_the_document_check_catches_an_unknown_query_parameter(zoom_sandbox: ZoomSandboxServer) -> None:
    token = zoom_sandbox.client()._access_token()
    httpx.get(
        f"{zoom_sandbox.api_url}/past_meetings/abc/participants",
        params={"page_size": 301, "include_fields": "registrant_id"},
        headers={"Authorization": f"Bearer {token}", "User-Agent": "checked"},
    )
    problems = exchange_problems(zoom_sandbox.state.exchanges, client_agent="checked")
    assert any("'include_fields' is not in GET /past_meetings/{meetingId}/participants" in p for p in problems)
    assert any("query page_size: (root): 301 is greater than the maximum of 300" in p for p in problems)
    zoom_sandbox.state.exchanges.clear()  # checked here; the fixture need not fail on them again


# --- webhook bodies and signatures -------------------------------------------------------------------------


def test_webhook_bodies_follow_zooms_schemas(zoom_sandbox: ZoomSandboxServer) -> None:
    client = zoom_sandbox.client()
    meeting = client.create_meeting(HOST, spec(topic="Rapat Evaluasi — Dinas Perhubungan"))
    zoom_sandbox.state.add_recording(
        meeting.id, files=[{"file_type": "MP4"}, {"file_type": "M4A"}, {"file_type": "CHAT"}, {"file_type": "CC"}]
    )
    zoom_sandbox.state.hold_meeting(meeting.id, HELD_START, HELD_END)
    events = {
        "recording.completed": zoom_sandbox.state.recording_completed_event(meeting.uuid),
        "meeting.started": zoom_sandbox.state.meeting_started_event(meeting.id),
        "meeting.ended": zoom_sandbox.state.meeting_ended_event(meeting.id),
        "endpoint.url_validation": url_validation_event("qgg8vlvZRS6UYooatFL8Aw"),
    }
    for name, body in events.items():
        assert body["event"] == name
        assert webhook_problems(name, body) == [], name
        assert isinstance(body["event_ts"], int) and body["event_ts"] > 10**12  # milliseconds
    completed = events["recording.completed"]
    obj = completed["payload"]["object"]
    assert obj["id"] == meeting.id and isinstance(obj["id"], int) and obj["type"] == 2
    assert obj["host_email"] == HOST and obj["uuid"] == meeting.uuid
    assert [(f["file_type"], f["file_extension"], f["recording_type"]) for f in obj["recording_files"]] == [
        ("MP4", "MP4", "shared_screen_with_speaker_view"),
        ("M4A", "M4A", "audio_only"),
        ("CHAT", "TXT", "chat_file"),
        ("CC", "VTT", "closed_caption"),
    ]
    assert completed["download_token"] in zoom_sandbox.state.download_grants
    started = events["meeting.started"]["payload"]["object"]
    assert started["id"] == str(meeting.id) and started["start_time"] == "2026-11-27T02:00:00Z"
    assert events["meeting.ended"]["payload"]["object"]["end_time"] == "2026-11-27T03:30:00Z"
    assert events["recording.completed"]["payload"]["account_id"] == "sandbox-account"


def test_a_transcript_breaks_the_webhook_schema_as_zoom_documents_it(zoom_sandbox: ZoomSandboxServer) -> None:
    # Zoom's REST document lists recording_type "audio_transcript" for TRANSCRIPT files; the webhook schema's
    # enum leaves it out (its description names it). A receiver must not refuse such an event.
    recording = zoom_sandbox.state.add_recording(12345678901, host=HOST, files=[{"file_type": "TRANSCRIPT"}])
    assert recording["recording_files"][0]["recording_type"] == "audio_transcript"
    problems = webhook_problems("recording.completed", zoom_sandbox.state.recording_completed_event(recording["uuid"]))
    assert len(problems) == 1 and "'audio_transcript' is not one of" in problems[0]


def test_schema_check_of_webhooks_is_strict() -> None:
    body = url_validation_event("p")
    assert webhook_problems("endpoint.url_validation", dict(body, event="meeting.started")) != []
    broken = {"event": "meeting.started", "event_ts": 1, "payload": {"account_id": "a", "object": {"id": 1}}}
    problems = webhook_problems("meeting.started", broken)
    assert any("is not of type 'string'" in p for p in problems) and any("required" in p for p in problems)


def test_signed_webhook_headers_sign_the_raw_body_as_zoom_documents() -> None:
    secret = "rahasia-webhook"
    body = event_bytes({"event": "meeting.started", "payload": {"object": {"topic": "Rapat — Ü"}}, "event_ts": 1})
    assert body == '{"event":"meeting.started","payload":{"object":{"topic":"Rapat — Ü"}},"event_ts":1}'.encode()
    headers = signed_webhook_headers(secret, body, 1739923528)
    assert headers["x-zm-request-timestamp"] == "1739923528"
    message = b"v0:1739923528:" + body
    assert headers["x-zm-signature"] == "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert headers["x-zm-signature"] == webhook_signature(secret.encode(), body, 1739923528)
    assert headers["content-type"] == "application/json; charset=utf-8"
    at = datetime.fromtimestamp(1739923528.9, UTC)
    assert signed_webhook_headers(secret, body, at)["x-zm-signature"] == headers["x-zm-signature"]
    # One byte more (a re-serialisation with a space) and the signature no longer fits.
    assert webhook_signature(secret, body.replace(b":", b": ", 1), 1739923528) != headers["x-zm-signature"]


def test_url_validation_answer_is_the_hmac_of_the_plain_token() -> None:
    answer = url_validation_answer("rahasia", "qgg8vlvZRS6UYooatFL8Aw")
    expected = hmac.new(b"rahasia", b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert answer == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}


def test_a_recording_completed_event_needs_a_base_url() -> None:
    state = SandboxState()
    recording = state.add_recording(12345678901, host=HOST)
    with pytest.raises(ValueError, match="base_url"):
        state.recording_completed_event(recording["uuid"])
    event = state.recording_completed_event(recording["uuid"], base_url="https://zoom.example/")
    url = event["payload"]["object"]["recording_files"][0]["download_url"]
    assert url.startswith("https://zoom.example/rec/webhook_download/download/")
    with pytest.raises(KeyError):
        state.recording_completed_event("no-such==", base_url="https://zoom.example")
