"""The running emulator's shared objects: store, configuration, organisations, job wake-up.

The generic part (store, configurations, wake-up event, fault dice) is the shared
`sandbox.common.runtime.RuntimeBase`; DollarPe adds its organisations and job scheduling.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sandbox.common.runtime import RuntimeBase
from sandbox.dollarpe.config import EmulatorConfig, Org, RuntimeConfig
from sandbox.dollarpe.state import Store


@dataclass
class Runtime(RuntimeBase[Store, EmulatorConfig, RuntimeConfig]):
    @classmethod
    def create(cls, startup: EmulatorConfig, store: Store) -> Runtime:
        return cls(store=store, startup=startup, config=startup.runtime)

    def org(self, api_key: str) -> Org | None:
        for org in self.startup.orgs:
            if org.api_key == api_key:
                return org
        return None

    @property
    def default_org(self) -> Org:
        return self.startup.orgs[0]

    def schedule(
        self, kind: str, delay: float, payload: dict[str, object], customer_id: str | None
    ) -> int:
        job_id = self.store.add_job(kind, time.time() + delay, dict(payload), customer_id)
        self.wake.set()
        return job_id
