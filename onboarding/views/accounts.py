"""Sign-up, and Django's own views for logging in and out and resetting a password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from onboarding import limits
from onboarding.forms import EmailAuthenticationForm, PasswordResetForm, SignupForm
from onboarding.prg import again, form_data, restore_errors
from onboarding.signup import AlreadyConfirmed, signup_request, signup_token_valid
from onboarding.signup import signup_confirm as confirm_account
from onboarding.views.language import restore_language


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """The same "check your email" for an address with an account and one without
    (onboarding/signup.py); each client address and each email address may try a few times."""
    if request.user.is_authenticated:
        return redirect("onboarding:start")
    data, kept = form_data(request)
    form = SignupForm(data)
    if request.method == "POST":
        limits.count(request, "signup")
        if not form.is_valid():
            return again(request, [form], drop=("password1", "password2"))  # never kept
        email = form.cleaned_data["email"]
        limits.count(request, "account-email", email)
        signup_request(email=email, password=form.cleaned_data["password1"])
        return redirect("onboarding:signup_sent")
    if data is not None:
        restore_errors([form], kept)
    return render(request, "registration/signup.html", {"form": form})


@never_cache
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html", {"hours": settings.SIGNUP_LINK_HOURS})


@never_cache
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET says what the link does (mail scanners follow links: they must not create the
    account); the button POSTs, and that creates the account and logs in."""
    if request.method != "POST":
        if not signup_token_valid(token):
            return _link_gone(request)
        return render(request, "registration/signup_confirm.html")
    try:
        user = confirm_account(token=token)
    except AlreadyConfirmed:
        messages.info(request, _("Your account is already set up. Log in to continue."))
        return redirect("onboarding:login")
    if user is None:
        return _link_gone(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your account is ready. Now tell us who you are."))
    return redirect("onboarding:profile")


def _link_gone(request: HttpRequest) -> HttpResponse:
    context = {
        "title": _("This link no longer works"),
        "text": _("This link has expired or is not complete. Please sign up again."),
    }
    return render(request, "onboarding/phone_message.html", context, status=410)


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        return restore_language(self.request, super().form_valid(form), form.get_user())


class PasswordResetView(auth_views.PasswordResetView):
    """The email is sent by a worker, like every other email, with links to PUBLIC_BASE_URL
    (never the Host header). Limited per client address and per email address, alike for
    an address with an account and one without."""

    form_class = PasswordResetForm
    success_url = reverse_lazy("onboarding:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limits.count(request, "password-reset")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        limits.count(self.request, "account-email", form.cleaned_data["email"].strip().lower())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("onboarding:password_reset_complete")
