"""Tests of the sandbox emulators (sandbox/dollarpe, sandbox/rebilly); no Django needed."""
