"""Machines endpoints at the paths their existing clients call (docs/architecture.md §3), each with
and without the trailing slash, no redirect. Explicit routes rather than the platform router:
`machine` (create, history) and `machines` (list) are one resource under two names, and config's
`update` is a POST beside a GET, which a router's list/detail pairs cannot spell under these names."""

from django.urls import re_path

from machines import views, views_alerts


def route(regex: str, viewset: type, actions: dict[str, str], name: str, title: str):
    """`regex` answered by `viewset`'s `actions`; the browsable API and OPTIONS name it `title` and
    describe it with the action's docstring."""
    action = next(iter(actions.values()))
    view = viewset.as_view(actions, name=title, description=getattr(viewset, action).__doc__)
    return re_path(regex, view, name=name)


urlpatterns = [
    route(r"^api/v1/data/ingest/?$", views.IngestViewSet, {"post": "create"}, "machines-ingest", "Ingest"),
    route(
        r"^api/v1/data/machines/?$", views.MachineViewSet, {"get": "list"}, "machines-list", "Machine List"
    ),
    route(
        r"^api/v1/data/machine/?$",
        views.MachineViewSet,
        {"post": "create"},
        "machines-create",
        "Machine Create",
    ),
    route(
        r"^api/v1/data/machine/(?P<machine_id>[^/]+)/?$",
        views.MachineViewSet,
        {"get": "retrieve"},
        "machines-history",
        "Machine History",
    ),
    route(r"^api/v1/config/?$", views.SystemConfigViewSet, {"get": "list"}, "machines-config", "Config"),
    route(
        r"^api/v1/config/update/?$",
        views.SystemConfigViewSet,
        {"post": "update_setting"},
        "machines-config-update",
        "Config Update",
    ),
    route(r"^api/v1/alerts/?$", views_alerts.AlertViewSet, {"get": "list"}, "machines-alerts", "Alert List"),
    route(
        r"^api/v1/alerts/(?P<alert_id>[^/]+)/acknowledge/?$",
        views_alerts.AlertViewSet,
        {"post": "acknowledge"},
        "machines-alert-acknowledge",
        "Alert Acknowledge",
    ),
]
api_links = {"machines": "/api/v1/data/machines", "config": "/api/v1/config", "alerts": "/api/v1/alerts"}
