"""`--json` output is exactly what json.dumps(data, ensure_ascii=False, indent=2) prints."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vaultnet.cli.json_output import dumps

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
# Keys and texts that look like the separators the fast path relies on.
TRICKY = st.sampled_from(["}, {", "},\n    {", "\n", "\u2028", "é", '"', "\\", "[{", "}]", "",
                          "\x00vaultnet0\x00", "\x00vaultnet1\x00", '"\\u0000vaultnet0\\u0000"'])
VALUES = st.recursive(SCALARS | TRICKY,
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text() | TRICKY, inner,
                                                                                   max_size=4),
                      max_leaves=20)
ROWS = st.lists(st.dictionaries(st.text(min_size=1) | TRICKY, SCALARS | TRICKY, min_size=1, max_size=6),
                max_size=6)


# Rows whose values may be lists and objects of their own (references' `noticed`).
NESTED_ROWS = st.lists(st.dictionaries(st.text(min_size=1) | TRICKY, VALUES, min_size=1, max_size=5), max_size=6)


@settings(max_examples=300, deadline=None)
@given(NESTED_ROWS)
def test_rows_holding_lists_and_objects_are_written_as_json_dumps_writes_them(rows):
    assert dumps(rows) == json.dumps(rows, ensure_ascii=False, indent=2)
    assert dumps({"rows": [rows, rows]}) == json.dumps({"rows": [rows, rows]}, ensure_ascii=False, indent=2)


def test_a_row_holding_what_looks_like_a_placeholder_is_written_as_it_is():
    rows = [{"text": "\x00vaultnet0\x00", "noticed": [{"text": "\x00vaultnet1\x00", "line": 2}]},
            {"text": "b", "noticed": {"x": ["\x00vaultnet0\x00"]}, "empty": []}]
    assert dumps(rows) == json.dumps(rows, ensure_ascii=False, indent=2)
    assert dumps(rows[1:]) == json.dumps(rows[1:], ensure_ascii=False, indent=2)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_any_value_is_written_as_json_dumps_writes_it(value):
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_rows_of_plain_values_are_written_as_json_dumps_writes_them(rows):
    assert dumps(rows) == json.dumps(rows, ensure_ascii=False, indent=2)
    assert dumps({"rows": rows, "n": [rows]}) == json.dumps({"rows": rows, "n": [rows]}, ensure_ascii=False,
                                                            indent=2)


@pytest.mark.parametrize("value", [float("nan"), [float("inf")], {"a": (1, {"b": ()})}, {1: 2, "a": [3]},
                                   [{1: 2}, {None: 3}], [{"a": 1}, {}], (1, 2)])
def test_what_json_rewrites_tuples_non_text_keys_and_infinities_comes_out_the_same(value):
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_what_json_cannot_write_raises_as_json_does():
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps([{"a": object()}])
