"""The public HTTP contract as an OpenAPI 3.1 document, built from the code's own rules so it cannot drift.

Limits, choices and patterns come from `vicon.intake`, `vicon.forms` and the settings (the largest host capacity
caps `participant_count`); `GET /api/openapi.json` answers it, `site/api.html` shows it to people, and
`docs/openapi.json` is the copy for the embedded defaults (`make openapi` writes it, a test keeps it equal).
Plain dicts: pydantic would add to every cold start (docs/decisions/0004-settings-without-pydantic.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from vicon import intake
from vicon.forms import MAX_BODY_BYTES
from vicon.lifecycle import STATUS_LABELS, Status
from vicon.settings import Settings
from vicon.web import SMALL_FORM_BYTES

OPENAPI_VERSION = "3.1.0"
CONTRACT_VERSION = "1.0.0"
SERVERS = [{"url": "/api", "description": "Setiap target di /api/<target> (dev server dan produksi)."}]
# Single-line text fields may not hold a line break; no field may hold control characters (README, input rules).
SINGLE_LINE = "Satu baris: tanpa ganti baris, tanpa karakter kontrol atau penanda arah teks (bidi)."
MULTI_LINE = "Boleh beberapa baris; tanpa karakter kontrol atau penanda arah teks (bidi)."
TOKEN_PARAMETER_NOTE = "Token bertanda tangan dari tautan di email; terikat pada permohonan, tujuan dan penerima."  # noqa: S105 — a description, not a secret

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


def _text(name: str, *, required: bool = True) -> dict[str, Any]:
    limit = intake.TEXT_LIMITS[name]
    schema: dict[str, Any] = {
        "type": "string",
        "title": intake.FIELD_LABELS[name],
        "maxLength": limit,
        "description": MULTI_LINE if name in intake.MULTILINE_FIELDS else SINGLE_LINE,
    }
    if required:
        schema["minLength"] = 1
    return schema


def _submit_fields(settings: Settings, *, with_letter: bool) -> dict[str, Any]:
    local_datetime = {
        "type": "string",
        "pattern": intake._LOCAL_DATETIME.pattern,
        "description": f"Waktu setempat di TIMEZONE ({settings.timezone}), `YYYY-MM-DDTHH:MM`.",
    }
    properties: dict[str, Any] = {
        "opd": _text("opd")
        | {
            "description": "Nama perangkat daerah dari OPD_LIST (lihat `opd_list` pada intake_options; dibandingkan "
            f"tanpa membedakan huruf besar/kecil) atau `{intake.OPD_OTHER}`. " + SINGLE_LINE,
        },
        "opd_other": _text("opd_other", required=False)
        | {"description": f"Wajib bila `opd` = `{intake.OPD_OTHER}`, selain itu diabaikan. " + SINGLE_LINE},
        "event_name": _text("event_name"),
        "event_type": {
            "type": "string",
            "title": intake.FIELD_LABELS["event_type"],
            "enum": list(intake.EVENT_TYPES),
            "description": "; ".join(f"`{key}`: {label}" for key, label in intake.EVENT_TYPES.items()),
        },
        "start": local_datetime
        | {
            "title": intake.FIELD_LABELS["start"],
            "description": local_datetime["description"]
            + f" Tanggalnya paling cepat {settings.min_lead_working_days} hari kerja setelah hari ini "
            f"(`earliest_event_date` pada intake_options), paling jauh {intake.MAX_DAYS_AHEAD} hari.",
        },
        "end": local_datetime
        | {
            "title": intake.FIELD_LABELS["end"],
            "description": local_datetime["description"]
            + f" Setelah `start`, paling lama {intake.MAX_EVENT_HOURS} jam sesudahnya.",
        },
        "participant_count": {
            "type": "integer",
            "title": intake.FIELD_LABELS["participant_count"],
            "minimum": intake.MIN_PARTICIPANTS,
            "maximum": settings.max_participants,
            "description": "Paling banyak kapasitas akun Zoom terbesar (ZOOM_HOSTS).",
        },
        "participants": _text("participants") | {"description": "Satu peserta per baris. " + MULTI_LINE},
        "speakers": _text("speakers"),
        "contact_name": _text("contact_name"),
        "contact_phone": _text("contact_phone")
        | {"description": "Nomor Indonesia (`08…`, `+62…`, `62…`), disimpan sebagai `+62…`. " + SINGLE_LINE},
        "contact_email": _text("contact_email") | {"format": "email"},
        "letter_number": _text("letter_number"),
        "letter_date": {
            "type": "string",
            "format": "date",
            "title": intake.FIELD_LABELS["letter_date"],
            "description": f"`YYYY-MM-DD`; tidak setelah hari ini, tidak lebih dari {intake.LETTER_MAX_AGE_DAYS} "
            "hari sebelumnya.",
        },
    }
    if with_letter:
        properties["letter"] = {
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/pdf",
            "title": intake.FIELD_LABELS["letter"],
            "description": f"PDF paling besar {intake.MAX_LETTER_BYTES} byte ({intake.MAX_LETTER_BYTES // 2**20} "
            "MiB), diawali `%PDF-`, minimal satu halaman, tanpa konten aktif (README, Letter rules). Jenis dan nama "
            "berkas yang dikirim tidak dipercaya.",
        }
    properties |= {
        "needs": {
            "type": "array",
            "title": intake.FIELD_LABELS["needs"],
            "items": {"type": "string", "enum": list(intake.NEEDS)},
            "uniqueItems": True,
            "description": "Diulang satu bagian per kebutuhan. "
            + "; ".join(f"`{key}`: {label}" for key, label in intake.NEEDS.items()),
        },
        "needs_notes": _text("needs_notes", required=False) | {"description": "Kebutuhan lain. " + MULTI_LINE},
        "recording_consent": {
            "type": "string",
            "title": intake.FIELD_LABELS["recording_consent"],
            "description": "Setuju bila salah satu dari "
            + ", ".join(f"`{value}`" for value in sorted(intake.TRUE_VALUES))
            + "; wajib bila `needs` memuat `recording`.",
        },
        "website": {
            "type": "string",
            "maxLength": 0,
            "description": "Honeypot: harus kosong. Bila terisi, jawabannya 201 seperti sukses, tetapi tidak ada "
            "yang disimpan atau dikirim.",
        },
    }
    required = [
        name
        for name in properties
        if name not in ("opd_other", "needs", "needs_notes", "recording_consent", "website")
        and (with_letter or name != "letter")
    ]
    return {"type": "object", "properties": properties, "required": required}


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


def _token_form(*fields: tuple[str, dict[str, Any]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {"token": {"type": "string", "minLength": 1, "description": TOKEN_PARAMETER_NOTE}} | dict(fields),
        "required": list(required),
    }
    return {"required": True, "content": {URLENCODED: {"schema": schema}, MULTIPART: {"schema": schema}}}


def _link_refusals(*, with_409: bool = False, with_422: bool = False) -> dict[str, Any]:
    answers = {
        "403": _error("Tautan tidak valid, atau penerimanya tidak lagi berwenang.", html=True),
        "404": _error("Permohonan (atau suratnya) tidak ditemukan.", html=True),
        "410": _error("Tautan sudah kedaluwarsa.", html=True),
    }
    if with_409:
        answers["409"] = _error("Sudah diputuskan atau tidak tersedia lagi; tidak ada yang berubah.", html=True)
    if with_422:
        answers["422"] = _error("Keputusan tidak dikenal, atau penolakan tanpa `reason`.", html=True)
    return answers


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
                "requestBody": _token_form(
                    ("decision", {"type": "string", "enum": ["approve", "reject"]}),
                    ("reason", {"type": "string", "description": "Wajib untuk `reject`; dikirim ke pemohon."}),
                ),
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
                "requestBody": _token_form(
                    ("id", {"type": "string", "minLength": 1, "description": "Nomor permohonan."}),
                    required=("id", "token"),
                ),
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
                "summary": "Pekerjaan terjadwal (Cloud Scheduler); aman dikirim dua kali",
                "description": "Badan kosong. Di produksi hanya akun layanan scheduler yang boleh memanggilnya.",
                "responses": {
                    "200": _json_answer("Laporan tiap bagian.", ref("TickReport")),
                    **_common_errors(form=True),
                },
            }
        },
        "/intake_options": {
            "get": {
                "operationId": "intake_options",
                "summary": "Aturan yang dicerminkan formulir: tanggal paling cepat, batas, pilihan, identitas kantor",
                "responses": {"200": _json_answer("Aturan formulir.", ref("IntakeOptions")), **_common_errors()},
            }
        },
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
                },
                "required": ["provisioning", "cleanup", "mail"],
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
            "Content-Disposition": {
                "schema": {"type": "string", "pattern": '^inline; filename="surat-VC-[0-9]{4}-[0-9]{6}\\.pdf"$'},
                "required": True,
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
            "summary": "Kontrak HTTP publik Vicon (formulir, status, verifikasi, petugas, scheduler).",
            "description": "Setiap target dilayani di `/api/<target>`. Kesalahan berupa JSON "
            '`{"errors": [{"field": ..., "message": ...}]}` dengan pesan dalam Bahasa Indonesia; target yang dibuka '
            "browser (tautan di email) menjawab halaman HTML. Jawaban 5xx selalu berarti bug, kecuali 503 "
            "yang menyatakan gangguan sementara. Metode lain dijawab 405 dengan header `Allow`.",
        },
        "servers": SERVERS,
        "paths": _paths(settings),
        "components": _components(),
    }


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
