"""`/otp/generate` and `/otp/verify` through APIClient, on local memory and (marked) on real Redis."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from staff.otp import services
from staff.tests.factories import UserFactory

GENERATE = reverse("otp-generate")
VERIFY = reverse("otp-verify")
NOT_FOUND = {"detail": "OTP tidak ditemukan atau sudah kedaluwarsa."}
LOCKED = {"detail": "Percobaan verifikasi OTP melebihi batas. OTP telah direset."}
VERIFIED = {"message": "OTP berhasil diverifikasi."}
WRONG = {"detail": "OTP wrong"}


def generate(api_client: APIClient, ident) -> str:
    response = api_client.post(GENERATE, {"id": ident})
    assert response.status_code == 200, response.content
    code = response.json()["otp"]
    assert len(code) == 6 and code.isdigit()
    return code


def verify(api_client: APIClient, ident, code):
    return api_client.post(VERIFY, {"id": ident, "otp": code})


def wrong_for(code: str) -> str:
    return "000000" if code != "000000" else "111111"


# --- The specification -----------------------------------------------------------------------------
def test_generate_then_verify(otp_cache, api_client):
    code = generate(api_client, 123)
    response = verify(api_client, 123, code)
    assert response.status_code == 200
    assert response.json() == VERIFIED


def test_paths_work_with_and_without_trailing_slash(otp_cache, api_client):
    for suffix in ("", "/"):
        code = generate_at(api_client, GENERATE.rstrip("/") + suffix, "slash")
        response = api_client.post(VERIFY.rstrip("/") + suffix, {"id": "slash", "otp": code})
        assert response.status_code == 200, suffix


def generate_at(api_client: APIClient, url: str, ident) -> str:
    response = api_client.post(url, {"id": ident})
    assert response.status_code == 200
    return response.json()["otp"]


def test_string_ids_and_integer_ids_are_the_same_id(otp_cache, api_client):
    code = generate(api_client, "123")
    assert verify(api_client, 123, code).status_code == 200
    code = generate(api_client, "user@example.com")
    assert verify(api_client, "user@example.com", code).status_code == 200
    code = generate(api_client, "x" * 64)
    assert verify(api_client, "x" * 64, code).status_code == 200


def test_code_is_single_use(otp_cache, api_client):
    code = generate(api_client, 1)
    assert verify(api_client, 1, code).status_code == 200
    response = verify(api_client, 1, code)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_unknown_id_is_404(otp_cache, api_client):
    response = verify(api_client, 424242, "123456")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_wrong_code_is_400_otp_wrong(otp_cache, api_client):
    code = generate(api_client, 2)
    response = verify(api_client, 2, wrong_for(code))
    assert response.status_code == 400
    assert response.json() == WRONG


def test_lockout_sequence(otp_cache, api_client):
    """generate, wrong x3, correct gives 429, correct again gives 404."""
    code = generate(api_client, 3)
    for _ in range(3):
        assert verify(api_client, 3, wrong_for(code)).json() == WRONG
    response = verify(api_client, 3, code)
    assert response.status_code == 429
    assert response.json() == LOCKED
    assert int(response["Retry-After"]) >= 1
    response = verify(api_client, 3, code)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_fourth_wrong_attempt_is_also_429_and_resets(otp_cache, api_client):
    code = generate(api_client, 4)
    for _ in range(3):
        verify(api_client, 4, wrong_for(code))
    assert verify(api_client, 4, wrong_for(code)).status_code == 429
    assert verify(api_client, 4, code).status_code == 404


def test_two_wrong_then_right_is_200(otp_cache, api_client):
    code = generate(api_client, 5)
    for _ in range(2):
        assert verify(api_client, 5, wrong_for(code)).status_code == 400
    assert verify(api_client, 5, code).status_code == 200


def test_regenerate_replaces_the_code_and_resets_the_counter(otp_cache, api_client):
    first = generate(api_client, 6)
    for _ in range(3):
        verify(api_client, 6, wrong_for(first))
    second = generate(api_client, 6)
    if second != first:
        assert verify(api_client, 6, first).status_code == 400
        assert verify(api_client, 6, wrong_for(second)).status_code == 400
    else:
        assert verify(api_client, 6, wrong_for(second)).status_code == 400
    # The counter was reset by the re-generate: two failures so far, so the right code still works.
    assert verify(api_client, 6, second).status_code == 200


def test_attempt_limit_is_a_setting(otp_cache, api_client, settings):
    settings.OTP_MAX_ATTEMPTS = 1
    code = generate(api_client, 7)
    assert verify(api_client, 7, wrong_for(code)).status_code == 400
    assert verify(api_client, 7, code).status_code == 429


def test_expired_code_is_404_via_ttl_setting(otp_cache, api_client, settings):
    settings.OTP_TTL = 0  # Django cache semantics: a zero timeout expires at once.
    code = generate(api_client, 8)
    response = verify(api_client, 8, code)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_code_and_counter_carry_the_ttl(otp_cache, api_client, settings):
    settings.OTP_TTL = 300
    generate(api_client, 9)
    code_key, attempts_key, _ = services._otp_keys("9")
    if hasattr(otp_cache, "ttl"):  # django-redis
        assert 0 < otp_cache.ttl(code_key) <= 300
        assert 0 < otp_cache.ttl(attempts_key) <= 300
    else:
        for key in (code_key, attempts_key):
            assert 0 < otp_cache._expire_info[otp_cache.make_key(key)] - time.time() <= 300


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"id": 1},
        {"id": 1, "otp": 483920},
        {"id": 1, "otp": "48392a"},
        {"id": 1, "otp": ""},
        {"id": 1, "otp": " 483920"},
        {"id": 1, "otp": None},
        {"id": 1, "otp": ["483920"]},
        {"id": 1, "otp": "\u0664\u0668\u0663\u0669\u0662\u0660"},
        {"otp": "483920"},
        {"id": None, "otp": "483920"},
        {"id": True, "otp": "483920"},
        {"id": 1.5, "otp": "483920"},
        {"id": "", "otp": "483920"},
        {"id": "x" * 65, "otp": "483920"},
        {"id": {"a": 1}, "otp": "483920"},
    ],
)
def test_verify_invalid_input_is_400(otp_cache, api_client, body):
    generate(api_client, 1)
    response = api_client.post(VERIFY, body, format="json")
    assert response.status_code == 400
    assert response.json() != WRONG


@pytest.mark.parametrize("ident", [None, True, 1.5, "", "   ", "x" * 65, 10**70, [1], {"a": 1}])
def test_generate_invalid_id_is_400(otp_cache, api_client, ident):
    response = api_client.post(GENERATE, {"id": ident}, format="json")
    assert response.status_code == 400
    assert "id" in response.json()


def test_malformed_json_is_400(otp_cache, api_client):
    response = api_client.post(VERIFY, data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_no_authentication_needed_and_a_bad_token_is_ignored(otp_cache, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    code = generate(api_client, 10)
    assert verify(api_client, 10, code).status_code == 200


# --- Beyond the specification ----------------------------------------------------------------------
def test_regenerate_cooldown_is_429_with_retry_after(otp_cache, api_client, settings, monkeypatch):
    settings.OTP_RESEND_COOLDOWN = 30
    first = generate(api_client, 11)
    response = api_client.post(GENERATE, {"id": 11})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 30
    # The first code is still the valid one, and another id is not affected.
    generate(api_client, 12)
    assert verify(api_client, 11, first).status_code == 200


def test_cooldown_ends(otp_locmem, api_client, settings, monkeypatch):
    settings.OTP_RESEND_COOLDOWN = 30
    generate(api_client, 13)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 31)
    generate(api_client, 13)


def test_expiry_after_ttl_by_moving_the_clock(otp_locmem, api_client, monkeypatch):
    code = generate(api_client, 14)
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 299)
    assert verify(api_client, 14, wrong_for(code)).status_code == 400
    monkeypatch.setattr(time, "time", lambda: real_time() + 301)
    assert verify(api_client, 14, code).json() == NOT_FOUND


def test_cooldown_zero_disables_it(otp_cache, api_client, settings):
    settings.OTP_RESEND_COOLDOWN = 0
    generate(api_client, 15)
    generate(api_client, 15)


def test_ip_throttle_on_both_endpoints(otp_cache, api_client, settings, frozen_throttle_clock):
    settings.THROTTLE_OTP = "2/min"
    generate(api_client, 16)
    generate(api_client, 17)
    response = api_client.post(GENERATE, {"id": 18})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    # Seven digits never match a six-digit code: two plain "wrong" answers, then the throttle.
    assert verify(api_client, 16, "0000000").status_code == 400
    assert verify(api_client, 16, "0000000").status_code == 400
    response = verify(api_client, 16, "0000000")
    assert response.status_code == 429 and "Retry-After" in response
    # Another client IP has its own budget.
    other = APIClient(REMOTE_ADDR="10.9.8.7")
    assert other.post(GENERATE, {"id": 19}).status_code == 200


def test_code_is_not_returned_when_the_setting_is_off_and_is_emailed(otp_cache, api_client, settings, db):
    settings.OTP_RETURN_CODE = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = UserFactory(email="budi@example.com")
    response = api_client.post(GENERATE, {"id": user.pk})
    assert response.status_code == 200
    assert response.json() == {"message": "OTP sent"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["budi@example.com"]
    code = next(
        word for word in mail.outbox[0].body.replace(".", " ").split() if word.isdigit() and len(word) == 6
    )
    assert verify(api_client, user.pk, code).status_code == 200


def test_not_a_user_gets_no_email(otp_cache, api_client, settings, db):
    settings.OTP_RETURN_CODE = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(email="")
    for ident in ("someone", 99999999, "007"):
        assert api_client.post(GENERATE, {"id": ident}).json() == {"message": "OTP sent"}
    assert mail.outbox == []


def test_email_failure_is_502(otp_cache, api_client, settings, db, monkeypatch):
    settings.OTP_RETURN_CODE = False
    user = UserFactory(email="x@example.com")

    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    response = api_client.post(GENERATE, {"id": user.pk})
    assert response.status_code == 502


def test_outcomes_are_logged_without_the_code(otp_cache, api_client, caplog):
    caplog.set_level("INFO", logger="staff.otp")
    code = generate(api_client, "log-me")
    verify(api_client, "log-me", wrong_for(code))
    verify(api_client, "log-me", code)
    verify(api_client, "log-me", code)
    api_client.post(VERIFY, {"id": "log-me", "otp": "x"})
    messages = [r.getMessage() for r in caplog.records if r.name == "staff.otp"]
    outcomes = [m.split("outcome=")[1].split()[0] for m in messages]
    assert outcomes == ["issued", "wrong", "verified", "not_found", "invalid_input"]
    assert all("ip=127.0.0.1" in m for m in messages)
    assert all("'log-me'" in m for m in messages[:4])
    assert not any(code in m for m in messages)


def test_no_cache_value_holds_the_code(otp_cache, api_client):
    code = generate(api_client, "peek")
    if hasattr(otp_cache, "ttl"):
        client = otp_cache.client.get_client()
        values = [client.get(key) for key in client.keys("*")]
        assert values and not any(code.encode() in (v or b"") for v in values)
    else:
        import pickle

        values = [pickle.loads(v) for v in otp_cache._cache.values()]
        assert values and not any(code in str(v) for v in values)


# --- Concurrency against real Redis ----------------------------------------------------------------
def _concurrently(calls: int, fn) -> list:
    barrier = threading.Barrier(calls)

    def run(_):
        barrier.wait()
        return fn()

    with ThreadPoolExecutor(max_workers=calls) as pool:
        return list(pool.map(run, range(calls)))


@pytest.mark.redis
def test_concurrent_correct_verifies_yield_exactly_one_success(redis_cache, settings):
    settings.OTP_RETURN_CODE = True
    settings.OTP_RESEND_COOLDOWN = 0
    for round_ in range(5):
        ident = f"race-{round_}"
        code = generate(APIClient(), ident)
        statuses = _concurrently(16, lambda i=ident, c=code: verify(APIClient(), i, c).status_code)
        assert statuses.count(200) == 1, statuses
        assert set(statuses) <= {200, 404}, statuses


@pytest.mark.redis
def test_concurrent_wrong_guesses_are_bounded(redis_cache, settings):
    settings.OTP_RETURN_CODE = True
    settings.OTP_RESEND_COOLDOWN = 0
    code = generate(APIClient(), "burst")
    statuses = _concurrently(16, lambda: verify(APIClient(), "burst", wrong_for(code)).status_code)
    # Failures are counted atomically: exactly the limit is answered as a plain "wrong".
    assert statuses.count(400) == 3, statuses
    assert statuses.count(429) >= 1, statuses
    assert set(statuses) <= {400, 404, 429}, statuses
    assert verify(APIClient(), "burst", code).status_code == 404


@pytest.mark.redis
def test_concurrent_regenerates_with_cooldown_issue_one_code(redis_cache, settings):
    settings.OTP_RETURN_CODE = True
    settings.OTP_RESEND_COOLDOWN = 30
    statuses = _concurrently(8, lambda: APIClient().post(GENERATE, {"id": "gen-race"}).status_code)
    assert sorted(statuses) == [200] + [429] * 7


# --- Redis: the per-IP window is counted inside the OTP script (one round trip per call) -----------
def _redis_commands(fn) -> list:
    """The Redis commands (pipelines count as one) sent while `fn` runs."""
    import redis

    sent: list = []
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def spy_command(self, *args, **options):
        sent.append(args[0])
        return command(self, *args, **options)

    def spy_execute(self, raise_on_error: bool = True):
        sent.append("PIPELINE")
        return execute(self, raise_on_error)

    redis.Redis.execute_command, redis.client.Pipeline.execute = spy_command, spy_execute
    try:
        fn()
    finally:
        redis.Redis.execute_command, redis.client.Pipeline.execute = command, execute
    return sent


@pytest.mark.redis
def test_redis_generate_and_verify_are_one_round_trip_each(redis_cache, settings, frozen_throttle_clock):
    settings.OTP_RETURN_CODE = True
    settings.OTP_RESEND_COOLDOWN = 30
    settings.THROTTLE_OTP = "100/min"
    codes: list = []
    assert _redis_commands(lambda: codes.append(generate(APIClient(), "trip"))) == ["EVALSHA"]
    assert _redis_commands(lambda: verify(APIClient(), "trip", wrong_for(codes[0]))) == ["EVALSHA"]
    assert _redis_commands(lambda: verify(APIClient(), "trip", codes[0])) == ["EVALSHA"]
    # The window the script counted is the throttle's own key: three calls so far on this IP.
    keys = redis_cache.keys("throttle_otp-*")
    assert sorted(redis_cache.get(key) for key in keys) == [1, 2]


@pytest.mark.redis
def test_redis_throttled_call_touches_no_otp_key(redis_cache, settings, frozen_throttle_clock):
    settings.OTP_RETURN_CODE = True
    settings.OTP_RESEND_COOLDOWN = 30
    settings.THROTTLE_OTP = "1/min"
    code = generate(APIClient(), "kept")
    refused = APIClient().post(GENERATE, {"id": "fresh"})
    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"] and 1 <= int(refused["Retry-After"]) <= 61
    assert verify(APIClient(), "kept", wrong_for(code)).status_code == 400  # the verify window's one
    for _ in range(3):
        assert verify(APIClient(), "kept", code).status_code == 429
    settings.THROTTLE_OTP = "100/min"
    # The refused generate started no cooldown for "fresh"; the refused verifies neither used up
    # attempts nor consumed the code.
    generate(APIClient(), "fresh")
    assert verify(APIClient(), "kept", code).status_code == 200


@pytest.mark.redis
def test_redis_invalid_and_valid_input_share_one_window(redis_cache, settings, frozen_throttle_clock):
    settings.OTP_RETURN_CODE = True
    settings.THROTTLE_OTP = "2/min"
    assert APIClient().post(GENERATE, {"id": ""}).status_code == 400
    generate(APIClient(), "mixed")
    assert APIClient().post(GENERATE, {"id": "other"}).status_code == 429
    # Over the limit, invalid input is refused by the throttle first, as before.
    response = APIClient().post(GENERATE, {"id": ""})
    assert response.status_code == 429 and "Retry-After" in response


@pytest.mark.redis
def test_redis_concurrent_calls_on_one_ip_get_exactly_the_limit(redis_cache, settings, frozen_throttle_clock):
    settings.OTP_RETURN_CODE = True
    settings.OTP_RESEND_COOLDOWN = 0
    settings.THROTTLE_OTP = "5/min"
    statuses = _concurrently(16, lambda: APIClient().post(GENERATE, {"id": "ip-race"}).status_code)
    assert sorted(statuses) == [200] * 5 + [429] * 11
