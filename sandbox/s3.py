"""A local S3-protocol server for `make run` and the tests: moto in server mode.

It creates the private documents bucket (all public access blocked, CORS for the
app's origin so the browser can POST uploads straight to it) and keeps its data
between runs: moto records every write to a file, replayed at the next start.
Browser POST uploads are checked as S3 checks them (policy signature, expiry, conditions:
sandbox/s3_policy.py), which moto alone does not, so an upload-policy mistake fails here too.

    python -m sandbox.s3 --port 9100 --bucket kyc-documents --cors-origin http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import requests

from sandbox.s3_policy import PostPolicyGuard

CREDENTIALS = {"aws_access_key_id": "sandbox", "aws_secret_access_key": "sandbox"}


class S3Server:
    """moto's S3 server in a thread, behind the POST policy checks; `secrets` maps the access
    key ids it knows to their secret keys."""

    def __init__(self, host: str, port: int, secrets: Mapping[str, str]) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = PostPolicyGuard(DomainDispatcherApplication(create_backend_app), secrets)
        self._server = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

        self._guard = app

    def trust(self, access_key: str, secret: str) -> None:
        """Accept signatures of one more credential (another process's own key pair)."""
        self._guard.secrets[access_key] = secret

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.s3", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--bucket", default="kyc-documents")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--cors-origin", action="append", default=[], help="repeatable")
    # The app's own credentials (the same environment variables): POST policies are signed
    # with them, and checked against them here.
    parser.add_argument(
        "--access-key",
        default=os.environ.get("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"]),
    )
    parser.add_argument(
        "--secret-key",
        default=os.environ.get("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"]),
    )
    parser.add_argument(
        "--state-dir", type=Path, default=None, help="keep data here between runs (default: none)"
    )
    return parser.parse_args(argv)


def create_private_bucket(endpoint: str, bucket: str, region: str, origins: list[str]) -> None:
    s3: Any = boto3.client("s3", endpoint_url=endpoint, region_name=region, **CREDENTIALS)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    if origins:
        rule = {
            "AllowedOrigins": origins,
            "AllowedMethods": ["GET", "POST", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3000,
        }
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})


def _enable_recording(state_dir: Path) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    recording = state_dir / "recording.jsonl"
    # Read by moto when it is imported, so this must come first.
    os.environ["MOTO_ENABLE_RECORDING"] = "true"
    os.environ["MOTO_RECORDER_FILEPATH"] = str(recording)
    return recording


def serve(args: argparse.Namespace) -> None:
    recording = _enable_recording(args.state_dir) if args.state_dir else None
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
    server = S3Server(args.host, args.port, {args.access_key: args.secret_key})
    server.start()
    endpoint = f"http://{args.host}:{args.port}"
    if recording is not None and recording.exists():
        requests.post(f"{endpoint}/moto-api/recorder/replay-recording", timeout=600)
    create_private_bucket(endpoint, args.bucket, args.region, args.cors_origin)
    print(f"S3 emulator on {endpoint}, private bucket {args.bucket!r}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    serve(parse_args())
