"""Local emulator of the DollarPe sandbox API (customers, KYC, bank accounts, webhooks).

An independent check of our DollarPe client: it shares no code with `kyc`/`onboarding`.
Run it with `python -m sandbox.dollarpe`, or from tests with `process.EmulatorProcess`.
"""
