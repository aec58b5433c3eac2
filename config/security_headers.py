"""The Content-Security-Policy header (django-csp) built once per process instead of per response."""

from __future__ import annotations

import http

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# The per-response attributes of django-csp's decorators (csp_update, csp_replace, csp, csp_exempt).
_CSP_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_policies: dict[str, tuple[str, tuple[str, ...]]] = {}


@receiver(setting_changed)
def _forget_policies(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.clear()


def _policy(report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The settings' policy header (no nonce, no per-view change) and its excluded path prefixes."""
    name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
    if name not in _policies:
        prefixes = tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        _policies[name] = (build_policy(report_only=report_only), prefixes)
    return _policies[name]


class CachedPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the settings' policy built once instead of on every response.

    A response whose page used the nonce, or whose view changed the policy by decorator, is built
    per response by django-csp as before; every other response gets the same headers it would build.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, attr, None) is not None for attr in _CSP_OVERRIDES
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
            http.HTTPStatus.NOT_FOUND,
        ):
            return response
        for header, exempt, report_only in (
            (HEADER, "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "_csp_exempt_ro", True),
        ):
            policy, prefixes = _policy(report_only)
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
