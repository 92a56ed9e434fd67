"""The verification list's ChangeList: Django's, with a date drill-down that scales.

Django's date hierarchy lists the years with SELECT DISTINCT over every row that
matches (about 0.1 s per page at 1,000,000 rows, and seconds under a search). Here
the years come from MIN and MAX, two index probes; the month and day levels are
index ranges already and stay Django's. Under a search the drill-down is hidden:
its aggregates would read every matching row to refine a handful of results.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.views.main import ChangeList
from django.db.models import Max, Min
from django.utils import timezone

HIDDEN: dict[str, Any] = {"show": False}


class VerificationChangeList(ChangeList):
    @cached_property
    def cheap_date_hierarchy(self) -> dict[str, Any]:
        field = self.date_hierarchy
        if not field or self.query:
            return HIDDEN
        if any(key.startswith(f"{field}__") for key in self.params):
            return dict(date_hierarchy(self) or HIDDEN)
        bounds = self.queryset.aggregate(first=Min(field), last=Max(field))
        if bounds["first"] is None or bounds["last"] is None:
            return HIDDEN
        first, last = (timezone.localtime(bounds[end]) for end in ("first", "last"))
        if first.year == last.year:
            return dict(date_hierarchy(self) or HIDDEN)  # Django picks the month or day level
        return {
            "show": True,
            "back": None,
            "choices": [
                {
                    "link": self.get_query_string({f"{field}__year": str(year)}, [f"{field}__"]),
                    "title": str(year),
                }
                for year in range(first.year, last.year + 1)
            ],
        }
