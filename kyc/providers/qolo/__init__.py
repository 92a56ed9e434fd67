"""Qolo: persons created with their KYC, documents inline, challenge questions, client override."""
