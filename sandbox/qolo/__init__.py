"""Local emulator of Qolo's (QoloPay) Person/KYC dev API (fact sheet: shared/providers/qolo/API.md).

An independent check of our Qolo client: it shares no code with `kyc`/`onboarding`. Run it
with `python -m sandbox.qolo` (options: `--help`; each also from `QOLO_SANDBOX_<OPTION>`),
or from tests with `process.QoloEmulatorProcess`.

What it serves, under `/api/v1/` (any other version: 404) with `Authorization: Bearer
<token>` from `POST /api/v1/auth/login`: persons (`POST /persons` 201, its KYC run at once;
`PUT /persons` 200; `GET /persons/{guid}`; `POST /persons/search`), KYC (`GET` and `POST
/persons/{guid}/kyc`, PersonVerificationResultDTO) and webhook subscriptions (`POST /webhooks`
201 after an activation ping, `GET /webhooks?limit&start_index`, `GET`/`PUT
/webhooks/{guid}`, the PUT answering 200 with no body). Every DTO is `additionalProperties:
false` as in the spec: an unknown key, a too long field, a bad enum, GUID, date-time or
`birth_date` (yyyy-MM-dd) is a 400 ASP.NET ProblemDetails `{type, title, status, detail,
instance, traceId, errors: {"person_details.first_name": ["The field first_name must be a
string with a maximum length of 32."]}}` listing every problem (dtos.py). Other errors are
ProblemDetails too, with the spec's texts `Person not found` and `Program not found`; 500s
have no body, as the spec declares none. Persons carry Qolo's misspelt
`verfication_mode`/`verfication_level`, KYC results the correct spelling and the camelCase
`verificationResults`. State is SQLite (`--state`) and survives restarts: tokens, persons,
pending decisions, subscriptions and webhook retries too.

Not emulated: person relations, cards, wallets and accounts (`create_account: true` is a
400), the "top program" rule of a flip (every program may flip to every other), any real
document or identity check.

Emulator-only behaviour (Qolo documents none of this; tests and demos rely on it):

- Login (open question 1): a JSON body with `login_id`/`api_key` or `loginid`/`apikey`
  (`login_keys`: `both` | `snake` | `flat`; keys of the other style are ignored, so they
  answer 401 like missing ones). The answer is `{token, token_type: "Bearer", expires_in}`,
  the token under `token_field` (`token` | `access_token` | `jwt`), at the top or under
  `data` (`token_envelope`: `top` | `data`). Tokens are opaque and live `token_ttl` (12 h);
  `POST /_sandbox/tokens/expire` ends them all. Logins are in the request log.
- Programs: `--program GUID[:SDD|CDD]`. SDD screens OFAC only (by name); CDD screens, then
  runs EID on the identifications, and (`require_document`, default true) clears a person
  only once a document passed too.
- Deterministic outcomes (decisions.py):
  - last name `SANCTION` / `PEP` / `NEGLIST` (any case) → that status, an OFAC FAIL entry
    (reason `OFAC_MATCH` / `PEP_MATCH` / `NEGLIST_MATCH`), no EID; terminal: only a client
    verification with `override_sanction_check: true` verifies such a person;
  - CDD without any `govt_id_number` → EID FAIL `EID_ID_REQUIRED`, person INCOMPLETE;
  - any `govt_id_number` ending `0000` → EID FAIL `EID_NOT_VERIFIED`, person UNVERIFIED;
  - else any ending `1111` → EID CHALLENGE (`EID_QUESTIONS_REQUIRED`) plus a newest entry
    OOW CHALLENGE carrying three questions `{prompt, key, options[4]}`: `street.lived`
    (Quincy Lane), `vehicle.owned` (2015 Ford Focus), `county.lived` (King County). An
    answer is the option's text (open question 6; trimmed, any case). All right → OOW PASS;
    any wrong or missing → OOW FAIL `OOW_FAILED`, person UNVERIFIED, the questions closed
    (one round; a new EID run may challenge again);
  - otherwise EID PASS.
- Documents (documents.py): `front`, `back`, `face_image` are base64 (whitespace ignored; a
  `data:...;base64,` prefix tolerated unless `accept_data_uri` is false), at most
  `max_document_bytes` (10 MB) each. The front's magic must match `file_type` (JPEG = JPG,
  PNG, PDF, GIF, BMP, TIFF; DOC and DOCX are never readable), the back any image or PDF, the
  selfie any image; else DOC FAIL `DOC_UNREADABLE` (the reason is in the control API's
  history `_note`). Readable: DOC PASS, or DOC FAIL `DOC_NOT_VERIFIED` when
  `document_outcome` is `fail`. The entry's `documents` gives `document_reference`,
  `file_type`, `back_file_type` and `*_docpath`s served by `/_sandbox/documents/...`.
- PerformKYC (kyc.py): identifications, a `program_guid` flip, or a bare `perform_kyc: true`
  re-run the program's checks (with the stored identifications when none are sent); then
  `document`, `answers`, `client_verification`. Nothing to do → 400; `answers` with a re-run
  → 400. A CLEARED person without `program_guid` → "Person Already Verified", status
  `already_verified_status` (400). `client_verification` (its four required fields) adds a
  CLIENT entry (provider, reference, date and level from the body) and clears the person
  unless `person_status_update` is false.
- Vocabulary (open question 4): methods OFAC/EID/OOW/DOC/CLIENT/SANDBOX, results
  PASS/FAIL/CHALLENGE/PENDING, response codes like `result.match`, `ofac.clear`,
  `document.verified`, `result.questions.N.incorrect`; `verification_level` is the method of
  the latest PASS (CLIENT: the client's level). History entries are oldest first.
- Status: CLEARED, UNVERIFIED, INCOMPLETE or a restricted one, from the checks
  (decisions.status_of); a create answers 201 whatever the outcome.
- `decision_delay` > 0: the call answers the entries `PENDING` (person UNVERIFIED, no
  questions yet); a job decides them after the delay, then the events go.
- Events: `person.created` on create; `person.updated` when a status changes later;
  `person.verification.success` on becoming CLEARED; no failure event; `PUT /persons` sends
  none. Envelope `webhook_envelope`: `data` `{event_type, event_guid, created, data:
  PersonDTO}` | `flat` `{..., person_guid}` | `nested` `{event_type, data: {person_details}}`.
- Webhooks (webhooks.py): `x-qolo-signature` = hex HMAC-SHA256(secret, raw body); only HTTP
  200 acknowledges; `webhook_timeout` (5 s) for pings and deliveries; retries after each of
  `webhook_retry_delays` (default 5,30,60,300,900,3600; at most 6); a subscription's
  `headers` string (a JSON object or `Name: value` lines) is added. `duplicate_deliveries`
  sends each twice; `hold_deliveries` keeps them until `POST /_sandbox/webhooks/release
  {"order": "sent"|"reverse"}`. A PUT re-pings when the URL changes or `active: true` is
  asked of an inactive subscription.
- `IdempotencyKey` on `POST /persons`, `POST /persons/{guid}/kyc` and `POST /webhooks`: per
  login, method and path, the first answer (2xx or 4xx) is replayed with
  `Idempotent-Replayed: true` for `idempotency_ttl` (24 h), and nothing changes again.
- Persons: `last_name` is required, `first_name` too unless `contact_type` is CORPORATE;
  `PUT /persons` with an unknown `person_guid` is a 400 "Person not found" (UpdatePerson
  documents no 404) and changes no status; identification numbers are masked to their last
  four characters in answers. Search and `GET /webhooks` count `start_index` from 1, take
  `limit` 1-100 (default `page_limit`, 10), and `count` is the number of items in `data`.
- `rate_limit` / `rate_limit_window` (none / 60 s): the gateway's 429 ProblemDetails with
  `Retry-After`, before the version and the token are looked at; 0 refuses every call.
- Faults (`fault_rate`, `fault_modes` 500/timeout/reset, `fault_seed`,
  `fault_timeout_seconds`;
  `latency_seconds` on `latency_paths`) hit `/api/` paths only, before any state changes.
- Control API `/_sandbox/...` (control.py): health, config, reset, request log, deliveries,
  release, send an event, persons (one, its answers, a forced decision), token expiry,
  document bytes.
"""
