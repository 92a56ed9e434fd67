"""(e) each end-user step page: p95 time under concurrent users (gunicorn, 4 workers),
beside the home page (a template and a session, no journey logic) under the same load;
(f) peak memory of the web process while a 10 MB document is uploaded through the
no-JavaScript form, beside the same process after a 1 MB one (no growth proportional to
the file). The files are PDFs: the check reads their magic bytes, so what is measured is
the path that streams the request to the bucket. Then a 12-megapixel JPEG photo, which the
server decodes and measures (its image checks): its peak memory beside the 1 MB PDF's, and
its request time beside a 1 MB PDF's."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bench import stack
from bench.stats import Figure, Report, percentile

USERS = 8
ROUNDS = 25
PAGES = {
    "profile (new user)": ("/verify/profile/", "NEW"),
    "documents": ("/verify/documents/", "UNVERIFIED"),
    "KYC details": ("/verify/details/", "DOCUMENTS"),
    "status": ("/verify/status/", "PROCESSING"),
    "status (live JSON)": ("/verify/status/live/", "PROCESSING"),
    "bank account": ("/verify/bank/", "VERIFIED"),
}


def _user(status: str) -> Any:
    """A signed-up user with a customer at the emulator, at the given status."""
    from django.contrib.auth import get_user_model

    from kyc.models import Document, Verification
    from kyc.services.customers import verification_create_customer, verification_save_profile

    n = uuid.uuid4().int % 10**9
    user = get_user_model().objects.create_user(f"page{n}", f"page{n}@example.com", "pw-bench-123")
    if status == "NEW":
        return user  # signed up, profile not given yet
    profile = {
        "full_name": "Bench Person",
        "email": user.email,
        "phone": f"+9198{n:08d}"[:13],
        "nationality": "IND",
        "non_resident": False,
        "residence_country": "",
    }
    verification = verification_save_profile(user=user, profile=profile)
    assert verification_create_customer(verification_id=verification.pk).created
    if status == "DOCUMENTS":  # uploaded and accepted: the details step comes next
        for kind in ("document_front", "document_back", "selfie"):
            key = f"bench/{verification.pk}/{kind}"
            Document.objects.create(verification=verification, kind=kind, key=key, state="accepted")
        return user
    Verification.objects.filter(pk=verification.pk).update(status=status)
    return user


def _session(base: str, user: Any) -> requests.Session:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, str(store.session_key), domain="127.0.0.1")
    return session


def _load(base: str, sessions: list[requests.Session], path: str) -> list[float]:
    """USERS concurrent users, each requesting the page ROUNDS times."""
    timings: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def user(session: requests.Session) -> None:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            response = session.get(base + path, timeout=30, allow_redirects=False)
            elapsed = time.perf_counter() - started
            with lock:
                if response.status_code == 200:
                    timings.append(elapsed)
                else:
                    failures.append(
                        f"HTTP {response.status_code} {response.headers.get('Location', '')}"
                    )

    threads = [threading.Thread(target=user, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{path}: {len(failures)} requests failed, e.g. {failures[0]}")
    return timings


def step_pages(report: Report) -> None:
    with stack.emulator(), stack.gunicorn(workers=4) as base:
        by_status = {
            status: [_session(base, _user(status)) for _ in range(USERS)]
            for status in {s for _, s in PAGES.values()}
        }
        baseline = percentile(_load(base, by_status["UNVERIFIED"], "/"), 95) * 1000
        for label, (path, status) in PAGES.items():
            p95 = percentile(_load(base, by_status[status], path), 95) * 1000
            report.add(
                Figure(
                    f"e. {label} page p95, {USERS} concurrent users",
                    p95,
                    "ms",
                    baseline,
                    "home page, same load",
                )
            )
            report.details[f"page {label}"] = {"p95_ms": p95}


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    if len(children) != 1:
        raise RuntimeError(f"expected one gunicorn worker, found {children}")
    return int(children[0])


def _pdf(size: int) -> tuple[str, bytes, str]:
    return "front.pdf", b"%PDF-1.7\n" + os.urandom(size - 9), "application/pdf"


def _photo() -> tuple[str, bytes, str]:
    """A 4000x3000 JPEG with a phone photo's grain (a few MB, under the limit)."""
    import io

    from PIL import Image

    grain = Image.effect_noise((4000, 3000), 24)
    light = Image.linear_gradient("L").resize((4000, 3000))
    picture = Image.merge("RGB", (grain, light, Image.blend(grain, light, 0.5)))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85)
    return "front.jpg", buffer.getvalue(), "image/jpeg"


def _upload(base: str, session: requests.Session, size: int, *, photo: bool = False) -> float:
    """Seconds the no-JavaScript form took to take one file (streamed to the bucket, checked)."""
    page = session.get(base + "/verify/documents/", timeout=30)
    page.raise_for_status()
    token = session.cookies.get("csrftoken")
    upload = _photo() if photo else _pdf(size)
    started = time.perf_counter()
    response = session.post(
        base + "/verify/documents/",
        data={"csrfmiddlewaretoken": token},
        files={"document_front": upload},
        headers={"Referer": base + "/verify/documents/"},
        timeout=120,
    )
    elapsed = time.perf_counter() - started
    if response.status_code >= 500:
        raise RuntimeError(f"upload: HTTP {response.status_code}")
    return elapsed


def upload_memory(report: Report) -> None:
    from kyc.models import Document

    with stack.emulator(), stack.gunicorn(workers=1) as base:
        assert stack.last_process is not None
        master = stack.last_process.pid
        session = _session(base, _user("UNVERIFIED"))
        _upload(base, session, 10 * 1024)  # warm-up: every code path imported once
        small_seconds = _upload(base, session, 1024 * 1024)
        worker = _worker_pid(master)
        small = _peak_kb(worker)
        _upload(base, session, 10 * 1024 * 1024)
        large = _peak_kb(worker)
        stored = Document.objects.filter(kind="document_front").order_by("-pk").first()
        photo_seconds = _upload(base, session, 0, photo=True)  # after: the peak only grows
        photo = _peak_kb(worker)
        photo_document = Document.objects.filter(kind="document_front").order_by("-pk").first()
    growth = (large - small) / 1024
    note = f"growth {growth:.1f} MB for a 10 MB file; stored {stored.size if stored else 0} bytes"
    report.add(
        Figure(
            "f. web process peak memory, 10 MB upload",
            large / 1024,
            "MB",
            small / 1024,
            "1 MB upload",
            note,
        )
    )
    photo_note = f"stored {photo_document.size if photo_document else 0} bytes"
    report.add(
        Figure(
            "f. web process peak memory, 12 MP JPEG upload",
            photo / 1024,
            "MB",
            large / 1024,
            "after the 10 MB upload",
            photo_note,
        )
    )
    report.add(
        Figure(
            "f. 12 MP JPEG upload and check, one request",
            photo_seconds * 1000,
            "ms",
            small_seconds * 1000,
            "1 MB PDF upload",
        )
    )
    report.details["upload_memory_kb"] = {
        "after_1mb": small,
        "after_12mp_jpeg": photo,
        "after_10mb": large,
    }


def run(report: Report) -> None:
    if os.environ.get("BENCH_ONLY") != "memory":
        step_pages(report)
    upload_memory(report)
