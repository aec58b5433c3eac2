"""Language and time (README "Language and time"): the catalogs are complete and compiled, every
domain error is translated, the API answers the specifications' texts unless a language is named,
the admin speaks Bahasa Indonesia on request, and shows times in the user's zone while the API
stays in UTC."""

from __future__ import annotations

import gettext
import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from config.errors import DomainError
from config.locale import requested_language, user_time_zone
from staff.exceptions import InvalidTimeZone
from staff.preferences import user_set_time_zone

LOCALE = Path(settings.BASE_DIR) / "locale"
CATALOGS = {"en-gb": LOCALE / "en_GB" / "LC_MESSAGES", "id": LOCALE / "id" / "LC_MESSAGES"}


# --- catalogs --------------------------------------------------------------------------------------
def _po_entries(path: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) of each entry of a .po file (enough of the format for our catalogs)."""
    entries, current, fuzzy, field = [], None, False, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current is not None:
                entries.append((current["msgid"], current["msgstr"], fuzzy))
            current, fuzzy, field = None, False, None
        elif line.startswith("#,"):
            fuzzy = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            current = {"msgid": "", "msgstr": []}
            field = "msgid"
            current["msgid"] = _unquote(line[6:])
        elif line.startswith("msgid_plural "):
            field = "plural"
        elif line.startswith("msgstr"):
            current["msgstr"].append(_unquote(line.split(" ", 1)[1]))
            field = "msgstr"
        elif line.startswith('"') and current is not None:
            if field == "msgid":
                current["msgid"] += _unquote(line)
            elif field == "msgstr":
                current["msgstr"][-1] += _unquote(line)
    return [entry for entry in entries if entry[0]]


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """A .po string's text: the quotes dropped, its C escapes undone (the file is UTF-8 text)."""
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(0)), text.strip()[1:-1])


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_message_of_each_catalog_is_translated(language):
    entries = _po_entries(CATALOGS[language] / "django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]
    assert not untranslated, f"{language}: no translation for {untranslated}"
    with open(CATALOGS[language] / "django.mo", "rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    compiled_ids = {key if isinstance(key, str) else key[0] for key in catalog} - {""}
    assert {msgid for msgid, _, _ in entries} == compiled_ids


def test_both_catalogs_hold_the_same_messages():
    ids = {language: {e[0] for e in _po_entries(path / "django.po")} for language, path in CATALOGS.items()}
    assert ids["en-gb"] == ids["id"]


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_the_committed_mo_is_the_compiled_po(language, tmp_path):
    """The app reads the .mo: it must say what the .po says (run `make compilemessages`)."""
    if shutil.which("msgfmt") is None:
        if os.environ.get("CI"):
            pytest.fail("msgfmt (gettext) is missing under CI")
        pytest.skip("msgfmt (gettext) is not installed")
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(compiled), str(CATALOGS[language] / "django.po")], check=True
    )
    with open(compiled, "rb") as fresh, open(CATALOGS[language] / "django.mo", "rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog


# --- every domain error has its message in both languages ----------------------------------------------
def _domain_errors() -> list[type[DomainError]]:
    for module in ("config.dependencies", "config.idempotency"):
        importlib.import_module(module)
    for app in ("staff", "locks", "sensors", "machines", "maintenance"):
        importlib.import_module(f"{app}.exceptions")
    found, todo = [], [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    apps = ("config", "staff", "locks", "sensors", "machines", "maintenance")
    production = [
        cls for cls in found if cls.__module__.split(".")[0] in apps and ".tests" not in cls.__module__
    ]
    return sorted(production, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


DUMMY_ARGUMENTS = {"count": 2, "read": 3, "current": "pending", "available": 1, "requested": 5, "ids": [7, 8]}


def _raise(cls: type[DomainError]) -> DomainError:
    """An instance built as the code builds it: required arguments get a plausible dummy."""
    kwargs = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        kwargs[name] = DUMMY_ARGUMENTS.get(name, 9 if name in ("pk", "limit", "max_quantity") else "x")
    if "current" in kwargs and "read" in kwargs:
        kwargs["current"] = 4
    return cls(**kwargs)


@pytest.mark.parametrize("cls", _domain_errors(), ids=lambda cls: cls.__qualname__)
def test_every_domain_error_reads_in_english_and_indonesian(cls):
    """The contract text (no language named) is one of the two; the other is its translation."""
    with translation.override(settings.LANGUAGE_CODE):
        contract = _raise(cls).detail
    with translation.override("en-gb"):
        english = _raise(cls).detail
    with translation.override("id"):
        indonesian = _raise(cls).detail
    assert english != indonesian, f"{cls.__qualname__}: {contract!r} has no translation"
    assert contract in (english, indonesian)


# --- which language a request names ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("", "", None),
        ("*", "", None),
        ("fr-FR,de;q=0.8", "", None),
        ("id", "", "id"),
        ("id-ID,en;q=0.5", "", "id"),
        ("fr,en-US;q=0.7", "", "en-gb"),
        ("en", "", "en-gb"),
        ("en", "id", "id"),
        ("", "xx", None),
    ],
)
def test_the_requested_language(rf, header, cookie, expected):
    request = rf.get("/", HTTP_ACCEPT_LANGUAGE=header) if header else rf.get("/")
    if cookie:
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
    assert requested_language(request) == expected


# --- the API: a few endpoints per app, with no language, `en` and `id` ------------------------------------
MISSING_MACHINE = f"/api/v1/data/machine/{uuid.UUID(int=1)}"
CASES = [
    # (url, contract text, English, Indonesian): staff's contract is Indonesian, the others' English.
    ("/jabatan/999999", "jabatan tidak ditemukan!", "position not found!", "jabatan tidak ditemukan!"),
    ("/users/999999", "User Not found", "User Not found", "User tidak ditemukan"),
    ("/device/999999", "Device not found", "Device not found", "Perangkat tidak ditemukan"),
    (
        "/api/units/987654",
        "Unit with id 987654 not found",
        "Unit with id 987654 not found",
        "Unit dengan id 987654 tidak ditemukan",
    ),
    ("/api/units/0", "Unit ID must be positive", "Unit ID must be positive", "ID unit harus positif"),
    (
        "/api/v1/categories/999",
        "Category with ID '999' not found",
        "Category with ID '999' not found",
        "Kategori dengan ID '999' tidak ditemukan",
    ),
    (
        "/api/v1/items/NO-SUCH-SKU",
        "Spare part with SKU 'NO-SUCH-SKU' not found",
        "Spare part with SKU 'NO-SUCH-SKU' not found",
        "Suku cadang dengan SKU 'NO-SUCH-SKU' tidak ditemukan",
    ),
    (MISSING_MACHINE, "Machine not found", "Machine not found", "Mesin tidak ditemukan"),
    (
        "/api/v1/data/machine/not-a-uuid",
        "Invalid machine ID format",
        "Invalid machine ID format",
        "Format ID mesin tidak valid",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "contract", "english", "indonesian"), CASES, ids=[c[0] for c in CASES])
def test_api_messages_follow_accept_language(superuser_client, url, contract, english, indonesian):
    plain = superuser_client.get(url)
    assert plain.json()["detail"] == contract
    assert "Content-Language" not in plain
    assert "Accept-Language" in plain["Vary"]
    for header, expected in (
        ("en", english),
        ("en-US,en;q=0.9", english),
        ("id", indonesian),
        ("id-ID", indonesian),
    ):
        response = superuser_client.get(url, HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == plain.status_code
        assert response.json()["detail"] == expected, header
        assert response["Content-Language"] == ("id" if header.startswith("id") else "en-gb")
    # An unsupported language leaves the contract text.
    assert superuser_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["detail"] == contract


@pytest.mark.django_db
def test_machines_envelope_and_field_errors_translated(supervisor_client):
    body = {"gateway_id": "gw", "timestamp": "nope", "batch": []}
    plain = supervisor_client.post("/api/v1/data/ingest", body, format="json")
    indonesian = supervisor_client.post("/api/v1/data/ingest", body, format="json", HTTP_ACCEPT_LANGUAGE="id")
    assert plain.status_code == indonesian.status_code == 400
    assert plain.json()["message"] == "Validation failed"
    assert indonesian.json()["message"] == indonesian.json()["detail"] == "Validasi gagal"
    errors = {e["field"]: e["error"] for e in indonesian.json()["errors"]}
    assert errors["timestamp"].startswith("Harus berupa tanggal-waktu ISO 8601")
    assert errors["batch"] == "Harus berisi 1 sampai 1000 item"


@pytest.mark.django_db
def test_drf_and_serializer_messages_translated(operator_client, api_client):
    assert (
        api_client.get("/device/", HTTP_ACCEPT_LANGUAGE="id").json()["detail"]
        != (api_client.get("/device/").json()["detail"])
    )
    plain = operator_client.post("/api/sensor-data/", {}, format="json")
    indonesian = operator_client.post("/api/sensor-data/", {}, format="json", HTTP_ACCEPT_LANGUAGE="id")
    assert plain.status_code == indonesian.status_code == 400
    assert "This field is required." in str(plain.json())
    assert "Bidang ini wajib diisi." in str(indonesian.json())


def test_platform_answers_translated(api_client):
    assert api_client.get("/no-such-page").json() == {"detail": "Not found."}
    assert api_client.get("/no-such-page", HTTP_ACCEPT_LANGUAGE="id").json() == {"detail": "Tidak ditemukan."}


@pytest.mark.django_db
def test_a_request_leaves_no_language_behind(superuser_client):
    superuser_client.get("/device/999999", HTTP_ACCEPT_LANGUAGE="id")
    assert translation.get_language() == settings.LANGUAGE_CODE
    assert InvalidTimeZone().detail == "Unknown time zone"


# --- the admin in Bahasa Indonesia ---------------------------------------------------------------------
@pytest.mark.django_db
def test_admin_switches_language_with_the_header_switcher(admin_client_as, superuser):
    client = admin_client_as(superuser)
    english = client.get("/admin/").content.decode()
    assert 'id="language-switcher"' in english
    assert 'action="/i18n/setlang/"' in english
    assert "Preferences" in english and "Welcome," in english
    response = client.post("/i18n/setlang/", {"language": "id", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "id"
    indonesian = client.get("/admin/").content.decode()
    assert '<html lang="id"' in indonesian
    assert "Selamat datang," in indonesian and "Preferensi" in indonesian
    assert '<option value="id" lang="id" selected>Bahasa Indonesia</option>' in indonesian


@pytest.mark.django_db
def test_admin_index_names_apps_statuses_and_title_in_indonesian(admin_client_as, superuser):
    """App names, the dashboard's status labels and the index title come from the catalogs too."""
    client = admin_client_as(superuser)
    english = client.get("/admin/").content.decode()
    assert "Smart locks" in english and '<span class="figure-label">Locked</span>' in english
    assert "<title>Back office | Facility Operations</title>" in english
    indonesian = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert 'title="Model pada aplikasi Kunci pintar">Kunci pintar</a>' in indonesian
    assert '<span class="figure-label">Terkunci</span>' in indonesian
    assert "<title>Kantor belakang | Facility Operations</title>" in indonesian
    assert "Smart locks" not in indonesian and '<span class="figure-label">Locked</span>' not in indonesian


@pytest.mark.django_db
def test_admin_login_page_in_indonesian_for_anonymous():
    page = Client(HTTP_ACCEPT_LANGUAGE="id").get("/admin/login/").content.decode()
    assert 'id="language-switcher"' in page
    assert "Nama pengguna" in page


@pytest.mark.django_db
def test_admin_shows_a_staff_domain_error_in_english_when_asked(admin_client_as, superuser, monkeypatch):
    """The staff contract text is Indonesian; an admin user who chose English reads it in English."""
    from django.contrib import admin

    from staff.models import Position
    from staff.tests.factories import PositionFactory, UserFactory

    position = PositionFactory()
    UserFactory(position=position)
    # Past the confirmation page (as if the person was assigned after it): the service refuses.
    monkeypatch.setattr(
        admin.site._registry[Position].__class__,
        "get_deleted_objects",
        lambda self, objs, request: ([], {}, set(), []),
    )
    client = admin_client_as(superuser)
    url = f"/admin/staff/position/{position.pk}/delete/"
    contract = client.post(url, {"post": "yes"}, follow=True).content.decode()
    assert "jabatan masih digunakan oleh 1 user dan tidak dapat dihapus." in contract
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-gb"
    english = client.post(url, {"post": "yes"}, follow=True).content.decode()
    assert "the position is still used by 1 users and cannot be deleted." in english
    assert Position.objects.filter(pk=position.pk).exists()


# --- time zones ---------------------------------------------------------------------------------------
def test_user_time_zone_falls_back_to_the_site_default(settings):
    settings.ADMIN_TIME_ZONE = "Asia/Jakarta"

    class Person:
        time_zone = ""

    assert user_time_zone(Person()).key == "Asia/Jakarta"
    Person.time_zone = "Asia/Tokyo"
    assert user_time_zone(Person()).key == "Asia/Tokyo"
    Person.time_zone = "Mars/Olympus"
    assert user_time_zone(Person()).key == "Asia/Jakarta"
    settings.ADMIN_TIME_ZONE = "Nowhere/Else"
    assert user_time_zone(None).key == "UTC"


@pytest.mark.django_db
def test_set_time_zone_service(operator):
    user_set_time_zone(user=operator, time_zone="Asia/Makassar")
    operator.refresh_from_db()
    assert operator.time_zone == "Asia/Makassar"
    with pytest.raises(InvalidTimeZone):
        user_set_time_zone(user=operator, time_zone="Asia/Atlantis")
    operator.refresh_from_db()
    assert operator.time_zone == "Asia/Makassar"
    user_set_time_zone(user=operator, time_zone="")
    operator.refresh_from_db()
    assert operator.time_zone == ""


@pytest.fixture
def device(db):
    from locks.tests.factories import DeviceFactory

    device = DeviceFactory(name="Gate 7")
    type(device).objects.filter(pk=device.pk).update(updated_at=datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    return device


@pytest.mark.django_db
def test_admin_shows_times_in_the_users_zone_and_the_api_stays_utc(
    admin_client_as, superuser, device, settings
):
    settings.ADMIN_TIME_ZONE = "Asia/Jakarta"
    client = admin_client_as(superuser)
    page = client.get("/admin/locks/device/").content.decode()
    assert "08:30 WIB" in page  # 01:30 UTC in Jakarta (UTC+7), the site default
    superuser.time_zone = "Asia/Tokyo"
    superuser.save(update_fields=["time_zone"])
    page = client.get("/admin/locks/device/").content.decode()
    assert "10:30 JST" in page and "WIB" not in page
    # The API (session-authenticated here, as the browsable API is) answers in UTC whatever the zone.
    answer = client.get(f"/device/{device.pk}", HTTP_ACCEPT="application/json").json()
    assert answer["updated_at"] in ("2026-03-01T01:30:00Z", "2026-03-01T01:30:00+00:00")


@pytest.mark.django_db
def test_preferences_page_sets_the_own_time_zone(admin_client_as, operator):
    operator.is_staff = True  # what assigning a role does; the fixture skips it
    operator.save(update_fields=["is_staff"])
    client = admin_client_as(operator)
    page = client.get("/admin/preferences/")
    assert page.status_code == 200
    assert "Asia/Jakarta" in page.content.decode()
    response = client.post("/admin/preferences/", {"time_zone": "Asia/Jayapura"})
    assert response.status_code == 302 and response["Location"] == "/admin/preferences/"
    operator.refresh_from_db()
    assert operator.time_zone == "Asia/Jayapura"
    assert "WIT" in client.get("/admin/preferences/").content.decode()
    refused = client.post("/admin/preferences/", {"time_zone": "Asia/Atlantis"})
    assert refused.status_code == 200
    assert "Asia/Atlantis" in refused.content.decode() and "errorlist" in refused.content.decode()
    operator.refresh_from_db()
    assert operator.time_zone == "Asia/Jayapura"


@pytest.mark.django_db
def test_preferences_page_needs_an_admin_login(reader):
    assert Client().get("/admin/preferences/")["Location"].startswith("/admin/login/")
    client = Client()
    client.force_login(reader)
    assert client.get("/admin/preferences/")["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_management_edits_a_persons_time_zone_in_the_user_admin(admin_client_as, superuser, operator):
    page = admin_client_as(superuser).get(f"/admin/staff/user/{operator.pk}/change/").content.decode()
    assert 'name="time_zone"' in page and '<option value="Asia/Jakarta">' in page


def test_the_catalogs_hold_every_message_the_code_marks(tmp_path):
    """A marked string added without `make messages` has no translation: extract the messages of a
    copy of the checkout as `make messages` does and compare with the committed catalogs."""
    if shutil.which("xgettext") is None or shutil.which("git") is None:
        if os.environ.get("CI"):
            pytest.fail("xgettext (gettext) or git is missing under CI")
        pytest.skip("xgettext (gettext) or git is not installed")
    root = Path(settings.BASE_DIR)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.suffix in (".py", ".html", ".txt", ".js") and source.is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, tmp_path / name)
    (tmp_path / "locale" / "id" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    ignore = ["--ignore=.*", "--ignore=staticfiles", "--ignore=media", "--ignore=*/tests/*"]
    ignore += ["--ignore=bench", "--ignore=fuzz", "--ignore=deploy"]  # as the Makefile's MESSAGES_IGNORE
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "id", "--no-location", *ignore],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    extracted = {entry[0] for entry in _po_entries(tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po")}
    committed = {entry[0] for entry in _po_entries(CATALOGS["id"] / "django.po")}
    assert sorted(extracted - committed) == [], (
        "marked in the code but not in the catalogs: run `make messages`"
    )
