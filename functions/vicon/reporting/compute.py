"""The quarterly evaluation computed from facts: pure functions, exact numbers, every table the report shows.

Nothing here reads a store or a clock: `compute(current, previous, level, now)` is the whole report, so its
numbers are checked against known answers (tests/test_report_compute.py). Numbers are exact (`Fraction`) until a
table cell, where each is rounded half up to the places it is shown with; the HTML and the CSV print the very same
cells, the HTML the Indonesian way, the CSV for machines (vicon.reporting.render).

SLA (SOP item 4): the due times are the SLA clocks' own (`vicon.sla.ServiceLevel`, decision 0031), the ones the
reminders, the escalations to the supervisors, the review page and the staff console use: verification is due 1
working day of office time after the submission, the meeting 1 working day after the decision (never after the
event starts), the whole path 2 working days after the submission (never after the event starts). A step done by
its due time (that moment included) is on time; one done later, or still open after it, is late and listed with
its due time. "Jam kerja" is office time (OFFICE_HOURS on working days, `OfficeClock.office_seconds_between`): a
request submitted on Friday 15.00 and decided on Monday 09.00 took 1 + 1 = 2 working hours with 08.00–16.00.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from vicon import skm
from vicon.fields import COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, EVENT_TYPES, NEEDS
from vicon.lifecycle import STATUS_LABELS, Status
from vicon.numbers import format_decimal, percent, round_half_up
from vicon.quarters import Quarter
from vicon.reporting.facts import ComplaintFacts, QuarterFacts, RequestFacts
from vicon.sla import PROVISION_WITHIN_WORKING_DAYS, VERIFY_WITHIN_WORKING_DAYS, OfficeClock, ServiceLevel

Cell = int | Decimal | str | dt.date | dt.datetime | None
NO_COMPLAINT_DATA = "Belum ada data pengaduan."
NO_NEEDS = "Tanpa kebutuhan khusus"
# Every table of the report, in its order: the CSV export's `table` names (the OpenAPI document lists them).
TABLES = (
    "ringkasan",
    "permohonan-opd",
    "permohonan-status",
    "permohonan-jenis",
    "permohonan-kebutuhan",
    "meeting-opd",
    "meeting-host",
    "sla",
    "sla-terlambat",
    "rekaman",
    "pengaduan",
    "pengaduan-kanal",
    "ikm",
    "ikm-unsur",
    "profil-responden",
    "komentar",
)


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False
    nowrap: bool = False  # short codes (a request number) that must not break


@dataclass(frozen=True)
class Table:
    """One table of the report: the HTML shows it, the CSV export is it."""

    slug: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class SlaStep:
    key: str
    name: str
    working_days: int
    done: int  # finished, on time or late
    on_time: int
    open_overdue: int  # not finished, its due time past
    median_seconds: int | None  # office time of the finished ones

    @property
    def counted(self) -> int:
        return self.done + self.open_overdue

    @property
    def late(self) -> int:
        return self.counted - self.on_time

    @property
    def compliance(self) -> Fraction | None:
        return percent(self.on_time, self.counted)


@dataclass(frozen=True)
class Overdue:
    request_id: str
    office: str
    event_name: str
    step: str
    started_at: dt.datetime
    due: dt.datetime
    done_at: dt.datetime | None
    office_seconds: int  # office time from the start to its end (or to `now` while open)


@dataclass(frozen=True)
class Summary:
    """A quarter's headline figures: the summary cards and the comparison with the previous quarter."""

    requests: int
    held: int
    hours: Fraction
    participants: int
    sla_compliance: Fraction | None  # the whole path, submission to meeting
    verify_median_seconds: int | None
    ikm: skm.Index | None
    respondents: int
    completed: int
    complaints: int | None

    @property
    def response_rate(self) -> Fraction | None:
        return percent(self.respondents, self.completed)


@dataclass(frozen=True)
class Report:
    quarter: Quarter
    previous_quarter: Quarter
    generated_at: dt.datetime
    summary: Summary
    previous: Summary
    sla: tuple[SlaStep, ...]
    overdue: tuple[Overdue, ...]
    has_complaint_data: bool
    tables: tuple[Table, ...]
    office_hours: str  # the SLA clocks' OFFICE_HOURS as people read them: "08.00–16.00, Jumat 08.00–16.30"

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise KeyError(slug)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(table.slug for table in self.tables)

    @property
    def weakest(self) -> tuple[skm.Element, ...]:
        index = self.summary.ikm
        return tuple(skm.ELEMENTS[n - 1] for n in index.weakest()) if index else ()


# ---- time ---------------------------------------------------------------------------------------------------


def hours(seconds: int | Fraction, places: int = 1) -> Decimal:
    return round_half_up(Fraction(seconds) / 3600, places)


@dataclass(frozen=True)
class _StepRun:
    started_at: dt.datetime
    due: dt.datetime
    done_at: dt.datetime | None
    on_time: bool
    open_overdue: bool
    office_seconds: int


def _run(
    clock: OfficeClock, now: dt.datetime, started_at: dt.datetime, due: dt.datetime, done_at: dt.datetime | None
) -> _StepRun | None:
    """One request's pass through one step; None while it is still open and not past its due time.

    Done by the due time (that moment included) is on time; open after it is late, as the review page and the
    staff console call it overdue (`now > due`) and the escalation has gone.
    """
    if done_at is None:
        if now <= due:
            return None
        return _StepRun(started_at, due, None, False, True, clock.office_seconds_between(started_at, now))
    return _StepRun(started_at, due, done_at, done_at <= due, False, clock.office_seconds_between(started_at, done_at))


# Each step: (key, name, working days allowed, its start, its due time by the SLA module, its end, whether the
# request is still on its way).
StepSpec = tuple[
    str,
    str,
    int,
    Callable[[RequestFacts], dt.datetime | None],
    Callable[[ServiceLevel, RequestFacts, dt.datetime], dt.datetime],
    Callable[[RequestFacts], dt.datetime | None],
    Callable[[RequestFacts], bool],
]
_AWAITING_MEETING = (Status.APPROVED, Status.PROVISIONING_FAILED)


def _approved(r: RequestFacts) -> bool:
    return r.decided_at is not None and r.status != Status.REJECTED


STEPS: tuple[StepSpec, ...] = (
    (
        "verifikasi",
        "Verifikasi (pengajuan → keputusan)",
        VERIFY_WITHIN_WORKING_DAYS,
        lambda r: r.created_at,
        lambda level, r, start: level.verification_due(start),
        lambda r: r.decided_at,
        lambda r: r.status == Status.SUBMITTED,
    ),
    (
        "meeting",
        "Pembuatan meeting (keputusan → meeting siap)",
        PROVISION_WITHIN_WORKING_DAYS,
        lambda r: r.decided_at if _approved(r) else None,
        lambda level, r, start: level.provisioning_due(start, r.start),
        lambda r: r.provisioned_at,
        lambda r: r.status in _AWAITING_MEETING,
    ),
    (
        "total",
        "Total (pengajuan → meeting siap)",
        VERIFY_WITHIN_WORKING_DAYS + PROVISION_WITHIN_WORKING_DAYS,
        lambda r: r.created_at if _approved(r) else None,
        lambda level, r, start: level.completion_due(start, r.start),
        lambda r: r.provisioned_at,
        lambda r: r.status in _AWAITING_MEETING,
    ),
)


STEP_SHORT_NAMES = {"verifikasi": "Verifikasi", "meeting": "Pembuatan meeting", "total": "Total"}


def sla(
    requests: Sequence[RequestFacts], level: ServiceLevel, now: dt.datetime
) -> tuple[tuple[SlaStep, ...], tuple[Overdue, ...]]:
    steps, overdue = [], []
    for key, name, allowed, started, due_of, finished, waiting in STEPS:
        done_seconds: list[int] = []
        on_time = open_overdue = 0
        for request in requests:
            start = started(request)
            done = finished(request)
            if start is None or (done is None and not waiting(request)):
                continue  # not part of this step (rejected, cancelled before it was done)
            run = _run(level.clock, now, start, due_of(level, request, start), done)
            if run is None:
                continue
            if run.done_at is not None:
                done_seconds.append(run.office_seconds)
            on_time += run.on_time
            open_overdue += run.open_overdue
            if not run.on_time:
                overdue.append(
                    Overdue(
                        request.id,
                        request.office,
                        request.event_name,
                        STEP_SHORT_NAMES[key],
                        run.started_at,
                        run.due,
                        run.done_at,
                        run.office_seconds,
                    )
                )
        median = int(statistics.median(done_seconds)) if done_seconds else None
        steps.append(SlaStep(key, name, allowed, len(done_seconds), on_time, open_overdue, median))
    order = {STEP_SHORT_NAMES[key]: n for n, (key, *_rest) in enumerate(STEPS)}
    overdue.sort(key=lambda o: (order[o.step], o.due, o.request_id))
    return tuple(steps), tuple(overdue)


# ---- meetings ---------------------------------------------------------------------------------------------------


def held(requests: Iterable[RequestFacts]) -> list[RequestFacts]:
    """Meetings that took place: completed requests (Zoom reported them ended)."""
    return [r for r in requests if r.status == Status.COMPLETED]


def meeting_seconds(request: RequestFacts) -> int:
    """How long the meeting ran by Zoom's times; the scheduled times stand in for any Zoom did not report."""
    start = request.actual_start or request.start
    end = request.actual_end or request.end
    return max(0, int((end - start).total_seconds()))


def _meeting_rows(groups: dict[str, list[RequestFacts]]) -> tuple[tuple[Cell, ...], ...]:
    rows: list[tuple[Cell, ...]] = []
    for name, members in sorted(groups.items(), key=lambda group: (-len(group[1]), group[0])):
        seconds = sum(meeting_seconds(r) for r in members)
        people = sum(r.attendance_participants or 0 for r in members)
        minutes = sum(r.attendance_minutes or 0 for r in members)
        rows.append((name, len(members), hours(seconds), people, hours(minutes * 60)))
    return tuple(rows)


# ---- the survey ----------------------------------------------------------------------------------------------


def survey_index(requests: Iterable[RequestFacts]) -> skm.Index | None:
    return skm.index(r.survey.scores for r in requests if r.survey is not None)


def _pct(part: int, whole: int) -> Decimal | None:
    share = percent(part, whole)
    return round_half_up(share, 1) if share is not None else None


# ---- the report ----------------------------------------------------------------------------------------------


def summary(
    facts: QuarterFacts, level: ServiceLevel, now: dt.datetime
) -> tuple[Summary, tuple[SlaStep, ...], tuple[Overdue, ...]]:
    requests = facts.requests
    meetings = held(requests)
    steps, overdue = sla(requests, level, now)
    by_key = {step.key: step for step in steps}
    return (
        Summary(
            requests=len(requests),
            held=len(meetings),
            hours=Fraction(sum(meeting_seconds(r) for r in meetings), 3600),
            participants=sum(r.attendance_participants or 0 for r in meetings),
            sla_compliance=by_key["total"].compliance,
            verify_median_seconds=by_key["verifikasi"].median_seconds,
            ikm=survey_index(requests),
            respondents=sum(r.survey is not None for r in requests),
            completed=len(meetings),
            complaints=len(facts.complaints) if facts.complaints is not None else None,
        ),
        steps,
        overdue,
    )


def compute(
    current: QuarterFacts,
    previous: QuarterFacts,
    level: ServiceLevel,
    now: dt.datetime,
) -> Report:
    """The whole evaluation of `current`, compared with `previous`, as of `now` (for steps still open); the SLA's
    due times, office hours, working days and time zone are `level`'s."""
    tz = level.clock.tz
    this, steps, overdue = summary(current, level, now)
    before, _, _ = summary(previous, level, now)
    requests = current.requests
    tables = (
        comparison_table(this, before),
        *request_tables(requests),
        *meeting_tables(requests),
        *sla_tables(steps, overdue),
        recordings_table(requests),
        *complaint_tables(current.complaints),
        *survey_tables(requests, this, tz),
    )
    return Report(
        quarter=current.quarter,
        previous_quarter=previous.quarter,
        generated_at=now,
        summary=this,
        previous=before,
        sla=steps,
        overdue=overdue,
        has_complaint_data=current.complaints is not None,
        tables=tables,
        office_hours=office_hours_text(level.clock),
    )


def office_hours_text(clock: OfficeClock) -> str:
    """The office hours the due times count, as the page states them."""
    if clock.friday_hours == clock.hours:
        return str(clock.hours)
    return f"{clock.hours}, Jumat {clock.friday_hours}"


def _change(now: Cell, before: Cell) -> tuple[Cell, Cell]:
    """(direction, size) of a change between two numbers; (None, None) when either is missing."""
    if not isinstance(now, int | Decimal) or not isinstance(before, int | Decimal):
        return None, None
    both_whole = isinstance(now, int) and isinstance(before, int)
    difference: int | Decimal = now - before if both_whole else Decimal(now) - Decimal(before)
    direction = "naik" if difference > 0 else "turun" if difference < 0 else "tetap"
    size: int | Decimal = -difference if difference < 0 else difference
    return direction, size


def comparison_table(this: Summary, before: Summary) -> Table:
    def rows_of(s: Summary) -> list[tuple[str, Cell]]:
        return [
            ("Permohonan", s.requests),
            ("Meeting terlaksana", s.held),
            ("Jam meeting", round_half_up(s.hours, 1)),
            ("Peserta aktual", s.participants),
            ("Kepatuhan jangka waktu, pengajuan sampai meeting siap (%)", _round(s.sla_compliance, 1)),
            (
                "Median jam kerja verifikasi",
                hours(s.verify_median_seconds) if s.verify_median_seconds is not None else None,
            ),
            ("IKM (nilai konversi)", s.ikm.rounded if s.ikm else None),
            ("Mutu pelayanan", s.ikm.grade.letter if s.ikm else None),
            ("Responden survei", s.respondents),
            ("Tingkat respons survei (%)", _round(s.response_rate, 1)),
            ("Pengaduan, saran dan masukan diterima", s.complaints),
        ]

    rows = []
    for (label, now), (_, then) in zip(rows_of(this), rows_of(before), strict=True):
        rows.append((label, now, then, *_change(now, then)))
    return Table(
        "ringkasan",
        "Ringkasan dan perbandingan dengan triwulan sebelumnya",
        (
            Column("Ukuran"),
            Column("Triwulan ini", numeric=True),
            Column("Triwulan sebelumnya", numeric=True),
            Column("Arah"),
            Column("Selisih", numeric=True),
        ),
        tuple(rows),
    )


def _round(value: Fraction | None, places: int) -> Decimal | None:
    return round_half_up(value, places) if value is not None else None


def request_tables(requests: Sequence[RequestFacts]) -> tuple[Table, ...]:
    total = len(requests)
    offices: dict[str, Counter[str]] = {}
    for r in requests:
        offices.setdefault(r.opd, Counter())[r.status] += 1
    by_opd = sorted(
        (
            (opd, sum(counts.values()), counts[Status.COMPLETED], counts[Status.REJECTED], counts[Status.CANCELLED])
            for opd, counts in offices.items()
        ),
        key=lambda row: (-row[1], row[0]),
    )
    statuses = Counter(r.status for r in requests)
    types = Counter(r.event_type for r in requests)
    needs = Counter(need for r in requests for need in r.needs)
    share = Column("Persen (%)", numeric=True)
    count = Column("Permohonan", numeric=True)
    return (
        Table(
            "permohonan-opd",
            "Permohonan per perangkat daerah",
            (
                Column("Perangkat daerah"),
                count,
                Column("Selesai", True),
                Column("Ditolak", True),
                Column("Dibatalkan", True),
            ),
            tuple(by_opd),
        ),
        Table(
            "permohonan-status",
            "Permohonan per status",
            (Column("Status"), count, share),
            tuple((STATUS_LABELS[s], statuses[s], _pct(statuses[s], total)) for s in Status),
        ),
        Table(
            "permohonan-jenis",
            "Permohonan per jenis kegiatan",
            (Column("Jenis kegiatan"), count, share),
            tuple((label, types[key], _pct(types[key], total)) for key, label in EVENT_TYPES.items()),
        ),
        Table(
            "permohonan-kebutuhan",
            "Permohonan per kebutuhan khusus",
            (Column("Kebutuhan khusus"), count, share),
            (
                *((label, needs[key], _pct(needs[key], total)) for key, label in NEEDS.items()),
                (NO_NEEDS, sum(not r.needs for r in requests), _pct(sum(not r.needs for r in requests), total)),
            ),
            note="Satu permohonan dapat meminta beberapa kebutuhan.",
        ),
    )


def meeting_tables(requests: Sequence[RequestFacts]) -> tuple[Table, ...]:
    meetings = held(requests)
    by_opd: dict[str, list[RequestFacts]] = {}
    by_host: dict[str, list[RequestFacts]] = {}
    for r in meetings:
        by_opd.setdefault(r.opd, []).append(r)
        by_host.setdefault(r.host or "(tanpa akun host)", []).append(r)
    columns = (
        Column("Meeting terlaksana", True),
        Column("Jam meeting", True),
        Column("Peserta aktual", True),
        Column("Jam-peserta", True),
    )
    note = (
        "Dari data Zoom: waktu mulai dan selesai yang sebenarnya, jumlah peserta berbeda dan total menit kehadiran "
        "(jadwal dipakai bila Zoom tidak melaporkan waktunya)."
    )
    return (
        Table(
            "meeting-opd",
            "Meeting terlaksana per perangkat daerah",
            (Column("Perangkat daerah"), *columns),
            _meeting_rows(by_opd),
            note,
        ),
        Table(
            "meeting-host",
            "Meeting terlaksana per akun host",
            (Column("Akun host"), *columns),
            _meeting_rows(by_host),
            note,
        ),
    )


def sla_tables(steps: Sequence[SlaStep], overdue: Sequence[Overdue]) -> tuple[Table, ...]:
    return (
        Table(
            "sla",
            "Kepatuhan jangka waktu per tahap",
            (
                Column("Tahap"),
                Column("Batas (hari kerja)", True),
                Column("Dihitung", True),
                Column("Tepat waktu", True),
                Column("Terlambat", True),
                Column("Kepatuhan (%)", True),
                Column("Median jam kerja", True),
            ),
            tuple(
                (
                    s.name,
                    s.working_days,
                    s.counted,
                    s.on_time,
                    s.late,
                    _round(s.compliance, 1),
                    hours(s.median_seconds) if s.median_seconds is not None else None,
                )
                for s in steps
            ),
            note="Batas seperti pada pengingat dan eskalasi: 1 hari kerja = satu hari jam kantor pada hari kerja; "
            "pembuatan meeting dan total paling lambat saat kegiatan dimulai. Terlambat: selesai setelah batasnya, "
            "atau belum selesai padahal batasnya sudah lewat. Jam kerja: hanya jam kantor pada hari kerja.",
        ),
        Table(
            "sla-terlambat",
            "Permohonan yang melewati jangka waktu",
            (
                Column("Nomor", nowrap=True),
                Column("Perangkat daerah"),
                Column("Kegiatan"),
                Column("Tahap"),
                Column("Batas"),
                Column("Selesai"),
                Column("Jam kerja", True),
            ),
            tuple(
                (
                    o.request_id,
                    o.office,
                    o.event_name,
                    o.step,
                    o.due,
                    o.done_at,
                    hours(o.office_seconds),
                )
                for o in overdue
            ),
            note="Batas: tanggal dan jam batas tahap itu. Selesai kosong: belum selesai saat laporan dibuat (jam "
            "kerjanya dihitung sampai saat itu).",
        ),
    )


def _megabytes(size: int) -> Decimal:
    return round_half_up(Fraction(size, 10**6), 1)


def recordings_table(requests: Sequence[RequestFacts]) -> Table:
    recorded = [r for r in requests if r.recordings.archived_files]
    archived = sum(r.recordings.archived_files for r in recorded)
    deleted = sum(r.recordings.deleted_files for r in recorded)
    rows: tuple[tuple[Cell, ...], ...] = (
        ("Permohonan dengan rekaman diarsipkan", len(recorded)),
        ("Berkas diarsipkan", archived),
        ("Ukuran diarsipkan (MB)", _megabytes(sum(r.recordings.archived_bytes for r in recorded))),
        ("Berkas dihapus sesuai masa simpan", deleted),
        ("Ukuran dihapus (MB)", _megabytes(sum(r.recordings.deleted_bytes for r in recorded))),
        ("Berkas masih disimpan", archived - deleted),
        ("Permohonan yang rekamannya sudah dihapus", sum(r.recordings.retention_done for r in recorded)),
    )
    return Table(
        "rekaman",
        "Rekaman: diarsipkan dan dihapus sesuai kebijakan masa simpan",
        (Column("Ukuran"), Column("Jumlah", True)),
        rows,
    )


def complaint_tables(complaints: Sequence[ComplaintFacts] | None) -> tuple[Table, ...]:
    labels = dict(COMPLAINT_CATEGORIES)
    by_category: dict[str, Counter[str]] = {key: Counter() for key in labels}
    channels: Counter[str] = Counter()
    for c in complaints or ():
        labels.setdefault(c.category, c.category)
        by_category.setdefault(c.category, Counter())[c.status] += 1
        channels[COMPLAINT_CHANNELS.get(c.channel, c.channel)] += 1
    rows: list[tuple[Cell, ...]] = []
    if complaints is not None:
        for key, counts in by_category.items():
            rows.append((labels[key], sum(counts.values()), counts["answered"], counts["open"]))
        answered = sum(counts["answered"] for counts in by_category.values())
        still_open = sum(counts["open"] for counts in by_category.values())
        rows.append(("Jumlah", len(complaints), answered, still_open))
    days = [
        Fraction(int((c.answered_at - c.received_at).total_seconds()), 86400)
        for c in complaints or ()
        if c.answered_at is not None
    ]
    by_channel: list[tuple[Cell, ...]] = [
        (name, count) for name, count in sorted(channels.items(), key=lambda item: (-item[1], item[0]))
    ]
    if complaints is None:
        note = NO_COMPLAINT_DATA
    elif days:
        note = f"Median waktu menjawab: {format_decimal(Fraction(statistics.median(days)), 1)} hari."
    else:
        note = ""
    return (
        Table(
            "pengaduan",
            "Pengaduan, saran dan masukan",
            (Column("Kategori"), Column("Diterima", True), Column("Dijawab", True), Column("Terbuka", True)),
            tuple(rows),
            note,
        ),
        Table(
            "pengaduan-kanal",
            "Pengaduan, saran dan masukan per kanal",
            (Column("Kanal"), Column("Diterima", True)),
            tuple(by_channel),
            NO_COMPLAINT_DATA if complaints is None else "",
        ),
    )


def survey_tables(requests: Sequence[RequestFacts], this: Summary, tz: ZoneInfo) -> tuple[Table, ...]:
    index = this.ikm
    answered = [r.survey for r in requests if r.survey is not None]
    overview: tuple[tuple[Cell, ...], ...] = (
        ("Responden", this.respondents),
        ("Permohonan selesai (disurvei)", this.completed),
        ("Tingkat respons (%)", _round(this.response_rate, 1)),
        ("IKM (skala 1–4)", round_half_up(index.ikm, 4) if index else None),
        ("IKM (nilai konversi 25–100)", index.rounded if index else None),
        ("Mutu pelayanan", index.grade.letter if index else None),
        ("Kinerja unit pelayanan", index.grade.performance if index else None),
    )
    elements: list[tuple[Cell, ...]] = []
    for element in skm.ELEMENTS:
        if index is None:
            elements.append((element.number, element.name, None, None, None, None, None))
            continue
        n = element.number
        value = index.element_value(n)
        elements.append(
            (
                n,
                element.name,
                index.sums[n - 1],
                round_half_up(index.nrr(n), 2),
                round_half_up(index.weighted(n), 3),
                skm.rounded(value),
                skm.grade(value).letter,
            )
        )
    profile: list[tuple[Cell, ...]] = []
    for question in skm.PROFILE:
        given = Counter(getattr(s, question.key) for s in answered)
        for key, label in question.choices.items():
            profile.append((question.label, label, given[key], _pct(given[key], len(answered))))
        profile.append((question.label, skm.NOT_ANSWERED, given[None], _pct(given[None], len(answered))))
    comments = sorted((s.submitted_at, s.comment) for s in answered if s.comment.strip())
    return (
        Table(
            "ikm",
            "Indeks Kepuasan Masyarakat (IKM)",
            (Column("Ukuran"), Column("Nilai", True)),
            overview,
            note="IKM = Σ (NRR unsur × 1/9), nilai konversi = IKM × 25; mutu dari nilai konversi yang dibulatkan dua "
            "desimal: A ≥ 88,31; B ≥ 76,61; C ≥ 65,00; D di bawahnya (PermenPANRB 14/2017).",
        ),
        Table(
            "ikm-unsur",
            "Nilai per unsur pelayanan",
            (
                Column("No", True),
                Column("Unsur"),
                Column("Jumlah nilai", True),
                Column("NRR", True),
                Column("NRR tertimbang (× 1/9)", True),
                Column("Nilai unsur (NRR × 25)", True),
                Column("Mutu"),
            ),
            tuple(elements),
        ),
        Table(
            "profil-responden",
            "Profil responden (agregat)",
            (Column("Aspek"), Column("Pilihan"), Column("Responden", True), Column("Persen (%)", True)),
            tuple(profile),
        ),
        Table(
            "komentar",
            "Saran dan komentar responden",
            (Column("Tanggal"), Column("Komentar")),
            tuple((at.astimezone(tz).date(), text) for at, text in comments),
            note="Tanpa nama dan tanpa nomor permohonan.",
        ),
    )
