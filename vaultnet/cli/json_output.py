"""`--json` output, byte for byte what `json.dumps(data, ensure_ascii=False, indent=2)` prints, faster.

With `indent` set, the standard library encodes in pure Python, one generator
step per token: at 10,000 people that was a fifth of `due --json`. The C
encoder has no indent, but its item separator may hold one: a list or an object
of plain values (a row of `due`) is encoded by it whole, with ",\\n" and the
indent of its depth between the items; only the nesting above is joined here.
"""

from __future__ import annotations

import json
import re

_CONTAINERS = (dict, list, tuple)
_flat: dict[int, object] = {}


def dumps(data) -> str:
    out: list[str] = []
    _emit(data, 0, out)
    return "".join(out)


def _encoder(depth: int):
    """encode(value) -> text, with the items of a flat list or object a line each at `depth`."""
    if depth not in _flat:
        std = json.JSONEncoder(ensure_ascii=False, separators=(",\n" + "  " * (depth + 1), ": "))
        make = getattr(json.encoder, "c_make_encoder", None)
        if make is None:  # no C accelerator: the standard encoder, as fast as it goes
            _flat[depth] = std.encode
        else:
            # What JSONEncoder.iterencode makes on every call, made once (markers None: no
            # circular check; our data has no cycles, and json.dumps would only say so sooner).
            c = make(None, std.default, json.encoder.encode_basestring, None, std.key_separator,  # type: ignore[attr-defined]
                     std.item_separator, False, False, True)

            def encode(value, c=c, std=std):
                if type(value) is str or type(value) is float:  # as JSONEncoder.encode does them
                    return std.encode(value)
                return "".join(c(value, 0))
            _flat[depth] = encode
    return _flat[depth]


# A row's list or object stands in the rows' one call as a string that data hardly holds (NUL
# is written \u0000), then its own text takes that place; where the data does hold one (the
# count says), the rows are written item by item.
_MARK = '"\\u0000vaultnet'
_PLACED = re.compile(r'"\\u0000vaultnet(\d+)\\u0000"')


def _emit_rows(rows: list, depth: int, out: list[str]) -> bool:
    """Rows (due, ledger, references: objects at `depth` + 1) encoded in one call. An encoded
    string never holds a newline, so every newline in the text is a separator: the rows' items go
    one level deeper, the rows themselves are set apart here. A row's non-empty list or object
    (references' `noticed`) is written apart at its own depth and put in after. False: the
    data held what looks like a placeholder; the caller writes it item by item."""
    nested: list[str] = []
    if not {type(v) for row in rows for v in row.values()}.isdisjoint(_CONTAINERS):
        rows = [{k: _placed(v, depth + 2, nested) if type(v) in _CONTAINERS and v else v for k, v in row.items()}
                for row in rows]
    inner = "\n" + "  " * (depth + 1)
    deeper, outer = inner + "  ", "\n" + "  " * depth
    text = _encoder(depth + 1)(rows)[2:-2]  # '[{' and '}]' off
    text = "[" + inner + "{" + deeper + text.replace("}," + deeper + "{", inner.join(
        ("\n" + "  " * (depth + 1) + "},", "{" + deeper))) + inner + "}" + outer + "]"
    if nested:
        if text.count(_MARK) != len(nested):
            return False
        text = _PLACED.sub(lambda m: nested[int(m.group(1))], text)
    out.append(text)
    return True


def _placed(value, depth: int, nested: list[str]) -> str:
    part: list[str] = []
    _emit(value, depth, part)
    nested.append("".join(part))
    return f"\x00vaultnet{len(nested) - 1}\x00"


def _emit(value, depth: int, out: list[str]) -> None:
    kind = type(value)
    if kind is dict or kind is list or kind is tuple:
        if not value:
            out.append("{}" if kind is dict else "[]")
            return
        items = value.values() if kind is dict else value
        inner = "\n" + "  " * (depth + 1)
        if not any(type(v) in _CONTAINERS for v in items):
            text = _encoder(depth)(value)  # "{a,<inner>b}": only the brackets need the indent
            out.append(text[0] + inner + text[1:-1] + "\n" + "  " * depth + text[-1])
            return
        if kind is not dict:
            if all(type(row) is dict and row for row in value) and _emit_rows(value, depth, out):
                return
            for i, item in enumerate(value):
                out.append(("[" if i == 0 else ",") + inner)
                _emit(item, depth + 1, out)
            out.append("\n" + "  " * depth + "]")
            return
        if any(type(k) is not str for k in value):  # numbers or None as keys: the standard rules
            out.append(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth))
            return
        for i, (key, item) in enumerate(value.items()):
            out.append(("{" if i == 0 else ",") + inner + json.encoder.encode_basestring(key) + ": ")  # type: ignore[attr-defined]
            _emit(item, depth + 1, out)
        out.append("\n" + "  " * depth + "}")
    else:  # numbers, strings, booleans, None, and whatever json refuses (it raises as json.dumps would)
        out.append(_encoder(depth)(value))
