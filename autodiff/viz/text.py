"""Make any text safe to put in a DOT string, and in the SVG that graphviz writes from it.

Two rules, applied to every name, title, op name, tooltip and cluster title:

* Characters that XML 1.0 forbids or that cannot be written as UTF-8 are shown escaped,
  as Python writes them: control characters other than the newline (``\\x00`` ...
  ``\\x1f``, ``\\x7f`` ... ``\\x9f``; a tab reads ``\\t``), lone surrogates (``\\ud800``)
  and the non-characters ``\\ufffe`` / ``\\uffff``. A newline stays a line break.
* A text longer than ``MAX_TEXT`` characters is cut to its first ``MAX_TEXT``, followed
  by ``... (N characters)``: graphviz refuses quoted strings over 16,384 bytes.
"""

from __future__ import annotations

import re

__all__ = ["MAX_TEXT", "clean"]

MAX_TEXT = 1000

_UNSAFE = re.compile("[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\ufffe\\uffff]")
_NAMED = {"\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def clean(text: str, limit: int | None = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` characters (None: no cut) with unsafe characters escaped."""
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}... ({len(text):,} characters)"
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_escape, text)
