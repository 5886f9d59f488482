"""The Complaints port's contract, on SQLite and on the Firestore emulator (the `store` fixture runs both)."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests import test_store_contract
from tests.test_store_contract import audit as request_audit
from tests.test_store_contract import mail, record
from vicon.ports import AuditEntry, ComplaintAnswered, ComplaintExists, ComplaintNotFound, Store
from vicon.records import ComplaintCategory, ComplaintChannel, ComplaintRecord, ComplaintStatus

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
# The Firestore client whose every commit is applied and its answer lost (the client library then retries it).
lost_answer_firestore = test_store_contract.lost_answer_firestore
OFFICER = "petugas@diskominfo.example"


def complaint(complaint_id: str = "PG-2026-000001", received_at: dt.datetime = NOW, **fields: Any) -> ComplaintRecord:
    return ComplaintRecord.model_validate(
        {
            "id": complaint_id,
            "status": "open",
            "received_at": received_at,
            "channel": "web",
            "category": "pengaduan",
            "message": "Tautan Zoom tidak bisa dibuka.\nMohon dibantu.",
            "name": "Budi",
            "email": "budi@dinkes.example.go.id",
            **fields,
        }
    )


def received(complaint_id: str, actor: str = "budi@dinkes.example.go.id") -> AuditEntry:
    return AuditEntry(complaint_id, NOW, actor, "complaint_submit", None, "open", {"channel": "web"})


def answering(complaint_id: str, by: str = OFFICER, at: dt.datetime = NOW) -> AuditEntry:
    return AuditEntry(complaint_id, at, by, "complaint_answer", "open", "answered", {})


def test_a_complaint_is_stored_with_its_audit_entry_and_mails(store: Store) -> None:
    stored = complaint(phone="+6281234567890", opd="Dinas Kesehatan", request_id="VC-2026-000001")
    store.create_complaint(stored, received("PG-2026-000001"), [mail("tanda terima"), mail("petugas")])

    assert store.get_complaint("PG-2026-000001") == stored
    assert store.get_complaint("PG-2026-000404") is None
    assert store.get_complaint("") is None
    [entry] = store.audit_trail("PG-2026-000001")
    assert (entry.action, entry.actor, entry.to_status, entry.detail) == (
        "complaint_submit",
        "budi@dinkes.example.go.id",
        "open",
        {"channel": "web"},
    )
    assert sorted(e.mail.subject for e in store.pending_mail("PG-2026-000001")) == ["petugas", "tanda terima"]
    assert store.get_request("PG-2026-000001") is None  # a complaint is not a request


def test_creating_the_same_complaint_again_changes_nothing_and_another_under_its_id_is_refused(store: Store) -> None:
    store.create_complaint(complaint(), received("PG-2026-000001"), [mail("satu")])
    store.create_complaint(complaint(), received("PG-2026-000001"), [mail("satu")])  # a retry after a lost answer
    with pytest.raises(ComplaintExists):
        store.create_complaint(complaint(message="lain"), received("PG-2026-000001"), [mail("dua")])
    assert [e.mail.subject for e in store.pending_mail("PG-2026-000001")] == ["satu"]
    assert len(store.audit_trail("PG-2026-000001")) == 1
    saved = store.get_complaint("PG-2026-000001")
    assert saved is not None and saved.message.startswith("Tautan Zoom")


def test_complaint_numbers_are_per_year_apart_from_request_numbers_and_unique_under_concurrency(store: Store) -> None:
    assert store.next_request_number(2026) == 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda _: store.next_complaint_number(2026), range(16)))
    assert sorted(numbers) == list(range(1, 17))
    assert store.next_complaint_number(2027) == 1
    assert store.next_request_number(2026) == 2


def test_answering_closes_the_complaint_with_its_audit_entry_and_mail(store: Store) -> None:
    store.create_complaint(complaint(), received("PG-2026-000001"), [])
    later = NOW + dt.timedelta(days=1, microseconds=123)
    answered = store.answer_complaint(
        "PG-2026-000001", "Sudah kami perbaiki.", OFFICER, later, answering("PG-2026-000001", at=later), [mail("jawab")]
    )
    assert answered.status == ComplaintStatus.ANSWERED
    assert (answered.answer, answered.answered_by) == ("Sudah kami perbaiki.", OFFICER)
    assert answered.answered_at == later.replace(microsecond=0)
    assert store.get_complaint("PG-2026-000001") == answered
    assert [e.action for e in store.audit_trail("PG-2026-000001")] == ["complaint_submit", "complaint_answer"]
    assert store.audit_trail("PG-2026-000001")[1].actor == OFFICER
    assert [e.mail.subject for e in store.pending_mail("PG-2026-000001")] == ["jawab"]


def test_a_second_answer_is_refused_and_changes_nothing(store: Store) -> None:
    store.create_complaint(complaint(), received("PG-2026-000001"), [])
    store.answer_complaint("PG-2026-000001", "Pertama.", OFFICER, NOW, answering("PG-2026-000001"), [mail("satu")])
    with pytest.raises(ComplaintAnswered) as refused:
        store.answer_complaint(
            "PG-2026-000001", "Kedua.", "lain@diskominfo.example", NOW, answering("PG-2026-000001"), [mail("dua")]
        )
    assert refused.value.answered_by == OFFICER
    saved = store.get_complaint("PG-2026-000001")
    assert saved is not None and saved.answer == "Pertama."
    assert len(store.audit_trail("PG-2026-000001")) == 2
    assert [e.mail.subject for e in store.pending_mail("PG-2026-000001")] == ["satu"]
    with pytest.raises(ComplaintNotFound):
        store.answer_complaint("PG-2026-000404", "x", OFFICER, NOW, answering("PG-2026-000404"), [])


def test_of_two_answers_at_once_exactly_one_wins(store: Store) -> None:
    store.create_complaint(complaint(), received("PG-2026-000001"), [])
    officers = [f"petugas{n}@diskominfo.example" for n in range(6)]
    start = threading.Barrier(len(officers))

    def answer(officer: str) -> str:
        start.wait()
        try:
            store.answer_complaint(
                "PG-2026-000001",
                f"Jawaban {officer}",
                officer,
                NOW,
                answering("PG-2026-000001", officer),
                [mail(officer)],
            )
            return officer
        except ComplaintAnswered:
            return ""

    with ThreadPoolExecutor(max_workers=len(officers)) as pool:
        winners = [who for who in pool.map(answer, officers) if who]
    assert len(winners) == 1
    saved = store.get_complaint("PG-2026-000001")
    assert saved is not None and saved.answered_by == winners[0] and saved.answer == f"Jawaban {winners[0]}"
    trail = store.audit_trail("PG-2026-000001")
    assert [(e.action, e.actor) for e in trail][1:] == [("complaint_answer", winners[0])]
    assert [e.mail.subject for e in store.pending_mail("PG-2026-000001")] == winners


def test_complaints_received_between_is_half_open_and_ordered(store: Store) -> None:
    hours = [5, 0, 3, 3, 9]
    for n, hour in enumerate(hours):
        complaint_id = f"PG-2026-00000{n + 1}"
        store.create_complaint(complaint(complaint_id, NOW + dt.timedelta(hours=hour)), received(complaint_id), [])
    found = store.complaints_received_between(NOW, NOW + dt.timedelta(hours=9))
    assert [c.id for c in found] == ["PG-2026-000002", "PG-2026-000003", "PG-2026-000004", "PG-2026-000001"]
    assert store.complaints_received_between(NOW + dt.timedelta(hours=10), NOW + dt.timedelta(days=1)) == []


def test_complaint_and_request_trails_and_mails_stay_apart(store: Store) -> None:
    store.create_request(record("VC-2026-000001", NOW), request_audit("VC-2026-000001", "submitted"), [mail("minta")])
    store.create_complaint(
        complaint(request_id="VC-2026-000001", channel=ComplaintChannel.PHONE, registered_by=OFFICER),
        received("PG-2026-000001", OFFICER),
        [mail("adu")],
    )
    assert [e.action for e in store.audit_trail("VC-2026-000001")] == ["test"]
    assert [e.action for e in store.audit_trail("PG-2026-000001")] == ["complaint_submit"]
    assert [e.mail.subject for e in store.pending_mail("VC-2026-000001")] == ["minta"]
    assert [e.mail.subject for e in store.pending_mail("PG-2026-000001")] == ["adu"]
    saved = store.get_complaint("PG-2026-000001")
    assert saved is not None and (saved.channel, saved.registered_by) == (ComplaintChannel.PHONE, OFFICER)
    assert saved.category == ComplaintCategory.PENGADUAN
    # An audit entry that is no transition (an officer's registration link) has its own subject in the same area.
    store.record_audit(
        AuditEntry("PG-links", NOW, OFFICER, "complaint_register_link", None, None, {}), [mail("tautan")]
    )
    assert [e.actor for e in store.audit_trail("PG-links")] == [OFFICER]
    assert [e.mail.subject for e in store.pending_mail("PG-links")] == ["tautan"]
    assert store.get_complaint("PG-links") is None
    assert [c.id for c in store.complaints_received_between(NOW, NOW + dt.timedelta(days=1))] == ["PG-2026-000001"]


@pytest.mark.firestore
def test_firestore_complaint_writes_after_a_lost_commit_answer_succeed_once(lost_answer_firestore: Store) -> None:
    store = lost_answer_firestore
    store.create_complaint(complaint(), received("PG-2026-000001"), [mail("satu")])
    answered = store.answer_complaint(
        "PG-2026-000001", "Sudah.", OFFICER, NOW, answering("PG-2026-000001"), [mail("jawab")]
    )
    assert answered.status == ComplaintStatus.ANSWERED
    assert sorted(e.mail.subject for e in store.pending_mail("PG-2026-000001")) == ["jawab", "satu"]
    assert len(store.audit_trail("PG-2026-000001")) == 2
    with pytest.raises(ComplaintAnswered):  # someone else's answer is still refused, lost answer or not
        store.answer_complaint("PG-2026-000001", "Lagi.", "lain@x.example", NOW, answering("PG-2026-000001"), [])
