"""The store ports of the staff console (sessions, single-use sign-in links, the queue, the mail history), one suite
run against SQLite and the Firestore emulator (decision 0030)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from tests.test_store_contract import NOW, audit, mail, record
from vicon.mailing import MAIL_LEASE
from vicon.ports import Store

HOUR = dt.timedelta(hours=1)


def test_store_sessions_are_created_read_and_ended(store: Store) -> None:
    store.create_session("h1", "verifikator@diskominfo.example", NOW, NOW + 12 * HOUR)
    session = store.get_session("h1")
    assert session is not None
    assert (session.token_hash, session.email) == ("h1", "verifikator@diskominfo.example")
    assert (session.created_at, session.expires_at) == (NOW, NOW + 12 * HOUR)
    assert store.get_session("h2") is None
    assert store.get_session("") is None
    store.end_session("h1")
    assert store.get_session("h1") is None
    store.end_session("h1")  # ending a missing session is fine
    store.end_session("tidak-ada")


def test_store_keeps_sessions_until_they_are_ended_and_an_expired_one_reads_as_stored(store: Store) -> None:
    store.create_session("lama", "a@diskominfo.example", NOW - 13 * HOUR, NOW - HOUR)
    store.create_session("baru", "b@diskominfo.example", NOW, NOW + 12 * HOUR)
    current = store.get_session("baru")
    assert current is not None and current.email == "b@diskominfo.example"
    old = store.get_session("lama")
    # An adapter may forget a session that expired before a newer one began; if it keeps it, it is as stored.
    assert old is None or old.expires_at == NOW - HOUR


def test_store_a_sign_in_nonce_is_consumed_once(store: Store) -> None:
    expires = NOW + dt.timedelta(minutes=15)
    assert store.consume_login("nonce-1", expires, NOW) is True
    assert store.consume_login("nonce-1", expires, NOW) is False
    assert store.consume_login("nonce-2", expires, NOW) is True
    assert store.consume_login("a/b c?", expires, NOW) is True  # any text


def test_store_concurrent_consumptions_of_one_nonce_let_exactly_one_win(store: Store) -> None:
    expires = NOW + dt.timedelta(minutes=15)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.consume_login("nonce-x", expires, NOW), range(16)))
    assert results.count(True) == 1


def test_store_mail_history_keeps_every_mail_of_a_request_in_every_state(store: Store) -> None:
    store.create_request(record("VC-1", NOW), audit("VC-1", "submitted"), [mail("satu"), mail("dua"), mail("tiga")])
    store.create_request(record("VC-2", NOW), audit("VC-2", "submitted"), [mail("lain")])
    later = NOW + dt.timedelta(minutes=5)
    store.record_audit(audit("VC-1", "submitted", at=later), [mail("empat")])
    claimed = {entry.mail.subject: entry for entry in store.claim_due_mail(NOW + HOUR, MAIL_LEASE, 10, "VC-1")}
    assert store.mail_sent(claimed["satu"].id, claimed["satu"].lease or "")
    assert store.mail_dead(claimed["dua"].id, claimed["dua"].lease or "", "550 ditolak", NOW + HOUR)
    assert store.mail_failed(claimed["tiga"].id, claimed["tiga"].lease or "", "421 sibuk", NOW + 2 * HOUR)
    history = store.mail_history("VC-1")
    assert [entry.mail.subject for entry in history][-1] == "empat"  # oldest queued first
    by_subject = {entry.mail.subject: entry for entry in history}
    assert set(by_subject) == {"satu", "dua", "tiga", "empat"}
    assert {subject: entry.state for subject, entry in by_subject.items()} == {
        "satu": "sent",
        "dua": "dead",
        "tiga": "pending",
        "empat": "pending",
    }
    assert all(entry.request_id == "VC-1" for entry in history)
    assert by_subject["satu"].queued_at == NOW and by_subject["empat"].queued_at == later
    assert by_subject["satu"].sent_at == NOW + HOUR  # the claim that led to the send
    assert by_subject["dua"].sent_at is None and by_subject["dua"].last_error == "550 ditolak"
    assert by_subject["tiga"].attempts == 1 and by_subject["tiga"].last_error == "421 sibuk"
    assert by_subject["satu"].mail.attachments[0].blob_key == "letters/x.pdf"
    assert store.mail_history("VC-404") == []


def test_store_queue_filters_by_status_office_and_start_in_order(store: Store) -> None:
    day = dt.timedelta(days=1)
    rows = [
        ("VC-3", NOW + 2 * day, "submitted", "Dinas Kesehatan"),
        ("VC-1", NOW, "submitted", "Dinas Kesehatan"),
        ("VC-2", NOW, "approved", "Dinas Pendidikan"),
        ("VC-4", NOW + 3 * day, "submitted", "Lainnya"),
    ]
    for request_id, start, status, opd in rows:
        store.create_request(record(request_id, start, status=status, opd=opd), audit(request_id, status), [])

    def ids(*args: object, **kwargs: object) -> list[str]:
        return [found.id for found in store.queue_requests(*args, **kwargs)]  # type: ignore[arg-type]

    assert ids(None, None, None, None, 10) == ["VC-1", "VC-2", "VC-3", "VC-4"]  # by start, then id
    assert ids("submitted", None, None, None, 10) == ["VC-1", "VC-3", "VC-4"]
    assert ids(None, "Dinas Kesehatan", None, None, 10) == ["VC-1", "VC-3"]
    assert ids("submitted", "Lainnya", None, None, 10) == ["VC-4"]
    assert ids(None, None, NOW + day, None, 10) == ["VC-3", "VC-4"]
    assert ids(None, None, NOW, NOW + 2 * day, 10) == ["VC-1", "VC-2"]  # the end is open
    assert ids(None, None, None, None, 2) == ["VC-1", "VC-2"]
    assert ids("rejected", None, None, None, 10) == []
    assert ids(None, None, None, None, 10, lambda found: found.id in ("VC-2", "VC-4")) == ["VC-2", "VC-4"]


def test_store_queue_reads_past_a_page_until_enough_match(store: Store) -> None:
    # More requests than one page of the adapter's reads, with the matching ones far apart.
    total = 450
    for n in range(total):
        request_id = f"VC-{n:04d}"
        start = NOW + dt.timedelta(minutes=n // 2)  # two requests per start: ties ordered by id
        store.create_request(record(request_id, start), audit(request_id, "submitted"), [])
    every = store.queue_requests(None, None, None, None, 1000)
    assert [found.id for found in every] == [f"VC-{n:04d}" for n in range(total)]
    sparse = store.queue_requests(None, None, None, None, 3, lambda found: found.id.endswith("7"))
    assert [found.id for found in sparse] == ["VC-0007", "VC-0017", "VC-0027"]
    late = store.queue_requests(None, None, None, None, 5, lambda found: int(found.id[3:]) >= 440)
    assert [found.id for found in late] == [f"VC-{n:04d}" for n in range(440, 445)]
