"""What a requester needs to invite people: the calendar file and a text ready for WhatsApp."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote
from zoneinfo import ZoneInfo

from vicon.intake import format_date_id, tz_abbreviation
from vicon.records import RequestRecord


def format_meeting_id(meeting_id: int | str) -> str:
    """Zoom's own grouping: 812 3456 7890 for eleven digits, 123 456 7890 for ten."""
    digits = str(meeting_id)
    if len(digits) == 11:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if len(digits) == 10:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    return digits


def schedule_text(record: RequestRecord, tz: ZoneInfo) -> str:
    """'Rabu, 2 Desember 2026, 09.00–11.30 WIB' (the end date is named when it differs)."""
    start = record.start.astimezone(tz)
    end = record.end.astimezone(tz)
    end_text = f"{end:%H.%M}" if end.date() == start.date() else f"{format_date_id(end.date())} {end:%H.%M}"
    return f"{format_date_id(start.date())}, {start:%H.%M}–{end_text} {tz_abbreviation(tz)}"


def whatsapp_text(record: RequestRecord, tz: ZoneInfo) -> str:
    """A plain invitation that reads well when pasted into WhatsApp (its *bold* markup included)."""
    meeting = record.held_meeting()
    return "\n".join(
        [
            "*Undangan Zoom Meeting*",
            f"*{record.event_name}*",
            f"Penyelenggara: {record.office_label()}",
            f"Waktu: {schedule_text(record, tz)}",
            "",
            # The link on a line of its own: a phone then shows, taps and copies it whole.
            "Tautan:",
            meeting.join_url,
            f"Meeting ID: {format_meeting_id(meeting.id)}",
            f"Kode sandi: {meeting.passcode}",
            "",
            "Mohon bergabung 10 menit sebelum acara; peserta menunggu di ruang tunggu sampai diizinkan masuk.",
        ]
    )


def whatsapp_share_url(text: str) -> str:
    return "https://wa.me/?text=" + quote(text, safe="")


def ics_invitation(record: RequestRecord, organizer_email: str, now: dt.datetime, cancelled: bool = False) -> bytes:
    """An iCalendar event in UTC (DTSTART …Z), which Google Calendar and Outlook place at the right local time.

    With `cancelled`, the same event (same UID, higher SEQUENCE) marked cancelled, which calendars remove.
    """
    # Imported here: icalendar costs about 90 ms to import and only invitations need it.
    from icalendar import Calendar, Event, vCalAddress, vText

    meeting = record.held_meeting()
    calendar = Calendar()
    calendar.add("prodid", "-//Vicon Diskominfo//Fasilitasi Zoom Meeting//ID")
    calendar.add("version", "2.0")
    # REQUEST with an ATTENDEE is what Gmail and Outlook offer to add to the calendar (PUBLISH is shown as a
    # file); CANCEL of the same UID with a higher SEQUENCE removes it again.
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{record.id}@vicon")
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", record.start)
    event.add("dtend", record.end)
    event.add("summary", record.event_name)
    event.add("location", meeting.join_url)
    event.add("url", meeting.join_url)
    event.add(
        "description",
        f"Zoom Meeting {record.id}\n"
        f"Tautan: {meeting.join_url}\n"
        f"Meeting ID: {format_meeting_id(meeting.id)}\n"
        f"Kode sandi: {meeting.passcode}",
    )
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText("Diskominfo (Vicon)")
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{record.contact_email}")
    # The intake refuses control characters; a double quote would end the quoted parameter value.
    attendee.params["cn"] = vText(str(record.contact_name or record.contact_email).replace('"', "'"))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    event.add("sequence", 1 if cancelled else 0)
    if cancelled:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
