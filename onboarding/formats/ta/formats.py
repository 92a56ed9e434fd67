"""Django's own formats for this language, plus the Indian digit grouping: 12,34,567."""

from __future__ import annotations

# The first group has three digits, every one after it two.
NUMBER_GROUPING = (3, 2, 0)
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
