"""Rebilly: customers, hosted KYC requests reviewed document by document, Basic-auth webhooks."""
