"""Bytes of an import file to text, and the dates those files write.

Shared by the vCard and CSV importers. Decoding never fails and changes
nothing but the encoding, so the line numbers in problem reports are the
file's own.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re


def decode_import(raw: bytes) -> str:
    """The file's text: BOMs first, then UTF-16 by its NULs, UTF-8, cp1252, latin-1."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    # Mostly-ASCII UTF-16 without a BOM (Excel's "Unicode text") has a NUL in
    # every other byte; no 8-bit text encoding has NULs at all.
    sample = raw[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) >= len(sample) // 8 and max(even, odd) > 4 * min(even, odd):
        try:
            return raw.decode("utf-16-le" if odd > even else "utf-16-be")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")  # every byte is a latin-1 character


# vCard and Google write dates in ISO 8601's basic or extended form, with or
# without a year and sometimes with a time; the backreference refuses a mix.
_DATE = re.compile(r"([0-9]{4})(-?)([0-9]{2})\2([0-9]{2})(?:[T ].*)?")
_NO_YEAR = re.compile(r"--([0-9]{2})(-?)([0-9]{2})(?:[T ].*)?")


def normalise_date(text: str) -> str | None:
    """`YYYY-MM-DD` or `--MM-DD` for a real date in either ISO form, else None."""
    text = text.strip()
    if m := _DATE.fullmatch(text):
        year, month, day = int(m[1]), int(m[3]), int(m[4])
    elif m := _NO_YEAR.fullmatch(text):
        year, month, day = 0, int(m[1]), int(m[3])
    else:
        return None
    try:
        # 2000 is a leap year, so --02-29 is a birthday; the year 0000 that some
        # phones write for "no year" comes out as --MM-DD.
        dt.date(year or 2000, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
