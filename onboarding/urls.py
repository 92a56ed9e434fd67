from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from kyc.webhooks.views import webhook
from onboarding import accounts_urls, journey_urls
from onboarding.forms import AdminLoginForm
from onboarding.health import healthz
from onboarding.views.home import home
from onboarding.views.language import set_language

# The end-user journey and its accounts share one namespace: emails link to onboarding:status.
onboarding_patterns = [
    path("accounts/", include(accounts_urls.urlpatterns)),
    path("verify/", include(journey_urls.urlpatterns)),
]

# Staff log in under the same lockout as applicants (onboarding/limits.py).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("language/", set_language, name="set_language"),
    path("", include((onboarding_patterns, "onboarding"))),
    path("admin/", admin.site.urls),
    # One URL per enabled provider (webhooks/dollarpe/, ...); the view refuses any other.
    path("webhooks/<slug:provider>/", webhook, name="webhook"),
]
