"""Views of the end-user journey: thin; each finds the user's own verification, calls a service."""
