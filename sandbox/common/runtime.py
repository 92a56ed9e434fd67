"""What a running emulator's handlers, jobs and control API share, whatever the provider.

The store, the start-up configuration and the current one (swapped whole, never mutated, so
a handler reading `rt.config` once sees one consistent set of options), the event that wakes
the job thread when a job is queued, and the seeded dice of fault injection.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from sandbox.common.faults import FaultDice, FaultSettings
from sandbox.common.store import SqliteStore


class Options(FaultSettings, Protocol):
    @property
    def fault_seed(self) -> int | None: ...


StoreT = TypeVar("StoreT", bound=SqliteStore)
StartupT = TypeVar("StartupT")
OptionsT = TypeVar("OptionsT", bound=Options)


@dataclass
class RuntimeBase(Generic[StoreT, StartupT, OptionsT]):
    store: StoreT
    startup: StartupT
    config: OptionsT
    # Set whenever a job is queued so the job thread does not sleep through it.
    wake: threading.Event = field(default_factory=threading.Event)
    faults: FaultDice = field(default_factory=FaultDice)

    def __post_init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.faults.reseed(self.config.fault_seed)

    def set_config(self, config: OptionsT) -> None:
        # Handlers read `self.config` once per call; swapping the frozen object is atomic.
        self.config = config
        self.reseed()
        self.wake.set()

    def queue(
        self, kind: str, payload: Mapping[str, object], *, at: float, subject: str | None
    ) -> int:
        """Run a job at Unix time `at` (in the job thread, after the caller's transaction)."""
        job_id = self.store.add_job(kind, at, dict(payload), subject)
        self.wake.set()
        return job_id
