"""Plumbing the provider emulators share: process lifecycle, CLI, options, SQLite, jobs, faults.

Each emulator (`sandbox.dollarpe`, `sandbox.rebilly`) keeps its provider's behaviour to itself;
what lives here is the machinery that must behave the same in all of them, so a fix to a
restart, a fault draw or a job queue reaches every emulator at once.
"""
