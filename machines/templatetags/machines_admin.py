"""Template tags of the machines admin pages."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from machines.admin_hierarchy import telemetry_date_hierarchy

register = template.Library()


@register.tag(name="telemetry_date_hierarchy")
def telemetry_date_hierarchy_tag(
    parser: template.base.Parser, token: template.base.Token
) -> InclusionAdminNode:
    """`{% telemetry_date_hierarchy cl %}`: the admin's date hierarchy, its dates from the rollup."""
    return InclusionAdminNode(
        parser, token, func=telemetry_date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )
