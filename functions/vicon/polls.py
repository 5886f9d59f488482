"""The requester's polls as text, read into Zoom's poll questions (decision 0032).

The format, as the form explains it: one question per block, blocks separated by a blank line; a block's first
line is the question, each following line one answer. A question that starts with `[pilih banyak]` lets a
participant choose more than one answer (Zoom's `multiple`), any other one answer (`single`).

People paste lists, so a question's answers lose their list markers, but only when every answer carries one of
the same kind, followed by a space and some text: the same bullet ("-", "*", "•"), or numbers or single letters
in sequence from the first with the same delimiter ("1." "2." …, "a)" "b)" …). Anything else stays as typed:
"Ya.", "OK." and "10." are answers, "Dr. Budi" and "Ir. Sari" names.

Standard library only: the form's rules (`vicon.inputs`) and the submission (`vicon.usecases.submit`) read it.
"""

from __future__ import annotations

import re

from vicon.meetings import (
    POLL_ANSWER_MAX_LENGTH,
    POLL_MAX_ANSWERS,
    POLL_MAX_QUESTIONS,
    POLL_MIN_ANSWERS,
    POLL_QUESTION_MAX_LENGTH,
    PollQuestion,
)

MULTIPLE_MARKER = "[pilih banyak]"
POLLS_TEXT_LIMIT = 20_000
# An answer's list marker and its text; a marker needs a space after it and text after that.
_BULLET = re.compile(r"^(?P<label>[-*•])(?P<delimiter>)\s+(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^(?P<label>\d{1,2})(?P<delimiter>[.)])\s+(?P<text>\S.*)$")
_LETTERED = re.compile(r"^(?P<label>[a-zA-Z])(?P<delimiter>[.)])\s+(?P<text>\S.*)$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


class PollsInvalid(ValueError):
    """The text is not a valid set of polls; the message names the question, in Bahasa Indonesia."""


def parse_polls(text: str) -> tuple[PollQuestion, ...]:
    """The questions of `text` (empty text: none); PollsInvalid for anything Zoom or our limits refuse."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ()
    blocks = [block for block in _BLANK_LINE.split(text) if block.strip()]
    if len(blocks) > POLL_MAX_QUESTIONS:
        raise PollsInvalid(f"Polling paling banyak {POLL_MAX_QUESTIONS} pertanyaan; ada {len(blocks)}.")
    questions = []
    for number, block in enumerate(blocks, start=1):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        name, kind = lines[0], "single"
        if name.casefold().startswith(MULTIPLE_MARKER):
            name, kind = name[len(MULTIPLE_MARKER) :].strip(), "multiple"
        if not name:
            raise PollsInvalid(f"Pertanyaan {number}: teks pertanyaannya kosong.")
        if len(name) > POLL_QUESTION_MAX_LENGTH:
            raise PollsInvalid(f"Pertanyaan {number}: paling banyak {POLL_QUESTION_MAX_LENGTH} karakter.")
        answers = without_list_markers(lines[1:])
        if not POLL_MIN_ANSWERS <= len(answers) <= POLL_MAX_ANSWERS:
            raise PollsInvalid(
                f"Pertanyaan {number}: tulis {POLL_MIN_ANSWERS} sampai {POLL_MAX_ANSWERS} jawaban, satu per baris "
                f"di bawah pertanyaannya (ada {len(answers)})."
            )
        if any(len(answer) > POLL_ANSWER_MAX_LENGTH for answer in answers):
            raise PollsInvalid(f"Pertanyaan {number}: setiap jawaban paling banyak {POLL_ANSWER_MAX_LENGTH} karakter.")
        if len({answer.casefold() for answer in answers}) != len(answers):
            raise PollsInvalid(f"Pertanyaan {number}: ada jawaban yang sama dua kali.")
        questions.append(PollQuestion(name=name, kind=kind, answers=tuple(answers)))
    return tuple(questions)


def without_list_markers(lines: list[str]) -> list[str]:
    """`lines` without their markers when they are one list (module docstring); otherwise `lines` as typed."""
    count = len(lines)
    lists = (
        (_BULLET, [[bullet] * count for bullet in "-*•"]),
        (_NUMBERED, [[str(n) for n in range(1, count + 1)]]),
        (_LETTERED, [[chr(ord(first) + n) for n in range(count)] for first in "aA"]),
    )
    for pattern, sequences in lists:
        items = [match for line in lines if (match := pattern.match(line))]
        if len(items) != count or len({item["delimiter"] for item in items}) != 1:
            continue
        if [item["label"] for item in items] in sequences:
            return [item["text"] for item in items]
    return lines
