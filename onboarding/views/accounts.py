"""Sign-up, and Django's own views for logging in and out and resetting a password."""

from __future__ import annotations

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

from onboarding.forms import EmailAuthenticationForm, PasswordResetForm, SignupForm
from onboarding.prg import again, form_data, restore_errors
from onboarding.views.language import restore_language


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("onboarding:start")
    data, kept = form_data(request)
    form = SignupForm(data)
    if request.method == "POST":
        if not form.is_valid():
            return again(request, [form], drop=("password1", "password2"))  # never kept
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your account is ready. Now tell us who you are."))
        return redirect("onboarding:profile")
    if data is not None:
        restore_errors([form], kept)
    return render(request, "registration/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        return restore_language(self.request, super().form_valid(form), form.get_user())


class PasswordResetView(auth_views.PasswordResetView):
    """The email is sent by a worker, like every other email, with links to PUBLIC_BASE_URL
    (never the Host header)."""

    form_class = PasswordResetForm
    success_url = reverse_lazy("onboarding:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("onboarding:password_reset_complete")
