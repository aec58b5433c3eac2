"""Machines endpoints at the paths their existing clients call (docs/architecture.md §3), each with
and without the trailing slash. Plain `re_path`s: `machine` (create, history) and `machines` (list)
are one resource under two names, which a router's list/detail pairs cannot spell."""

from django.urls import re_path

from machines import views

urlpatterns = [
    re_path(r"^api/v1/data/ingest/?$", views.IngestView.as_view(), name="machines-ingest"),
    re_path(r"^api/v1/data/machines/?$", views.MachineListView.as_view(), name="machines-list"),
    re_path(r"^api/v1/data/machine/?$", views.MachineCreateView.as_view(), name="machines-create"),
    re_path(
        r"^api/v1/data/machine/(?P<machine_id>[^/]+)/?$",
        views.MachineHistoryView.as_view(),
        name="machines-history",
    ),
    re_path(r"^api/v1/config/?$", views.ConfigView.as_view(), name="machines-config"),
    re_path(r"^api/v1/config/update/?$", views.ConfigUpdateView.as_view(), name="machines-config-update"),
]
api_links = {"machines": "/api/v1/data/machines", "config": "/api/v1/config"}
