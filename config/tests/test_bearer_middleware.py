"""Bearer requests skip the session, user and messages middleware; the CSP header is built once."""

from __future__ import annotations

import pytest
from csp.decorators import csp_exempt, csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from config.bearer_middleware import carries_bearer
from config.security_headers import CachedPolicyCSPMiddleware
from staff.auth.services import tokens_issue

pytestmark = pytest.mark.django_db


def _token(user) -> str:
    return tokens_issue(user=user)["access_token"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", True),
        ("bearer abc", True),
        ("BEARER abc", True),
        ("Basic abc", False),
        ("", False),
        ("Bearer", False),
    ],
)
def test_carries_bearer_reads_the_header_as_the_api_does(header, expected):
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=header)
    assert carries_bearer(request) is expected


def test_a_bearer_api_request_answers_without_session_or_csrf_cookies(operator):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {_token(operator)}")
    response = client.get(reverse("auth-me"))
    assert response.status_code == 200
    assert response.json()["username"] == operator.username
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_a_bearer_request_does_not_read_the_session_cookie(superuser):
    """The admin session in the cookie does not count when the request brings a token instead."""
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    response = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {_token(superuser)}")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_bad_bearer_token_is_still_refused_with_a_session_cookie(superuser):
    client = Client()
    client.force_login(superuser)
    assert client.get(reverse("auth-me")).status_code == 200
    response = client.get(reverse("auth-me"), HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_a_cookie_post_still_needs_its_csrf_token(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post("/admin/logout/")
    assert response.status_code == 403


def test_a_bearer_post_to_a_form_view_is_still_csrf_checked_and_starts_no_session(superuser):
    from staff.tests.factories import TEST_PASSWORD

    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {_token(superuser)}")
    response = client.post("/admin/login/", {"username": superuser.username, "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "sessionid" not in response.cookies


def test_browser_requests_keep_sessions_and_messages(superuser):
    client = Client()
    client.force_login(superuser)
    response = client.get("/admin/staff/user/")
    assert response.status_code == 200
    assert response.wsgi_request.user == superuser
    assert hasattr(response.wsgi_request, "_messages")


# --- The Content-Security-Policy header, built once ------------------------------------------------


def _respond(view_response: HttpResponse, **request_headers) -> HttpResponse:
    request = RequestFactory().get("/anything", **request_headers)
    middleware = CachedPolicyCSPMiddleware(lambda request: view_response)
    return middleware(request)


def test_the_cached_policy_is_the_one_django_csp_builds(api_client):
    response = api_client.get("/health")
    assert response["Content-Security-Policy"] == build_policy()
    assert "'nonce-" not in response["Content-Security-Policy"]


def test_a_changed_setting_changes_the_cached_policy(api_client):
    assert "default-src 'self'" in api_client.get("/health")["Content-Security-Policy"]
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}},
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"img-src": ["'self'"]}},
    ):
        response = api_client.get("/health")
        assert response["Content-Security-Policy"] == "default-src 'none'"
        assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
        assert "img-src 'self'" in response["Content-Security-Policy-Report-Only"]
    assert "default-src 'self'" in api_client.get("/health")["Content-Security-Policy"]


def test_excluded_prefixes_are_honoured():
    policy = {"EXCLUDE_URL_PREFIXES": ["/anything"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert "Content-Security-Policy" not in _respond(HttpResponse("ok"))


def test_decorated_views_and_nonces_are_built_per_response():
    updated = csp_update({"img-src": ["https://example.com"]})(lambda request: HttpResponse("ok"))(None)
    assert "https://example.com" in _respond(updated)["Content-Security-Policy"]
    exempt = csp_exempt()(lambda request: HttpResponse("ok"))(None)
    assert "Content-Security-Policy" not in _respond(exempt)

    seen = {}

    def page(request):
        seen["nonce"] = str(request.csp_nonce)
        return HttpResponse("ok")

    request = RequestFactory().get("/anything")
    response = CachedPolicyCSPMiddleware(page)(request)
    assert f"'nonce-{seen['nonce']}'" in response["Content-Security-Policy"]


def test_the_nonce_is_refused_after_the_header_is_written():
    from csp.exceptions import CSPNonceError

    request = RequestFactory().get("/anything")
    CachedPolicyCSPMiddleware(lambda request: HttpResponse("ok"))(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
