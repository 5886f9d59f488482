"""The survey's store contract on every adapter: one answer per request by compare-and-set, the survey fields read
back as written, the quarter's requests by event date, and mails about no one request queued once per key."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from tests.report_data import request, store_records
from tests.test_store_contract import NOW, audit, mail, record
from vicon.lifecycle import Status
from vicon.ports import Store
from vicon.quarters import Quarter
from vicon.records import RequestChanges, RequestRecord, SurveyResponse
from vicon.reporting.facts import gather
from vicon.settings import Settings


def answer(score: int) -> SurveyResponse:
    return SurveyResponse(scores=(score,) * 9, usia="25_34", comment=f"jawaban {score}", submitted_at=NOW)


def test_of_concurrent_survey_answers_exactly_one_is_stored(store: Store) -> None:
    store.create_request(record("VC-1", NOW, status="completed"), audit("VC-1", "completed"), [])
    won: list[int] = []

    def submit(score: int) -> None:
        def change(current: RequestRecord) -> RequestChanges | None:
            return None if current.survey is not None else RequestChanges(survey=answer(score))

        stored = store.modify_request("VC-1", change)
        if stored.survey is not None and stored.survey.scores[0] == score:
            won.append(score)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(submit, (1, 2, 3, 4)))
    saved = store.get_request("VC-1")
    assert saved is not None and saved.survey is not None
    assert won == [saved.survey.scores[0]]
    assert saved.survey == answer(saved.survey.scores[0])


def test_survey_mail_times_round_trip(store: Store) -> None:
    store.create_request(record("VC-1", NOW, status="completed"), audit("VC-1", "completed"), [])
    store.update_request("VC-1", RequestChanges(survey_mailed_at=NOW, survey_reminded_at=NOW + dt.timedelta(days=3)))
    saved = store.get_request("VC-1")
    assert saved is not None and saved.survey_mailed_at == NOW and saved.survey is None
    assert saved.survey_reminded_at == NOW + dt.timedelta(days=3)


def test_a_quarter_is_gathered_by_event_date_in_the_office_zone(store: Store) -> None:
    tz = Settings().tz
    # 30 June 23.30 WIB is 16.30 UTC: still the second quarter; 1 July 00.30 WIB is the third.
    june = dt.datetime(2026, 6, 30, 16, 30, tzinfo=dt.UTC)
    july = dt.datetime(2026, 6, 30, 17, 30, tzinfo=dt.UTC)
    made = june - dt.timedelta(days=5)
    first_record = request("VC-2026-000001", june, decided_at=made, provisioned_at=made, scores=[4] * 9)
    store_records(store, [first_record, request("VC-2026-000002", july)])
    third = gather(store, Quarter(2026, 3), tz)
    assert [r.id for r in third.requests] == ["VC-2026-000002"] and third.complaints is None
    second = gather(store, Quarter(2026, 2), tz, complaints=lambda start, end: [])
    assert [r.id for r in second.requests] == ["VC-2026-000001"] and second.complaints == ()
    [first] = second.requests
    assert first.survey is not None and first.survey.scores == (4,) * 9 and first.provisioned_at is not None


def test_mails_about_no_request_are_queued_once_per_key(store: Store) -> None:
    mails = [mail("laporan satu"), mail("laporan dua")]
    assert store.queue_mail_once("report:2026Q3", mails, NOW)
    assert not store.queue_mail_once("report:2026Q3", [mail("lagi")], NOW)
    assert store.queue_mail_once("report:2026Q4", [mail("berikutnya")], NOW)
    pending = store.pending_mail()
    assert sorted(e.mail.subject for e in pending) == ["berikutnya", "laporan dua", "laporan satu"]
    assert {e.request_id for e in pending} == {None}
    claimed = store.claim_due_mail(NOW, dt.timedelta(minutes=5))
    assert len(claimed) == 3 and store.mail_sent(claimed[0].id, claimed[0].lease or "")


def test_mails_about_a_request_are_queued_once_per_key_in_its_history(store: Store) -> None:
    store.create_request(record("VC-2026-000003", NOW, status="provisioned"), audit("VC-2026-000003", "x"), [])
    told = [mail("polling ditolak")]
    assert store.queue_mail_once("polls_failed:VC-2026-000003", told, NOW, request_id="VC-2026-000003")
    assert not store.queue_mail_once("polls_failed:VC-2026-000003", told, NOW, request_id="VC-2026-000003")
    [entry] = store.pending_mail("VC-2026-000003")
    assert entry.mail.subject == "polling ditolak" and entry.request_id == "VC-2026-000003"
    assert [e.mail.subject for e in store.mail_history("VC-2026-000003")] == ["polling ditolak"]


def test_the_reported_projection_reads_what_whole_records_say(store: Store) -> None:
    from tests.report_data import synthetic

    quarter = Quarter(2026, 3)
    made = synthetic(40, quarter, seed=2)
    store_records(store, made)
    bounds = quarter.bounds(Settings().tz)
    whole = store.requests_starting_between(*bounds)
    projected = store.reported_requests_between(*bounds)
    assert [r.id for r in projected] == [r.id for r in whole] and len(whole) == 40
    for full, seen in zip(whole, projected, strict=True):
        # The history is read only for when the request was first provisioned.
        first = [item.at for item in full.history if item.status == Status.PROVISIONED][:1]
        assert [seen.provisioned_at] == first if first else seen.provisioned_at is None
        for name in set(type(seen).model_fields) - {"provisioned_at"}:
            mine, theirs = getattr(seen, name), getattr(full, name)
            if name == "meeting":
                assert (mine.host if mine else None) == (theirs.host if theirs else None)
            elif name in ("recordings", "deleted_recordings"):
                assert [f.size for f in mine] == [f.size for f in theirs]
            else:
                assert mine == theirs, name
        assert seen.office_label() == full.office_label()
