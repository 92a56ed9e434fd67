"""`manage.py makemessages` with this project's defaults, so `make messages` and the catalog
test (tests/i18n/test_catalogs.py) extract exactly the same msgids.

Only the app is read (not the tests, the emulators, the benchmarks or var/); locations name
the file without a line number, so a catalog changes only when a string does; a msgid no
longer in the code is dropped instead of kept as an obsolete entry.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

NOT_THE_APP = ["tests", "sandbox", "bench", "var", "static", "build", "dist"]


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> str | None:
        options["ignore_patterns"] = [*options["ignore_patterns"], *NOT_THE_APP]
        options["add_location"] = options["add_location"] or "file"
        options["no_obsolete"] = True
        result: str | None = super().handle(*args, **options)
        return result
