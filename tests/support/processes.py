"""Real processes tests start: a Celery worker, a Redis server, gunicorn, a TCP proxy.

Each one is started by a test, owned by it, and stopped by it (never by name): the
faults are done to them from outside, as a crash, a restart or a network cut would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis
import requests
from django.conf import settings
from django.db import connection

from onboarding.celery import app as celery_app
from tests.settings import free_port
from tests.support.waiting import wait_for


def database_url(*, host: str | None = None, port: int | None = None) -> str:
    """The test database as a URL for other processes, optionally reached at another address."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    where = f"{host or db['HOST']}:{port or db['PORT'] or 5432}"
    return f"postgres://{db['USER']}{password}@{where}/{db['NAME']}"


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _stop(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM the process group the process leads, SIGKILL it if it does not stop."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout)


class Worker:
    """A Celery worker on one queue, its main process and pool in a process group of its own."""

    def __init__(
        self,
        *,
        queue: str,
        log_path: Path,
        loglevel: str = "INFO",
        concurrency: int = 1,
        **env: str,
    ) -> None:
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "onboarding.settings"}
        environment |= {"DATABASE_URL": database_url(), **env, "CELERY_TASK_DEFAULT_QUEUE": queue}
        command = [sys.executable, "-m", "celery", "-A", "onboarding", "worker"]
        command += ["--loglevel", loglevel, "--concurrency", str(concurrency), "--queues", queue]
        command += ["--without-mingle", "--without-gossip", "--hostname", f"{log_path.stem}@%h"]
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.log, lambda text: " ready." in text or not self.alive, limit=60)
        if not self.alive:
            raise RuntimeError(f"the Celery worker exited:\n{self.log()}")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker, as a machine dying would: no cleanup, no acknowledgement."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        _stop(self.process)


class RedisServer:
    """A private redis-server that keeps its data across a restart (append-only file)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "yes", "--dir", str(self.directory)]
        with open(self.directory / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(self._answers, bool)

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(self.directory / 'redis.log').read_text()}")
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def crash(self) -> None:
        """SIGKILL: no shutdown, no final write, as a machine dying would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(15)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


@contextlib.contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Tasks this process sends go to `broker_url` (a fresh connection pool) until the end."""
    app: Any = celery_app  # the pools are private attributes, reset as Celery does after a fork
    before = app.conf.broker_write_url, app._pool, app.amqp._producer_pool
    # Celery copies broker_url into broker_write_url when it reads the settings: set that one.
    app.conf.broker_write_url = broker_url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_write_url, app._pool, app.amqp._producer_pool = before


@contextlib.contextmanager
def private_queue() -> Iterator[str]:
    """Tasks this process sends go to a queue of their own, forgotten at the end."""
    name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-private-{uuid.uuid4().hex[:8]}"
    before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    try:
        yield name
    finally:
        celery_app.conf.task_default_queue = before
        forget_queue(settings.CELERY_BROKER_URL, name)


def forget_queue(broker_url: str, queue: str) -> None:
    """Drop what is left for a private queue on a shared Redis (unacknowledged included)."""
    if not broker_url.startswith("redis"):
        return
    client = redis.Redis.from_url(broker_url)
    try:
        for tag, raw in client.hgetall("unacked").items():
            if json.loads(raw)[-1] == queue:  # [message, exchange, routing key]
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    finally:
        client.close()


class Gunicorn:
    """The app served by gunicorn with the environment given: with `config`, that gunicorn
    configuration file (onboarding/gunicorn.conf.py is production's), else 2 sync workers."""

    def __init__(self, log_path: Path, *, config: Path | None = None, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "onboarding.settings", **env}
        command = [sys.executable, "-m", "gunicorn", "onboarding.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--access-logfile", "-"]
        if config is None:
            command += ["--workers", "2", "--graceful-timeout", "5"]
        else:
            command += ["--config", str(config)]
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.log_path = log_path
        wait_for(self._answers, bool, limit=60)

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()}")
        try:
            requests.get(self.url + "/", timeout=2)
            return True
        except requests.RequestException:
            return False

    def stop(self) -> None:
        _stop(self.process)


class TcpProxy:
    """Forwards TCP connections to an upstream; `cut()` takes the upstream away.

    While cut, every open connection is reset and every new one is accepted and reset at
    once, as a database host that went away would look to its clients.
    """

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self._up = threading.Event()
        self._up.set()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            open_sockets, self._sockets = self._sockets, set()
        for sock in open_sockets:
            _reset(sock)

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._closed.set()
        self.cut()
        self.listener.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._up.is_set():
                _reset(client)
                continue
            self._connect(client)

    def _connect(self, client: socket.socket) -> None:
        client.settimeout(None)
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        with self._lock:
            self._sockets |= {client, upstream}
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with self._lock:
                    self._sockets.discard(sock)
                _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Close with a reset (RST), not a polite FIN: the peer learns at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
