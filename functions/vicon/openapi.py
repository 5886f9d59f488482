"""The public HTTP contract as an OpenAPI 3.1 document, built from the code's own rules so it cannot drift.

The forms a client sends (submit_request, the decision, the cancellation) are the models of `vicon.inputs`, as
pydantic describes them: names, titles, limits, choices and descriptions; the settings add what is the
deployment's own (the largest host capacity caps `participant_count`). The answers, their limits and statuses come
from `vicon.intake`, `vicon.forms`, `vicon.web` and `vicon.lifecycle`. `GET /api/openapi.json` answers it,
`site/api.html` shows it to people, and `docs/openapi.json` is the copy for the embedded defaults (`make openapi`
writes it, a test keeps it equal). Only the openapi_json target imports this module (decision 0019).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vicon import inputs, intake, staff_http
from vicon.fields import COMPLAINT_ID_PATTERN, MAX_COMPLAINT_BODY_BYTES
from vicon.forms import MAX_BODY_BYTES
from vicon.lifecycle import STATUS_LABELS, Status
from vicon.records import RequestChannel
from vicon.settings import Settings
from vicon.usecases.staff_console import QUEUE_LIMIT
from vicon.web import SMALL_FORM_BYTES

OPENAPI_VERSION = "3.1.0"
CONTRACT_VERSION = "1.0.0"
SERVERS = [{"url": "/api", "description": "Setiap target di /api/<target> (dev server dan produksi)."}]
TOKEN_PARAMETER_NOTE = inputs.TOKEN_NOTE

JSON = "application/json"
HTML = "text/html"
MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"

SECURITY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Content-Security-Policy")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _headers(*extra: str) -> dict[str, Any]:
    return {name: _header_ref(name) for name in (*SECURITY_HEADERS, "Cache-Control", *extra)}


def _json_answer(description: str, schema: dict[str, Any], *headers: str) -> dict[str, Any]:
    return {"description": description, "headers": _headers(*headers), "content": {JSON: {"schema": schema}}}


def _error(description: str, *headers: str, html: bool = False) -> dict[str, Any]:
    """An error answer: the JSON errors list, and for browser-facing targets an HTML page too."""
    content: dict[str, Any] = {JSON: {"schema": ref("Errors")}}
    if html:
        content[HTML] = {"schema": ref("Page")}
    return {"description": description, "headers": _headers(*headers), "content": content}


def _page(description: str) -> dict[str, Any]:
    return {"description": description, "headers": _headers(), "content": {HTML: {"schema": ref("Page")}}}


# Answers every target may give whatever it is asked: a broken or oversized small form (vicon.web.allow) and an
# unexpected failure.
def _common_errors(*, html: bool = False, form: bool = False) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "503": _error(
            "Gangguan layanan (kegagalan tak terduga, atau Zoom tidak dapat dihubungi); coba lagi nanti.", html=html
        )
    }
    if form:
        answers["400"] = _error("Badan permintaan tidak dapat dibaca (terpotong atau rusak).", html=html)
        answers["413"] = _error(f"Formulir kecil lebih dari {SMALL_FORM_BYTES // 1024} KiB.", html=html)
    return answers


def form_schema(form: type[inputs.Form], *, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """A form's fields as the body schema of a request: the model's own names, titles, limits, choices and
    descriptions (pydantic's JSON schema of it), without the defaults an absent field takes on our side."""
    schema = form.model_json_schema()
    properties = {
        name: {key: value for key, value in field.items() if key != "default"}
        for name, field in schema["properties"].items()
        if name not in without
    }
    required = [name for name in schema.get("required", []) if name not in without]
    return {"type": "object", "properties": properties, "required": required}


def _submit_fields(settings: Settings, *, with_letter: bool) -> dict[str, Any]:
    schema = form_schema(inputs.SubmitForm, without=() if with_letter else ("letter",))
    # The largest host's capacity is this deployment's (ZOOM_HOSTS); the model checks it from its context.
    schema["properties"]["participant_count"]["maximum"] = settings.max_participants
    # Not a field of the model: intake drops a submission that fills it before validation (usecases/submit.py).
    schema["properties"]["website"] = {
        "type": "string",
        "maxLength": 0,
        "description": "Honeypot: harus kosong. Bila terisi, jawabannya 201 seperti sukses, tetapi tidak ada "
        "yang disimpan atau dikirim.",
    }
    return schema


def _submit_request(settings: Settings) -> dict[str, Any]:
    limits = f"Badan permintaan paling besar {MAX_BODY_BYTES} byte; setiap isian teks dibaca sampai batas karakternya."
    return {
        "post": {
            "operationId": "submit_request",
            "summary": "Mengajukan permohonan fasilitasi Zoom Meeting",
            "description": "Formulir yang sama dengan situs. `multipart/form-data` membawa berkas surat; "
            "`application/x-www-form-urlencoded` tidak dapat membawanya (jawabannya 422 pada `letter`). "
            "Browser yang meminta `text/html` mendapat halaman, selain itu JSON. " + limits,
            "requestBody": {
                "required": True,
                "content": {
                    MULTIPART: {
                        "schema": _submit_fields(settings, with_letter=True),
                        "encoding": {"letter": {"contentType": "application/pdf"}},
                    },
                    URLENCODED: {"schema": _submit_fields(settings, with_letter=False)},
                },
            },
            "responses": {
                "201": {
                    "description": "Diterima (juga jawaban untuk honeypot yang terisi).",
                    "headers": _headers(),
                    "content": {JSON: {"schema": ref("Submitted")}, HTML: {"schema": ref("Page")}},
                },
                "400": _error("Badan permintaan tidak dapat dibaca, atau bukan formulir."),
                "413": _error(
                    f"Kiriman lebih dari {MAX_BODY_BYTES // 2**20} MiB, atau satu isian melebihi batasnya "
                    "(menyebut isian itu, misalnya `letter` atau `participants`), atau terlalu banyak bagian."
                ),
                "422": {
                    "description": "Aturan dilanggar: semua kesalahan sekaligus, masing-masing menyebut isiannya "
                    "(kesalahan lintas isian menyebut isian yang belakangan, misalnya `end`).",
                    "headers": _headers(),
                    "content": {JSON: {"schema": ref("Errors")}, HTML: {"schema": ref("Page")}},
                },
                "429": _error(
                    "Melebihi SUBMIT_RATE_LIMIT per alamat kontak (isian `contact_email`) atau "
                    "SUBMIT_RATE_LIMIT_PER_CLIENT per alamat IP (tanpa isian). Tidak ada yang disimpan.",
                    "Retry-After",
                ),
                "503": _error("Tidak ada yang tersimpan; kirim ulang (atau kegagalan tak terduga)."),
            },
        }
    }


def _token_query(description: str = TOKEN_PARAMETER_NOTE, *, required: bool = True) -> dict[str, Any]:
    return {
        "name": "token",
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string", "minLength": 1},
    }


def _form_body(form: type[inputs.Form]) -> dict[str, Any]:
    schema = form_schema(form)
    return {"required": True, "content": {URLENCODED: {"schema": schema}, MULTIPART: {"schema": schema}}}


def _token_form() -> dict[str, Any]:
    """The officer's button: a form of the link's token alone."""
    schema = {
        "type": "object",
        "properties": {"token": {"type": "string", "minLength": 1, "description": inputs.TOKEN_NOTE}},
        "required": [],
    }
    return {"required": True, "content": {URLENCODED: {"schema": schema}, MULTIPART: {"schema": schema}}}


def _decision_body(choices: tuple[str, ...]) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {
            "token": {"type": "string", "minLength": 1, "description": inputs.TOKEN_NOTE},
            "decision": {"enum": list(choices)},
        },
        "required": ["decision"],
    }
    return {"required": True, "content": {URLENCODED: {"schema": schema}, MULTIPART: {"schema": schema}}}


def webhook_body_schema() -> dict[str, Any]:
    """The events read (from vicon.webhooks' models), and any other event, which is acknowledged and ignored."""
    from vicon import webhooks

    events = [
        model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        for model in (webhooks.UrlValidation, webhooks.RecordingCompleted, webhooks.MeetingEvent)
    ]
    for event in events:
        event.pop("$defs", None)
    return {
        "type": "object",
        "required": ["event"],
        "properties": {"event": {"type": "string"}, "event_ts": {"type": "integer"}, "payload": {"type": "object"}},
        "description": "Bentuk event yang dibaca: " + ", ".join(str(e.get("title")) for e in events) + ".",
    }


def _link_refusals(*, with_409: bool = False, with_422: bool = False) -> dict[str, Any]:
    answers = {
        "403": _error("Tautan tidak valid, atau penerimanya tidak lagi berwenang.", html=True),
        "404": _error("Permohonan (atau suratnya) tidak ditemukan.", html=True),
        "410": _error("Tautan sudah kedaluwarsa.", html=True),
    }
    if with_409:
        answers["409"] = _error("Sudah diputuskan atau tidak tersedia lagi; tidak ada yang berubah.", html=True)
    if with_422:
        answers["422"] = _error(
            "Keputusan tidak dikenal, penolakan tanpa `reason`, atau `reason` terlalu panjang.", html=True
        )
    return answers


# ---- complaints, suggestions and input (docs/decisions/0027-complaints.md) --------------------------------------

HONEYPOT = {
    "type": "string",
    "maxLength": 0,
    "description": "Honeypot: harus kosong. Bila terisi, jawabannya 201 seperti sukses, tetapi tidak ada yang disimpan "
    "atau dikirim.",
}


def _complaint_body(form: type[inputs.Form], *, honeypot: bool = False) -> dict[str, Any]:
    schema = form_schema(form)
    if honeypot:
        # Not a field of the model: the intake drops a complaint that fills it before validation.
        schema["properties"]["website"] = HONEYPOT
    return {"required": True, "content": {URLENCODED: {"schema": schema}, MULTIPART: {"schema": schema}}}


def _complaint_paths() -> dict[str, Any]:
    body_limit = (
        f"Badan permintaan paling besar {MAX_COMPLAINT_BODY_BYTES} byte; setiap isian dibaca sampai batas karakternya."
    )
    unread = {
        "400": _error("Badan permintaan tidak dapat dibaca, atau bukan formulir."),
        "413": _error(f"Kiriman lebih dari {MAX_COMPLAINT_BODY_BYTES // 1024} KiB, atau satu isian melebihi batasnya."),
    }
    link_refusals = {
        "403": _error(
            "Tautan tidak valid, atau petugasnya tidak lagi di OPERATOR_EMAILS/SUPERVISOR_EMAILS.", html=True
        ),
        "410": _error("Tautan sudah kedaluwarsa.", html=True),
    }
    return {
        "/submit_complaint": {
            "post": {
                "operationId": "submit_complaint",
                "summary": "Mengirim pengaduan, saran atau masukan (SOP butir 10)",
                "description": "Formulir yang sama dengan `pengaduan.html`, `application/x-www-form-urlencoded` atau "
                "`multipart/form-data`. Setiap kiriman mendapat nomor `PG-TTTT-NNNNNN`; pengirim menerima tanda "
                "terima, OPERATOR_EMAILS dan SUPERVISOR_EMAILS menerima pengaduannya dengan tautan jawaban. Batas "
                "kiriman sama dengan permohonan (SUBMIT_RATE_LIMIT per email, SUBMIT_RATE_LIMIT_PER_CLIENT per IP), "
                "dihitung terpisah. Browser yang meminta `text/html` mendapat halaman. " + body_limit,
                "requestBody": _complaint_body(inputs.ComplaintForm, honeypot=True),
                "responses": {
                    "201": {
                        "description": "Diterima (juga jawaban untuk honeypot yang terisi).",
                        "headers": _headers(),
                        "content": {JSON: {"schema": ref("ComplaintSubmitted")}, HTML: {"schema": ref("Page")}},
                    },
                    **unread,
                    "422": {
                        "description": "Aturan dilanggar: semua kesalahan sekaligus, masing-masing menyebut isiannya "
                        "(termasuk nomor permohonan yang tidak ada).",
                        "headers": _headers(),
                        "content": {JSON: {"schema": ref("Errors")}, HTML: {"schema": ref("Page")}},
                    },
                    "429": _error(
                        "Melebihi batas per email (isian `email`) atau per alamat IP (tanpa isian). Tidak ada yang "
                        "disimpan.",
                        "Retry-After",
                    ),
                    "503": _error("Tidak ada yang tersimpan; kirim ulang (atau kegagalan tak terduga)."),
                },
            }
        },
        "/complaint_answer": {
            "get": {
                "operationId": "complaint_answer_page",
                "summary": "Halaman jawaban petugas: pengaduan dan formulir jawaban (tidak mengubah apa pun)",
                "parameters": [_token_query()],
                "responses": {
                    "200": _page("Pengaduan dengan formulir jawaban, atau jawabannya (hanya baca) bila sudah dijawab."),
                    **link_refusals,
                    "404": _error("Pengaduan tidak ditemukan.", html=True),
                    **_common_errors(html=True),
                },
            },
            "post": {
                "operationId": "complaint_answer",
                "summary": "Jawaban petugas: dikirim ke pengirim, pengaduan ditutup, dicatat di jejak audit",
                "parameters": [_token_query("Token juga boleh di sini bila tidak ada di formulir.", required=False)],
                "requestBody": _form_body(inputs.ComplaintAnswerForm),
                "responses": {
                    "200": _page("Jawaban tercatat dan pengaduan ditutup."),
                    **link_refusals,
                    "404": _error("Pengaduan tidak ditemukan.", html=True),
                    "409": _error("Sudah dijawab; jawaban kedua tidak dikirim dan tidak ada yang berubah.", html=True),
                    "422": _error("Jawaban kosong atau lebih dari batasnya (halaman dengan formulir lagi).", html=True),
                    **_common_errors(html=True, form=True),
                },
            },
        },
        "/complaint_register": {
            "get": {
                "operationId": "complaint_register_page",
                "summary": "Pencatatan oleh petugas: formulir untuk pengaduan yang diterima langsung, telepon, pesan "
                "atau email (tidak mengubah apa pun)",
                "description": "Tanpa `token`: halaman untuk meminta tautan pencatatan (complaint_register_link).",
                "parameters": [
                    {
                        "name": "token",
                        "in": "query",
                        "required": False,
                        "description": "Token tautan pencatatan petugas (dari email); kosong atau tidak ada: halaman "
                        "permintaan tautan.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _page("Formulir pencatatan, atau halaman permintaan tautan bila tanpa token."),
                    **link_refusals,
                    **_common_errors(html=True),
                },
            },
            "post": {
                "operationId": "complaint_register",
                "summary": "Mencatat pengaduan atas nama petugas, dengan salurannya; sama seperti dari formulir web",
                "description": "Tanda terima ke pengirim bila ada email; pengaduan ke OPERATOR_EMAILS dan "
                "SUPERVISOR_EMAILS. " + body_limit,
                "parameters": [_token_query("Token juga boleh di sini bila tidak ada di formulir.", required=False)],
                "requestBody": _complaint_body(inputs.ComplaintRegisterForm),
                "responses": {
                    "201": _page("Tercatat: nomornya, dan tautan untuk mencatat yang lain."),
                    **unread,
                    **link_refusals,
                    "422": _error("Aturan dilanggar: formulir lagi dengan setiap kesalahan di isiannya.", html=True),
                    "503": _error("Tidak ada yang tersimpan; kirim ulang (atau kegagalan tak terduga).", html=True),
                },
            },
        },
        "/complaint_register_link": {
            "post": {
                "operationId": "complaint_register_link",
                "summary": "Petugas meminta tautan pencatatan lewat email",
                "description": "Tautan dikirim hanya bila `email` ada di OPERATOR_EMAILS atau SUPERVISOR_EMAILS; "
                "jawabannya sama untuk alamat apa pun. Batas permintaan per alamat dan per IP.",
                "requestBody": _form_body(inputs.StaffLinkForm),
                "responses": {
                    "202": {
                        "description": "Diterima (tautan dikirim bila alamatnya petugas).",
                        "headers": _headers(),
                        "content": {JSON: {"schema": ref("LinkRequested")}, HTML: {"schema": ref("Page")}},
                    },
                    "422": _error("Alamat email tidak valid.", html=True),
                    "429": _error("Terlalu banyak permintaan; coba lagi nanti.", "Retry-After"),
                    **_common_errors(form=True),
                },
            }
        },
    }


def _paths(settings: Settings) -> dict[str, Any]:
    status_id = {
        "name": "id",
        "in": "query",
        "required": True,
        "description": "Nomor permohonan (`VC-TTTT-NNNNNN`).",
        "schema": {"type": "string", "minLength": 1},
    }
    return {
        "/submit_request": _submit_request(settings),
        "/request_status": {
            "get": {
                "operationId": "request_status",
                "summary": "Status permohonan untuk pemohon (tautan status dari email tanda terima)",
                "description": "Tidak pernah memuat tautan host. Tautan berlaku sampai 90 hari setelah kegiatan.",
                "parameters": [status_id, _token_query()],
                "responses": {
                    "200": _json_answer("Status permohonan.", ref("RequestStatus")),
                    "400": _error("Parameter `id` atau `token` tidak ada."),
                    "403": _error("Tautan tidak valid."),
                    "404": _error("Permohonan tidak ditemukan."),
                    "410": _error("Tautan sudah kedaluwarsa."),
                    **_common_errors(),
                },
            }
        },
        "/review_request": {
            "get": {
                "operationId": "review_request_page",
                "summary": "Halaman konfirmasi verifikator (tidak mengubah apa pun; HEAD juga)",
                "parameters": [_token_query()],
                "responses": {
                    "200": _page("Halaman verifikasi, atau keputusannya (hanya baca) bila sudah diputuskan."),
                    **_link_refusals(),
                    **_common_errors(html=True),
                },
            },
            "post": {
                "operationId": "review_request_decide",
                "summary": "Keputusan verifikator dari tombol halaman konfirmasi",
                "description": "Persetujuan membuat meeting Zoom sebelum menjawab (yang gagal masuk "
                "`provisioning_failed` dan dicoba lagi oleh scheduled_tick).",
                "parameters": [_token_query("Token juga boleh di sini bila tidak ada di formulir.", required=False)],
                "requestBody": _form_body(inputs.DecisionForm),
                "responses": {
                    "200": _page("Halaman hasil keputusan."),
                    **_link_refusals(with_409=True, with_422=True),
                    **_common_errors(html=True, form=True),
                },
            },
        },
        "/request_letter": {
            "get": {
                "operationId": "request_letter",
                "summary": "Surat permohonan untuk verifikator (tautan di halaman verifikasi; HEAD juga)",
                "parameters": [_token_query()],
                "responses": {
                    "200": {
                        "description": "Surat PDF, ditampilkan inline.",
                        "headers": _headers("Content-Disposition"),
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_link_refusals(),
                    **_common_errors(html=True),
                },
            }
        },
        "/start_meeting": {
            "get": {
                "operationId": "start_meeting_page",
                "summary": "Halaman konfirmasi petugas (tautan petugas dari email; tidak memanggil Zoom)",
                "parameters": [_token_query()],
                "responses": {
                    "200": _page("Halaman petugas dengan tombol untuk memulai meeting sebagai host."),
                    **_link_refusals(with_409=True),
                    **_common_errors(html=True),
                },
            },
            "post": {
                "operationId": "start_meeting",
                "summary": "Memulai meeting sebagai host: tautan host baru dari Zoom, dicatat di jejak audit",
                "parameters": [_token_query("Token juga boleh di sini bila tidak ada di formulir.", required=False)],
                "requestBody": _token_form(),
                "responses": {
                    "303": {
                        "description": "Ke tautan host Zoom yang baru diambil.",
                        "headers": _headers("Location"),
                    },
                    **_link_refusals(with_409=True),
                    **_common_errors(html=True, form=True),
                },
            },
        },
        "/cancel_request": {
            "post": {
                "operationId": "cancel_request",
                "summary": "Pemohon membatalkan permohonan (dari halaman status)",
                "description": "Meeting yang sudah dibuat dihapus di Zoom dan slot host dibebaskan.",
                "requestBody": _form_body(inputs.CancelForm),
                "responses": {
                    "200": {
                        "description": "Dibatalkan (halaman untuk browser yang meminta `text/html`).",
                        "headers": _headers(),
                        "content": {JSON: {"schema": ref("Cancelled")}, HTML: {"schema": ref("Page")}},
                    },
                    "400": _error("`id` atau `token` tidak ada, atau badan permintaan tidak dapat dibaca."),
                    "403": _error("Tautan tidak valid."),
                    "404": _error("Permohonan tidak ditemukan."),
                    "409": _error("Tidak dapat dibatalkan lagi."),
                    "410": _error("Tautan sudah kedaluwarsa."),
                    "413": _error(f"Formulir kecil lebih dari {SMALL_FORM_BYTES // 1024} KiB."),
                    **_common_errors(),
                },
            }
        },
        "/scheduled_tick": {
            "post": {
                "operationId": "scheduled_tick",
                "summary": "Pekerjaan terjadwal (Cloud Scheduler, atau timer server internal); aman dikirim dua kali",
                "description": "Badan kosong. Di Google Cloud hanya akun layanan scheduler yang boleh memanggilnya "
                "(IAM). Bila `TICK_TOKEN` diatur (wajib di server internal, `VICON_ENV=production`), hanya permintaan "
                "dengan `Authorization: Bearer <TICK_TOKEN>` yang dilayani; yang lain dijawab 401.",
                "security": [{}, {"tickToken": []}],
                "responses": {
                    "200": _json_answer("Laporan tiap bagian.", ref("TickReport")),
                    "401": _error("`TICK_TOKEN` diatur dan header Authorization tidak membawanya.", "WWW-Authenticate"),
                    **_common_errors(form=True),
                },
            }
        },
        "/zoom_webhook": {
            "post": {
                "operationId": "zoom_webhook",
                "summary": "Event Zoom (webhook): tanda tangan x-zm-signature diperiksa atas badan mentah",
                "description": "`endpoint.url_validation` dijawab dengan `plainToken` dan `encryptedToken` "
                "(HMAC-SHA256 hex dengan secret token). Event lain (`recording.completed`, `meeting.started`, "
                "`meeting.ended`) disimpan sebagai tugas dan dijawab 200 dengan `{}` dalam 3 detik; "
                "event yang sama dua kali hanya sekali dikerjakan. Hanya meeting buatan aplikasi ini yang disentuh.",
                "parameters": [
                    {
                        "name": "x-zm-signature",
                        "in": "header",
                        "required": False,
                        "description": "`v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{badan mentah}`). Wajib untuk "
                        "event; pemeriksaan URL tanpa header ini dijawab hanya untuk token berbentuk token Zoom.",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "x-zm-request-timestamp",
                        "in": "header",
                        "required": False,
                        "description": "Detik Unix; paling jauh 5 menit dari jam server.",
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {"required": True, "content": {JSON: {"schema": webhook_body_schema()}}},
                "responses": {
                    "200": _json_answer(
                        "Diterima (`{}`), atau jawaban pemeriksaan URL.",
                        {
                            "type": "object",
                            "properties": {"plainToken": {"type": "string"}, "encryptedToken": {"type": "string"}},
                            "additionalProperties": False,
                        },
                    ),
                    "400": _error("Badan bukan event JSON, atau field event tidak valid."),
                    "401": _error("Tanda tangan tidak ada, tidak cocok, atau kedaluwarsa (lebih dari 5 menit)."),
                    "403": _error("Webhook belum dikonfigurasi (`ZOOM_WEBHOOK_SECRET` kosong)."),
                    "413": _error("Badan lebih dari 1 MiB."),
                    **_common_errors(),
                },
            }
        },
        "/recording_decision": {
            "get": {
                "operationId": "recording_decision_page",
                "summary": "Rekaman tanpa persetujuan: halaman keputusan petugas (tidak mengubah apa pun)",
                "parameters": [_token_query()],
                "responses": {
                    "200": _page("Halaman dengan tombol Simpan dan Hapus."),
                    **_link_refusals(),
                    **_common_errors(html=True),
                },
            },
            "post": {
                "operationId": "recording_decision",
                "summary": "Keputusan: `archive` (disimpan sesuai masa simpan) atau `delete` (dihapus dari Zoom)",
                "parameters": [_token_query("Token juga boleh di sini bila tidak ada di formulir.", required=False)],
                "requestBody": _decision_body(("archive", "delete")),
                "responses": {
                    "200": _page("Halaman dengan keputusan yang tercatat."),
                    **_link_refusals(with_409=True, with_422=True),
                    **_common_errors(html=True, form=True),
                },
            },
        },
        "/recordings": {
            "get": {
                "operationId": "recordings",
                "summary": "Rekaman yang diarsipkan, untuk penyelenggara (tautan dari email; berlaku sampai dihapus)",
                "parameters": [_token_query()],
                "responses": {
                    "200": _page("Daftar berkas rekaman dengan tombol unduh."),
                    **_link_refusals(),
                    **_common_errors(html=True),
                },
            }
        },
        "/recording_file": {
            "get": {
                "operationId": "recording_file",
                "summary": "Satu berkas rekaman, dialirkan; mendukung `Range` untuk pemutar video (HEAD juga)",
                "description": "Satu rentang `Range: bytes=awal-akhir` (atau `bytes=awal-`, `bytes=-n`) dijawab 206 "
                "dengan `Content-Range`; beberapa rentang sekaligus dijawab utuh (200); di luar berkas 416.",
                "parameters": [
                    _token_query(),
                    {
                        "name": "file",
                        "in": "query",
                        "required": True,
                        "description": "ID berkas dari halaman rekaman.",
                        "schema": {"type": "string"},
                    },
                    {
                        "name": "Range",
                        "in": "header",
                        "required": False,
                        "description": "Satu rentang byte, mis. `bytes=0-1048575`.",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Seluruh berkas.",
                        "headers": _headers("Content-Disposition"),
                        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "206": {
                        "description": "Rentang byte yang diminta.",
                        "headers": _headers("Content-Disposition"),
                        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "403": _error("Tautan tidak valid."),
                    "404": _error("Berkas tidak ditemukan atau sudah dihapus sesuai masa simpan."),
                    "410": _error("Tautan sudah kedaluwarsa (rekaman sudah dihapus)."),
                    "416": _error("Rentang byte di luar ukuran berkas."),
                    **_common_errors(),
                },
            }
        },
        "/submit_survey": _submit_survey(),
        "/quarterly_report": _quarterly_report(),
        **_complaint_paths(),
        "/intake_options": {
            "get": {
                "operationId": "intake_options",
                "summary": "Aturan yang dicerminkan formulir: tanggal paling cepat, batas, pilihan, identitas kantor",
                "responses": {"200": _json_answer("Aturan formulir.", ref("IntakeOptions")), **_common_errors()},
            }
        },
        **_staff_paths(settings),
        "/openapi.json": {
            "get": {
                "operationId": "openapi_json",
                "summary": "Dokumen OpenAPI ini",
                "responses": {
                    "200": _json_answer("Dokumen OpenAPI 3.1 seluruh kontrak.", {"type": "object"}),
                    **_common_errors(),
                },
            }
        },
    }


def _submit_survey() -> dict[str, Any]:
    token = _token_query(inputs.SURVEY_TOKEN_NOTE)
    refusals = {
        "403": _error("Tautan survei tidak valid."),
        "404": _error("Permohonan tidak ditemukan."),
        "409": _error("Kegiatan belum selesai, atau (POST) survei permohonan ini sudah diisi; tidak ada yang berubah."),
        "410": _error("Tautan survei sudah kedaluwarsa."),
    }
    return {
        "get": {
            "operationId": "survey_info",
            "summary": "Permohonan yang disurvei tautan survei (untuk halaman survei.html); tidak mengubah apa pun",
            "parameters": [token],
            "responses": {
                "200": _json_answer("Permohonan dan apakah surveinya sudah diisi.", ref("SurveyInfo")),
                **refusals,
                **_common_errors(),
            },
        },
        "post": {
            "operationId": "submit_survey",
            "summary": "Survei kepuasan masyarakat (SKM) satu permohonan: sembilan unsur skala 1–4, profil opsional",
            "description": "Satu survei per permohonan; yang kedua dijawab 409 dan tidak mengubah apa pun. Tautannya "
            "dikirim ke pemohon setelah kegiatan selesai (`PUBLIC_BASE_URL/survei.html?token=...`). Browser yang "
            "meminta `text/html` mendapat halaman.",
            "requestBody": _form_body(inputs.SurveyForm),
            "responses": {
                "201": {
                    "description": "Tersimpan.",
                    "headers": _headers(),
                    "content": {JSON: {"schema": ref("SurveyReceived")}, HTML: {"schema": ref("Page")}},
                },
                **{
                    status: {**answer, "content": {**answer["content"], HTML: {"schema": ref("Page")}}}
                    for status, answer in refusals.items()
                },
                "422": _error(
                    "Isian tidak valid: setiap kesalahan menyebut isiannya (`u1` … `u9`, profil, `comment`, `token`).",
                    html=True,
                ),
                **_common_errors(html=True, form=True),
            },
        },
    }


def _quarterly_report() -> dict[str, Any]:
    from vicon.reporting.compute import TABLES

    return {
        "get": {
            "operationId": "quarterly_report",
            "summary": "Laporan evaluasi triwulan untuk pengawas (tautan dari email awal triwulan): HTML atau CSV",
            "description": "Dihitung saat dibuka. HTML: satu halaman dengan grafik SVG, tanpa skrip, siap cetak A4. "
            "`format=csv&table=...`: satu tabel sebagai CSV (RFC 4180, UTF-8, desimal titik, waktu ISO 8601 dengan "
            "zona; sel yang diawali = + - @, tab atau CR diberi ' di depannya). Pemegang tautan harus masih "
            "terdaftar di SUPERVISOR_EMAILS.",
            "parameters": [
                _token_query(),
                {
                    "name": "format",
                    "in": "query",
                    "required": False,
                    "description": "`html` (bawaan) atau `csv`.",
                    "schema": {"enum": ["html", "csv"]},
                },
                {
                    "name": "table",
                    "in": "query",
                    "required": False,
                    "description": "Tabel yang diunduh, wajib untuk `format=csv`.",
                    "schema": {"enum": list(TABLES)},
                },
            ],
            "responses": {
                "200": {
                    "description": "Laporan (HTML), atau satu tabelnya (CSV, sebagai lampiran).",
                    "headers": {**_headers(), "Content-Disposition": _header_ref("CsvDisposition")},
                    "content": {HTML: {"schema": ref("Page")}, "text/csv": {"schema": {"type": "string"}}},
                },
                **_link_refusals(),
                "422": _error("Format atau tabel tidak dikenal.", html=True),
                **_common_errors(html=True),
            },
        }
    }


# ---- the staff console (decision 0030) -------------------------------------------------------------------------

STAFF_SECURITY: list[dict[str, list[str]]] = [{"staffSession": []}]


def _staff_headers(*extra: str) -> dict[str, Any]:
    """The console's answers: its pages say `Referrer-Policy: strict-origin` (vicon.staff_http); the rest
    `no-referrer`."""
    return {**_headers(*extra), "Referrer-Policy": _header_ref("StaffReferrerPolicy")}


def _staff_page(description: str, *headers: str) -> dict[str, Any]:
    return {"description": description, "headers": _staff_headers(*headers), "content": {HTML: {"schema": ref("Page")}}}


def _staff_error(description: str) -> dict[str, Any]:
    return {**_error(description, html=True), "headers": _staff_headers()}


def _staff_errors(*statuses: str, form: bool = False) -> dict[str, Any]:
    described = {
        "401": "Tidak ada sesi konsol, atau sesinya sudah berakhir (keluar, kedaluwarsa, atau alamatnya dihapus dari "
        "daftar petugas).",
        "403": "Header `Origin` tidak ada atau bukan PUBLIC_BASE_URL (setiap POST konsol), atau peran tidak mencakup "
        "tindakan ini, atau tautan tidak valid.",
        "404": "Permohonan (atau suratnya, atau email yang dikirim ulang) tidak ditemukan.",
        "409": "Siklus hidup permohonan tidak mengizinkannya sekarang, atau tautan masuk sudah dipakai; tidak ada yang "
        "berubah.",
        "410": "Tautan masuk sudah kedaluwarsa (berlaku 15 menit).",
        "422": "Isian ditolak (pesan dalam Bahasa Indonesia menyebut isiannya).",
        "429": "Terlalu banyak permintaan tautan masuk untuk alamat ini atau dari jaringan ini.",
    }
    answers = {status: _staff_error(described[status]) for status in statuses}
    if "429" in answers:
        answers["429"]["headers"] = _staff_headers("Retry-After")
    common = _common_errors(html=True, form=form)
    return {**answers, **{status: {**answer, "headers": _staff_headers()} for status, answer in common.items()}}


def _queue_parameters() -> list[dict[str, Any]]:
    fields = inputs.StaffQueueQuery.model_fields

    def parameter(name: str, field: str, schema: dict[str, Any]) -> dict[str, Any]:
        described = fields[field]
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": f"{described.title}: {described.description}",
            "schema": schema,
        }

    optional_date = {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"}
    return [
        parameter("status", "status", {"enum": ["", *STATUS_LABELS]}),
        parameter("from", "start_from", optional_date),
        parameter("to", "start_to", optional_date),
        parameter("opd", "opd", {"type": "string", "maxLength": intake.TEXT_LIMITS["opd"]}),
        parameter("q", "q", {"type": "string", "maxLength": inputs.QUERY_TEXT_LIMIT}),
    ]


def _request_id_query() -> dict[str, Any]:
    return {
        "name": "id",
        "in": "query",
        "required": True,
        "description": "Nomor permohonan (`VC-TTTT-NNNNNN`).",
        "schema": {"type": "string", "minLength": 1},
    }


def _staff_paths(settings: Settings) -> dict[str, Any]:
    queue_note = (
        "Tanpa `from` dan `to` antrean mulai hari ini (TIMEZONE); `from=` kosong berarti tanpa batas. Paling banyak "
        f"{QUEUE_LIMIT} permohonan, urut menurut mulai kegiatan lalu nomor."
    )
    return {
        "/staff_login": {
            "get": {
                "operationId": "staff_login_page",
                "summary": "Konsol: halaman masuk, atau (dengan `token`) konfirmasi tautan masuk; tidak mengubah "
                "apa pun",
                "description": "Pemindai email membuka setiap tautan: GET hanya menampilkan tombol Masuk.",
                "parameters": [
                    {
                        "name": "token",
                        "in": "query",
                        "required": False,
                        "description": "Token tautan masuk dari email; tanpa token (atau kosong): formulir masuk.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _staff_page("Formulir masuk, atau konfirmasi dengan tombol Masuk."),
                    **_staff_errors("403", "410"),
                },
            },
            "post": {
                "operationId": "staff_login",
                "summary": "Konsol: `email` meminta tautan masuk; `token` (tombol konfirmasi) memulai sesi",
                "description": "`email`: bila terdaftar di VERIFIER_EMAILS, OPERATOR_EMAILS atau SUPERVISOR_EMAILS, "
                "tautan sekali pakai (15 menit) dikirim setelah jawaban; jawabannya sama untuk alamat mana pun. "
                "`token`: tautan dipakai (sekali) dan sesi dimulai: cookie HttpOnly, SameSite=Strict, Secure pada "
                "https, paling lama 12 jam. Header `Origin` wajib sama dengan PUBLIC_BASE_URL.",
                "requestBody": _form_body(inputs.StaffLoginForm),
                "responses": {
                    "200": _staff_page("Halaman “periksa email Anda” (sama untuk setiap alamat)."),
                    "303": {
                        "description": "Sesi dimulai: ke antrean (`staff_console`), dengan cookie sesi.",
                        "headers": _staff_headers("Location", "Set-Cookie"),
                    },
                    **_staff_errors("403", "409", "410", "422", "429", form=True),
                },
            },
        },
        "/staff_logout": {
            "post": {
                "operationId": "staff_logout",
                "summary": "Konsol: keluar; sesi diakhiri di penyimpanan seketika dan cookie dihapus",
                "description": "Header `Origin` wajib sama dengan PUBLIC_BASE_URL.",
                "responses": {
                    "200": _staff_page("Halaman “Anda sudah keluar”.", "Set-Cookie"),
                    **_staff_errors("403", form=True),
                },
            }
        },
        "/staff_requests": {
            "get": {
                "operationId": "staff_requests",
                "summary": "Konsol: daftar permohonan sebagai JSON (perlu sesi)",
                "description": queue_note,
                "security": STAFF_SECURITY,
                "parameters": _queue_parameters(),
                "responses": {
                    "200": _json_answer(
                        "Permohonan menurut filter.", {"type": "array", "items": ref("StaffQueueItem")}
                    ),
                    "401": _error("Tidak ada sesi konsol, atau sesinya sudah berakhir."),
                    "422": _error("Filter tidak valid (menyebut isiannya)."),
                    **_common_errors(),
                },
            }
        },
        "/staff_console": {
            "get": {
                "operationId": "staff_console",
                "summary": "Konsol: halaman antrean (status, tanggal, perangkat daerah, pencarian; batas SLA) "
                "(perlu sesi)",
                "description": queue_note,
                "security": STAFF_SECURITY,
                "parameters": _queue_parameters(),
                "responses": {
                    "200": _staff_page("Halaman antrean."),
                    **_staff_errors("401", "422"),
                },
            }
        },
        "/staff_calendar": {
            "get": {
                "operationId": "staff_calendar",
                "summary": "Konsol: kalender akun host satu minggu (meeting dengan jedanya, waktu bebas, meeting yang "
                "dibuat di luar Vicon, selisih dengan Zoom) dan meeting hari ini dengan tautan petugas (perlu sesi)",
                "description": "Dibangun dari catatan Vicon dan diperiksa dengan daftar meeting Zoom setiap akun host "
                "(satu permintaan per akun). Bila daftar Zoom gagal dibaca, halaman tetap tampil dari catatan Vicon "
                "dan menyebutnya. Tidak mengubah apa pun.",
                "security": STAFF_SECURITY,
                "parameters": [
                    {
                        "name": "week",
                        "in": "query",
                        "required": False,
                        "description": f"{inputs.StaffCalendarQuery.model_fields['week'].title}: "
                        f"{inputs.StaffCalendarQuery.model_fields['week'].description}",
                        "schema": {"type": "string", "pattern": r"^(\d{4}-\d{2}-\d{2})?$"},
                    }
                ],
                "responses": {
                    "200": _staff_page("Halaman kalender akun host."),
                    **_staff_errors("401", "422"),
                },
            }
        },
        "/staff_request": {
            "get": {
                "operationId": "staff_request_page",
                "summary": "Konsol: satu permohonan (isi halaman verifikasi, jejak audit, riwayat email, tindakan); "
                "tidak mengubah apa pun",
                "security": STAFF_SECURITY,
                "parameters": [
                    _request_id_query(),
                    {
                        "name": "selesai",
                        "in": "query",
                        "required": False,
                        "description": "Tindakan yang baru dilakukan (pesan di halaman); diisi oleh jawaban 303.",
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {
                    "200": _staff_page("Halaman permohonan."),
                    **_staff_errors("401", "404"),
                },
            },
            "post": {
                "operationId": "staff_request_act",
                "summary": "Konsol: satu tindakan pada permohonan, dicatat di jejak audit dengan alamat petugas",
                "description": "Header `Origin` wajib sama dengan PUBLIC_BASE_URL. `approve`/`reject`: verifikator, "
                "aturan yang sama dengan tautan verifikasi; `cancel`: verifikator atau Kepala Bidang; `retry`, "
                "`resend`: setiap petugas.",
                "security": STAFF_SECURITY,
                "requestBody": _form_body(inputs.StaffActionForm),
                "responses": {
                    "303": {
                        "description": "Dilakukan: kembali ke halaman permohonan (`staff_request?id=&selesai=`).",
                        "headers": _staff_headers("Location"),
                    },
                    **_staff_errors("401", "403", "404", "409", "422", form=True),
                },
            },
        },
        **_staff_registration_paths(settings),
        "/staff_letter": {
            "get": {
                "operationId": "staff_letter",
                "summary": "Konsol: surat permohonan (PDF inline, hanya baca) (perlu sesi)",
                "security": STAFF_SECURITY,
                "parameters": [_request_id_query()],
                "responses": {
                    "200": {
                        "description": "Surat PDF, ditampilkan inline.",
                        "headers": _staff_headers("Content-Disposition"),
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_staff_errors("401", "404"),
                },
            }
        },
    }


def _staff_registration_paths(settings: Settings) -> dict[str, Any]:
    """The console's registration forms (decision 0034): a paper letter's request, a complaint by phone or in person."""
    who = (
        "Hanya petugas (OPERATOR_EMAILS) dan Kepala Bidang (SUPERVISOR_EMAILS); verifikator lain 403. Header `Origin` "
        "wajib sama dengan PUBLIC_BASE_URL. Tanpa honeypot dan tanpa batas kiriman: sesi petugas yang memeriksa, "
        "dan setiap pencatatan masuk jejak audit dengan alamat petugas (`via` `konsol`)."
    )
    request_fields = form_schema(inputs.SubmitForm)
    request_fields["properties"]["participant_count"]["maximum"] = settings.max_participants
    complaint_fields = form_schema(inputs.ComplaintRegisterForm, without=("token",))
    return {
        "/staff_new_request": {
            "get": {
                "operationId": "staff_new_request_page",
                "summary": "Konsol: formulir permohonan dari surat fisik (perlu sesi); tidak mengubah apa pun",
                "security": STAFF_SECURITY,
                "responses": {"200": _staff_page("Formulir kosong."), **_staff_errors("401", "403")},
            },
            "post": {
                "operationId": "staff_new_request",
                "summary": "Konsol: mencatat permohonan yang datang sebagai surat fisik, dengan hasil pindai suratnya",
                "description": "Isian dan aturan sama dengan `submit_request` (pemeriksaan PDF yang sama); "
                "permohonannya tercatat dengan `received_via` `surat` dan petugas pencatat, lalu mengikuti siklus "
                "biasa: tanda terima dengan tautan status ke `contact_email`, email verifikasi ke VERIFIER_EMAILS. "
                + who,
                "security": STAFF_SECURITY,
                "requestBody": {
                    "required": True,
                    "content": {
                        MULTIPART: {
                            "schema": request_fields,
                            "encoding": {"letter": {"contentType": "application/pdf"}},
                        }
                    },
                },
                "responses": {
                    "303": {
                        "description": "Tercatat: ke halaman permohonannya (`staff_request?id=&selesai=register`).",
                        "headers": _staff_headers("Location"),
                    },
                    "400": _error("Badan permintaan tidak dapat dibaca, atau bukan formulir."),
                    "413": _error(
                        f"Kiriman lebih dari {MAX_BODY_BYTES // 2**20} MiB, atau satu isian melebihi batasnya."
                    ),
                    **_staff_errors("401", "403", "422"),
                },
            },
        },
        "/staff_new_complaint": {
            "get": {
                "operationId": "staff_new_complaint_page",
                "summary": "Konsol: formulir pengaduan yang diterima langsung, lewat telepon, pesan atau email "
                "(perlu sesi); tidak mengubah apa pun",
                "security": STAFF_SECURITY,
                "parameters": [
                    {
                        "name": "tercatat",
                        "in": "query",
                        "required": False,
                        "description": "Nomor pengaduan yang baru dicatat petugas ini (pengalihan setelah POST): "
                        "nomornya tampil di atas formulir kosong. Nomor lain atau tidak dikenal: formulir kosong saja.",
                        "schema": {"type": "string", "maxLength": 64},
                    }
                ],
                "responses": {"200": _staff_page("Formulir kosong."), **_staff_errors("401", "403")},
            },
            "post": {
                "operationId": "staff_new_complaint",
                "summary": "Konsol: mencatat pengaduan, saran atau masukan atas nama petugas yang masuk",
                "description": "Isian sama dengan `complaint_register` tanpa `token`: nomor `PG-TTTT-NNNNNN`, "
                "saluran dan petugas tercatat, tanda terima ke pengirim (bila ada email), pengaduannya ke "
                "OPERATOR_EMAILS dan SUPERVISOR_EMAILS. " + who,
                "security": STAFF_SECURITY,
                "requestBody": {
                    "required": True,
                    "content": {URLENCODED: {"schema": complaint_fields}, MULTIPART: {"schema": complaint_fields}},
                },
                "responses": {
                    "303": {
                        "description": "Tercatat: ke `staff_new_complaint?tercatat=PG-...`, yang menampilkan nomornya "
                        "di atas formulir kosong (memuat ulang halaman tidak mencatat dua kali).",
                        "headers": _staff_headers("Location"),
                    },
                    "400": _error("Badan permintaan tidak dapat dibaca, atau bukan formulir."),
                    "413": _error(f"Kiriman lebih dari {MAX_COMPLAINT_BODY_BYTES // 1024} KiB."),
                    **_staff_errors("401", "403", "422"),
                },
            },
        },
    }


def _staff_components() -> dict[str, Any]:
    instant = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC."}
    item = {
        "type": "object",
        "description": "Satu permohonan di antrean konsol.",
        "properties": {
            "id": {"type": "string"},
            "status": ref("Status"),
            "opd": {"type": "string"},
            "opd_other": {"type": "string"},
            "event_name": {"type": "string"},
            "start": instant,
            "end": instant,
            "due": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "Batas langkah saat ini (UTC), menurut jam SLA: untuk `submitted` batas verifikasi "
                "(1 hari kerja jam kantor setelah pengajuan), untuk `approved` dan `provisioning_failed` batas "
                "pembuatan meeting (1 hari kerja setelah disetujui, paling lambat saat kegiatan mulai); null bila "
                "tidak ada jam SLA yang berjalan.",
            },
            "overdue": {"type": "boolean", "description": "Batas `due` sudah lewat."},
            "host": {"type": ["string", "null"], "description": "Akun host Zoom meetingnya, bila sudah dibuat."},
            "received_via": {
                "enum": [channel.value for channel in RequestChannel],
                "description": "`web`: formulir situs (atau submit_request); `surat`: surat fisik, dicatat petugas "
                "dari konsol (`staff_new_request`).",
            },
        },
        "required": [
            "id",
            "status",
            "opd",
            "opd_other",
            "event_name",
            "start",
            "end",
            "due",
            "overdue",
            "host",
            "received_via",
        ],
        "additionalProperties": False,
    }
    return {
        "schemas": {"StaffQueueItem": item},
        "headers": {
            "StaffReferrerPolicy": {
                "schema": {"enum": ["strict-origin", "no-referrer"]},
                "required": True,
                "description": "Halaman konsol: `strict-origin` (POST dari halamannya membawa Origin yang sebenarnya; "
                "Referer hanya asal situs, tanpa jalur atau token); "
                "jawaban lain `no-referrer`.",
            },
            "Set-Cookie": {
                "schema": {"type": "string", "pattern": "HttpOnly"},
                "required": True,
                "description": "Cookie sesi konsol: HttpOnly; SameSite=Strict; Secure pada https; Path=/.",
            },
        },
        "securitySchemes": {
            "staffSession": {
                "type": "apiKey",
                "in": "cookie",
                "name": staff_http.SECURE_COOKIE,
                "description": "Sesi konsol dari staff_login (tautan masuk lewat email). Bila PUBLIC_BASE_URL "
                f"berawalan http (server lokal), namanya `{staff_http.COOKIE}` (awalan `__Host-` menuntut https).",
            }
        },
    }


def _components() -> dict[str, Any]:
    statuses = list(STATUS_LABELS)
    count = {"type": "integer", "minimum": 0}
    part_failed = {
        "type": "object",
        "properties": {"error": {"const": True}},
        "required": ["error"],
        "additionalProperties": False,
        "description": "Kueri bagian ini gagal; bagian lain tetap berjalan.",
    }
    choice = {
        "type": "object",
        "properties": {"value": {"type": "string"}, "label": {"type": "string"}},
        "required": ["value", "label"],
        "additionalProperties": False,
    }
    identity_keys = (
        "regency_name",
        "office_name",
        "office_short_name",
        "contact_email",
        "pic_phone",
        "pic_whatsapp",
        "pic_whatsapp_url",
        "logo_url",
    )
    instant = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC."}
    return {
        "schemas": {
            "Errors": {
                "type": "object",
                "description": "Setiap jawaban 4xx dan 503 dalam JSON; pesan dalam Bahasa Indonesia.",
                "properties": {
                    "errors": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {
                                    "type": ["string", "null"],
                                    "description": "Isian penyebabnya, atau null bila bukan satu isian.",
                                },
                                "message": {"type": "string", "minLength": 1},
                            },
                            "required": ["field", "message"],
                            "additionalProperties": False,
                        },
                    }
                },
                "required": ["errors"],
                "additionalProperties": False,
            },
            "Page": {
                "type": "string",
                "pattern": "^<!doctype html>",
                "description": "Halaman HTML (Bahasa Indonesia).",
            },
            "Status": {
                "type": "string",
                "enum": statuses,
                "description": "; ".join(f"`{key}`: {label}" for key, label in STATUS_LABELS.items()),
            },
            "Submitted": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": r"^VC-\d{4}-\d{6}$"},
                    "status": {"const": Status.SUBMITTED},
                    "status_url": {"type": "string", "format": "uri", "description": "Tautan status bertanda tangan."},
                },
                "required": ["id", "status", "status_url"],
                "additionalProperties": False,
            },
            "ComplaintSubmitted": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": COMPLAINT_ID_PATTERN, "description": "Nomor pengaduan."}
                },
                "required": ["id"],
                "additionalProperties": False,
            },
            "LinkRequested": {
                "type": "object",
                "properties": {"message": {"type": "string", "minLength": 1}},
                "required": ["message"],
                "additionalProperties": False,
            },
            "Cancelled": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "status": {"const": Status.CANCELLED}},
                "required": ["id", "status"],
                "additionalProperties": False,
            },
            "Meeting": {
                "type": "object",
                "description": "Tanpa tautan host.",
                "properties": {
                    "id": {"type": ["integer", "string"]},
                    "join_url": {"type": ["string", "null"]},
                    "passcode": {"type": ["string", "null"]},
                    "start": {"type": ["string", "null"]},
                    "end": {"type": ["string", "null"]},
                },
                "required": ["id", "join_url", "passcode", "start", "end"],
                "additionalProperties": False,
            },
            "RequestStatus": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": ref("Status"),
                    "status_label": {"type": "string"},
                    "opd": {"type": "string"},
                    "opd_other": {"type": "string"},
                    "event_name": {"type": "string"},
                    "start": instant,
                    "end": instant,
                    "history": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {"status": ref("Status"), "at": instant, "label": {"type": "string"}},
                            "required": ["status", "at", "label"],
                            "additionalProperties": False,
                        },
                    },
                    "meeting": {
                        "oneOf": [ref("Meeting"), {"type": "null"}],
                        "description": "Hanya untuk `provisioned` dan `completed`.",
                    },
                    "reason": {"type": ["string", "null"], "description": "Alasan penolakan atau kegagalan."},
                    "can_cancel": {"type": "boolean"},
                    "timezone": {"type": "string", "description": "TIMEZONE (IANA)."},
                    "timezone_label": {"type": "string", "description": "WIB, WITA atau WIT."},
                },
                "required": [
                    "id",
                    "status",
                    "status_label",
                    "opd",
                    "opd_other",
                    "event_name",
                    "start",
                    "end",
                    "history",
                    "meeting",
                    "reason",
                    "can_cancel",
                    "timezone",
                    "timezone_label",
                ],
                "additionalProperties": False,
            },
            "TickReport": {
                "type": "object",
                "properties": {
                    "provisioning": {
                        "oneOf": [
                            {
                                "type": "object",
                                "properties": {name: count for name in ("taken_over", "retried", "skipped", "errors")},
                                "required": ["taken_over", "retried", "skipped", "errors"],
                                "additionalProperties": False,
                            },
                            part_failed,
                        ]
                    },
                    "cleanup": {"oneOf": [count, part_failed], "description": "Penghapusan yang diselesaikan."},
                    "mail": {
                        "oneOf": [
                            {
                                "type": "object",
                                "properties": {"sent": count, "failed": count},
                                "required": ["sent", "failed"],
                                "additionalProperties": False,
                            },
                            part_failed,
                        ]
                    },
                    "jobs": {
                        "oneOf": [
                            {
                                "type": "object",
                                "properties": {name: count for name in ("done", "retried", "given_up", "errors")},
                                "required": ["done", "retried", "given_up", "errors"],
                                "additionalProperties": False,
                                "description": "Tugas terjadwal (webhook Zoom, rekaman, masa simpan, penyelesaian).",
                            },
                            part_failed,
                        ]
                    },
                },
                "required": ["provisioning", "cleanup", "mail", "jobs"],
                "additionalProperties": False,
            },
            "SurveyInfo": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "event_name": {"type": "string"},
                    "opd": {"type": "string", "description": "Perangkat daerah seperti dibaca orang."},
                    "start": instant,
                    "end": instant,
                    "answered": {"type": "boolean", "description": "Survei permohonan ini sudah diisi."},
                    "timezone": {"type": "string"},
                    "timezone_label": {"type": "string"},
                },
                "required": ["id", "event_name", "opd", "start", "end", "answered", "timezone", "timezone_label"],
                "additionalProperties": False,
            },
            "SurveyReceived": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "status": {"const": "received"}},
                "required": ["id", "status"],
                "additionalProperties": False,
            },
            "IntakeOptions": {
                "type": "object",
                "properties": {
                    "timezone": {"type": "string"},
                    "timezone_label": {"type": "string"},
                    "today": {"type": "string", "format": "date"},
                    "earliest_event_date": {"type": "string", "format": "date"},
                    "earliest_event_date_label": {"type": "string"},
                    "min_lead_working_days": {"type": "integer", "minimum": 0},
                    "min_participants": {"const": intake.MIN_PARTICIPANTS},
                    "max_participants": {"type": "integer", "minimum": 1},
                    "max_letter_bytes": {"const": intake.MAX_LETTER_BYTES},
                    "letter_max_age_days": {"const": intake.LETTER_MAX_AGE_DAYS},
                    "max_event_hours": {"const": intake.MAX_EVENT_HOURS},
                    "limits": {
                        "type": "object",
                        "properties": {name: {"const": limit} for name, limit in intake.TEXT_LIMITS.items()},
                        "required": list(intake.TEXT_LIMITS),
                        "additionalProperties": False,
                    },
                    "event_types": {"type": "array", "items": choice},
                    "needs": {"type": "array", "items": choice},
                    "opd_list": {"type": "array", "items": {"type": "string"}},
                    "opd_other": {"const": intake.OPD_OTHER},
                    "statuses": {
                        "type": "array",
                        "description": "Every request status with its label, in lifecycle order.",
                        "items": {
                            "type": "object",
                            "properties": {
                                "value": {"$ref": "#/components/schemas/Status"},
                                "label": {"type": "string"},
                            },
                            "required": ["value", "label"],
                            "additionalProperties": False,
                        },
                    },
                    "identity": {
                        "type": "object",
                        "properties": {key: {"type": "string"} for key in identity_keys},
                        "required": list(identity_keys),
                        "additionalProperties": False,
                    },
                },
                "required": [
                    "timezone",
                    "timezone_label",
                    "today",
                    "earliest_event_date",
                    "earliest_event_date_label",
                    "min_lead_working_days",
                    "min_participants",
                    "max_participants",
                    "max_letter_bytes",
                    "letter_max_age_days",
                    "max_event_hours",
                    "limits",
                    "event_types",
                    "needs",
                    "opd_list",
                    "opd_other",
                    "statuses",
                    "identity",
                ],
                "additionalProperties": False,
            },
        },
        "securitySchemes": {
            "tickToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "Rahasia bersama `TICK_TOKEN` yang dikirim timer server internal ke scheduled_tick.",
            }
        },
        "headers": {
            "X-Content-Type-Options": {"schema": {"const": "nosniff"}, "required": True},
            "Referrer-Policy": {"schema": {"const": "no-referrer"}, "required": True},
            "X-Frame-Options": {"schema": {"const": "DENY"}, "required": True},
            "Content-Security-Policy": {
                "schema": {"type": "string", "pattern": "frame-ancestors 'none'"},
                "required": True,
                "description": "Halaman: tanpa skrip inline; selain halaman: `sandbox` (README, Security headers).",
            },
            "Cache-Control": {"schema": {"const": "no-store"}, "required": True},
            "Retry-After": {
                "schema": {"type": "integer", "minimum": 1},
                "required": True,
                "description": "Detik sampai jendela batas berakhir.",
            },
            "Location": {"schema": {"type": "string", "format": "uri"}, "required": True},
            "WWW-Authenticate": {"schema": {"type": "string", "pattern": "^Bearer "}, "required": True},
            "Content-Disposition": {
                "schema": {"type": "string", "pattern": '^inline; filename="surat-VC-[0-9]{4}-[0-9]{6}\\.pdf"$'},
                "required": True,
            },
            "CsvDisposition": {
                "schema": {"type": "string", "pattern": '^attachment; filename="[0-9]{4}Q[1-4]-[a-z-]+\\.csv"$'},
                "required": False,
                "description": "Hanya pada CSV.",
            },
        },
    }


def document(settings: Settings) -> dict[str, Any]:
    """The whole public contract as these settings serve it."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Vicon: layanan fasilitasi Zoom Meeting",
            "version": CONTRACT_VERSION,
            "summary": "Kontrak HTTP publik Vicon (formulir, status, verifikasi, petugas, scheduler, survei, laporan).",
            "description": "Setiap target dilayani di `/api/<target>`. Kesalahan berupa JSON "
            '`{"errors": [{"field": ..., "message": ...}]}` dengan pesan dalam Bahasa Indonesia; target yang dibuka '
            "browser (tautan di email) menjawab halaman HTML. Jawaban 5xx selalu berarti bug, kecuali 503 "
            "yang menyatakan gangguan sementara. Metode lain dijawab 405 dengan header `Allow`.",
        },
        "servers": SERVERS,
        "paths": _paths(settings),
        "components": _merged(_components(), _staff_components()),
    }


def _merged(components: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """`components` with each section of `more` added to it."""
    return {**components, **{name: {**components.get(name, {}), **section} for name, section in more.items()}}


def dumps(doc: dict[str, Any]) -> str:
    """The document as the checked-in copy spells it."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str]) -> int:
    """`make openapi`: write the document for the embedded defaults (never the caller's environment)."""
    target = Path(argv[1]) if len(argv) > 1 else None
    text = dumps(document(Settings.from_env({"SIGNING_KEY": "unused-for-the-document"})))
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
