"""The two signed links around recordings: staff deciding on one made without consent, and the organiser's
downloads until the retention deletion. GETs change nothing; the decision is a POST from the page's buttons.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from vicon.messages import format_size
from vicon.ports import AuditEntry, BlobNotFound, Blobs, Job, Jobs, RequestNotFound, RequestStore
from vicon.records import ArchivedFile, RecordingDecision, RequestChanges, RequestRecord
from vicon.settings import Settings
from vicon.signing import Signer
from vicon.usecases.access import Refused, authorised_request
from vicon.usecases.jobs import RequestJob
from vicon.usecases.recordings import CONTENT_TYPES, RECORDINGS, deletion_time

STREAM_CHUNK = 1024 * 1024
FILE_LABELS = {
    "MP4": "Video",
    "M4A": "Audio",
    "TRANSCRIPT": "Transkrip",
    "CHAT": "Obrolan (chat)",
    "CC": "Teks (caption)",
    "CSV": "Data polling",
    "SUMMARY": "Ringkasan",
}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RecordingDecisionLink:
    """A staff member (operator or supervisor) decides: archive under the retention policy, or delete now."""

    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        requests: RequestStore,
        jobs: Jobs,
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.jobs = jobs
        self.page = page
        self.clock = clock

    def _staff(self) -> tuple[str, ...]:
        return (*self.settings.operator_emails, *self.settings.supervisor_emails)

    def confirmation_page(self, token: str) -> str:
        link = authorised_request(self.signer, self.requests, self.clock, token, "recording", self._staff())
        return self.page(
            "pages/recording_decision.html",
            request=link.record,
            token=token,
            retention_days=self.settings.recording_retention_days,
        )

    def decide(self, token: str, decision: str) -> RequestRecord:
        link = authorised_request(self.signer, self.requests, self.clock, token, "recording", self._staff())
        try:
            chosen = RecordingDecision(decision)
        except ValueError:
            raise Refused(422, "Pilih tombol Simpan atau Hapus.", "decision") from None
        now = self.clock()
        decided = False

        def decide_once(current: RequestRecord) -> RequestChanges | None:
            nonlocal decided
            decided = current.recording_decision is None
            return RequestChanges(recording_decision=chosen, recording_decided_by=link.person) if decided else None

        record = self.requests.modify_request(link.record.id, decide_once)
        if not decided:
            raise Refused(409, "Rekaman ini sudah diputuskan sebelumnya; tidak ada yang diubah.")
        self.requests.record_audit(
            AuditEntry(record.id, now, link.person, f"recording_{chosen.value}", None, None, {"decision": chosen.value})
        )
        # The recordings job carries the decision out: downloads take longer than a page may wait.
        self.jobs.schedule_job(
            Job(
                f"{RECORDINGS}:{record.id}:decision",
                RECORDINGS,
                now,
                RequestJob(request_id=record.id).payload(),
                record.id,
            )
        )
        return record


@dataclass(frozen=True)
class FileDownload:
    filename: str
    content_type: str
    size: int
    status: int  # 200, or 206 for a range
    content_range: str | None
    chunks: Iterator[bytes]


class RecordingFiles:
    """The organiser's page of archived files and each file's download, valid until the retention deletion."""

    def __init__(
        self,
        settings: Settings,
        signer: Signer,
        requests: RequestStore,
        blobs: Blobs,
        file_url: Callable[[str, str], str],
        page: Callable[..., str],
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.settings = settings
        self.signer = signer
        self.requests = requests
        self.blobs = blobs
        self.file_url = file_url
        self.page = page
        self.clock = clock

    def _record(self, token: str) -> RequestRecord:
        claims = self.signer.verify(token, "recordings", self.clock())
        request_id = str(claims["r"])
        record = self.requests.get_request(request_id)
        if record is None:
            raise RequestNotFound(request_id)
        return record

    def listing(self, token: str) -> str:
        record = self._record(token)
        files = [
            {
                "url": self.file_url(token, file.file_id),
                "label": f"{FILE_LABELS.get(file.file_type, file.file_type)} ({file.file_extension.upper()})",
                "size": format_size(file.size),
            }
            for file in record.recordings
        ]
        return self.page(
            "pages/recordings.html", request=record, files=files, deletion_at=deletion_time(self.settings, record)
        )

    def download(self, token: str, file_id: str, range_header: str | None) -> FileDownload:
        """One archived file, whole or the byte range asked for; Refused 404/416 for what cannot be served."""
        record = self._record(token)
        found = [file for file in record.recordings if file.file_id == file_id]
        if not found:
            raise Refused(404, "Berkas rekaman tidak ditemukan (mungkin sudah dihapus sesuai masa simpan).", "file")
        file = found[0]
        first, last = _byte_range(range_header, file.size)
        try:
            chunks = self._read(file, first, last)
            next(chunks)  # opens the blob now: a missing one is a 404 before any header is sent
        except BlobNotFound:
            raise Refused(404, "Berkas rekaman tidak ada di penyimpanan; hubungi admin Vicon.", "file") from None
        partial = range_header is not None and (first, last) != (0, file.size - 1)
        index = record.recordings.index(file) + 1
        return FileDownload(
            filename=f"rekaman-{record.id}-{index}.{file.file_extension}",
            content_type=CONTENT_TYPES.get(file.file_extension, "application/octet-stream"),
            size=last - first + 1 if file.size else 0,
            status=206 if partial else 200,
            content_range=f"bytes {first}-{last}/{file.size}" if partial else None,
            chunks=chunks,
        )

    def _read(self, file: ArchivedFile, first: int, last: int) -> Iterator[bytes]:
        with self.blobs.open(file.blob_key) as reader:
            yield b""
            if first:
                reader.seek(first)
            left = last - first + 1
            while left > 0:
                chunk = reader.read(min(STREAM_CHUNK, left))
                if not chunk:
                    return
                left -= len(chunk)
                yield chunk


def _byte_range(header: str | None, size: int) -> tuple[int, int]:
    """(first, last) byte of a single `Range: bytes=…`; the whole file without one (or for several ranges)."""
    whole = (0, max(size - 1, 0))
    if header is None or "," in header:
        return whole
    matched = _RANGE.fullmatch(header.strip())
    if matched is None or matched.group(1) == matched.group(2) == "":
        return whole
    start, end = matched.groups()
    if start == "":  # the last N bytes
        count = int(end)
        if count == 0:
            raise RangeNotSatisfiable(size)
        return max(size - count, 0), size - 1
    first = int(start)
    last = min(int(end), size - 1) if end else size - 1
    if first >= size or last < first:
        raise RangeNotSatisfiable(size)
    return first, last


class RangeNotSatisfiable(Refused):
    def __init__(self, size: int) -> None:
        super().__init__(416, "Rentang byte yang diminta di luar ukuran berkas.", "Range")
        self.size = size
