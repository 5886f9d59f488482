"""The store's compare-and-set without a status change, and the lookup by Zoom meeting, on every adapter."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.test_store_contract import NOW, audit, record
from vicon.ports import RequestNotFound, Store
from vicon.records import RequestChanges, RequestRecord, StoredMeeting


def meeting(meeting_id: int, start: dt.datetime = NOW) -> StoredMeeting:
    return StoredMeeting(
        id=meeting_id,
        uuid=f"uuid-{meeting_id}==",
        host="host@vicon.example",
        join_url=f"https://zoom.example/j/{meeting_id}",
        passcode="abc123",
        start=start,
        end=start + dt.timedelta(hours=2),
    )


def test_modify_request_appends_without_losing_a_concurrent_append(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [])

    def add(n: int) -> None:
        def change(current: RequestRecord) -> RequestChanges:
            return RequestChanges(orphan_meetings=(*current.orphan_meetings, n))

        store.modify_request("VC-1", change)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(add, range(16)))
    saved = store.get_request("VC-1")
    assert saved is not None and sorted(saved.orphan_meetings) == list(range(16))


def test_modify_request_writes_nothing_when_the_change_says_none(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [])
    seen = []

    def change(current: RequestRecord) -> None:
        seen.append(current.id)

    answer = store.modify_request("VC-1", change)
    assert seen and answer.id == "VC-1" and answer.provisioning_attempts == 0
    assert store.get_request("VC-1") == answer
    assert len(store.audit_trail("VC-1")) == 1
    with pytest.raises(RequestNotFound):
        store.modify_request("VC-404", change)


def test_modify_request_changes_only_the_named_fields(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [])
    store.update_request("VC-1", RequestChanges(decision_reason="tetap"))
    changed = store.modify_request("VC-1", lambda current: RequestChanges(provisioning_attempts=3))
    assert (changed.decision_reason, changed.provisioning_attempts) == ("tetap", 3)
    assert store.get_request("VC-1") == changed


def test_request_by_meeting_finds_only_the_request_that_holds_it(store: Store) -> None:
    for n in range(3):
        store.create_request(record(f"VC-{n}", NOW), audit(f"VC-{n}", "submitted"), [])
    store.update_request("VC-1", RequestChanges(meeting=meeting(81234567890)))
    store.update_request("VC-2", RequestChanges(meeting=meeting(81234567891)))
    found = store.request_by_meeting(81234567890)
    assert found is not None and found.id == "VC-1"
    assert store.request_by_meeting(89999999999) is None
