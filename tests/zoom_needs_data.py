"""A request with the special needs done through Zoom's API (decision 0032), for the template and mail tests.

Built from the records of tests/test_templates.py `records()` by copying, so that table (and the quarterly report
computed over it) stays as it is. The poll's text is hostile: pages and mails must escape it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from vicon.records import LiveStream, RequestPoll, RequestRecord

POLL_QUESTION = "<b>Materi</b> mana yang paling berguna & mengapa?"
POLL_ANSWER = "Perencanaan <i>anggaran</i>"
POLLS = (
    RequestPoll(name=POLL_QUESTION, kind="single", answers=(POLL_ANSWER, "Evaluasi")),
    RequestPoll(name="Topik berikutnya?", kind="multiple", answers=("SPBE", "Keamanan informasi", "Data")),
)
# What provisioning writes when Zoom refuses with a message of its own (quoted as Zoom sent it).
POLLS_REFUSED = "Zoom menolak polling: <b>Invalid</b> question & answer (kode 300)"
STREAM_URL = "rtmps://live.example.com:443/app"
PAGE_URL = "https://www.youtube.example/watch?v=abc&t=1"
STREAM_SET_BY = "petugas@diskominfo.example"


def with_zoom_needs(record: RequestRecord, **fields: Any) -> RequestRecord:
    """`record` asking for breakout rooms (4 preset), polls and a live stream, with `fields` on top."""
    update: dict[str, Any] = {
        "needs": ("breakout_room", "recording", "polling", "live_streaming"),
        "breakout_rooms": 4,
        "polls": POLLS,
        **fields,
    }
    return record.model_copy(update=update)


def live_stream(at: dt.datetime) -> LiveStream:
    return LiveStream(stream_url=STREAM_URL, page_url=PAGE_URL, set_by=STREAM_SET_BY, set_at=at)
