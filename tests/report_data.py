"""Requests as the service records them over a quarter, for the report's tests, its benchmark and the README's
screenshot: `request(...)` builds one exactly as told, `synthetic(...)` many from a seed (the same seed, the same
records).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from vicon import skm
from vicon.lifecycle import Status
from vicon.quarters import Quarter
from vicon.records import RequestRecord
from vicon.settings import DEFAULT_OPD_LIST, load_opd_list

WIB = ZoneInfo("Asia/Jakarta")
HOSTS = ("host-besar@vicon.example", "host-kecil@vicon.example", "host-tiga@vicon.example")
VERIFIER = "verifikator@diskominfo.example"


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).astimezone(dt.UTC)


def request(
    request_id: str,
    start: dt.datetime,
    status: str = Status.COMPLETED,
    *,
    opd: str = "Dinas Kesehatan",
    created_at: dt.datetime | None = None,
    decided_at: dt.datetime | None = None,
    provisioned_at: dt.datetime | None = None,
    hours: float = 2,
    host: str = HOSTS[0],
    scores: Sequence[int] | None = None,
    **fields: Any,
) -> RequestRecord:
    """One request: its history follows from the times given (submitted, decided, provisioned, then its status)."""
    end = start + dt.timedelta(hours=hours)
    created = created_at or start - dt.timedelta(days=5)
    history = [{"status": Status.SUBMITTED, "at": created, "actor": "pemohon@example.go.id"}]
    if decided_at is not None:
        decision = Status.REJECTED if status == Status.REJECTED else Status.APPROVED
        history.append({"status": decision, "at": decided_at, "actor": VERIFIER})
    if provisioned_at is not None:
        history.append({"status": Status.PROVISIONED, "at": provisioned_at, "actor": "sistem"})
    if status not in (Status.SUBMITTED, Status.APPROVED, Status.PROVISIONED, Status.REJECTED):
        history.append({"status": status, "at": end, "actor": "sistem"})
    meeting = None
    if provisioned_at is not None:
        meeting = {
            "id": 81000000000 + int(request_id[-6:]),
            "uuid": f"uuid-{request_id}==",
            "host": host,
            "join_url": "https://zoom.example/j/1",
            "passcode": "abc123",
            "start": start,
            "end": end,
        }
    survey = None
    if scores is not None:
        survey = {"scores": list(scores), "submitted_at": end + dt.timedelta(hours=3)}
        survey.update({key: fields.pop(key) for key in (*skm.PROFILE_KEYS, "comment") if key in fields})
    data: dict[str, Any] = {
        "id": request_id,
        "status": status,
        "created_at": created,
        "opd": opd,
        "event_name": f"Rapat {request_id}",
        "event_type": "rapat_koordinasi",
        "start": start,
        "end": end,
        "participant_count": 40,
        "participants": ["Peserta"],
        "speakers": "Kepala Dinas",
        "contact_name": "Budi",
        "contact_phone": "+6281234567890",
        "contact_email": "budi@dinkes.example.go.id",
        "letter_number": "005/1/2026",
        "letter_date": (start - dt.timedelta(days=7)).date(),
        "letter": {"key": f"letters/{request_id}.pdf", "size": 100, "sha256": "0" * 64},
        "meeting": meeting,
        "history": history,
        "decided_by": VERIFIER if decided_at else None,
        "decided_at": decided_at,
        "survey": survey,
    }
    if status == Status.COMPLETED:
        data.update(actual_start=start, actual_end=end)
    data.update(fields)
    return RequestRecord.model_validate(data)


def _working_days(quarter: Quarter) -> list[dt.date]:
    day, days = quarter.first_day, []
    while day <= quarter.last_day:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


STATUSES = (
    (Status.COMPLETED, 78),
    (Status.REJECTED, 7),
    (Status.CANCELLED, 8),
    (Status.PROVISIONED, 4),
    (Status.PROVISIONING_FAILED, 1),
    (Status.SUBMITTED, 2),
)
COMMENTS = (
    "Pelayanan cepat, terima kasih.",
    "Mohon tautan dikirim lebih awal.",
    "Petugas sangat membantu saat breakout room.",
    "Suara narasumber sempat putus; mohon dicek jaringannya.",
)


def synthetic(count: int, quarter: Quarter, seed: int = 11, first_number: int = 1) -> list[RequestRecord]:
    """`count` requests with events in `quarter`: the office's mix of statuses, steps, meetings, recordings, surveys."""
    rng = random.Random(seed)
    offices = load_opd_list(DEFAULT_OPD_LIST)
    weights = [1 / (rank + 1) for rank in range(len(offices))]  # a few offices ask most
    days = _working_days(quarter)
    statuses = [status for status, _ in STATUSES]
    shares = [share for _, share in STATUSES]
    records = []
    for n in range(count):
        request_id = f"VC-{quarter.year}-{first_number + n:06d}"
        start = local(rng.choice(days), rng.choice((8, 9, 10, 13, 14)))
        status = rng.choices(statuses, shares)[0]
        created = start - dt.timedelta(days=rng.randint(3, 12), hours=rng.randint(0, 6))
        decided = (
            None if status == Status.SUBMITTED else created + dt.timedelta(hours=rng.choice((1, 2, 4, 20, 30, 50)))
        )
        provisioned = None
        if decided is not None and status not in (Status.REJECTED, Status.PROVISIONING_FAILED):
            provisioned = decided + dt.timedelta(seconds=rng.choice((3, 5, 8, 40, 3600 * 30)))
        fields: dict[str, Any] = {
            "event_type": rng.choice(("rapat_koordinasi", "sosialisasi", "pelatihan", "pertemuan_resmi", "lainnya")),
            "needs": rng.sample(("breakout_room", "recording", "live_streaming", "polling"), rng.randint(0, 2)),
        }
        scores = None
        if status == Status.COMPLETED:
            fields["attendance_participants"] = rng.randint(10, 250)
            fields["attendance_minutes"] = fields["attendance_participants"] * rng.randint(60, 150)
            if rng.random() < 0.3:
                size = rng.randint(50, 500) * 10**6
                archived = {
                    "file_id": f"f-{n}",
                    "meeting_uuid": f"uuid-{request_id}==",
                    "file_type": "MP4",
                    "file_extension": "mp4",
                    "size": size,
                    "sha256": "ab" * 32,
                    "blob_key": f"recordings/{request_id}/f-{n}.mp4",
                    "archived_at": start + dt.timedelta(hours=4),
                }
                if rng.random() < 0.5:
                    fields["deleted_recordings"] = [
                        {
                            **{k: archived[k] for k in ("file_id", "blob_key", "size", "sha256")},
                            "deleted_at": start + dt.timedelta(days=30),
                        }
                    ]
                    fields["recordings_deleted_at"] = start + dt.timedelta(days=30)
                else:
                    fields["recordings"] = [archived]
            if rng.random() < 0.6:
                scores = [rng.choices((2, 3, 4), (1, 6, 5))[0] for _ in skm.ELEMENTS]
                fields["jenis_kelamin"] = rng.choice(("laki_laki", "perempuan", "")) or None
                fields["usia"] = rng.choice(("25_34", "35_44", "45_54", None))
                fields["pendidikan"] = rng.choice(("d4_s1", "s2", "sma", None))
                fields["pekerjaan"] = rng.choice(("pns", "pns", "pppk", None))
                if rng.random() < 0.1:
                    fields["comment"] = rng.choice(COMMENTS)
        records.append(
            request(
                request_id,
                start,
                status,
                opd=rng.choices(offices, weights)[0],
                created_at=created,
                decided_at=decided,
                provisioned_at=provisioned,
                hours=rng.choice((1.5, 2, 3)),
                host=rng.choice(HOSTS),
                scores=scores,
                **fields,
            )
        )
    return records


def store_records(store: object, records: Sequence[RequestRecord]) -> None:
    """Write `records` as the store adapters keep them (`to_stored()`, history and all), many at a time.

    `create_request` starts every history afresh with its audit entry; a quarter's worth of finished requests is
    written here directly instead, in the stored form both adapters read back (tests, the benchmark, screenshots).
    """
    import json

    from vicon.store.firestore import FirestoreStore
    from vicon.store.sqlite import SqliteStore

    if isinstance(store, SqliteStore):
        with store._transaction() as db:
            db.executemany(
                "INSERT INTO requests (id, status, start_at, data) VALUES (?, ?, ?, ?)",
                [(r.id, r.status, r.to_stored()["start"], json.dumps(r.to_stored())) for r in records],
            )
    elif isinstance(store, FirestoreStore):
        for first in range(0, len(records), 400):
            batch = store.client.batch()
            for r in records[first : first + 400]:
                batch.set(store._collection("requests").document(r.id), r.to_stored())
            batch.commit()
    else:
        raise TypeError(f"no bulk write for {type(store).__name__}")
