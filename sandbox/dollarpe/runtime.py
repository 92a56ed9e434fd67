"""The running emulator's shared objects: store, configuration, organisations, job wake-up."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from sandbox.dollarpe.config import EmulatorConfig, Org, RuntimeConfig
from sandbox.dollarpe.state import Store


@dataclass
class Runtime:
    store: Store
    startup: EmulatorConfig
    config: RuntimeConfig
    # Set whenever a job is queued so the job thread does not sleep through it.
    wake: threading.Event = field(default_factory=threading.Event)
    fault_lock: threading.Lock = field(default_factory=threading.Lock)
    fault_rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def create(cls, startup: EmulatorConfig, store: Store) -> Runtime:
        runtime = cls(store=store, startup=startup, config=startup.runtime)
        runtime.reseed()
        return runtime

    def reseed(self) -> None:
        with self.fault_lock:
            self.fault_rng = random.Random(self.config.fault_seed)

    def set_config(self, config: RuntimeConfig) -> None:
        # Handlers read `self.config` once per call; swapping the frozen object is atomic.
        self.config = config
        self.reseed()
        self.wake.set()

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
