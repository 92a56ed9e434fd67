"""Tests of the DollarPe sandbox emulator (sandbox/dollarpe); no Django needed."""
