"""DollarPe's background jobs: KYC decisions, bank decisions, webhook attempts.

They run on the shared job thread (sandbox/common/jobs.py) from the SQLite queue, so a
restarted emulator carries on where it stopped.
"""

from __future__ import annotations

from functools import partial

from sandbox.common.jobs import Handler
from sandbox.common.jobs import JobRunner as _SharedJobRunner
from sandbox.dollarpe import decisions, webhooks
from sandbox.dollarpe.runtime import Runtime


class JobRunner(_SharedJobRunner):
    def __init__(self, rt: Runtime) -> None:
        handlers: dict[str, Handler] = {
            decisions.KYC_JOB: partial(decisions.run_kyc_job, rt),
            decisions.BANK_JOB: partial(decisions.run_bank_job, rt),
            webhooks.JOB_KIND: partial(webhooks.run_job, rt),
        }
        super().__init__(rt.store, rt.wake, handlers, name="dollarpe-jobs")
