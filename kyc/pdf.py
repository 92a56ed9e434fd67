"""What a PDF would do when opened: run JavaScript, or carry other files inside it.

Every object of the file is visited (those in compressed object streams too, and names written
with #xx escapes, which pypdf decodes), not only what a page shows: a viewer runs an
/OpenAction or a named script wherever it sits. Only dictionaries are looked at; no content
stream is decoded. pypdf reads the file through the given (spooled, bounded) file object.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

SCRIPT, EMBEDDED, LOCKED, UNREADABLE = "script", "embedded", "locked", "unreadable"
SCRIPT_KEYS = frozenset({"/JS", "/JavaScript"})
EMBEDDED_KEYS = frozenset({"/EmbeddedFile", "/EmbeddedFiles", "/EF"})
MAX_OBJECTS = 200_000  # a real document has a few thousand; past this it is not one


def active_content(local: IO[bytes]) -> str:
    """SCRIPT, EMBEDDED, LOCKED (a password is needed to read it), UNREADABLE, or ""."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it warns about every repaired offset
    try:
        reader = PdfReader(local, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return LOCKED
        return _walk(reader)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, RecursionError):
        return UNREADABLE
    except NotImplementedError:  # an encryption pypdf cannot open
        return LOCKED


def _walk(reader: PdfReader) -> str:
    stack: list[Any] = [reader.trailer, *_numbered_objects(reader)]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            return UNREADABLE
        if isinstance(item, DictionaryObject):
            found = _dictionary_verdict(item)
            if found:
                return found
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return ""


def _numbered_objects(reader: PdfReader) -> list[IndirectObject]:
    """Every object the cross-reference tables list, reachable from the catalog or not."""
    numbered = [
        IndirectObject(idnum, generation, reader)
        for generation, table in reader.xref.items()
        for idnum in table
    ]
    numbered += [IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm]
    return numbered


def _dictionary_verdict(item: DictionaryObject) -> str:
    keys = set(item.keys())
    if keys & SCRIPT_KEYS or item.get("/S") == "/JavaScript":
        return SCRIPT
    if keys & EMBEDDED_KEYS or item.get("/Type") == "/EmbeddedFile":
        return EMBEDDED
    return ""
