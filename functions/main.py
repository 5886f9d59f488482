"""Cloud Functions targets: each parses its input, calls the core, and maps the result to a response.

Importing this module loads the Functions Framework, Flask and the light helpers only (`vicon.web`, `vicon.forms`,
`vicon.fields`). Every target is a cold start of its own: the core with its use cases and adapters loads at a
target's first request (`_core`), pydantic at the first form it parses (`vicon.inputs`). Decision 0019.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import flask
import functions_framework

from vicon.fields import MAX_COMPLAINT_BODY_BYTES, FieldError, ValidationFailed
from vicon.forms import COMPLAINT_FORM, MAX_BODY_BYTES, FormRefused, SubmittedForm, read_form
from vicon.web import (
    allow,
    bearer_token_matches,
    client_address,
    error,
    error_response,
    html_response,
    json_response,
    page_csp,
    too_large,
    unread_body_error,
)

if TYPE_CHECKING:
    from vicon.core import Core
    from vicon.usecases.staff_access import StaffMember

log = logging.getLogger(__name__)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# The officer page's button posts to us and we answer 303 to Zoom's host link; browsers apply form-action to
# that redirect too, and Zoom picks the host name (us02web.zoom.us, a vanity domain, zoomgov.com ...).
OFFICER_FORM_ACTION = "'self' https:"
TICK_REFUSED = (
    "Hanya penjadwal layanan yang boleh menjalankan scheduled_tick: kirim header Authorization: Bearer dengan "
    "TICK_TOKEN."
)
TOKEN_MESSAGES = {
    "expired": (410, "Tautan sudah kedaluwarsa."),
    "invalid": (403, "Tautan tidak valid. Pastikan tautan disalin lengkap dari email."),
    "mismatch": (403, "Tautan tidak valid untuk permohonan ini."),
}


def _core() -> Core:
    """The process-wide core, imported and built at the first request, never at import (decision 0019)."""
    from vicon.wiring import get_core

    return get_core()


def _refusal(exc: Exception) -> tuple[int, str, str | None]:
    """The status, message and field of a refused link or request; any other exception is raised again."""
    from vicon.core import Refused
    from vicon.ports import RequestNotFound
    from vicon.signing import TokenError

    if isinstance(exc, TokenError):
        status, message = TOKEN_MESSAGES[exc.reason]
        return status, message, "token"
    if isinstance(exc, RequestNotFound):
        return 404, "Permohonan tidak ditemukan.", "id"
    if isinstance(exc, Refused):
        return exc.status, exc.message, exc.field
    raise exc


def _wants_html(request: flask.Request) -> bool:
    # A browser posting the form without JavaScript asks for HTML; fetch() and API clients get JSON.
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


@functions_framework.http
@allow("POST", reads_body=True)
def submit_request(request: flask.Request) -> flask.Response:
    """Intake: 201 {id, status, status_url}; 400/413/422 with errors in Bahasa Indonesia."""
    if request.mimetype not in FORM_TYPES:
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return too_large()
        return error(400, "Kirim formulir sebagai multipart/form-data (dengan berkas surat PDF).")
    try:
        form = read_form(request.stream, request.mimetype, request.mimetype_params, request.content_length)
    except FormRefused as refused:
        # The body was not read to its end: the answer must not make the framework read (or choke on) the rest.
        return unread_body_error(refused.status, [FieldError(refused.field, refused.message)])
    from vicon.core import NotStored, RateLimited

    core = _core()
    try:
        submission = core.submit(form.fields, form.files.get("letter"), client_address(request, core.settings))
    except ValidationFailed as failed:
        if _wants_html(request):
            return html_response(core.page("pages/submit_failed.html", errors=failed.errors), 422)
        return error_response(422, failed.errors)
    except RateLimited as limited:
        return error(429, limited.message, limited.field, headers={"Retry-After": str(limited.retry_after)})
    except NotStored:
        log.exception("submission not stored")
        return error(503, "Layanan sedang mengalami gangguan. Tidak ada yang tersimpan; silakan kirim ulang.")
    if _wants_html(request):
        return html_response(core.page("pages/submitted.html", submission=submission), 201)
    return json_response(submission.as_json(), 201)


@functions_framework.http
@allow("GET")
def request_status(request: flask.Request) -> flask.Response:
    """The requester's view of one request: {id, status, history, meeting}."""
    request_id = request.args.get("id", "").strip()
    token = request.args.get("token", "").strip()
    if not request_id or not token:
        return error(400, "Parameter id dan token wajib ada; buka tautan status dari email tanda terima.")
    try:
        return json_response(_core().request_status(request_id, token))
    except Exception as exc:
        return error(*_refusal(exc))


@functions_framework.http
@allow("GET", "POST")
def review_request(request: flask.Request) -> flask.Response:
    """The verifier's confirmation page (GET and HEAD change nothing) and the decision (POST from its buttons)."""
    core = _core()
    heading = "Tautan verifikasi tidak dapat dipakai"
    if request.method != "POST":
        token = request.args.get("token", "")
        return _page_or_refusal(core, heading, lambda: html_response(core.review_page(token)))
    token = request.form.get("token", "") or request.args.get("token", "")

    def decide() -> flask.Response:
        from vicon.inputs import DecisionForm

        try:
            form = DecisionForm.parse({**request.form.to_dict(), "token": token})
        except ValidationFailed as failed:
            # On the page again, once the link is known to be good (review_page checks it), with what was typed.
            page = core.review_page(token, error=failed.errors[0].message, reason=request.form.get("reason", ""))
            return html_response(page, 422)
        return html_response(core.page("pages/decided.html", request=core.decide(form)))

    return _page_or_refusal(core, heading, decide)


@functions_framework.http
@allow("GET")
def request_letter(request: flask.Request) -> flask.Response:
    """The request's letter, for the verifier whose review page linked it: the PDF inline, read-only."""
    core = _core()
    token = request.args.get("token", "")

    def letter() -> flask.Response:
        filename, data = core.letter(token)
        # Inline so the browser's own PDF viewer opens it; the non-page policy (security_headers) sandboxes it,
        # so a PDF's scripts or forms can do nothing in our origin, and no-store keeps no copy on a shared PC.
        return flask.Response(
            data,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )

    return _page_or_refusal(core, "Tautan surat tidak dapat dipakai", letter)


@functions_framework.http
@allow("GET", "POST")
def start_meeting(request: flask.Request) -> flask.Response:
    """An officer's link: GET confirms, POST fetches a fresh host link from Zoom and redirects to it."""
    core = _core()
    heading = "Tautan petugas tidak dapat dipakai"
    if request.method != "POST":
        token = request.args.get("token", "")
        return _page_or_refusal(
            core,
            heading,
            lambda: html_response(core.officer_page(token), csp=page_csp(form_action=OFFICER_FORM_ACTION)),
        )
    token = request.form.get("token", "") or request.args.get("token", "")

    def redirect() -> flask.Response:
        # allow() adds no-store and no-referrer: the host link must neither be cached nor leak to Zoom's pages.
        return flask.Response(status=303, headers={"Location": core.start_url(token)})

    return _page_or_refusal(core, heading, redirect)


@functions_framework.http
@allow("POST")
def cancel_request(request: flask.Request) -> flask.Response:
    """The requester cancels from the status page: form fields id and token."""
    from vicon.inputs import CancelForm

    try:
        form = CancelForm.parse(request.form.to_dict())
    except ValidationFailed:
        return error(400, "Parameter id dan token wajib ada; batalkan dari halaman status permohonan.")
    core = _core()
    try:
        record = core.cancel(form.id, form.token)
    except Exception as exc:
        return error(*_refusal(exc))
    if _wants_html(request):
        return html_response(
            core.page(
                "pages/message.html",
                heading="Permohonan dibatalkan",
                message=f"Permohonan {record.id} sudah dibatalkan.",
                next_step="Meeting yang sudah dibuat (bila ada) dihapus dari Zoom. Tim verifikasi dan Anda menerima "
                "email pemberitahuan; tidak ada lagi yang perlu dilakukan.",
            )
        )
    return json_response({"id": record.id, "status": record.status})


# What the person holding a refused link can do next, by the answer's status (a page that only says "no"
# leaves a verifier or an officer stuck).
NEXT_STEPS = {
    403: "Buka tautan dari email Vicon terbaru yang ditujukan kepada Anda dan salin lengkap. "
    "Bila masih tidak dapat dibuka, hubungi admin Vicon di Diskominfo.",
    404: "Periksa nomor permohonan pada email Anda, lalu hubungi admin Vicon di Diskominfo.",
    409: "Keputusan atau status yang sudah tercatat tetap berlaku. Buka lagi tautan dari email untuk melihatnya.",
    410: "Tautan ini sudah tidak berlaku karena jadwal kegiatan sudah lewat. "
    "Bila masih diperlukan, hubungi admin Vicon di Diskominfo.",
    503: "Tidak ada yang berubah. Coba lagi beberapa menit lagi.",
}


# The same for the complaint links: they do not expire with an event, and what they open is a complaint.
COMPLAINT_NEXT_STEPS = {
    **NEXT_STEPS,
    404: "Periksa tautan pada email pengaduan terbaru, lalu hubungi admin Vicon di Diskominfo.",
    409: "Jawaban yang sudah tercatat tetap berlaku. Buka lagi tautan dari email untuk melihatnya.",
    410: "Tautan ini sudah tidak berlaku. Minta tautan baru dari halaman pencatatan pengaduan, atau hubungi admin "
    "Vicon di Diskominfo.",
}


def _page_or_refusal(
    core: Core, heading: str, render: Callable[[], flask.Response], next_steps: dict[int, str] = NEXT_STEPS
) -> flask.Response:
    """Run `render`; bad links and refusals become an HTML page with the right status and a next step."""
    try:
        return render()
    except Exception as exc:
        status, message, _ = _refusal(exc)
    if status == 409:
        heading = "Tidak ada yang diubah"
    page = core.page("pages/message.html", heading=heading, message=message, next_step=next_steps.get(status, ""))
    return html_response(page, status)


@functions_framework.http
@allow("POST", reads_body=True)
def zoom_webhook(request: flask.Request) -> flask.Response:
    """Zoom's events: the signature checked over the raw body, the work queued as a job; 200 within Zoom's 3 s."""
    from vicon.webhooks import MAX_BODY_BYTES as MAX_WEBHOOK_BYTES
    from vicon.webhooks import WebhookRefused

    if (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        return too_large()
    # The raw bytes as they arrived: the signature covers them, never a re-serialised JSON.
    body = request.stream.read(MAX_WEBHOOK_BYTES + 1)
    if len(body) > MAX_WEBHOOK_BYTES:
        return unread_body_error(413, [FieldError("body", "Badan webhook terlalu besar.")])
    core = _core()
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        acknowledged = core.receive_webhook(headers, body)
    except WebhookRefused as refused:
        return error(refused.status, refused.message, refused.field)
    if acknowledged.queued:
        core.jobs_queued()
    return json_response(acknowledged.body or {})


@functions_framework.http
@allow("GET", "POST")
def recording_decision(request: flask.Request) -> flask.Response:
    """Staff decide on a recording made without consent: GET shows the choice, POST (its buttons) decides."""
    core = _core()
    heading = "Tautan keputusan rekaman tidak dapat dipakai"
    if request.method != "POST":
        token = request.args.get("token", "")
        return _page_or_refusal(core, heading, lambda: html_response(core.recording_decision_page(token)))
    token = request.form.get("token", "") or request.args.get("token", "")
    decision = request.form.get("decision", "")

    def decide() -> flask.Response:
        core.decide_recording(token, decision)
        core.jobs_queued()
        return html_response(core.recording_decision_page(token))

    return _page_or_refusal(core, heading, decide)


@functions_framework.http
@allow("GET")
def recordings(request: flask.Request) -> flask.Response:
    """The organiser's archived recordings, until the retention deletion."""
    core = _core()
    token = request.args.get("token", "")
    return _page_or_refusal(
        core, "Tautan rekaman tidak dapat dipakai", lambda: html_response(core.recordings_page(token))
    )


@functions_framework.http
@allow("GET")
def recording_file(request: flask.Request) -> flask.Response:
    """One archived file, streamed, with a name of our own and byte ranges for video players."""
    from vicon.usecases.recording_links import RangeNotSatisfiable

    core = _core()
    token, file_id = request.args.get("token", ""), request.args.get("file", "")
    try:
        download = core.recording_file(token, file_id, request.headers.get("Range"))
    except RangeNotSatisfiable as refused:
        return error(416, refused.message, refused.field, headers={"Content-Range": f"bytes */{refused.size}"})
    except Exception as exc:
        return error(*_refusal(exc))
    headers = {
        "Content-Disposition": f'attachment; filename="{download.filename}"',
        "Accept-Ranges": "bytes",
        "Content-Length": str(download.size),
    }
    if download.content_range:
        headers["Content-Range"] = download.content_range
    body = download.chunks if request.method != "HEAD" else iter(())
    return flask.Response(body, status=download.status, mimetype=download.content_type, headers=headers)


# ---- complaints, suggestions and input (SOP item 10; docs/decisions/0027-complaints.md) ---------------------------


def _complaint_form(request: flask.Request) -> SubmittedForm | flask.Response:
    """A complaint form read part by part (vicon.forms, COMPLAINT_FORM), or the answer refusing it."""
    if request.mimetype not in FORM_TYPES:
        if (request.content_length or 0) > MAX_COMPLAINT_BODY_BYTES:
            limit = f"Kiriman terlalu besar; batasnya {MAX_COMPLAINT_BODY_BYTES // 1024} KB."
            return too_large([FieldError(None, limit)])
        return error(400, "Kirim formulir sebagai application/x-www-form-urlencoded atau multipart/form-data.")
    try:
        return read_form(
            request.stream, request.mimetype, request.mimetype_params, request.content_length, COMPLAINT_FORM
        )
    except FormRefused as refused:
        return unread_body_error(refused.status, [FieldError(refused.field, refused.message)])


@functions_framework.http
@allow("POST", reads_body=True)
def submit_complaint(request: flask.Request) -> flask.Response:
    """A complaint, suggestion or input: 201 {id}; 422 naming fields; 429 over a rate limit; HTML for browsers."""
    form = _complaint_form(request)
    if isinstance(form, flask.Response):
        return form
    from vicon.core import NotStored, RateLimited

    core = _core()
    try:
        receipt = core.submit_complaint(form.fields, client_address(request, core.settings))
    except ValidationFailed as failed:
        if _wants_html(request):
            return html_response(core.complaint_failed_page(failed.errors), 422)
        return error_response(422, failed.errors)
    except RateLimited as limited:
        return error(429, limited.message, limited.field, headers={"Retry-After": str(limited.retry_after)})
    except NotStored:
        log.exception("complaint not stored")
        return error(503, "Layanan sedang mengalami gangguan. Tidak ada yang tersimpan; silakan kirim ulang.")
    if _wants_html(request):
        return html_response(core.complaint_received_page(receipt), 201)
    return json_response(receipt.as_json(), 201)


@functions_framework.http
@allow("GET", "POST")
def complaint_answer(request: flask.Request) -> flask.Response:
    """An officer's answer link: GET shows the complaint (changes nothing), POST mails the answer and closes it."""
    core = _core()
    heading = "Tautan jawaban pengaduan tidak dapat dipakai"
    if request.method != "POST":
        token = request.args.get("token", "")
        return _page_or_refusal(
            core, heading, lambda: html_response(core.complaint_answer_page(token)), COMPLAINT_NEXT_STEPS
        )
    token = request.form.get("token", "") or request.args.get("token", "")

    def answer() -> flask.Response:
        from vicon.inputs import ComplaintAnswerForm

        try:
            form = ComplaintAnswerForm.parse({**request.form.to_dict(), "token": token})
        except ValidationFailed as failed:
            typed = request.form.get("answer", "")
            return html_response(core.complaint_answer_page(token, failed.errors[0].message, typed), 422)
        core.answer_complaint(token, form.answer)
        return html_response(core.complaint_answer_page(token, done=True))

    return _page_or_refusal(core, heading, answer, COMPLAINT_NEXT_STEPS)


@functions_framework.http
@allow("GET", "POST", reads_body=True)
def complaint_register(request: flask.Request) -> flask.Response:
    """An officer registers one received in person, by phone, message or email: GET the form, POST it."""
    core = _core()
    heading = "Tautan pencatatan pengaduan tidak dapat dipakai"
    if request.method != "POST":
        token = request.args.get("token", "")
        if not token:  # no link yet: the page where an officer asks for one
            return html_response(core.complaint_link_request_page())
        return _page_or_refusal(
            core, heading, lambda: html_response(core.complaint_register_page(token)), COMPLAINT_NEXT_STEPS
        )
    form = _complaint_form(request)
    if isinstance(form, flask.Response):
        return form
    token = (form.fields.get("token") or [""])[0] or request.args.get("token", "")

    def register() -> flask.Response:
        try:
            receipt = core.register_complaint(token, form.fields)
        except ValidationFailed as failed:
            return html_response(core.complaint_register_page(token, failed.errors, form.fields), 422)
        return html_response(core.complaint_received_page(receipt, register_token=token), 201)

    return _page_or_refusal(core, heading, register, COMPLAINT_NEXT_STEPS)


@functions_framework.http
@allow("POST")
def complaint_register_link(request: flask.Request) -> flask.Response:
    """An officer asks for a registration link: mailed when the address is staff; the same answer for any address."""
    from vicon.core import RateLimited
    from vicon.inputs import StaffLinkForm

    core = _core()
    try:
        email = StaffLinkForm.parse(request.form.to_dict()).email
        queue_link = core.request_complaint_register_link(email, client_address(request, core.settings))
    except ValidationFailed as failed:
        if _wants_html(request):
            page = core.complaint_link_request_page(failed.errors[0].message, request.form.get("email", ""))
            return html_response(page, 422)
        return error_response(422, failed.errors)
    except RateLimited as limited:
        return error(429, limited.message, limited.field, headers={"Retry-After": str(limited.retry_after)})
    message = "Bila alamat itu terdaftar sebagai petugas, tautan pencatatan dikirim ke sana dalam beberapa menit."
    if _wants_html(request):
        response = html_response(core.page("pages/message.html", heading="Permintaan diterima", message=message), 202)
    else:
        response = json_response({"message": message}, 202)
    if queue_link is not None:
        # After the answer, so it takes as long for an address on no list as for an officer's (staff_login's rule).
        response.call_on_close(lambda: _queue_link(core, queue_link))
    return response


def _queue_link(core: Core, queue_link: Callable[[], None]) -> None:
    """Queue an officer's registration link; the local server sends it at once, production's tick within the
    minute. After the answer nobody hears of a failure, so it is logged."""
    try:
        queue_link()
    except Exception:
        log.exception("the registration link could not be queued")
        return
    core.jobs_queued()


@functions_framework.http
@allow("GET", "POST")
def submit_survey(request: flask.Request) -> flask.Response:
    """The requester's satisfaction survey (site/survei.html): GET ?token= names the request, POST the answers."""
    core = _core()
    if request.method != "POST":
        try:
            return json_response(core.survey_info(request.args.get("token", "")))
        except Exception as exc:
            return error(*_refusal(exc))
    from vicon.inputs import SurveyForm

    try:
        record = core.submit_survey(SurveyForm.parse(request.form.to_dict()))
    except ValidationFailed as failed:
        return _survey_answer(request, core, 422, failed.errors)
    except Exception as exc:
        status, message, field = _refusal(exc)
        return _survey_answer(request, core, status, [FieldError(field, message)])
    if _wants_html(request):
        page = core.page("pages/message.html", heading="Terima kasih", message=SURVEY_THANKS)
        return html_response(page, 201)
    return json_response({"id": record.id, "status": "received"}, 201)


SURVEY_THANKS = "Penilaian Anda sudah kami terima dan akan dipakai dalam evaluasi layanan triwulan ini."


def _survey_answer(request: flask.Request, core: Core, status: int, errors: list[FieldError]) -> flask.Response:
    """A refused survey: the errors list, or for a browser without JavaScript a page saying what to do."""
    if not _wants_html(request):
        return error_response(status, errors)
    message = " ".join(problem.message for problem in errors)
    page = core.page("pages/message.html", heading="Survei belum tersimpan", message=message)
    return html_response(page, status)


@functions_framework.http
@allow("GET")
def quarterly_report(request: flask.Request) -> flask.Response:
    """The supervisor's quarterly evaluation (the mailed link): the report page, or `format=csv&table=` one table."""
    core = _core()
    token, kind = request.args.get("token", ""), request.args.get("format", "html")

    def answer() -> flask.Response:
        if kind == "csv":
            filename, text = core.report_csv(token, request.args.get("table", ""))
            disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
            return flask.Response(text, mimetype="text/csv", headers=disposition)
        html = core.report_page(token)
        from vicon.reporting.render import style_sources

        # The page's own <style> by its hash and no script at all: the file stands alone when saved or printed.
        return html_response(html, csp=page_csp(style_src=style_sources(html), script_src="'none'"))

    if kind not in ("html", "csv"):
        return error(422, "Format tidak dikenal; pilih html atau csv.", "format")
    return _page_or_refusal(core, "Tautan laporan tidak dapat dipakai", answer)


@functions_framework.http
@allow("POST")
def scheduled_tick(request: flask.Request) -> flask.Response:
    """Due work for the scheduler; safe to deliver twice. With TICK_TOKEN set only its bearer is served (the
    internal server's timer); on Google Cloud the function is private (IAM) instead."""
    core = _core()
    if not bearer_token_matches(request, core.settings.tick_token):
        return error(401, TICK_REFUSED, headers={"WWW-Authenticate": 'Bearer realm="scheduled_tick"'})
    return json_response(core.tick())


@functions_framework.http
@allow("GET")
def intake_options(request: flask.Request) -> flask.Response:
    """The rules the form mirrors: earliest event date, limits, choices."""
    return json_response(_core().intake_options())


@functions_framework.http
@allow("GET")
def openapi_json(request: flask.Request) -> flask.Response:
    """This whole contract as an OpenAPI 3.1 document, served at /api/openapi.json."""
    from vicon import openapi  # only here: the other targets' first request never builds it

    return json_response(openapi.document(_core().settings))


# ---- the staff console (decision 0030): sign-in by emailed link, a session cookie, the queue and its actions --------


@functions_framework.http
@allow("GET", "POST")
def staff_login(request: flask.Request) -> flask.Response:
    """Staff sign-in: GET the form, or with ?token= the link's confirmation (changes nothing); POST `email` mails a
    link to a listed address (the same answer for any address), POST `token` (its button) starts the session."""
    from vicon import staff_http

    core = _core()
    heading = "Tautan masuk tidak dapat dipakai"
    if request.method != "POST":
        token = request.args.get("token", "").strip()
        if not token:
            return staff_http.page(core.page("pages/staff_login.html", stage="form", email="", errors=[]))
        return _console(core, heading, lambda: staff_http.page(core.staff_login_page(token)))
    if staff_http.foreign_origin(request, core.settings.public_base_url):
        return _foreign_origin(core)
    from vicon.inputs import StaffLoginForm

    try:
        form = StaffLoginForm.parse(request.form.to_dict())
    except ValidationFailed as failed:
        email = request.form.get("email", "")
        return staff_http.page(
            core.page("pages/staff_login.html", stage="form", email=email, errors=failed.errors), 422
        )
    if form.token:
        return _console(core, heading, lambda: _signed_in(request, core, form.token))
    return _link_requested(request, core, form.email)


def _signed_in(request: flask.Request, core: Core, token: str) -> flask.Response:
    from vicon import staff_http

    started = core.staff_sign_in(token)
    base = core.settings.public_base_url
    # A session this browser already had ends now: signing in again never leaves a second one alive.
    earlier = staff_http.session_token(request, base)
    if earlier and earlier != started.token:
        core.staff_sign_out(earlier)
    response = staff_http.see_other(f"{base}/api/staff_console")
    return staff_http.set_session(response, base, started.token, started.max_age(core.clock()))


def _link_requested(request: flask.Request, core: Core, email: str) -> flask.Response:
    """The same page for every address; a listed one's mail goes out once the answer is sent."""
    from vicon import staff_http
    from vicon.core import RateLimited

    try:
        send = core.request_staff_link(email, client_address(request, core.settings))
    except RateLimited as limited:
        errors = [FieldError(limited.field, limited.message)]
        response = staff_http.page(core.page("pages/staff_login.html", stage="form", email=email, errors=errors), 429)
        response.headers["Retry-After"] = str(limited.retry_after)
        return response
    response = staff_http.page(core.page("pages/staff_login.html", stage="sent", email=email, errors=[]))
    if send is not None:
        # After the answer, so it takes as long for an address on no list as for a staff member's.
        response.call_on_close(send)
    return response


@functions_framework.http
@allow("POST")
def staff_logout(request: flask.Request) -> flask.Response:
    """Sign-out: the session ends in the store at once and the cookie is cleared."""
    from vicon import staff_http

    core = _core()
    base = core.settings.public_base_url
    if staff_http.foreign_origin(request, base):
        return _foreign_origin(core)
    core.staff_sign_out(staff_http.session_token(request, base))
    page = core.page("pages/staff_login.html", stage="signed_out", email="", errors=[])
    return staff_http.clear_session(staff_http.page(page), base)


@functions_framework.http
@allow("GET")
def staff_requests(request: flask.Request) -> flask.Response:
    """The console's list as JSON, ?status=&from=&to=&opd=&q= (session required; 401 without): each
    {id, status, opd, event_name, start, end, due, host}."""
    from vicon import staff_http
    from vicon.inputs import StaffQueueQuery
    from vicon.usecases.staff_access import NotSignedIn

    core = _core()
    try:
        core.staff_member(staff_http.session_token(request, core.settings.public_base_url))
    except NotSignedIn:
        return staff_http.not_signed_in()
    try:
        query = StaffQueueQuery.parse(request.args.to_dict())
    except ValidationFailed as failed:
        return error_response(422, failed.errors)
    return json_response(core.staff_queue(query))


@functions_framework.http
@allow("GET")
def staff_console(request: flask.Request) -> flask.Response:
    """The queue page: requests by status, event date, OPD and text, each with its clock (session required)."""
    from vicon import staff_http
    from vicon.inputs import StaffQueueQuery

    core = _core()

    def queue() -> flask.Response:
        member = _staff_member(request, core)
        try:
            query = StaffQueueQuery.parse(request.args.to_dict())
        except ValidationFailed as failed:
            page = core.staff_queue_page(member, None, failed.errors, request.args.to_dict())
            return staff_http.page(page, 422)
        return staff_http.page(core.staff_queue_page(member, query))

    return _console(core, "Konsol tidak dapat dibuka", queue)


@functions_framework.http
@allow("GET")
def staff_calendar(request: flask.Request) -> flask.Response:
    """The host calendar: a week (?week=YYYY-MM-DD) of every licensed host, its meetings with their buffers, the
    free time, meetings made outside Vicon, and today's meetings with the officer's links (session required)."""
    from vicon import staff_http
    from vicon.inputs import StaffCalendarQuery

    core = _core()

    def calendar() -> flask.Response:
        member = _staff_member(request, core)
        try:
            query = StaffCalendarQuery.parse(request.args.to_dict())
        except ValidationFailed as failed:
            return staff_http.page(core.staff_calendar_page(member, None, failed.errors), 422)
        return staff_http.page(core.staff_calendar_page(member, query))

    return _console(core, "Kalender akun host tidak dapat dibuka", calendar)


@functions_framework.http
@allow("GET", "POST")
def staff_request(request: flask.Request) -> flask.Response:
    """One request in the console: GET ?id= its page (changes nothing); POST `id`, `action`, `reason`, `mail`
    takes the action and answers 303 back to the page (session required)."""
    from vicon import staff_http

    core = _core()
    heading = "Permohonan tidak dapat dibuka"
    if request.method != "POST":
        request_id, done = request.args.get("id", "").strip(), request.args.get("selesai", "")
        return _console(
            core,
            heading,
            lambda: staff_http.page(core.staff_request_page(_staff_member(request, core), request_id, done=done)),
        )
    if staff_http.foreign_origin(request, core.settings.public_base_url):
        return _foreign_origin(core)
    return _console(core, heading, lambda: _staff_action(request, core))


def _staff_action(request: flask.Request, core: Core) -> flask.Response:
    from urllib.parse import urlencode

    from vicon import staff_http
    from vicon.core import Refused
    from vicon.inputs import StaffActionForm

    member = _staff_member(request, core)
    request_id, reason = request.form.get("id", "").strip(), request.form.get("reason", "")
    try:
        form = StaffActionForm.parse(request.form.to_dict())
        core.staff_act(member, form)
    except ValidationFailed as failed:
        if staff_http.wants_json(request):
            return error_response(422, failed.errors)
        return staff_http.page(core.staff_request_page(member, request_id, failed.errors[0].message, reason), 422)
    except Refused as refused:
        if staff_http.wants_json(request):
            return error(refused.status, refused.message, refused.field)
        return staff_http.page(core.staff_request_page(member, request_id, refused.message, reason), refused.status)
    query = urlencode({"id": form.id, "selesai": form.action})
    return staff_http.see_other(f"{core.settings.public_base_url}/api/staff_request?{query}")


@functions_framework.http
@allow("GET")
def staff_letter(request: flask.Request) -> flask.Response:
    """A request's letter for a signed-in staff member: the PDF inline, read-only."""
    core = _core()

    def letter() -> flask.Response:
        filename, data = core.staff_letter(_staff_member(request, core), request.args.get("id", "").strip())
        return flask.Response(
            data, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )

    return _console(core, "Surat tidak dapat dibuka", letter)


@functions_framework.http
@allow("GET", "POST", reads_body=True)
def staff_new_request(request: flask.Request) -> flask.Response:
    """A request received as a paper letter, registered by an officer: GET the form; POST it (multipart, the
    public form's fields with the scanned letter) → 303 to its page in the console (session required)."""
    from vicon import staff_http

    core = _core()
    heading = "Permohonan dari surat tidak dapat dicatat"
    if request.method != "POST":
        return _console(
            core, heading, lambda: staff_http.page(core.staff_new_request_page(_staff_member(request, core)))
        )
    if staff_http.foreign_origin(request, core.settings.public_base_url):
        return _unread(_foreign_origin(core))
    refused = _registering_refused(request, core, heading)
    if refused is not None:
        return refused
    return _console(core, heading, lambda: _paper_request(request, core))


def _paper_request(request: flask.Request, core: Core) -> flask.Response:
    from vicon import staff_http
    from vicon.core import NotStored

    member = _staff_member(request, core)
    if request.mimetype not in FORM_TYPES:
        return _unread(error(400, "Kirim formulir sebagai multipart/form-data (dengan berkas surat PDF)."))
    try:
        form = read_form(request.stream, request.mimetype, request.mimetype_params, request.content_length)
    except FormRefused as refused:
        return unread_body_error(refused.status, [FieldError(refused.field, refused.message)])
    try:
        submission = core.staff_register_request(member, form.fields, form.files.get("letter"))
    except ValidationFailed as failed:
        return staff_http.page(core.staff_new_request_page(member, failed.errors, form.fields), 422)
    except NotStored:
        log.exception("paper request not stored")
        return error(503, "Layanan sedang mengalami gangguan. Tidak ada yang tersimpan; silakan catat ulang.")
    location = f"{core.settings.public_base_url}/api/staff_request?id={submission.id}&selesai=register"
    return staff_http.see_other(location)


@functions_framework.http
@allow("GET", "POST", reads_body=True)
def staff_new_complaint(request: flask.Request) -> flask.Response:
    """A complaint received in person, by phone, message or email, registered by the signed-in officer: GET the
    form (`?tercatat=PG-...`: with that registration's number above it); POST it → 303 back to the form with its
    number, so reloading the page never registers it twice (session required)."""
    from vicon import staff_http

    core = _core()
    heading = "Pengaduan tidak dapat dicatat"
    if request.method != "POST":
        return _console(core, heading, lambda: _complaint_form_page(request, core))
    if staff_http.foreign_origin(request, core.settings.public_base_url):
        return _unread(_foreign_origin(core))
    refused = _registering_refused(request, core, heading)
    if refused is not None:
        return refused
    form = _complaint_form(request)
    if isinstance(form, flask.Response):
        return form
    return _console(core, heading, lambda: _staff_complaint(request, core, form.fields))


def _complaint_form_page(request: flask.Request, core: Core) -> flask.Response:
    from vicon import staff_http

    member = _staff_member(request, core)
    receipt = core.staff_registered_complaint(member, request.args.get("tercatat", "").strip())
    return staff_http.page(core.staff_new_complaint_page(member, receipt=receipt))


def _staff_complaint(request: flask.Request, core: Core, fields: Mapping[str, Sequence[str]]) -> flask.Response:
    from urllib.parse import urlencode

    from vicon import staff_http

    member = _staff_member(request, core)
    try:
        receipt = core.staff_register_complaint(member, fields)
    except ValidationFailed as failed:
        return staff_http.page(core.staff_new_complaint_page(member, failed.errors, fields), 422)
    registered = urlencode({"tercatat": receipt.id})
    return staff_http.see_other(f"{core.settings.public_base_url}/api/staff_new_complaint?{registered}")


def _registering_refused(request: flask.Request, core: Core, heading: str) -> flask.Response | None:
    """The 401 or 403 page for a POST from someone who may not register, before its body is read; None: go on."""
    answer = _console(core, heading, lambda: _may_register(request, core))
    return None if answer.status_code == 204 else _unread(answer)


def _may_register(request: flask.Request, core: Core) -> flask.Response:
    core.staff_may_register(_staff_member(request, core))
    return flask.Response(status=204)


def _unread(response: flask.Response) -> flask.Response:
    """`response` streamed: answered before the body was read, so the framework must not read (or choke on) it."""
    streamed = flask.Response(iter([response.get_data()]), response.status_code, headers=dict(response.headers))
    streamed.headers.pop("Content-Length", None)
    return streamed


def _staff_member(request: flask.Request, core: Core) -> StaffMember:
    from vicon import staff_http

    return core.staff_member(staff_http.session_token(request, core.settings.public_base_url))


def _foreign_origin(core: Core) -> flask.Response:
    from vicon import staff_http

    page = core.page("pages/staff_message.html", heading="Permintaan ditolak", message=staff_http.FOREIGN_ORIGIN)
    return staff_http.page(page, 403)


def _console(core: Core, heading: str, render: Callable[[], flask.Response]) -> flask.Response:
    """Run `render`; a missing session is a 401 page, refusals and bad links a page with their status."""
    from vicon import staff_http
    from vicon.usecases.staff_access import NotSignedIn

    try:
        return render()
    except NotSignedIn:
        status, heading, message = 401, "Silakan masuk", staff_http.NOT_SIGNED_IN
    except Exception as exc:
        status, message, _ = _refusal(exc)
    page = core.page("pages/staff_message.html", heading=heading, message=message, sign_in=status in (401, 403, 410))
    return staff_http.page(page, status)
