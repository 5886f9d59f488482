"""Letters for tests: real one-page PDFs, and files that only pretend to be PDFs."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfWriter


def one_page_pdf(padding: int = 0) -> bytes:
    """A valid one-page PDF; `padding` bytes of comment make it as large as a test needs."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    if padding:
        # A PDF comment after %%EOF is ignored by readers, so the file stays valid.
        data += b"\n%" + b"x" * padding + b"\n"
    return data


def zero_page_pdf() -> bytes:
    writer = PdfWriter()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ---- hand-built PDFs ------------------------------------------------------------------------------------------
# Hostile letters are written byte by byte, so each test shows exactly which construct it carries. Objects are
# numbered from 1 in the order given; object 1 is the catalog.

GIB = 1024**3
PAGE_CONTENT = b"BT /F1 12 Tf 72 760 Td (Surat permohonan fasilitasi Zoom) Tj ET"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def stream(dictionary: bytes, data: bytes, flate: bool = False) -> bytes:
    """The body of a stream object; `dictionary` is the inside of << >> without /Length and /Filter."""
    if flate:
        data = zlib.compress(data)
        dictionary += b" /Filter /FlateDecode"
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _is_stream(body: bytes) -> bool:
    return b"\nstream\n" in body


def build_pdf(
    objects: list[bytes],
    *,
    object_streams: bool = False,
    prefix: bytes = b"",
    version: bytes = b"1.7",
    in_object_stream: tuple[bytes, list[int]] | None = None,
) -> bytes:
    """A PDF with a correct cross-reference: a classic xref table, or (`object_streams`) an xref stream with every
    non-stream object packed into one compressed object stream, as PDF 1.5+ writers do.

    `in_object_stream` is a crafted object stream (a whole stream object body) and the object numbers the xref
    says live in it: the way to place, say, a decompression bomb where a reader must inflate it.
    """
    out = bytearray(prefix + b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    count = len(objects)
    offsets: dict[int, int] = {}
    packed: dict[int, tuple[int, int]] = {}  # object number -> (object stream number, index)

    def emit(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    if not object_streams and not in_object_stream:
        for number, body in enumerate(objects, start=1):
            emit(number, body)
        xref_at = len(out)
        out.extend(b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1))
        for number in range(1, count + 1):
            out.extend(b"%010d 00000 n \n" % offsets[number])
        out.extend(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, xref_at))
        return bytes(out)

    next_number = count + 1
    if in_object_stream:
        crafted = next_number
        next_number += 1
        emit(crafted, in_object_stream[0])
        for index, number in enumerate(in_object_stream[1]):
            packed[number] = (crafted, index)
    inner = [(n, body) for n, body in enumerate(objects, start=1) if n not in packed]
    if object_streams:
        members = [(n, body) for n, body in inner if not _is_stream(body)]
        if members:
            objstm = next_number
            next_number += 1
            header, data = b"", b""
            for index, (number, body) in enumerate(members):
                header += b"%d %d " % (number, len(data))
                data += body + b"\n"
                packed[number] = (objstm, index)
            emit(
                objstm,
                stream(b"/Type /ObjStm /N %d /First %d" % (len(members), len(header)), header + data, flate=True),
            )
    for number, body in inner:
        if number not in packed:
            emit(number, body)
    xref_number = next_number
    size = xref_number + 1
    offsets[xref_number] = len(out)
    rows = bytearray(b"\x00\x00\x00\x00\x00\xff\xff")
    for number in range(1, size):
        if number in packed:
            rows += b"\x02" + packed[number][0].to_bytes(4, "big") + packed[number][1].to_bytes(2, "big")
        else:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
    emit(xref_number, stream(b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R" % size, bytes(rows)))
    out.extend(b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number])
    return bytes(out)


def letter_pdf(
    catalog: bytes = b"",
    page: bytes = b"",
    annots: list[bytes] | None = None,
    extra: list[bytes] | None = None,
    *,
    object_streams: bool = False,
    prefix: bytes = b"",
) -> bytes:
    """A one-page letter with a compressed content stream, plus whatever a test adds.

    Objects: 1 catalog, 2 pages, 3 page, 4 content stream, 5 font, then one per annotation, then `extra`
    (numbered 6 + len(annots) onwards, so tests can refer to them).
    """
    annots = annots or []
    annot_refs = b" ".join(b"%d 0 R" % (6 + i) for i in range(len(annots)))
    page_annots = b"/Annots [" + annot_refs + b"] " if annots else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> " + page_annots + page + b" >>",
        stream(b"", PAGE_CONTENT, flate=True),
        FONT,
        *annots,
        *(extra or []),
    ]
    return build_pdf(objects, object_streams=object_streams, prefix=prefix)


def link(action: bytes) -> bytes:
    """A link annotation on the page carrying `action` (the inside of the /A dictionary)."""
    return b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] /A << " + action + b" >> >>"


def clean_letter(object_streams: bool = False) -> bytes:
    """An ordinary letter: a web link, an internal link, an /OpenAction that only shows page 1."""
    return letter_pdf(
        catalog=b"/OpenAction [3 0 R /Fit] /PageMode /UseNone",
        annots=[link(b"/S /URI /URI (https://diskominfo.example.go.id/)"), link(b"/S /GoTo /D [3 0 R /XYZ 0 842 0]")],
        object_streams=object_streams,
    )


def zero_flate(inflated: int) -> bytes:
    """A zlib stream of `inflated` zero bytes (a multiple of 1 MiB), built without compressing them all: after a
    full flush deflate starts afresh, so every further MiB of zeros encodes to the same bytes."""
    mib = 1024 * 1024
    assert inflated % mib == 0
    compressor = zlib.compressobj(9)
    first = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(bytes(mib)) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)[:-4]  # the final empty block, without the checksum of 2 MiB
    # Adler-32 of n zero bytes: the low sum stays 1, the high sum is n.
    checksum = ((inflated % 65521) << 16 | 1).to_bytes(4, "big")
    return first + repeated * (inflated // mib - 1) + end + checksum


def bomb_pdf(inflated: int = 4 * GIB, where: str = "content") -> bytes:
    """A letter whose one FlateDecode stream inflates to `inflated` bytes (4 GiB: a 4 MiB file).

    `where`: "content" (the page's content stream, which a checker never needs to read) or "object_stream" (the
    compressed object stream that holds the page, which a reader must inflate to find the page at all).
    """
    bomb = zero_flate(inflated)
    if where == "content":
        return build_pdf(
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb) + bomb + b"\nendstream",
            ]
        )
    assert where == "object_stream"
    objstm = b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb)
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
        in_object_stream=(objstm + bomb + b"\nendstream", [3]),
    )


# ---- letters with a text layer, for the document check --------------------------------------------------------

LETTER_LINES = (
    "PEMERINTAH KABUPATEN MAJALENGKA",
    "DINAS KESEHATAN",
    "Majalengka, 27 November 2026",
    "Nomor   : 005/123/Dinkes/2026",
    "Perihal : Permohonan fasilitasi Zoom Meeting",
    "Yth. Kepala Dinas Komunikasi dan Informatika",
)


def _pdf_text(line: str) -> bytes:
    return line.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_content(lines: tuple[str, ...] | list[str]) -> bytes:
    """A content stream showing `lines` in Helvetica, one below the other, as a word processor would."""
    shown = b"".join(b"(" + _pdf_text(line) + b") Tj T* " for line in lines)
    return b"BT /F1 11 Tf 14 TL 72 770 Td " + shown + b"ET"


def text_letter(lines: tuple[str, ...] | list[str] = LETTER_LINES, pages: int = 1) -> bytes:
    """A letter of `pages` pages with a text layer: `lines` on the first page, a closing line on the others.

    Objects: 1 catalog, 2 pages, 3 the font, then a page and its content stream for each page.
    """
    kids = b" ".join(b"%d 0 R" % (4 + 2 * n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        FONT,
    ]
    for n in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * n)
        )
        content = list(lines) if n == 0 else [f"Lampiran halaman {n + 1}"]
        objects.append(stream(b"", text_content(content), flate=True))
    return build_pdf(objects)


def scanned_letter() -> bytes:
    """A page that is only a picture (a scan without a text layer): no font, no text to extract."""
    pixels = bytes(range(64)) * 4  # 16 x 16 grey
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
            stream(b"", b"q 595 0 0 842 0 0 cm /Im0 Do Q", flate=True),
            stream(
                b"/Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8",
                pixels,
                flate=True,
            ),
        ]
    )


def heavy_text_letter(pages: int, content_bytes: int) -> bytes:
    """`pages` pages that all show one content stream of about `content_bytes` of text operators (compressed to
    a few KiB): each page costs pypdf seconds to extract, so only the check's own caps keep it short."""
    line = b"BT /F1 11 Tf 72 760 Td (Teks pengisi yang sangat panjang untuk menguji batas waktu) Tj ET\n"
    content = line * (content_bytes // len(line))
    kids = b" ".join(b"%d 0 R" % (5 + n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        FONT,
        stream(b"", content, flate=True),
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> >>"
    ] * pages
    return build_pdf(objects)
