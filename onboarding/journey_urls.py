"""The journey's pages. No URL carries a verification id: each view finds the user's own."""

from __future__ import annotations

from django.urls import path

from onboarding.views import (
    bank,
    fix,
    hosted,
    kyc,
    phone,
    profile,
    questions,
    reupload,
    start,
    status,
    uploads,
)

urlpatterns = [
    # /verify/ itself: where the user stands decides the page.
    path("", start.start, name="journey"),
    path("start/", start.start, name="start"),
    path("profile/", profile.profile, name="profile"),
    path("documents/", uploads.uploads, name="uploads"),
    path("documents/presign/", uploads.presign, name="presign"),
    path("documents/<int:document_id>/check/", uploads.check, name="check"),
    # Continue on a phone: the desktop follows and emails; the phone (no login, a marker in
    # its session) opens the link, sends the photos and is done. The token route comes last.
    path("phone/live/", phone.phone_live, name="phone_live"),
    path("phone/email/", phone.phone_email, name="phone_email"),
    path("phone/photos/", phone.phone_photos, name="phone_photos"),
    path("phone/done/", phone.phone_done, name="phone_done"),
    path("phone/<str:token>/", phone.phone_open, name="phone_open"),
    path("details/", kyc.kyc_details, name="kyc"),
    # Hosted collection: the hand-off to the provider's pages (a POST) and the way back.
    path("continue/", hosted.hosted, name="hosted"),
    path("return/", hosted.hosted_return, name="hosted_return"),
    # Challenge questions the provider asks while it waits for the applicant.
    path("questions/", questions.questions, name="questions"),
    path("status/", status.status, name="status"),
    path("status/live/", status.status_live, name="status_live"),
    path("fix/", fix.fix, name="fix"),
    path("fix/document/", reupload.reupload, name="reupload"),
    path("bank/", bank.bank, name="bank"),
    path("bank/live/", bank.bank_live, name="bank_live"),
]
