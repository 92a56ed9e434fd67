"""Fixtures for the pipeline tests: workers of our own to kill, a proxy that loses answers."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from onboarding.celery import app as celery_app
from tests.support.builders import register_webhook_url
from tests.support.waiting import wait_for


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def hook_url(live_server: Any, emulator: Any) -> str:
    """Our intake on the live server, where the emulator delivers its webhooks."""
    return register_webhook_url(live_server.url)


@pytest.fixture
def private_queue() -> Iterator[str]:
    """A queue only this test's workers consume: what the test enqueues goes nowhere else."""
    name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-private-{uuid.uuid4().hex[:8]}"
    before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    try:
        yield name
    finally:
        celery_app.conf.task_default_queue = before


class Worker:
    """One Celery worker (main process and its pool) in a process group of its own."""

    def __init__(self, queue: str, log_path: Path, **env: str) -> None:
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "onboarding.settings", **env}
        environment["CELERY_TASK_DEFAULT_QUEUE"] = queue
        command = [sys.executable, "-m", "celery", "-A", "onboarding", "worker"]
        command += ["--loglevel", "INFO", "--concurrency", "1", "--queues", queue]
        command += ["--without-mingle", "--without-gossip"]
        command += ["--hostname", f"{log_path.stem}@%h"]
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: kill -9 takes the pool children too
            )
        wait_for(self.log_path.read_text, lambda text: " ready." in text or not self.alive)
        if not self.alive:
            raise RuntimeError(f"the Celery worker exited:\n{self.log_path.read_text()}")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole worker, as a machine dying would: no cleanup, no acknowledgement."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(private_queue: str, transactional_db: Any) -> Iterator[Callable[..., Worker]]:
    """Start workers on the private queue; every one still running is stopped afterwards."""
    workers: list[Worker] = []
    database_url = _database_url()

    def start(**env: str) -> Worker:
        name = f"private-{os.getpid()}-{len(workers)}"
        log_path = Path(settings.VAR_DIR) / f"celery-{name}.log"
        worker = Worker(private_queue, log_path, DATABASE_URL=database_url, **env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    _forget_queue(private_queue)


def _forget_queue(queue: str) -> None:
    """Drop what a killed worker left unacknowledged for the private queue, and the queue.

    Redis would otherwise hand it back after the visibility timeout (an hour), to a queue
    nobody consumes any more.
    """
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for tag, raw in client.hgetall("unacked").items():
        if json.loads(raw)[-1] == queue:  # [message, exchange, routing key]
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


class LosingProxy:
    """Forwards every request to the emulator; for chosen paths the answer never comes back.

    The provider accepts the call, our client never learns it: the "timed out after the
    provider accepted" case, at the network boundary, with nothing of ours replaced.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.lost_paths: set[str] = set()
        self.drop = False  # drop the connection instead of holding it until the client gives up
        self.released = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def lose(self, path: str, *, drop: bool = False) -> None:
        self.lost_paths.add(path)
        self.drop = drop

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(
                    self.command, proxy.upstream + self.path, data=body, headers=headers, timeout=30
                )
                if self.path.split("?")[0] in proxy.lost_paths:
                    if not proxy.drop:
                        proxy.released.wait(60)  # the client times out meanwhile
                    self.close_connection = True
                    return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PATCH = _forward

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def losing_proxy(emulator: Any, settings: Any) -> Iterator[LosingProxy]:
    """The app's provider calls go through the proxy (client timeout 2 s)."""
    proxy = LosingProxy(emulator.base_url)
    settings.DOLLARPE_BASE_URL = proxy.url
    settings.DOLLARPE_TIMEOUT = 2
    yield proxy
    proxy.close()
