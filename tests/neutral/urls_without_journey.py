"""A deployment without the end-user journey (an API-only one): no hosted or questions pages."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
