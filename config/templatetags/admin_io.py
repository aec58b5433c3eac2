"""Template tags of the admin's import and export links (templates/admin/change_list_object_tools.html)."""

from __future__ import annotations

from django import template
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.urls import reverse

register = template.Library()


@register.simple_tag
def admin_export_url(changelist: ChangeList, fmt: str) -> str:
    """The export of this change list as filtered, searched and ordered (every page, hence no `p`)."""
    opts = changelist.opts
    url = reverse("admin-export", args=[opts.app_label, opts.model_name, fmt])
    return url + changelist.get_query_string(remove=[PAGE_VAR])
