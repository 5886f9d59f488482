"""One contract suite for the store port, run against SQLite and the Firestore emulator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.stores import make_store
from vicon.lifecycle import TRANSITIONS, Actor, CleanupState, NotAllowed, Status, allowed_from
from vicon.ports import (
    Attachment,
    AuditEntry,
    ClaimedJob,
    Job,
    OutgoingMail,
    RateBucket,
    RequestExists,
    RequestNotFound,
    Store,
    TransitionRefused,
)
from vicon.records import RequestChanges, RequestRecord
from vicon.timefmt import iso

NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)


def record(request_id: str, start: dt.datetime, status: str = "submitted", **fields: Any) -> RequestRecord:
    """A request with every required field; `fields` set the rest."""
    return RequestRecord.model_validate(
        {
            "id": request_id,
            "status": status,
            "created_at": NOW,
            "opd": "Dinas Kesehatan",
            "event_name": "Rapat koordinasi",
            "event_type": "rapat_koordinasi",
            "start": start,
            "end": start + dt.timedelta(hours=2),
            "participant_count": 10,
            "participants": ["Puskesmas"],
            "speakers": "Kepala Dinas",
            "contact_name": "Budi",
            "contact_phone": "+6281234567890",
            "contact_email": "budi@dinkes.example.go.id",
            "letter_number": "005/1/2026",
            "letter_date": dt.date(2026, 11, 27),
            "letter": {"key": f"letters/2026/{request_id}.pdf", "size": 100, "sha256": "0" * 64},
            **fields,
        }
    )


def audit(request_id: str, to_status: str, from_status: str | None = None, at: dt.datetime = NOW) -> AuditEntry:
    return AuditEntry(request_id, at, "tester", "test", from_status, to_status, {"note": "ok"})


def mail(subject: str) -> OutgoingMail:
    return OutgoingMail(
        to=("a@example.go.id",),
        subject=subject,
        text="teks",
        html="<p>teks</p>",
        attachments=(Attachment("surat.pdf", "application/pdf", blob_key="letters/x.pdf"),),
    )


def test_store_creates_request_with_history_audit_and_outbox(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu"), mail("dua")])

    saved = store.get_request("VC-1")
    assert saved is not None
    assert saved.status == "submitted"
    assert [item.to_stored() for item in saved.history] == [
        {"status": "submitted", "at": "2026-11-30T01:00:00Z", "actor": "tester"}
    ]
    assert [e.to_status for e in store.audit_trail("VC-1")] == ["submitted"]
    pending = store.pending_mail("VC-1")
    assert sorted(e.mail.subject for e in pending) == ["dua", "satu"]
    assert pending[0].mail.attachments[0].blob_key == "letters/x.pdf"
    assert store.get_request("VC-404") is None


def test_store_refuses_a_second_request_with_the_same_id(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu")])
    other = record("VC-1", NOW, event_name="lain")
    with pytest.raises(RequestExists):
        store.create_request(other, audit("VC-1", "submitted"), [mail("dua")])
    assert [e.mail.subject for e in store.pending_mail("VC-1")] == ["satu"]
    assert len(store.audit_trail("VC-1")) == 1
    saved = store.get_request("VC-1")
    assert saved is not None and saved.event_name == "Rapat koordinasi"


def test_store_creating_the_same_request_again_changes_nothing(store: Store) -> None:
    # What a client does when the answer to its first create was lost: the request stands, once.
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu")])
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu")])
    assert [e.mail.subject for e in store.pending_mail("VC-1")] == ["satu"]
    assert len(store.audit_trail("VC-1")) == 1


def test_store_requests_due_filters_before_the_limit(store: Store) -> None:
    # Many requests that wait (later, or never) must not crowd out the one that is due.
    for n in range(5):
        store.create_request(
            record(f"VC-W{n}", NOW, next_provisioning_at=iso(NOW + dt.timedelta(hours=1))),
            audit(f"VC-W{n}", "provisioning_failed"),
            [],
        )
        store.create_request(
            record(f"VC-N{n}", NOW, next_provisioning_at=None), audit(f"VC-N{n}", "provisioning_failed"), []
        )
    for request_id in [f"VC-W{n}" for n in range(5)] + [f"VC-N{n}" for n in range(5)]:
        store.transition(request_id, ["submitted"], "provisioning_failed", audit(request_id, "provisioning_failed"))
    due_at = {"VC-D1": NOW - dt.timedelta(minutes=1), "VC-D2": NOW - dt.timedelta(minutes=5)}
    for request_id, at in due_at.items():
        store.create_request(
            record(request_id, NOW + dt.timedelta(days=1), next_provisioning_at=iso(at)),
            audit(request_id, "submitted"),
            [],
        )
        store.transition(request_id, ["submitted"], "provisioning_failed", audit(request_id, "provisioning_failed"))
    store.create_request(
        record("VC-S", NOW, next_provisioning_at=iso(NOW - dt.timedelta(hours=1))), audit("VC-S", "x"), []
    )

    assert [r.id for r in store.requests_due("provisioning_failed", NOW, limit=1)] == ["VC-D2"]
    assert [r.id for r in store.requests_due("provisioning_failed", NOW)] == ["VC-D2", "VC-D1"]
    assert [r.id for r in store.requests_due("submitted", NOW)] == ["VC-S"]
    assert store.requests_due("approved", NOW) == []


def test_store_requests_pending_cleanup_finds_only_those(store: Store) -> None:
    for n, cleanup in enumerate(["pending", "done", None, "pending"]):
        store.create_request(
            record(f"VC-{n}", NOW + dt.timedelta(hours=n), meeting_cleanup=cleanup), audit(f"VC-{n}", "x"), []
        )
    assert [r.id for r in store.requests_pending_cleanup()] == ["VC-0", "VC-3"]
    store.update_request("VC-0", RequestChanges(meeting_cleanup=CleanupState.DONE))
    assert [r.id for r in store.requests_pending_cleanup()] == ["VC-3"]


def test_store_rate_limit_counts_all_buckets_or_none(store: Store) -> None:
    end = NOW + dt.timedelta(hours=1)
    contact, client = RateBucket("contact-a", 2, end), RateBucket("client-1", 3, end)
    assert store.take_rate_limit([contact, client], NOW) is None
    assert store.take_rate_limit([contact, client], NOW) is None
    assert store.take_rate_limit([contact, client], NOW) == contact  # full: nothing counted anywhere
    other = RateBucket("contact-b", 2, end)
    assert store.take_rate_limit([other, client], NOW) is None  # the client's third use
    assert store.take_rate_limit([other, client], NOW) == client
    assert store.take_rate_limit([other], NOW) is None  # the refused attempt above counted nothing
    assert store.take_rate_limit([other], NOW) == other
    # A new window starts from zero.
    later = RateBucket("contact-a", 2, end + dt.timedelta(hours=1))
    assert store.take_rate_limit([later], end) is None


def test_store_concurrent_rate_limit_takes_never_exceed_the_limit(store: Store) -> None:
    bucket = RateBucket("contact-a", 3, NOW + dt.timedelta(hours=1))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: store.take_rate_limit([bucket], NOW), range(8)))
    assert results.count(None) == 3


def test_store_transition_is_compare_and_set_with_audit(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [])
    later = NOW + dt.timedelta(minutes=5)

    updated = store.transition(
        "VC-1",
        ["submitted"],
        "approved",
        audit("VC-1", "approved", "submitted", later),
        RequestChanges(decided_by="v@x"),
        [mail("m")],
    )

    assert updated.status == "approved"
    assert updated.decided_by == "v@x"
    assert [h.status for h in updated.history] == ["submitted", "approved"]
    assert store.get_request("VC-1") == updated
    assert [(e.from_status, e.to_status) for e in store.audit_trail("VC-1")] == [
        (None, "submitted"),
        ("submitted", "approved"),
    ]
    assert [e.mail.subject for e in store.pending_mail("VC-1")] == ["m"]


def test_store_refused_transition_changes_nothing(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [])
    with pytest.raises(TransitionRefused) as refused:
        store.transition(
            "VC-1",
            ["approved"],
            "provisioned",
            audit("VC-1", "provisioned"),
            RequestChanges(provisioning_attempts=1),
            [mail("m")],
        )
    assert refused.value.current == "submitted"
    saved = store.get_request("VC-1")
    assert saved is not None and saved.status == "submitted" and saved.provisioning_attempts == 0
    assert len(store.audit_trail("VC-1")) == 1
    assert store.pending_mail("VC-1") == []
    with pytest.raises(RequestNotFound):
        store.transition("VC-404", ["submitted"], "approved", audit("VC-404", "approved"))


def test_store_takes_every_declared_transition_and_refuses_undeclared_ones_through_the_lifecycle(
    store: Store,
) -> None:
    # Callers hand the store `lifecycle.allowed_from(to, actor)`: every declared (from, to, actor) goes through,
    for n, ((src, dst), actors) in enumerate(TRANSITIONS.items()):
        for actor in sorted(actors):
            request_id = f"VC-D{n}-{actor}"
            store.create_request(record(request_id, NOW, src), audit(request_id, src), [])
            moved = store.transition(request_id, allowed_from(dst, actor), dst, audit(request_id, dst, src))
            saved = store.get_request(request_id)
            assert moved.status == dst and saved is not None and saved.status == dst, (src, dst, actor)
    # and from any other status the same call is refused, changing nothing.
    refused = 0
    for n, current in enumerate(Status):
        request_id = f"VC-U{n}"
        store.create_request(record(request_id, NOW, current), audit(request_id, current), [])
        for dst in Status:
            for actor in Actor:
                if actor in TRANSITIONS.get((current, dst), frozenset()):
                    continue
                try:
                    from_statuses = allowed_from(dst, actor)
                except NotAllowed:
                    continue  # the lifecycle refuses before any store is asked
                with pytest.raises(TransitionRefused):
                    store.transition(request_id, from_statuses, dst, audit(request_id, dst, current))
                refused += 1
        saved = store.get_request(request_id)
        assert saved is not None and saved.status == current
        assert len(store.audit_trail(request_id)) == 1
    assert refused > 0


def test_store_concurrent_transitions_let_exactly_one_win(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [])

    def approve(n: int) -> bool:
        try:
            store.transition(
                "VC-1",
                ["submitted"],
                "approved",
                audit("VC-1", "approved", "submitted"),
                RequestChanges(provisioning_attempts=n),
            )
        except TransitionRefused:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(approve, range(10)))

    assert results.count(True) == 1
    assert [e.to_status for e in store.audit_trail("VC-1")] == ["submitted", "approved"]


def test_store_request_numbers_are_unique_under_concurrency(store: Store) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        numbers = list(pool.map(lambda _: store.next_request_number(2026), range(20)))
    assert sorted(numbers) == list(range(1, 21))
    assert store.next_request_number(2027) == 1


def test_store_queries_by_status_and_start_range(store: Store) -> None:
    for n, hours in enumerate([5, 1, 30, 3]):
        store.create_request(record(f"VC-{n}", NOW + dt.timedelta(hours=hours)), audit(f"VC-{n}", "submitted"), [])
    store.transition("VC-2", ["submitted"], "rejected", audit("VC-2", "rejected", "submitted"))

    assert [r.id for r in store.requests_by_status("submitted")] == ["VC-1", "VC-3", "VC-0"]
    assert [r.id for r in store.requests_by_status("submitted", NOW + dt.timedelta(hours=3))] == ["VC-0"]
    assert [r.id for r in store.requests_by_status("submitted", limit=2)] == ["VC-1", "VC-3"]
    assert [r.id for r in store.requests_by_status("rejected")] == ["VC-2"]
    assert store.requests_by_status("cancelled") == []
    window = store.requests_starting_between(NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=5))
    assert [r.id for r in window] == ["VC-1", "VC-3"]  # start inclusive, end exclusive


def test_store_outbox_lease_retry_and_sent(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu")])
    lease = dt.timedelta(minutes=5)

    claimed = store.claim_due_mail(NOW, lease)
    assert [e.mail.subject for e in claimed] == ["satu"]
    assert store.claim_due_mail(NOW + dt.timedelta(minutes=1), lease) == []  # leased: a second tick skips it

    assert claimed[0].lease
    assert store.mail_failed(claimed[0].id, claimed[0].lease or "", "server down", NOW + dt.timedelta(minutes=10))
    assert store.claim_due_mail(NOW + dt.timedelta(minutes=9), lease) == []
    retried = store.claim_due_mail(NOW + dt.timedelta(minutes=10), lease)
    assert len(retried) == 1 and retried[0].attempts == 1 and retried[0].last_error == "server down"

    assert store.mail_sent(retried[0].id, retried[0].lease or "")
    assert store.pending_mail() == []
    assert store.claim_due_mail(NOW + dt.timedelta(days=1), lease) == []


def test_store_concurrent_claims_never_hand_out_a_mail_twice(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail(str(n)) for n in range(6)])

    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(lambda _: store.claim_due_mail(NOW, dt.timedelta(minutes=5)), range(4)))

    subjects = [e.mail.subject for batch in batches for e in batch]
    assert sorted(subjects) == [str(n) for n in range(6)]


def test_store_outbox_only_the_lease_holder_marks_a_mail(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu")])
    lease = dt.timedelta(minutes=5)
    [first] = store.claim_due_mail(NOW, lease)
    # The first run's send outlasts its lease; another tick claims the mail and holds it now.
    [second] = store.claim_due_mail(NOW + dt.timedelta(minutes=6), lease)
    assert first.lease and second.lease and first.lease != second.lease

    assert store.mail_sent(first.id, first.lease) is False
    assert store.mail_failed(first.id, first.lease, "late", NOW + dt.timedelta(hours=1)) is False
    assert store.mail_dead(first.id, first.lease, "late", NOW, [mail("pemberitahuan")]) is False
    [still] = store.pending_mail()
    assert still.attempts == 0 and still.last_error is None  # the first run changed nothing
    assert store.dead_mail() == []

    assert store.mail_sent(second.id, second.lease) is True
    assert store.pending_mail() == []
    assert store.mail_sent(second.id, second.lease) is False  # done once; a repeat changes nothing


def test_store_outbox_dead_mail_is_kept_with_its_error_and_queues_the_notice(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu")])
    [entry] = store.claim_due_mail(NOW, dt.timedelta(minutes=5))
    later = NOW + dt.timedelta(hours=20)

    assert store.mail_dead(entry.id, entry.lease or "", "SMTP server down", later, [mail("pemberitahuan")])

    [dead] = store.dead_mail("VC-1")
    assert dead.id == entry.id and dead.state == "dead"
    assert dead.attempts == 1 and dead.last_error == "SMTP server down"
    assert dead.mail.subject == "satu"
    [notice] = store.pending_mail("VC-1")  # queued in the same write, for the same request
    assert notice.mail.subject == "pemberitahuan" and notice.next_attempt_at == later
    assert [e.mail.subject for e in store.claim_due_mail(later, dt.timedelta(minutes=5))] == ["pemberitahuan"]
    assert store.dead_mail("VC-2") == []


def test_store_outbox_claims_the_oldest_due_mail_first_within_the_limit(store: Store) -> None:
    subjects = [f"m{n}" for n in range(5)]
    for n, subject in enumerate(subjects):
        at = NOW + dt.timedelta(minutes=n)
        store.create_request(record(f"VC-{n}", NOW), audit(f"VC-{n}", "submitted", at=at), [mail(subject)])
    lease = dt.timedelta(minutes=5)
    # Only m0..m2 are due at NOW + 2 minutes, one at a time, oldest first.
    at = NOW + dt.timedelta(minutes=2)
    assert [e.mail.subject for e in store.claim_due_mail(at, lease, 1)] == ["m0"]
    assert [e.mail.subject for e in store.claim_due_mail(at, lease, 5)] == ["m1", "m2"]
    assert [e.mail.subject for e in store.claim_due_mail(at, lease, 5, "VC-3")] == []
    assert [e.mail.subject for e in store.claim_due_mail(NOW + dt.timedelta(minutes=3), lease, 5, "VC-3")] == ["m3"]


def test_store_plain_update_and_side_audit_entries(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [])
    retry_at = NOW + dt.timedelta(minutes=4)
    updated = store.update_request("VC-1", RequestChanges(next_provisioning_at=retry_at))
    assert updated.next_provisioning_at == retry_at and updated.status == "submitted"
    assert store.get_request("VC-1") == updated
    store.record_audit(AuditEntry("VC-1", NOW, "petugas@x", "start_meeting", None, None, {}), [mail("m")])
    store.transition("VC-1", ["submitted"], "approved", audit("VC-1", "approved", "submitted"))
    assert [e.action for e in store.audit_trail("VC-1")] == ["test", "start_meeting", "test"]
    assert [e.mail.subject for e in store.pending_mail("VC-1")] == ["m"]
    with pytest.raises(RequestNotFound):
        store.update_request("VC-404", RequestChanges(provisioning_attempts=1))


def test_store_host_slots_never_overlap_and_claims_are_idempotent(store: Store) -> None:
    hosts = ["a@x", "b@x"]
    nine, eleven = NOW, NOW + dt.timedelta(hours=2)
    no_buffer = dt.timedelta(0)

    assert store.claim_host_slot("R1", hosts, nine, eleven, no_buffer, NOW) == "a@x"
    assert store.claim_host_slot("R1", hosts, nine, eleven, no_buffer, NOW) == "a@x"  # again: same host, one slot
    assert store.claim_host_slot("R1", [], nine, eleven, no_buffer, NOW) == "a@x"  # held even if no host is offered
    assert store.claim_host_slot("R2", hosts, nine + dt.timedelta(hours=1), eleven, no_buffer, NOW) == "b@x"
    assert store.claim_host_slot("R3", hosts, nine, eleven, no_buffer, NOW) is None
    touching = store.claim_host_slot("R4", hosts, eleven, eleven + dt.timedelta(hours=1), no_buffer, NOW)
    assert touching == "a@x"

    assert (store.held_host("R1"), store.held_host("R2"), store.held_host("R3")) == ("a@x", "b@x", None)
    store.release_host_slot("R1")
    store.release_host_slot("R1")  # twice is harmless
    assert store.held_host("R1") is None
    assert store.claim_host_slot("R3", hosts, nine, eleven, no_buffer, NOW) == "a@x"
    assert [slot[0] for slot in store.host_slots("a@x")] == ["R3", "R4"]
    assert store.host_slots("b@x") == [("R2", nine + dt.timedelta(hours=1), eleven)]


def test_store_keeps_slots_that_have_not_ended_by_the_callers_clock(store: Store) -> None:
    # Long before the machine's date: only the clock handed in may decide what is old enough to forget.
    then = dt.datetime(2020, 3, 2, 2, 0, tzinfo=dt.UTC)
    hosts = ["a@x"]
    assert store.claim_host_slot("R1", hosts, then, then + dt.timedelta(hours=1), dt.timedelta(0), then) == "a@x"
    later = then + dt.timedelta(hours=3)
    assert store.claim_host_slot("R2", hosts, later, later + dt.timedelta(hours=1), dt.timedelta(0), then) == "a@x"
    assert [slot[0] for slot in store.host_slots("a@x")] == ["R1", "R2"]
    assert store.claim_host_slot("R3", hosts, then, then + dt.timedelta(hours=1), dt.timedelta(0), then) is None


def test_store_host_buffer_is_the_gap_between_meetings(store: Store) -> None:
    hosts = ["a@x"]
    buffer = dt.timedelta(minutes=30)
    assert store.claim_host_slot("R1", hosts, NOW, NOW + dt.timedelta(hours=1), buffer, NOW) == "a@x"
    assert store.host_slots("a@x") == [("R1", NOW, NOW + dt.timedelta(hours=1))]  # stored without the buffer
    later = NOW + dt.timedelta(hours=1, minutes=29)
    assert store.claim_host_slot("R2", hosts, later, later + dt.timedelta(hours=1), buffer, NOW) is None
    later = NOW + dt.timedelta(hours=1, minutes=30)
    assert store.claim_host_slot("R3", hosts, later, later + dt.timedelta(hours=1), buffer, NOW) == "a@x"
    earlier = NOW - dt.timedelta(hours=1, minutes=30)
    assert store.claim_host_slot("R4", hosts, earlier, earlier + dt.timedelta(hours=1), buffer, NOW) == "a@x"


def test_store_concurrent_slot_claims_give_each_host_one_request(store: Store) -> None:
    hosts = ["a@x", "b@x"]

    def claim(n: int) -> str | None:
        return store.claim_host_slot(f"R{n}", hosts, NOW, NOW + dt.timedelta(hours=1), dt.timedelta(minutes=30), NOW)

    with ThreadPoolExecutor(max_workers=6) as pool:
        winners = list(pool.map(claim, range(6)))

    assert sorted(w for w in winners if w) == hosts
    assert len(store.host_slots("a@x")) == len(store.host_slots("b@x")) == 1


def test_store_counts_zoom_calls_per_host_and_day(store: Store) -> None:
    day = dt.date(2026, 12, 2)
    with ThreadPoolExecutor(max_workers=5) as pool:
        counts = list(pool.map(lambda _: store.count_zoom_call("a@x", day), range(5)))
    assert sorted(counts) == [1, 2, 3, 4, 5]
    assert store.zoom_calls("a@x", day) == 5
    assert store.zoom_calls("a@x", day + dt.timedelta(days=1)) == 0
    assert store.zoom_calls("b@x", day) == 0
    store.set_zoom_calls("a@x", day, 100)
    store.set_zoom_calls("a@x", day, 50)  # never lowers
    assert store.zoom_calls("a@x", day) == 100


# ---- Jobs -------------------------------------------------------------------------------------------------------

LEASE = dt.timedelta(minutes=5)


def job(key: str, due_at: dt.datetime = NOW, kind: str = "webhook", **fields: Any) -> Job:
    return Job(key=key, kind=kind, due_at=due_at, **fields)


def claim_keys(store: Store, now: dt.datetime = NOW, limit: int = 20, kinds: list[str] | None = None) -> list[str]:
    return [claimed.job.key for claimed in store.claim_due_jobs(now, LEASE, limit, kinds)]


def test_store_jobs_schedule_a_key_once(store: Store) -> None:
    first = job("webhook:abc", payload={"event": "meeting.ended"}, request_id="VC-1")
    assert store.schedule_job(first) is True
    # The same webhook delivered again, even with other contents: the stored job stays as it was.
    assert store.schedule_job(job("webhook:abc", NOW + dt.timedelta(hours=1), "other", payload={"x": 1})) is False

    state = store.job("webhook:abc")
    assert state is not None
    assert state.job == first
    assert (state.state, state.attempts, state.last_error, state.claims) == ("pending", 0, None, 0)
    assert state.leased_until is None and state.finished_at is None
    assert store.job("webhook:other") is None
    assert [s.job.key for s in store.jobs_by_request("VC-1")] == ["webhook:abc"]


def test_store_jobs_concurrent_schedules_of_one_key_let_exactly_one_win(store: Store) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda n: store.schedule_job(job("recordings:VC-1", payload={"n": n})), range(20)))

    assert results.count(True) == 1
    state = store.job("recordings:VC-1")
    assert state is not None and state.job.payload == {"n": results.index(True)}
    assert claim_keys(store) == ["recordings:VC-1"]


def test_store_jobs_claim_only_due_jobs_oldest_first_within_limit_and_kinds(store: Store) -> None:
    minutes = dt.timedelta(minutes=1)
    store.schedule_job(job("c", NOW - 1 * minutes, "webhook"))
    store.schedule_job(job("a", NOW - 3 * minutes, "recordings"))
    store.schedule_job(job("b", NOW - 2 * minutes, "webhook"))
    store.schedule_job(job("d", NOW - 2 * minutes, "retention"))  # the same due time as "b": ordered by key
    store.schedule_job(job("later", NOW + 1 * minutes, "webhook"))

    assert claim_keys(store, kinds=[]) == []
    assert claim_keys(store, kinds=["reminder"]) == []
    assert claim_keys(store, limit=0) == []
    assert claim_keys(store, limit=2) == ["a", "b"]
    assert claim_keys(store, kinds=["webhook", "reminder"]) == ["c"]
    assert claim_keys(store) == ["d"]
    assert claim_keys(store) == []  # "later" is not due yet
    [later] = store.claim_due_jobs(NOW + minutes, LEASE, kinds=["webhook"])
    assert later.job == job("later", NOW + minutes) and later.attempts == 0 and later.claims == 1
    with pytest.raises(ValueError):
        store.claim_due_jobs(NOW, LEASE, kinds=[f"kind{n}" for n in range(31)])
    with pytest.raises(ValueError):
        store.claim_due_jobs(NOW, dt.timedelta(0))


def test_store_jobs_claimed_job_is_invisible_until_its_lease_lapses(store: Store) -> None:
    store.schedule_job(job("webhook:1"))
    [first] = store.claim_due_jobs(NOW, LEASE)
    assert first.lease and first.claims == 1
    state = store.job("webhook:1")
    assert state is not None and state.leased_until == NOW + LEASE and state.job.due_at == NOW
    assert claim_keys(store, NOW + LEASE - dt.timedelta(seconds=1)) == []

    # The first holder died: once its lease lapses, another run claims the job with a token of its own.
    [second] = store.claim_due_jobs(NOW + LEASE, LEASE)
    assert second.job == first.job and second.lease != first.lease
    assert (second.attempts, second.claims) == (0, 2)
    assert store.finish_job("webhook:1", first.lease, NOW + LEASE) is False
    assert store.retry_job("webhook:1", first.lease, "late", NOW + 2 * LEASE) is False
    assert store.give_up_job("webhook:1", first.lease, "late", NOW + LEASE) is False
    state = store.job("webhook:1")
    assert state is not None and (state.state, state.attempts, state.last_error) == ("pending", 0, None)

    assert store.finish_job("webhook:1", second.lease, NOW + LEASE) is True
    assert store.finish_job("webhook:1", second.lease, NOW + LEASE) is False  # done once; a repeat changes nothing
    assert store.finish_job("webhook:404", second.lease, NOW) is False


def test_store_jobs_finished_job_keeps_its_key_deduplicating(store: Store) -> None:
    store.schedule_job(job("webhook:1", request_id="VC-1"))
    [claimed] = store.claim_due_jobs(NOW, LEASE)
    done_at = NOW + dt.timedelta(seconds=30)
    assert store.finish_job("webhook:1", claimed.lease, done_at)

    assert store.schedule_job(job("webhook:1")) is False  # Zoom's third delivery, after the job ran
    assert claim_keys(store, NOW + dt.timedelta(days=1)) == []
    state = store.job("webhook:1")
    assert state is not None
    assert (state.state, state.finished_at, state.leased_until, state.claims) == ("done", done_at, None, 1)
    assert store.reschedule_job("webhook:1", NOW, NOW) is False


def test_store_jobs_retry_counts_attempts_and_keeps_error_and_due_time(store: Store) -> None:
    store.schedule_job(job("recordings:VC-1"))
    [first] = store.claim_due_jobs(NOW, LEASE)
    retry_at = NOW + dt.timedelta(minutes=10)
    assert store.retry_job("recordings:VC-1", first.lease, "Zoom 503", retry_at) is True
    assert store.retry_job("recordings:VC-1", first.lease, "again", retry_at) is False  # the lease ended with it

    state = store.job("recordings:VC-1")
    assert state is not None
    assert (state.state, state.attempts, state.last_error, state.job.due_at) == ("pending", 1, "Zoom 503", retry_at)
    assert state.leased_until is None
    assert claim_keys(store, retry_at - dt.timedelta(seconds=1)) == []

    [second] = store.claim_due_jobs(retry_at, LEASE)
    assert (second.attempts, second.last_error, second.claims, second.job.due_at) == (1, "Zoom 503", 2, retry_at)
    assert store.retry_job("recordings:VC-1", second.lease, "x" * 2000, retry_at + dt.timedelta(minutes=10))
    state = store.job("recordings:VC-1")
    assert state is not None and state.attempts == 2 and state.last_error == "x" * 500  # the head of a long error


def test_store_jobs_given_up_job_is_dead_and_kept_with_its_error(store: Store) -> None:
    store.schedule_job(job("webhook:1"))
    [claimed] = store.claim_due_jobs(NOW, LEASE)
    assert store.give_up_job("webhook:1", claimed.lease, "unknown event", NOW + dt.timedelta(seconds=5)) is True

    state = store.job("webhook:1")
    assert state is not None
    assert (state.state, state.attempts, state.last_error) == ("dead", 1, "unknown event")
    assert state.finished_at == NOW + dt.timedelta(seconds=5)
    assert claim_keys(store, NOW + dt.timedelta(days=1)) == []
    assert store.schedule_job(job("webhook:1")) is False
    assert store.finish_job("webhook:1", claimed.lease, NOW) is False
    assert store.prune_jobs(NOW + dt.timedelta(days=30)) == 0  # dead jobs stay for staff to see


def test_store_jobs_reschedule_moves_only_a_pending_job_no_run_holds(store: Store) -> None:
    later = NOW + dt.timedelta(hours=2)
    assert store.reschedule_job("recordings:VC-404", later, NOW) is False
    store.schedule_job(job("recordings:VC-1", NOW + dt.timedelta(hours=1)))
    assert store.reschedule_job("recordings:VC-1", NOW, NOW) is True  # the meeting ended early
    state = store.job("recordings:VC-1")
    assert state is not None and state.job.due_at == NOW

    [held] = store.claim_due_jobs(NOW, LEASE)
    assert store.reschedule_job("recordings:VC-1", later, NOW + dt.timedelta(minutes=1)) is False  # running now
    # Its holder died: the lapsed lease is cleared, so the late holder can no longer mark the moved job.
    assert store.reschedule_job("recordings:VC-1", later, NOW + LEASE) is True
    assert store.finish_job("recordings:VC-1", held.lease, NOW + LEASE) is False
    state = store.job("recordings:VC-1")
    assert state is not None and state.job.due_at == later and state.leased_until is None
    assert claim_keys(store, later - dt.timedelta(seconds=1)) == []
    assert claim_keys(store, later) == ["recordings:VC-1"]


def test_store_jobs_concurrent_claims_never_hand_out_a_job_twice(store: Store) -> None:
    for n in range(30):
        store.schedule_job(job(f"webhook:{n:02d}", NOW - dt.timedelta(seconds=n)))

    def claim_until_none(_: int) -> list[ClaimedJob]:
        claimed: list[ClaimedJob] = []
        while batch := store.claim_due_jobs(NOW, LEASE, limit=7):
            claimed += batch
        return claimed

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(claim_until_none, range(2)))

    keys = [claimed.job.key for run in runs for claimed in run]
    assert sorted(keys) == [f"webhook:{n:02d}" for n in range(30)]  # each once, all of them
    assert all(claimed.claims == 1 for run in runs for claimed in run)
    assert all(store.finish_job(claimed.job.key, claimed.lease, NOW) for run in runs for claimed in run)


def test_store_jobs_claim_fills_the_limit_when_another_claim_takes_some(store: Store) -> None:
    for n in range(12):
        store.schedule_job(job(f"webhook:{n:02d}"))
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda _: store.claim_due_jobs(NOW, LEASE, limit=4), range(3)))
    keys = [claimed.job.key for run in runs for claimed in run]
    assert sorted(keys) == [f"webhook:{n:02d}" for n in range(12)]


def test_store_jobs_prune_forgets_only_done_jobs_finished_before(store: Store) -> None:
    day = dt.timedelta(days=1)
    for key in ["old", "recent", "dead", "pending", "claimed"]:
        store.schedule_job(job(key, NOW - 10 * day, request_id="VC-1"))
    claimed = {c.job.key: c for c in store.claim_due_jobs(NOW - 10 * day, LEASE, kinds=["webhook"])}
    store.finish_job("old", claimed["old"].lease, NOW - 8 * day)
    store.finish_job("recent", claimed["recent"].lease, NOW - 1 * day)
    store.give_up_job("dead", claimed["dead"].lease, "broken", NOW - 8 * day)
    store.retry_job("pending", claimed["pending"].lease, "later", NOW + day)

    assert store.prune_jobs(NOW - 7 * day) == 1
    assert store.job("old") is None
    assert [s.job.key for s in store.jobs_by_request("VC-1")] == ["claimed", "dead", "recent", "pending"]
    assert store.prune_jobs(NOW - 7 * day) == 0
    assert store.schedule_job(job("old")) is True  # forgotten: the key is free again


def test_store_jobs_payload_and_awkward_keys_round_trip(store: Store) -> None:
    payload = {
        "event": "recording.completed",
        "payload": {"object": {"topic": "Rapat Dinas Kesehatan — évaluasi 第1回 🎥", "files": [[1, 2.5], [], None]}},
        "a.b/c": {"__name__": True, "": "kosong"},
        "count": 2**40,
    }
    keys = ["webhook:" + "f" * 64, "recordings/VC-2026-000001", "x/" * 800, "ümlaut key"]
    for key in keys:
        assert store.schedule_job(job(key, payload=payload, request_id="VC-2026-000001")) is True
        assert store.schedule_job(job(key)) is False
    for key in keys:
        state = store.job(key)
        assert state is not None and state.job.key == key and state.job.payload == payload
    claimed = store.claim_due_jobs(NOW, LEASE)
    assert sorted(c.job.key for c in claimed) == sorted(keys)
    assert all(c.job.payload == payload for c in claimed)
    assert all(store.finish_job(c.job.key, c.lease, NOW) for c in claimed)
    with pytest.raises(ValueError):
        store.schedule_job(job("bad", payload={"when": NOW}))
    assert store.job("bad") is None


# ---- Firestore: a commit applied whose answer was lost -------------------------------------------------------


class _CommitTwice:
    """Firestore's API, except that every commit is sent twice: the first is applied and its answer lost, the
    second is the client library's retry of it. What the caller sees is the retry's answer."""

    def __init__(self, api: object) -> None:
        self._api = api

    def __getattr__(self, name: str) -> object:
        return getattr(self._api, name)

    def commit(self, *args: object, **kwargs: object) -> object:
        self._api.commit(*args, **kwargs)  # type: ignore[attr-defined]
        return self._api.commit(*args, **kwargs)  # type: ignore[attr-defined]


@pytest.fixture
def lost_answer_firestore(firestore_emulator: str) -> Store:
    import os
    import uuid

    from google.cloud import firestore

    from tests.firestore_emulator import PROJECT
    from vicon.store.firestore import FirestoreStore

    os.environ["FIRESTORE_EMULATOR_HOST"] = firestore_emulator
    client = firestore.Client(project=PROJECT)
    client._firestore_api_internal = _CommitTwice(client._firestore_api)
    return FirestoreStore(project=PROJECT, client=client, collection_prefix=f"t{uuid.uuid4().hex[:10]}_")


@pytest.mark.firestore
def test_firestore_create_and_transition_after_a_lost_commit_answer_succeed_once(lost_answer_firestore: Store) -> None:
    store = lost_answer_firestore
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu")])
    assert [e.mail.subject for e in store.pending_mail("VC-1")] == ["satu"]

    approved = store.transition("VC-1", ["submitted"], "approved", audit("VC-1", "approved", "submitted"))
    assert approved.status == "approved"
    updated = store.update_request("VC-1", RequestChanges(decision_reason="x"))
    assert updated.decision_reason == "x"
    saved = store.get_request("VC-1")
    assert saved is not None and saved.status == "approved" and saved.decision_reason == "x"
    assert [item.status for item in saved.history] == ["submitted", "approved"]
    # Someone else's write is still refused, lost answer or not.
    with pytest.raises(TransitionRefused):
        store.transition("VC-1", ["submitted"], "rejected", audit("VC-1", "rejected", "submitted"))


@pytest.mark.firestore
def test_firestore_claim_reads_only_due_entries(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Finding: the claim streamed every pending entry and filtered in Python; a backlog of mail not yet due
    # (backing off) was read in full by every tick. The query itself must select due entries and stop at the limit.
    from google.cloud.firestore_v1.query import Query

    store = make_store("firestore", tmp_path, request)
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail(f"m{n}") for n in range(12)])
    for entry in store.claim_due_mail(NOW, dt.timedelta(minutes=5), 10):
        store.mail_failed(entry.id, entry.lease or "", "down", NOW + dt.timedelta(hours=1))  # ten back off
    streamed: list[str] = []
    original = Query.stream

    def counting_stream(self: Query, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for snapshot in original(self, *args, **kwargs):
            streamed.append(snapshot.id)
            yield snapshot

    monkeypatch.setattr(Query, "stream", counting_stream)
    claimed = store.claim_due_mail(NOW + dt.timedelta(minutes=10), dt.timedelta(minutes=5), 1)
    assert len(claimed) == 1
    assert streamed == [claimed[0].id]


@pytest.mark.firestore
def test_firestore_jobs_after_a_lost_commit_answer_succeed_once(lost_answer_firestore: Store) -> None:
    store = lost_answer_firestore
    assert store.schedule_job(job("webhook:1", request_id="VC-1")) is True  # our create, retried: still ours
    assert store.schedule_job(job("webhook:1")) is False
    assert [s.job.key for s in store.jobs_by_request("VC-1")] == ["webhook:1"]

    [first] = store.claim_due_jobs(NOW, LEASE)  # the claim whose retry was refused is still ours
    assert store.retry_job("webhook:1", first.lease, "down", NOW + dt.timedelta(minutes=1)) is True
    [second] = store.claim_due_jobs(NOW + dt.timedelta(minutes=1), LEASE)
    assert (second.attempts, second.claims) == (1, 2)
    assert store.finish_job("webhook:1", second.lease, NOW + dt.timedelta(minutes=2)) is True
    state = store.job("webhook:1")
    assert state is not None and (state.state, state.attempts, state.claims) == ("done", 1, 2)

    store.schedule_job(job("webhook:2", NOW + dt.timedelta(hours=1)))
    assert store.reschedule_job("webhook:2", NOW, NOW) is True
    [third] = store.claim_due_jobs(NOW, LEASE)
    assert store.give_up_job("webhook:2", third.lease, "broken", NOW) is True
    state = store.job("webhook:2")
    assert state is not None and (state.state, state.last_error) == ("dead", "broken")


@pytest.mark.firestore
def test_firestore_job_claim_reads_only_claimable_jobs(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A backlog of jobs not yet due (reminders days ahead, retries backing off) must not be read by every tick.
    from google.cloud.firestore_v1.query import Query

    store = make_store("firestore", tmp_path, request)
    for n in range(10):
        store.schedule_job(job(f"reminder:{n}", NOW + dt.timedelta(days=1), "reminder"))
    store.schedule_job(job("webhook:due"))
    store.schedule_job(job("webhook:also-due"))
    streamed: list[str] = []
    original = Query.stream

    def counting_stream(self: Query, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for snapshot in original(self, *args, **kwargs):
            streamed.append(snapshot.get("key"))
            yield snapshot

    monkeypatch.setattr(Query, "stream", counting_stream)
    assert claim_keys(store, limit=1) == ["webhook:also-due"]
    assert streamed == ["webhook:also-due"]
