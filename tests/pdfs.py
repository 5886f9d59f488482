"""Letters for tests: real one-page PDFs, and files that only pretend to be PDFs."""

from __future__ import annotations

import io

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
