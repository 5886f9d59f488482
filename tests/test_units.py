"""Unit tier: calendar, phone numbers, signed tokens, settings (templates: tests/test_templates.py)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from pathlib import Path

import pytest

from vicon.intake import format_datetime_id, normalize_phone
from vicon.settings import Settings, SettingsError
from vicon.signing import Signer, TokenError, key_id
from vicon.workdays import WorkingCalendar

NOW = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


def test_calendar_weekends_and_national_holidays_are_not_working_days() -> None:
    calendar = WorkingCalendar()
    assert calendar.is_working_day(dt.date(2026, 11, 30))  # Monday
    assert not calendar.is_working_day(dt.date(2026, 12, 5))  # Saturday
    assert not calendar.is_working_day(dt.date(2026, 12, 25))  # Christmas
    assert not calendar.is_working_day(dt.date(2026, 12, 24))  # cuti bersama
    assert not calendar.is_working_day(dt.date(2026, 8, 17))  # Independence Day


def test_calendar_local_overrides_win() -> None:
    calendar = WorkingCalendar(extra_holidays=[dt.date(2026, 12, 1)], extra_working_days=[dt.date(2026, 12, 24)])
    assert not calendar.is_working_day(dt.date(2026, 12, 1))
    assert calendar.is_working_day(dt.date(2026, 12, 24))
    assert calendar.add_working_days(dt.date(2026, 11, 30), 2) == dt.date(2026, 12, 3)


def test_calendar_add_working_days() -> None:
    calendar = WorkingCalendar()
    assert calendar.add_working_days(dt.date(2026, 11, 30), 0) == dt.date(2026, 11, 30)
    assert calendar.add_working_days(dt.date(2026, 12, 4), 2) == dt.date(2026, 12, 8)  # Friday → Tuesday
    assert calendar.add_working_days(dt.date(2026, 12, 23), 2) == dt.date(2026, 12, 29)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("62-812-3456-7890", "+6281234567890"),
        ("0812345", None),
        ("+44 20 7946 0958", None),
        ("00812345678", None),
        ("０８１２３４５６７８９", None),
        ("", None),
    ],
)
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_signer_roundtrip_and_refusals() -> None:
    signer = Signer("key")
    token = signer.sign("status", "VC-2026-000001", NOW + dt.timedelta(days=1), v="a@b")
    assert signer.verify(token, "status", NOW, "VC-2026-000001")["v"] == "a@b"
    with pytest.raises(TokenError, match="mismatch"):
        signer.verify(token, "review", NOW)
    with pytest.raises(TokenError, match="mismatch"):
        signer.verify(token, "status", NOW, "VC-2026-000002")
    with pytest.raises(TokenError, match="expired"):
        signer.verify(token, "status", NOW + dt.timedelta(days=1))
    with pytest.raises(TokenError, match="invalid"):
        Signer("other key").verify(token, "status", NOW)
    kid, body, mac = token.split(".")
    forged_body = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    for bad in ("", "abc", token + "x", f"{kid}.{forged_body}.{mac}", "é.é", ".", "..", f"{kid}.{body}.{mac}.x"):
        with pytest.raises(TokenError, match="invalid"):
            signer.verify(bad, "status", NOW)


def legacy_token(key: str, payload: dict[str, object]) -> str:
    """A token as signed before key ids existed (`BODY.MAC`), built by hand from that format."""
    derived = hashlib.sha256(("vicon-links:" + key).encode()).digest()
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    body_text = body.rstrip(b"=").decode()
    mac = base64.urlsafe_b64encode(hmac.new(derived, body_text.encode(), hashlib.sha256).digest()[:24])
    return f"{body_text}.{mac.rstrip(b'=').decode()}"


def test_signer_tokens_name_their_key_and_stay_compact_and_url_safe() -> None:
    token = Signer("key").sign("status", "VC-2026-000001", NOW + dt.timedelta(days=90))
    kid, _, _ = token.split(".")
    assert kid == key_id("key") == hashlib.sha256(hashlib.sha256(b"vicon-links:key").digest()).hexdigest()[:8]
    assert re.fullmatch(r"[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32}", token)
    assert len(token) < 120


def test_signer_rotation_keeps_old_links_while_the_old_key_is_accepted() -> None:
    old_token = Signer("old").sign("status", "VC-2026-000001", NOW + dt.timedelta(days=90))
    rotated = Signer("new", ["old"])
    assert rotated.verify(old_token, "status", NOW, "VC-2026-000001")["r"] == "VC-2026-000001"
    new_token = rotated.sign("status", "VC-2026-000001", NOW + dt.timedelta(days=90))
    assert new_token.split(".")[0] == key_id("new")  # new links use the new key only
    with pytest.raises(TokenError, match="invalid"):
        Signer("old").verify(new_token, "status", NOW)
    with pytest.raises(TokenError, match="invalid"):
        Signer("new").verify(old_token, "status", NOW)  # the old key dropped: its links stop working


def test_signer_refuses_a_tampered_key_id() -> None:
    rotated = Signer("new", ["old"])
    _, body, mac = Signer("old").sign("status", "VC-2026-000001", NOW + dt.timedelta(days=1)).split(".")
    for kid in (key_id("new"), "00000000", key_id("old").upper(), ""):
        with pytest.raises(TokenError, match="invalid"):
            rotated.verify(f"{kid}.{body}.{mac}", "status", NOW)
    with pytest.raises(TokenError, match="invalid"):
        rotated.verify(f"{body}.{mac}", "status", NOW)  # the key id stripped: not a legacy token either


def test_signer_accepts_tokens_from_before_key_ids() -> None:
    payload = {"p": "status", "r": "VC-2026-000001", "e": int((NOW + dt.timedelta(days=90)).timestamp())}
    token = legacy_token("old", payload)
    assert Signer("old").verify(token, "status", NOW, "VC-2026-000001") == payload
    assert Signer("new", ["old"]).verify(token, "status", NOW, "VC-2026-000001") == payload
    with pytest.raises(TokenError, match="invalid"):
        Signer("new").verify(token, "status", NOW)
    with pytest.raises(TokenError, match="expired"):
        Signer("old").verify(token, "status", NOW + dt.timedelta(days=90))


def test_signer_decoy_names_our_key_but_verifies_nowhere() -> None:
    signer = Signer("new", ["old"])
    decoy = signer.decoy("status", "VC-2026-123456", NOW + dt.timedelta(days=90))
    assert decoy.split(".")[0] == key_id("new")
    for verifier in (signer, Signer("old"), Signer("new")):
        with pytest.raises(TokenError, match="invalid"):
            verifier.verify(decoy, "status", NOW)


def test_settings_defaults_are_local(tmp_path: Path) -> None:
    settings = Settings.from_env({"VICON_DATA_DIR": str(tmp_path)})
    assert settings.public_base_url == "http://127.0.0.1:8080"
    assert settings.store_url == f"sqlite:///{tmp_path}/vicon.sqlite3"
    assert settings.blob_url == f"file://{tmp_path}/blobs"
    assert settings.uses_mail_sink
    assert settings.max_participants == 300
    assert settings.zoom_api_url is None  # the sandbox
    assert settings.signing_keys_previous == ()
    # The generated signing key is kept, so links survive a restart.
    assert Settings.from_env({"VICON_DATA_DIR": str(tmp_path)}).signing_key == settings.signing_key


def test_settings_read_every_variable(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "VICON_DATA_DIR": str(tmp_path),
            "PORT": "9000",
            "SMTP_HOST": "mail.example",
            "SMTP_SECURITY": "ssl",
            "VERIFIER_EMAILS": "a@x.id, b@x.id",
            "ZOOM_HOSTS": "z1@x.id:500,z2@x.id",
            "EXTRA_HOLIDAYS": "2026-12-01",
            "MIN_LEAD_WORKING_DAYS": "3",
            "HOST_BUFFER_MINUTES": "15",
            "SIGNING_KEY": "k",
            "SIGNING_KEYS_PREVIOUS": "k-2025, k-2024 ,",
            "TIMEZONE": "Asia/Makassar",
        }
    )
    assert (settings.signing_key, settings.signing_keys_previous) == ("k", ("k-2025", "k-2024"))
    assert settings.public_base_url == "http://127.0.0.1:9000"
    assert (settings.smtp_port, settings.smtp_security) == (465, "ssl")
    assert settings.verifier_emails == ("a@x.id", "b@x.id")
    assert [(h.user, h.capacity) for h in settings.zoom_hosts] == [("z1@x.id", 500), ("z2@x.id", 100)]
    assert settings.extra_holidays == {dt.date(2026, 12, 1)}
    assert (settings.min_lead_working_days, settings.host_buffer_minutes) == (3, 15)
    assert format_datetime_id(NOW, settings.tz) == "Senin, 30 November 2026 10.00 WITA"


@pytest.mark.parametrize(
    "env",
    [
        {"SMTP_SECURITY": "tls"},
        {"PORT": "abc"},
        {"EXTRA_HOLIDAYS": "1 Desember"},
        {"TIMEZONE": "Mars/Olympus"},
        {"K_SERVICE": "submit-request"},
        {"ZOOM_HOSTS": "z@x.id:banyak"},
    ],
)
def test_settings_refuse_bad_configuration_at_start_up(tmp_path: Path, env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **env})


PRODUCTION_ENV = {
    "K_SERVICE": "review-request",
    "PUBLIC_BASE_URL": "https://vicon.majalengkakab.go.id/",
    "STORE_URL": "firestore",
    "BLOB_URL": "gs://vicon-surat",
    "SMTP_HOST": "smtp.majalengkakab.go.id",
    "SIGNING_KEY": "production-key",
    "ZOOM_ACCOUNT_ID": "acc",
    "ZOOM_CLIENT_ID": "cid",
    "ZOOM_CLIENT_SECRET": "secret",
    "ZOOM_HOSTS": "zoom1@majalengkakab.go.id:300",
}


def test_settings_in_production_accept_a_complete_configuration(tmp_path: Path) -> None:
    settings = Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **PRODUCTION_ENV})
    assert settings.public_base_url == "https://vicon.majalengkakab.go.id"
    assert (settings.store_url, settings.blob_url, settings.smtp_host) == (
        "firestore",
        "gs://vicon-surat",
        "smtp.majalengkakab.go.id",
    )


@pytest.mark.parametrize(
    "production", [{"K_SERVICE": "review-request"}, {"FUNCTION_TARGET": "review_request", "GOOGLE_CLOUD_PROJECT": "p"}]
)
def test_settings_in_production_name_every_missing_variable_in_one_message(
    tmp_path: Path, production: dict[str, str]
) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **production})
    message = str(caught.value)
    for name in PRODUCTION_ENV:
        if name != "K_SERVICE":
            assert name in message
    # One missing variable among configured ones is named alone, blank counting as unset.
    env = {"VICON_DATA_DIR": str(tmp_path), **PRODUCTION_ENV, "SMTP_HOST": "  ", "STORE_URL": ""}
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert str(caught.value).endswith("unset: STORE_URL, SMTP_HOST")
    assert not (tmp_path / "signing-key").exists()  # refused before any local default was made


@pytest.mark.parametrize(
    "url",
    [
        "http://vicon.majalengkakab.go.id",
        "https://127.0.0.1:8080",
        "https://127.0.1.1",
        "https://localhost:8080",
        "https://app.localhost",
        "https://[::1]/",
        "https://0.0.0.0",
        "https://",
        "https://vicon.example.go.id/?x=1",
        "vicon.majalengkakab.go.id",
    ],
)
def test_settings_in_production_refuse_a_local_or_plain_http_public_base_url(tmp_path: Path, url: str) -> None:
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **PRODUCTION_ENV, "PUBLIC_BASE_URL": url})


SERVER_ENV = {
    **{name: value for name, value in PRODUCTION_ENV.items() if name != "K_SERVICE"},
    "VICON_ENV": "production",
    "STORE_URL": "sqlite:////var/lib/vicon/vicon.sqlite3",
    "BLOB_URL": "file:///var/lib/vicon/blobs",
    "TICK_TOKEN": "t" * 43,
}


def test_settings_on_the_internal_server_are_production_ones_and_need_the_tick_token(tmp_path: Path) -> None:
    settings = Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **SERVER_ENV})
    assert settings.production and settings.tick_token == "t" * 43
    assert not settings.uses_mail_sink and not settings.uses_zoom_sandbox
    assert settings.trusted_proxy_hops == 1  # Caddy in front
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "VICON_ENV": "Production"})
    message = str(caught.value)
    assert message.startswith("required on the internal server (VICON_ENV=production) but unset: ")
    for name in SERVER_ENV:
        if name != "VICON_ENV":
            assert name in message
    assert not (tmp_path / "signing-key").exists()
    # The same localhost refusal as on Google Cloud: mailed links must reach people.
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **SERVER_ENV, "PUBLIC_BASE_URL": "https://localhost"})


def test_settings_take_the_tick_token_only_as_a_long_bearer_token(tmp_path: Path) -> None:
    base = {"VICON_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).tick_token is None and not Settings.from_env(base).production
    # On Google Cloud it may stay unset (the function is private), and is checked when set.
    assert Settings.from_env({**base, **PRODUCTION_ENV}).tick_token is None
    for good in ("A" * 32, "abc-_.~+/XYZ0123456789abcdefghijk==", "x" * 200):
        assert Settings.from_env({**base, "TICK_TOKEN": good}).tick_token == good
    for bad in ("pendek", "a" * 31, "a" * 31 + " b", "a" * 32 + "ü", "a" * 32 + '"', "=" + "a" * 32):
        with pytest.raises(SettingsError, match="TICK_TOKEN"):
            Settings.from_env({**base, "TICK_TOKEN": bad})
    with pytest.raises(SettingsError, match="VICON_ENV must be one of development, production"):
        Settings.from_env({**base, "VICON_ENV": "prod"})
    assert not Settings.from_env({**base, "VICON_ENV": "development"}).production


def test_settings_without_google_cloud_keep_local_defaults_and_local_urls(tmp_path: Path) -> None:
    local = {name: value for name, value in PRODUCTION_ENV.items() if name != "K_SERVICE"}
    settings = Settings.from_env({**local, "VICON_DATA_DIR": str(tmp_path), "PUBLIC_BASE_URL": "http://localhost:8080"})
    assert settings.public_base_url == "http://localhost:8080"
    bare = Settings.from_env({"VICON_DATA_DIR": str(tmp_path)})
    assert (bare.public_base_url, bare.smtp_host) == ("http://127.0.0.1:8080", None)


# ---- the regency's identity and its perangkat daerah (docs/decisions/0013-opd-list.md) ----------------------------


def test_settings_identity_defaults_are_majalengkas(tmp_path: Path) -> None:
    identity = Settings.from_env({"VICON_DATA_DIR": str(tmp_path)}).identity
    assert identity.regency_name == "Kabupaten Majalengka"
    assert identity.office_name == "Dinas Komunikasi dan Informatika Kabupaten Majalengka"
    assert identity.office_short_name == "Diskominfo"
    assert identity.contact_email == "diskominfo@majalengkakab.go.id"
    assert (identity.pic_phone, identity.pic_whatsapp) == ("", "")  # not shown until configured
    assert identity.logo_url == "assets/logo.svg" and identity.logo_origin is None
    assert (Path(__file__).parent.parent / "site" / identity.logo_url).is_file()


def test_settings_identity_reads_its_variables_and_normalises_numbers(tmp_path: Path) -> None:
    identity = Settings.from_env(
        {
            "VICON_DATA_DIR": str(tmp_path),
            "REGENCY_NAME": "  Kabupaten   Kuningan ",
            "OFFICE_SHORT_NAME": "Diskominfo Kuningan",
            "CONTACT_EMAIL": "diskominfo@kuningankab.go.id",
            "PIC_PHONE": "(0232) 871234",
            "PIC_WHATSAPP": "0812-2345-6789",
            "LOGO_URL": "https://cdn.kuningankab.go.id/logo.png",
        }
    ).identity
    assert identity.regency_name == "Kabupaten Kuningan"
    # Only the regency named: the office is that regency's Diskominfo, never Majalengka's.
    assert identity.office_name == "Dinas Komunikasi dan Informatika Kabupaten Kuningan"
    assert identity.office_short_name == "Diskominfo Kuningan"
    assert (identity.pic_phone, identity.pic_whatsapp) == ("+62232871234", "+6281223456789")
    assert identity.pic_whatsapp_url == "https://wa.me/6281223456789"
    assert identity.logo_origin == "https://cdn.kuningankab.go.id"
    assert identity.logo_src("https://vicon.example") == "https://cdn.kuningankab.go.id/logo.png"
    relative = Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "LOGO_URL": "/assets/kuningan.svg"}).identity
    assert relative.logo_url == "assets/kuningan.svg"
    assert relative.logo_src("https://vicon.example") == "https://vicon.example/assets/kuningan.svg"


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"CONTACT_EMAIL": "diskominfo"}, "CONTACT_EMAIL"),
        ({"CONTACT_EMAIL": "a@b.go.id, c@d.go.id"}, "CONTACT_EMAIL"),
        ({"PIC_PHONE": "+1 202 555 0100"}, "PIC_PHONE"),
        ({"PIC_WHATSAPP": "nomor WA"}, "PIC_WHATSAPP"),
        ({"LOGO_URL": "http://kuningankab.go.id/logo.png"}, "LOGO_URL"),
        ({"LOGO_URL": "javascript:alert(1)"}, "LOGO_URL"),
        ({"LOGO_URL": "//cdn.example/logo.png"}, "LOGO_URL"),
        ({"LOGO_URL": "../secret/logo.svg"}, "LOGO_URL"),
        ({"LOGO_URL": 'https://cdn.example/a".png'}, "LOGO_URL"),
        ({"REGENCY_NAME": "Kabupaten\x1bX"}, "REGENCY_NAME"),
    ],
)
def test_settings_identity_refuses_malformed_values(tmp_path: Path, env: dict[str, str], words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), **env})


def test_settings_opd_list_default_is_majalengkas_shipped_list(tmp_path: Path) -> None:
    opd_list = Settings.from_env({"VICON_DATA_DIR": str(tmp_path)}).opd_list
    assert opd_list[0] == "Sekretariat Daerah" and "Dinas Kesehatan" in opd_list
    assert "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah" in opd_list
    assert len([name for name in opd_list if name.startswith("Kecamatan ")]) == 26
    assert "Lainnya" not in opd_list  # the software adds it
    assert len(set(opd_list)) == len(opd_list)


def test_settings_opd_list_reads_a_file_skipping_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "opd.txt"
    path.write_text("\ufeff# Kabupaten Kuningan\n\nDinas  Kesehatan \n\tKecamatan Cilimus\n# akhir\n", encoding="utf-8")
    settings = Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "OPD_LIST": str(path)})
    assert settings.opd_list == ("Dinas Kesehatan", "Kecamatan Cilimus")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"# kosong\n\n", "names no perangkat daerah"),
        (b"Dinas Kesehatan\ndinas kesehatan\n", "repeats line 1"),
        (b"Dinas Kesehatan\nLainnya\n", "Lainnya"),
        (b"Dinas Kesehatan\n" + b"a" * 201 + b"\n", "at most 200"),
        (b"Dinas Kes\xe9hatan\n", "not UTF-8"),
        ("Dinas\u202eKesehatan\n".encode(), "control"),
    ],
)
def test_settings_opd_list_refuses_a_bad_file(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "opd.txt"
    path.write_bytes(content)
    with pytest.raises(SettingsError, match=f"OPD_LIST.*{words}"):
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "OPD_LIST": str(path)})


def test_settings_opd_list_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="OPD_LIST: no such file"):
        Settings.from_env({"VICON_DATA_DIR": str(tmp_path), "OPD_LIST": "tidak-ada.txt"})
