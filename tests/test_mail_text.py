"""Every mail's text part and salutation, as a phone shows them.

Phone mail apps show text parts in a proportional font and wrap long lines themselves, so what counts is that
each URL stands on a line of its own (tapped or copied whole), paragraphs are apart, and nobody is greeted in
lowercase.
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.harness import Harness, HarnessFactory
from tests.mail_kinds import every_mail, staffed_harness

URL = re.compile(r"https?://")


@pytest.fixture
def staffed(make_harness: HarnessFactory) -> Harness:
    return staffed_harness(make_harness)


def test_every_text_part_puts_each_link_on_its_own_line_and_keeps_paragraphs_apart(staffed: Harness) -> None:
    for kind, mail in every_mail(staffed):
        where = f"{kind} to {', '.join(mail.to)}"
        lines = mail.text.splitlines()
        for line in lines:
            if URL.search(line):
                assert URL.match(line) and " " not in line, f"{where}: a link shares its line: {line!r}"
        assert lines[0].startswith("Yth. ") and lines[1] == "", f"{where}: salutation, then a blank line"
        assert "\n\n\n" not in mail.text, f"{where}: two blank lines in a row"
        assert "\n\n-- \n" in mail.text, f"{where}: the signature is not set apart"
        for line, after in itertools.pairwise(lines):
            # A sentence-long line is a paragraph: the next one starts after a blank line.
            if len(line) > 80 and line.endswith(".") and not URL.match(line):
                assert after in ("", "---"), f"{where}: no blank line after {line[:40]!r}…"


def test_every_mail_greets_properly(staffed: Harness) -> None:
    for kind, mail in every_mail(staffed):
        for part in (mail.text, mail.html):
            greetings = re.findall(r"Yth\. ([^,<\n]+),", part)
            assert len(greetings) == 1, f"{kind}: {greetings}"
            [whom] = greetings
            assert whom in ("Petugas", "Tim Teknis", "Bapak/Ibu") or whom.startswith("Bapak/Ibu "), f"{kind}: {whom}"
