"""Local emulator of Rebilly's KYC sandbox API (fact sheet: shared/providers/rebilly/API.md).

An independent check of our Rebilly client: it shares no code with `kyc`/`onboarding`. Run it
with `python -m sandbox.rebilly` (options: `--help`; each also from `REBILLY_SANDBOX_<OPTION>`),
or from tests with `process.RebillyEmulatorProcess`.

What it serves, under `/organizations/<organizationId>/` with `REB-APIKEY: sk_sandbox_...`
(unknown key 401, another organization's key 403): customers (PUT upsert 201/200, POST, GET
one and all), KYC requests (POST, GET with `?expand=documents`, list, PATCH, DELETE), KYC
documents (GET one and all, `/acceptance`, `/rejection`), files (base64 JSON POST, list),
webhook credentials (`POST/GET /service-credentials/webhook`, 303 for an identical one),
webhooks (POST, GET, PUT, DELETE; at most 25 active) and their tracking logs
(`/tracking/webhooks`, resend). Answers are JSON: RFC 7807 problems (422 with
`invalidFields` dot paths), collections as bare arrays with `Pagination-*` headers (`limit`,
`offset`, `filter=field:a,b;field2:c`, `sort=-field`), `X-RateLimit-*` on every answer and
429 with `X-RateLimit-Retry-After` (a UTC Unix time). State is SQLite (`--state`) and
survives restarts, pending decisions, expiry checks and webhook retries too.

Not emulated: JWT and publishable-key auth, `POST/PUT /kyc-documents`, review/start-review/
stop-review/matches, kyc-settings, `/previews/webhooks`, customer events, the `{url}` form
of `POST /files`, and any real document analysis.

Emulator-only behaviour (Rebilly documents none of this; tests and demos rely on it):

- Gatherer page `GET/POST /gatherer?token=...` (the `gatherer` link of a request): one
  fieldset per document type that can still be uploaded, each with a "sandbox decision":
  accept (default), reject with a chosen rejection reason (default `document-expired`), or
  review (the document stays `pending` until `/acceptance`, `/rejection` or the control API
  decides it). Accept/reject apply after `decision_delay` seconds (0: at once) to the
  `in-progress` document. The redirect to `redirectUrl` carries `info=manual` if any upload
  was left for review, `partial` if an offered type got no file, else `success`; `back` for
  the back button; `token_expired` once the request expired. No `redirectUrl`: a thank-you
  page. Files must be JPEG, PNG or PDF by magic bytes (selfies JPEG or PNG), non-empty and at
  most `max_file_bytes`; a bad one re-renders the page with a 422 and changes nothing.
- Credit file (our reading of the sandbox rule, fact sheet §8): a requested
  `credit-file-proof` is decided at creation. Customer `primaryAddress.firstName` == `accept`
  (option `credit_file_accept_name`): accepted, `decision: single-source`, `creditBureau:
  test-bureau`, identity and address proofs count as satisfied, so the 201 may already say
  `fulfilled`. Any other name: rejected (`other`), and the request carries on with the other
  requested documents. The gatherer never offers a credit file.
- `conflict_emails`: a customer create or upsert whose primary email is listed answers 409.
- `gatherer_rel`: `gatherer` (the spec's rel, default), `kycGatherer` (the guide's legacy
  rel, which the current spec's enum no longer allows) or `both`.
- Webhook receivers: `duplicate_deliveries` sends every delivery twice; `hold_deliveries`
  keeps them until `POST /_sandbox/webhooks/release {"order": "sent"|"reverse"}` (reverse =
  out of order). Retries follow `webhook_retry_delays` (Rebilly publishes no schedule).
- Optional events, off by default: `document_modified_events` (kyc-document-modified on
  every change), `document_reviewed_events` (kyc-document-reviewed on staff decisions).
- `in_progress_is_pending_review` (default true): an `in-progress` document makes the
  request `pending-review` like a `pending` one; false keeps it `attempted`.
- `rate_limit` / `rate_limit_window` (3000 / 600 s): 0 forces a 429 on every non-GET call.
- Faults (`fault_rate`, `fault_modes` 500/timeout/reset, `fault_seed`,
  `fault_timeout_seconds`;
  `latency_seconds` on `latency_paths`) hit API paths only, before any state changes.
- Control API `/_sandbox/...` (control.py): health, config, reset, request log, events,
  deliveries (release, resend), a request's gatherer token and URL, `expire` a request, and
  `decide` a document as the AI would.

Expired and abandoned requests send no webhook (Rebilly defines none): clients must poll.
"""
