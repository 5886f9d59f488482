"""The signed links people are sent: the requester's status page, the verifier's review and letter, the officer's."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from vicon.records import ComplaintRecord, RequestRecord
from vicon.signing import Signer

STATUS_LINK_DAYS_AFTER_EVENT = 90
OFFICER_LINK_AFTER_EVENT = dt.timedelta(hours=12)
# Staff have a while to decide on a recording made without consent; Zoom keeps it meanwhile.
RECORDING_DECISION_DAYS = 30
# The satisfaction survey stays open this long after the event ended (the reminder comes after 3 working days).
SURVEY_LINK_DAYS_AFTER_EVENT = 30
# A supervisor's link to a quarter's report: long enough to open it again at the next year's evaluation.
REPORT_LINK_DAYS = 400
# An officer's answer link: long enough for a complaint that needs asking around; once answered it shows the answer.
COMPLAINT_LINK_DAYS = 90
# An officer's link to register complaints received in person or by phone: it opens a form and reveals nothing,
# and each use is checked against OPERATOR_EMAILS/SUPERVISOR_EMAILS again.
COMPLAINT_REGISTER_LINK_DAYS = 30
# What a registration token names in the place of a request (it is bound to the officer, not to a record).
COMPLAINT_REGISTER_SUBJECT = "pengaduan-baru"


class Links:
    """Mints each link with its purpose and expiry; verifying them is the use case's (it knows who may)."""

    def __init__(self, signer: Signer, public_base_url: str) -> None:
        self.signer = signer
        self.public_base_url = public_base_url

    def api_url(self, target: str, **params: str) -> str:
        """An absolute link to one of our targets, as mailed to people."""
        return f"{self.public_base_url}/api/{target}?{urlencode(params)}"

    def status_url(self, record: RequestRecord) -> str:
        expires = record.end + dt.timedelta(days=STATUS_LINK_DAYS_AFTER_EVENT)
        token = self.signer.sign("status", record.id, expires)
        return f"{self.public_base_url}/status.html?{urlencode({'id': record.id, 'token': token})}"

    def decoy_status_url(self, decoy_id: str, now: dt.datetime) -> str:
        """A status link for a request that does not exist, shaped like a real one."""
        # Our key id, a throwaway key's MAC: it looks like ours but can never open a real request.
        token = self.signer.decoy("status", decoy_id, now + dt.timedelta(days=90))
        query = urlencode({"id": decoy_id, "token": token})
        return f"{self.public_base_url}/status.html?{query}"

    def review_url(self, record: RequestRecord, verifier: str) -> str:
        token = self.signer.sign("review", record.id, record.start, v=verifier)
        return self.api_url("review_request", token=token)

    def letter_url(self, record: RequestRecord, verifier: str) -> str:
        """The verifier's read-only link to the request's letter; it expires with the review link."""
        token = self.signer.sign("letter", record.id, record.start, v=verifier)
        return self.api_url("request_letter", token=token)

    def recording_decision_url(self, record: RequestRecord, person: str) -> str:
        """A staff member's link to decide on a recording made without consent; it lasts as long as the archive."""
        expires = record.end + dt.timedelta(days=RECORDING_DECISION_DAYS)
        return self.api_url("recording_decision", token=self.signer.sign("recording", record.id, expires, v=person))

    def recordings_url(self, record: RequestRecord, until: dt.datetime) -> str:
        """The organiser's page of archived recordings, valid until they are deleted."""
        return self.api_url("recordings", token=self.signer.sign("recordings", record.id, until))

    def recording_file_url(self, token: str, file_id: str) -> str:
        """One file behind the organiser's link: the same token, the file named."""
        return self.api_url("recording_file", token=token, file=file_id)

    def survey_expiry(self, record: RequestRecord) -> dt.datetime:
        return (record.actual_end or record.end) + dt.timedelta(days=SURVEY_LINK_DAYS_AFTER_EVENT)

    def survey_url(self, record: RequestRecord) -> str:
        """The requester's survey page on the site (DESIGN.md: `PUBLIC_BASE_URL/survei.html?token=...`)."""
        token = self.signer.sign("survey", record.id, self.survey_expiry(record))
        return f"{self.public_base_url}/survei.html?{urlencode({'token': token})}"

    def report_url(self, quarter: str, supervisor: str, now: dt.datetime) -> str:
        """A supervisor's link to the quarter's report (`quarterly_report`), bound to the quarter and the person."""
        expires = now + dt.timedelta(days=REPORT_LINK_DAYS)
        return self.api_url("quarterly_report", token=self.signer.sign("report", quarter, expires, v=supervisor))

    def report_csv_url(self, token: str, table: str) -> str:
        """One table of the report behind the same link, as CSV."""
        return self.api_url("quarterly_report", token=token, format="csv", table=table)

    def officer_url(self, record: RequestRecord, operator: str) -> str:
        expires = record.end + OFFICER_LINK_AFTER_EVENT
        token = self.signer.sign("officer", record.id, expires, v=operator)
        return self.api_url("start_meeting", token=token)

    def complaint_answer_url(self, complaint: ComplaintRecord, person: str) -> str:
        """An officer's link to answer one complaint (purpose `complaint`, bound to the complaint and the officer)."""
        expires = complaint.received_at + dt.timedelta(days=COMPLAINT_LINK_DAYS)
        return self.api_url("complaint_answer", token=self.signer.sign("complaint", complaint.id, expires, v=person))

    def complaint_register_url(self, person: str, now: dt.datetime) -> str:
        """An officer's link to register complaints received in person, by phone, by message or by email."""
        expires = now + dt.timedelta(days=COMPLAINT_REGISTER_LINK_DAYS)
        token = self.signer.sign("complaint_register", COMPLAINT_REGISTER_SUBJECT, expires, v=person)
        return self.api_url("complaint_register", token=token)
