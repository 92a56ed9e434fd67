"""The photo step's picture checks on the server: measured on the stored file (real S3 server),
recorded in Document.quality, said honestly to the person, and shown to staff."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kyc import quality
from kyc.models import AuditEvent, Document
from kyc.services.documents import PDF as PDF_TYPE
from kyc.services.documents import documents_storage
from tests.admin.conftest import ROLES, staff_client
from tests.onboarding.conftest import created_verification
from tests.onboarding.test_uploads import exists, presigned_upload
from tests.support import images

pytestmark = pytest.mark.django_db
URL = reverse("onboarding:uploads")
GOOD = images.document_photo()
# (picture, the check that warns); each is a 1600x1200 JPEG of the same card.
CASES = {
    "good": (GOOD, None),
    "dark": (images.too_dark(GOOD), "brightness"),
    "blurred": (images.blurred(GOOD), "sharpness"),
    "glare": (images.with_glare(GOOD), "glare"),
    "small": (images.small_in_frame(), "fill"),
}


def results(document: Document) -> dict[str, str]:
    return {name: check["result"] for name, check in document.quality["checks"].items()}


@pytest.mark.parametrize("case", CASES)
def test_each_check_is_measured_on_the_stored_picture_and_recorded(
    case, signed_in, user, emulator, settings
):
    picture, warned = CASES[case]
    created_verification(user)
    answer = presigned_upload(signed_in, "document_front", images.encoded(picture))
    assert answer["accepted"] is True  # a warning is never a refusal
    document = Document.objects.get(pk=answer["document"])
    recorded = document.quality
    assert (recorded["version"], recorded["width"], recorded["height"]) == (1, 1600, 1200)
    assert recorded["analysed"] == [512, 384]
    assert recorded["sent_anyway"] is False
    for name, check in recorded["checks"].items():
        limit = settings.DOCUMENT_QUALITY[f"{check['bound']}_{name}"]
        assert check["threshold"] == limit
        within = check["value"] <= limit if check["bound"] == "max" else check["value"] >= limit
        expected = (
            "skip" if name == "fill" and warned == "sharpness" else ("pass" if within else "warn")
        )
        assert check["result"] == expected, (name, check)
    expected_warnings = [warned] if warned else []
    assert quality.warnings_of(recorded) == expected_warnings
    assert answer["warnings"] == expected_warnings


def test_the_measures_fall_where_the_pictures_say(signed_in, user, emulator):
    created_verification(user)
    measured = {}
    for case, (picture, _) in CASES.items():
        answer = presigned_upload(signed_in, "document_front", images.encoded(picture))
        checks = Document.objects.get(pk=answer["document"]).quality["checks"]
        measured[case] = {name: check["value"] for name, check in checks.items()}
    good = measured["good"]
    assert measured["dark"]["brightness"] < 40 < 120 < good["brightness"]
    assert measured["blurred"]["sharpness"] < 30 < 500 < good["sharpness"]
    assert measured["glare"]["glare"] > 0.05 > 0.001 > good["glare"]
    assert measured["small"]["fill"] < 0.15 < 0.8 < good["fill"]
    assert measured["dark"]["sharpness"] > 500  # a dim picture is not also called blurred


def test_received_says_what_was_checked_and_nothing_more(signed_in, user, emulator):
    created_verification(user)
    good = presigned_upload(signed_in, "document_front", images.encoded(GOOD))
    size = Document.objects.get(pk=good["document"]).size
    assert size is not None
    shown = f"{round(size / 1024)} KB"
    assert good["message"] == (
        f"Received. It is a readable JPEG of {shown}, 1600\u00d71200: sharp, well lit, "
        "without glare, and the document fills the frame."
    )
    dark = presigned_upload(signed_in, "document_back", images.encoded(images.too_dark(GOOD)))
    assert dark["message"].startswith("Received. It is a readable JPEG of ")
    assert dark["message"].endswith(
        ", 1600\u00d71200. It looks too dark. You can send it as it is, or take another photo."
    )
    selfie = presigned_upload(signed_in, "selfie", images.jpeg())
    assert selfie["message"].endswith(": sharp, well lit and without glare.")
    assert "fill" not in Document.objects.get(pk=selfie["document"]).quality["checks"]
    for answer in (good, dark, selfie):
        assert "accepted" not in answer["message"].lower()
        assert "verified" not in answer["message"].lower()


def test_a_pdf_skips_the_picture_checks_and_says_so(signed_in, user, emulator):
    created_verification(user)
    answer = presigned_upload(signed_in, "document_back", images.PDF)
    document = Document.objects.get(pk=answer["document"])
    assert document.quality == {"version": 1, "skipped": "pdf", "checks": {}, "sent_anyway": False}
    assert answer["message"] == (
        "Received. It is a PDF file of 1 KB. Light, sharpness and framing are checked on "
        "photos only, so this file was not checked for them."
    )


def test_sent_anyway_from_the_browser_is_recorded_with_the_warning(signed_in, user, emulator):
    verification = created_verification(user)
    dark = images.encoded(images.too_dark(GOOD))
    answer = presigned_upload(signed_in, "document_front", dark, sent_anyway="1")
    document = Document.objects.get(pk=answer["document"])
    assert document.quality["sent_anyway"] is True
    assert results(document)["brightness"] == "warn"
    assert answer["message"].endswith("It looks too dark. You chose to send it anyway.")
    note = AuditEvent.objects.get(verification=verification, action="document_accepted").note
    assert note.endswith("; warnings: brightness; sent anyway")


def test_a_bad_answer_to_the_warning_is_refused_and_changes_nothing(signed_in, user, emulator):
    created_verification(user)
    asked = {"kind": "selfie", "content_type": "image/jpeg"}
    ticket = signed_in.post(reverse("onboarding:presign"), asked).json()
    check = reverse("onboarding:check", args=[ticket["document"]])
    response = signed_in.post(check, {"sent_anyway": "yes please"})
    assert response.status_code == 400
    assert response.json()["message"] == "Unknown answer to the photo warning."
    assert Document.objects.get(pk=ticket["document"]).state == Document.State.PENDING


def test_a_file_over_the_limit_is_told_its_size_and_the_limit(signed_in, user, emulator, settings):
    """The bucket refuses it first (the policy's content-length-range); one written past the
    policy (a bucket that does not enforce it) is still measured and refused by the check."""
    settings.DOCUMENT_MAX_BYTES = 200 * 1024
    created_verification(user)
    with pytest.raises(AssertionError, match="EntityTooLarge"):
        presigned_upload(signed_in, "document_back", images.PDF + bytes(300 * 1024))
    assert check_written(signed_in, images.PDF + bytes(300 * 1024))["message"] == (
        "This file is 300 KB; the limit is 200 KB."
    )
    settings.DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    big = check_written(signed_in, images.PDF + bytes(int(14.2 * 1024**2)))
    assert big["message"] == "This file is 14.2 MB; the limit is 10 MB."


def check_written(client, content: bytes) -> dict:
    """Presign, write the file to its key without the policy, and ask for the check."""
    asked = {"kind": "document_back", "content_type": PDF_TYPE}
    ticket = client.post(reverse("onboarding:presign"), asked).json()
    document = Document.objects.get(pk=ticket["document"])
    documents_storage().connection.meta.client.put_object(
        Bucket=documents_storage().bucket_name, Key=document.key, Body=content
    )
    answer = client.post(reverse("onboarding:check", args=[document.pk])).json()
    assert answer["accepted"] is False
    assert not exists(Document.objects.get(pk=answer["document"]))
    return answer


def test_a_12_megapixel_jpeg_is_decoded_at_a_reduced_size():
    photo = images.encoded(images.document_photo((4000, 3000), grain=False), quality=85)
    with Image.open(io.BytesIO(photo)) as picture:
        grey = quality.small_grey(picture)
        decoded = picture.size  # draft() decoded it at 1/4 scale, in grey: 1000x750
        mode = picture.mode
    assert max(decoded) <= 2 * 512
    assert mode == "L"
    assert grey.size == (512, 384)


def test_without_javascript_a_warned_photo_is_shown_once_then_sent_as_it_is(
    signed_in, user, emulator
):
    verification = created_verification(user)
    files = {
        "document_front_camera": SimpleUploadedFile("f.jpg", images.encoded(images.blurred(GOOD))),
        "document_back": SimpleUploadedFile("b.jpg", images.jpeg()),
        "selfie": SimpleUploadedFile("s.jpg", images.jpeg()),
    }
    response = signed_in.post(URL, files, follow=True)
    # Not yet on: the person sees what the checks found (on a GET: POST-redirect-GET).
    assert response.redirect_chain == [(URL, 303)]
    html = response.content.decode()
    assert "Some photos may be hard to read" in html
    assert "It looks blurred. You can send it as it is, or take another photo." in html
    front = response.context["form"].documents["document_front"]
    assert front.quality["sent_anyway"] is False
    ids = {f"{kind}_id": str(doc.pk) for kind, doc in response.context["form"].documents.items()}
    onward = signed_in.post(URL, ids)
    assert onward.status_code == 302
    front.refresh_from_db()
    assert front.quality["sent_anyway"] is True
    assert AuditEvent.objects.filter(
        verification=verification, action="document_sent_anyway", actor=user
    ).exists()
    page = signed_in.get(URL).content.decode()
    assert "It looks blurred. You chose to send it anyway." in page


def test_a_slot_with_an_error_never_shows_received_beside_it(signed_in, user, emulator, settings):
    created_verification(user)
    first = signed_in.post(URL, {"selfie": SimpleUploadedFile("s.jpg", images.jpeg())}, follow=True)
    assert "Received. It is a readable JPEG" in first.content.decode()
    settings.DOCUMENT_MAX_BYTES = 200 * 1024
    big = images.PDF + bytes(300 * 1024)
    again = signed_in.post(URL, {"selfie": SimpleUploadedFile("s.pdf", big)}, follow=True)
    html = again.content.decode()
    slot = html[html.index('data-kind="selfie"') :]
    assert "This file is larger than the limit of 200 KB." in slot
    assert "Received" not in slot.split("</fieldset>")[0]
    assert 'name="selfie_id" value=""' in slot


def test_the_browser_gets_the_same_thresholds_as_the_server(signed_in, user, emulator, settings):
    settings.DOCUMENT_QUALITY = settings.DOCUMENT_QUALITY | {"min_brightness": 77.0}
    created_verification(user)
    html = signed_in.get(URL).content.decode()
    found = re.search(r'<script id="capture-settings" type="application/json">(.*?)</script>', html)
    assert found is not None
    given = json.loads(unescape(found.group(1)))
    assert given["quality"] == {"version": 1, "trim": 0.02, "stretch_cut": 0.01} | (
        settings.DOCUMENT_QUALITY
    )
    assert given["maxBytes"] == settings.DOCUMENT_MAX_BYTES
    assert given["messages"]["tooLarge"] == "This file is %(size)s; the limit is %(limit)s."


def test_staff_see_each_check_its_threshold_and_the_choice(signed_in, user, emulator):
    verification = created_verification(user)
    dark = images.encoded(images.too_dark(GOOD))
    presigned_upload(signed_in, "document_front", dark, sent_anyway="1")
    presigned_upload(signed_in, "document_back", images.PDF)
    for group in (ROLES.OFFICER, ROLES.VIEWER):
        client, _ = staff_client(group)
        page = client.get(reverse("admin:kyc_verification_change", args=[verification.pk]))
        html = page.content.decode()
        assert "Picture checks (version 1) on a 1600\u00d71200 picture" in html
        row = re.search(
            r"Light \(mean grey level, 0-255\)</th><td>([\d.]+)</td><td>(.*?)</td>", html
        )
        assert row is not None
        assert float(row.group(1)) < 40
        assert row.group(2) == "at least 60.0"
        assert 'kyc-badge--wait">warning</span>' in html
        assert "Glare (clipped highlights)</th><td>0.0%</td><td>at most 3.0%</td>" in html
        assert "chose to send it anyway" in html
        assert "Picture checks (version 1): not run, the file is a PDF." in html
