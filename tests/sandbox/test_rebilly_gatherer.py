"""Rebilly emulator: the hosted gatherer page, driven over HTTP as a browser would."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from sandbox.rebilly.process import RebillyEmulatorProcess
from tests.sandbox.dollarpe_support import TestServer
from tests.sandbox.rebilly_support import (
    RebillyApi,
    events_of,
    gatherer_form,
    info_of,
    link,
    parse_page,
    subscribe,
    token_of,
    wait_status,
    webhooks,
)
from tests.support import images

IDENTITY_WITH_SELFIE = {"type": "identity-proof", "faceProofRequired": True, "maxAttempts": 2}
ADDRESS = {"type": "address-proof", "subtypes": ["utility-bill", "bank-statement"]}


def _request(rapi: RebillyApi, *documents: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return dict(rapi.kyc_request(rapi.customer()["id"], *documents, **fields))


def _post(
    url: str, form: dict[str, str], files: list[tuple[str, tuple[str, bytes, str]]]
) -> requests.Response:
    return requests.post(url, data=form, files=files, allow_redirects=False, timeout=10)


def _submit(kyc: dict[str, Any], outcomes: dict[str, str], **kw: Any) -> requests.Response:
    url = link(kyc)
    form, files = gatherer_form(token_of(url), outcomes, **kw)
    return _post(url.split("?")[0], form, files)


def test_the_page_offers_each_requested_document(rapi: RebillyApi) -> None:
    kyc = _request(
        rapi,
        {"type": "credit-file-proof"},
        IDENTITY_WITH_SELFIE,
        ADDRESS,
        redirectUrl="https://shop.example/back",
    )
    response = requests.get(link(kyc), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = parse_page(response.text)
    assert page.html_lang == "en"
    assert "Rebilly sandbox emulator" in page.title
    assert "Rebilly sandbox emulator" in response.text
    assert any(m.get("name") == "viewport" for m in page.meta)
    assert page.headings[0] == "Verify your identity"
    assert page.external == []  # no scripts, stylesheets or images to fetch
    # The credit file is API-only: never offered.
    assert page.legends == [
        "Proof of identity",
        "Sandbox decision (emulator only)",
        "Proof of address",
        "Sandbox decision (emulator only)",
    ]
    for name in ("file-identity-proof", "face-identity-proof", "file-address-proof"):
        [field] = page.named(name)
        assert field["type"] == "file"
        assert page.labels[field["id"]]  # every input has its label
        assert "image/jpeg" in field["accept"]
    assert "application/pdf" in page.named("file-identity-proof")[0]["accept"]
    assert page.named("face-address-proof") == []  # no selfie asked for the address
    radios = page.named("outcome-identity-proof")
    assert [(r["value"], "checked" in r) for r in radios] == [
        ("accept", True),
        ("reject", False),
        ("review", False),
    ]
    assert all(page.labels[r["id"]] for r in radios)
    assert "document-expired" in page.selects["reason-identity-proof"]
    assert page.selects["subtype-address-proof"] == ["utility-bill", "bank-statement"]
    assert "Attempts left: 2 of 2." in response.text
    assert [b["text"] for b in page.buttons] == ["Submit documents", "Back to website"]
    assert [i["value"] for i in page.named("token")] == [token_of(link(kyc))]


@pytest.mark.parametrize(
    ("outcomes", "info"),
    [
        ({"identity-proof": "accept", "address-proof": "reject:document-expired"}, "success"),
        ({"identity-proof": "accept", "address-proof": "review"}, "manual"),
        ({"identity-proof": "accept"}, "partial"),
    ],
)
def test_a_submission_redirects_with_info(
    rapi: RebillyApi, outcomes: dict[str, str], info: str
) -> None:
    kyc = _request(rapi, IDENTITY_WITH_SELFIE, ADDRESS)
    response = _submit(kyc, outcomes, selfies=("identity-proof",))
    assert response.status_code == 302
    assert response.headers["Location"] == f"https://shop.example/kyc/return?info={info}"
    documents = rapi.documents(kyc["id"])
    assert [d["documentType"] for d in documents] == list(outcomes)
    expected = {"accept": "in-progress", "reject": "in-progress", "review": "pending"}
    assert [d["status"] for d in documents] == [
        expected[outcome.split(":")[0]] for outcome in outcomes.values()
    ]


def test_uploads_become_files_and_documents(
    rapi: RebillyApi, reb: RebillyEmulatorProcess, server: TestServer
) -> None:
    subscribe(rapi, server)
    kyc = _request(rapi, IDENTITY_WITH_SELFIE)
    response = _submit(kyc, {"identity-proof": "accept"}, selfies=("identity-proof",))
    assert info_of(response.headers["Location"]) == "success"
    [document] = rapi.documents(kyc["id"])
    front, selfie = document["fileIds"]
    assert reb.file_bytes(front) == images.jpeg()
    assert reb.file_bytes(selfie) == images.png()
    stored = {f["id"]: f for f in rapi.ok("GET", "/files")}
    assert stored[front]["tags"] == ["kyc", "id-front"]
    assert stored[selfie]["tags"] == ["kyc", "face-proof"]
    wait_status(rapi, kyc["id"], "fulfilled")
    bodies = webhooks(server, 3)
    assert events_of(bodies) == [
        "kyc-document-created",
        "kyc-document-accepted",
        "kyc-request-fulfilled",
    ]
    assert bodies[0]["fileId"] == front
    assert bodies[0]["_embedded"]["kycDocument"]["status"] == "in-progress"
    assert [item["rel"] for item in bodies[0]["_links"]] == ["customer", "file", "kycDocument"]


def test_an_existing_query_gets_ampersand_info(rapi: RebillyApi) -> None:
    kyc = _request(rapi, ADDRESS, redirectUrl="https://shop.example/return?user=7#top")
    response = _submit(kyc, {"address-proof": "accept"})
    assert response.headers["Location"] == "https://shop.example/return?user=7&info=success#top"


def test_back_changes_nothing(rapi: RebillyApi) -> None:
    kyc = _request(rapi, ADDRESS)
    response = _submit(kyc, {"address-proof": "accept"}, action="back")
    assert response.headers["Location"] == "https://shop.example/kyc/return?info=back"
    assert rapi.documents(kyc["id"]) == []


def test_an_expired_link_redirects_with_token_expired(
    rapi: RebillyApi, reb: RebillyEmulatorProcess
) -> None:
    kyc = _request(rapi, ADDRESS)
    reb.expire(kyc["id"])
    response = requests.get(link(kyc), allow_redirects=False, timeout=5)
    assert response.status_code == 302
    assert info_of(response.headers["Location"]) == "token_expired"
    assert info_of(_submit(kyc, {"address-proof": "accept"}).headers["Location"]) == (
        "token_expired"
    )
    assert rapi.documents(kyc["id"]) == []
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    late = _request(rapi, ADDRESS, expirationTime=past)
    assert late["status"] == "expired"
    response = requests.get(link(late), allow_redirects=False, timeout=5)
    assert info_of(response.headers["Location"]) == "token_expired"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (("notes.txt", b"just text", "text/plain"), "is not a JPEG, PNG or PDF file"),
        (("evil.png", images.EXECUTABLE, "image/png"), "is not a JPEG, PNG or PDF file"),
        (("empty.jpg", b"", "image/jpeg"), "is empty"),
    ],
)
def test_bad_files_re_render_the_page(
    rapi: RebillyApi, upload: tuple[str, bytes, str], message: str
) -> None:
    kyc = _request(rapi, ADDRESS)
    form, _ = gatherer_form(token_of(link(kyc)), {"address-proof": "accept"})
    response = _post(link(kyc).split("?")[0], form, [("file-address-proof", upload)])
    assert response.status_code == 422
    assert message in response.text
    page = parse_page(response.text)
    assert "Please fix the following" in page.headings
    assert page.named("file-address-proof")[0].get("aria-invalid") == "true"
    assert rapi.documents(kyc["id"]) == []
    assert rapi.ok("GET", "/files") == []


def test_too_large_and_missing_selfie(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    reb.config(max_file_bytes=500)
    kyc = _request(rapi, ADDRESS)
    big = images.image_bytes("PNG", size=(400, 400))
    form, _ = gatherer_form(token_of(link(kyc)), {"address-proof": "accept"})
    response = _post(
        link(kyc).split("?")[0], form, [("file-address-proof", ("big.png", big, "image/png"))]
    )
    assert response.status_code == 422
    assert "is larger than 500 bytes" in response.text
    reb.config(max_file_bytes=10 * 1024 * 1024)
    selfie_needed = _request(rapi, IDENTITY_WITH_SELFIE)
    response = _submit(selfie_needed, {"identity-proof": "accept"})
    assert response.status_code == 422
    assert "Add a selfie too" in response.text
    nothing = _submit(selfie_needed, {})
    assert nothing.status_code == 422
    assert "Choose at least one document" in nothing.text
    assert rapi.documents(selfie_needed["id"]) == []


def test_a_pdf_is_a_document_but_not_a_selfie(rapi: RebillyApi) -> None:
    kyc = _request(rapi, IDENTITY_WITH_SELFIE)
    form, _ = gatherer_form(token_of(link(kyc)), {"identity-proof": "accept"})
    pdf = ("id.pdf", images.PDF, "application/pdf")
    files = [("file-identity-proof", pdf), ("face-identity-proof", pdf)]
    response = _post(link(kyc).split("?")[0], form, files)
    assert response.status_code == 422
    assert "is not a JPEG or PNG file" in response.text
    files = [
        ("file-identity-proof", pdf),
        ("face-identity-proof", ("me.jpg", images.jpeg(), "image/jpeg")),
    ]
    assert _post(link(kyc).split("?")[0], form, files).status_code == 302


def test_a_rejected_document_is_offered_again_with_its_reason(
    rapi: RebillyApi, reb: RebillyEmulatorProcess
) -> None:
    reb.config(decision_delay=0)
    kyc = _request(rapi, IDENTITY_WITH_SELFIE, ADDRESS)
    _submit(
        kyc,
        {"identity-proof": "reject:dob-mismatch", "address-proof": "review"},
        selfies=("identity-proof",),
    )
    page = requests.get(link(kyc), timeout=5).text
    assert "Attempts left: 1 of 2." in page
    assert (
        "Your previous document was not accepted: Rejected by the sandbox emulator (dob mismatch)."
        in page
    )
    # The address waits for its review: not offered.
    assert parse_page(page).named("file-address-proof") == []


def test_without_a_redirect_url_a_thank_you_page(rapi: RebillyApi) -> None:
    kyc = _request(rapi, ADDRESS, redirectUrl=None)
    response = _submit(kyc, {"address-proof": "accept"})
    assert response.status_code == 200
    assert "Thank you" in response.text


def test_nothing_to_upload_pages(rapi: RebillyApi, reb: RebillyEmulatorProcess) -> None:
    fulfilled = rapi.kyc_request(
        rapi.customer("accept")["id"], {"type": "credit-file-proof"}, ADDRESS
    )
    assert fulfilled["status"] == "fulfilled"
    response = requests.get(link(fulfilled), timeout=5)
    assert response.status_code == 200
    assert "There is nothing to upload" in response.text
    [button] = parse_page(response.text).buttons
    assert (button["value"], button["text"]) == ("back", "Back to website")
    kyc = _request(rapi, ADDRESS)
    _submit(kyc, {"address-proof": "review"})
    assert "being reviewed" in requests.get(link(kyc), timeout=5).text
    unknown = requests.get(reb.base_url + "/gatherer?token=nope", timeout=5)
    assert unknown.status_code == 404
