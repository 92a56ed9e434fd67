"""The app's settings plus the bench-only baseline view (never used outside `make bench`)."""

from __future__ import annotations

from onboarding.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
