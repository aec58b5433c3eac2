"""The charts of an admin change page (config.charts), for the page's object and user."""

from __future__ import annotations

from typing import Any

from django import template

from config.charts import RANGE_PARAM, ChartSet, charts_for

register = template.Library()


@register.simple_tag(takes_context=True)
def change_charts(context: dict[str, Any]) -> ChartSet | None:
    """The charts registered for the page's object (`original`), in the range the query names."""
    request, obj = context.get("request"), context.get("original")
    if request is None or obj is None:
        return None
    return charts_for(obj, user=request.user, range_key=request.GET.get(RANGE_PARAM))


@register.simple_tag(takes_context=True)
def chart_range_url(context: dict[str, Any], range_key: str) -> str:
    """This page's URL with the chart range set to `range_key` (other parameters kept)."""
    query = context["request"].GET.copy()
    query[RANGE_PARAM] = range_key
    return "?" + query.urlencode()
