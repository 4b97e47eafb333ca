"""frontmatter_edit: the one place that changes a note's frontmatter (SPEC §4).

Every case asserts the exact bytes: an edit changes what it is about, nothing else.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vaultnet.edits.frontmatter_edit import FrontmatterEditError, edit_frontmatter, read_frontmatter
from vaultnet.errors import VaultnetError


def edit(raw: bytes, **kw) -> bytes:
    out = edit_frontmatter(raw, **kw)
    assert edit_frontmatter(out, **kw) is out, "the same edit twice must change nothing more"
    return out


# --- add ------------------------------------------------------------------------------


def test_add_goes_to_the_end_of_the_block():
    raw = b"---\nname: Ada  # full name\n\ntags: [a]\n---\n# Ada\n"
    out = edit(raw, add={"email": "ada@example.com", "name": "Other"})
    assert out == b"---\nname: Ada  # full name\n\ntags: [a]\nemail: ada@example.com\n---\n# Ada\n"


def test_add_list_and_mapping_values():
    raw = b"---\nname: Ada\n---\n"
    out = edit(raw, add={"emails": ["a@x.com", "b@x.com"], "phone_labels": {"+1 555": "mobile"}})
    assert out == (
        b"---\nname: Ada\nemails:\n  - a@x.com\n  - b@x.com\nphone_labels:\n  +1 555: mobile\n---\n"
    )


def test_new_list_follows_the_notes_own_list_style():
    raw = b"---\ntags:\n- a\nname: Ada\n---\n"
    out = edit(raw, add={"emails": ["a@x.com"]})
    assert out == b"---\ntags:\n- a\nname: Ada\nemails:\n- a@x.com\n---\n"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("0612345678", b"'0612345678'"),  # an int in YAML 1.2
        ("yes", b"'yes'"),  # a bool in YAML 1.1
        ("2026-01-01", b"'2026-01-01'"),  # a date
        ("1:30", b"'1:30'"),  # base 60 in YAML 1.1
        ("null", b"'null'"),
        ("+1 555 0100", b"+1 555 0100"),
        ("[[Ada Lovelace]]", b"'[[Ada Lovelace]]'"),
        ("#vip", b"'#vip'"),
        ("a: b", b"'a: b'"),
        ("@ada", b"'@ada'"),
        ("*x", b"'*x'"),
        ("`x`", b"'`x`'"),
        ("it's", b"it's"),
        ("two\nlines", b'"two\\nlines"'),
        ("Zo\xeb", "Zo\xeb".encode()),
    ],
)
def test_values_are_quoted_when_a_reader_would_not_read_back_the_string(value, written):
    out = edit(b"---\nname: Ada\n---\n", add={"v": value})
    assert out == b"---\nname: Ada\nv: " + written + b"\n---\n"
    assert read_frontmatter(out)["v"] == value


def test_empty_key_gets_its_value_in_place():
    raw = b"---\nphone:\nemail: ~  # work\nname: Ada\n---\n"
    out = edit(raw, add={"phone": "0612345678", "email": "a@x.com"})
    assert out == b"---\nphone: '0612345678'\nemail: a@x.com  # work\nname: Ada\n---\n"


def test_empty_key_gets_a_list_under_it():
    raw = b"---\nemails:  # all of them\nname: Ada\n---\n"
    out = edit(raw, add={"emails": ["a@x.com"]})
    assert out == b"---\nemails:  # all of them\n  - a@x.com\nname: Ada\n---\n"


def test_present_value_is_not_replaced():
    raw = b"---\nphone: '0100'\n---\n"
    assert edit_frontmatter(raw, add={"phone": "0200"}) is raw


# --- extend ---------------------------------------------------------------------------


@pytest.mark.parametrize("pad", [b"", b"  ", b"    "])
def test_extend_block_list_keeps_its_indentation(pad):
    raw = b"---\nemails:\n" + pad + b"- a@x.com\n" + pad + b"- b@x.com\nname: Ada\n---\nbody\n"
    out = edit(raw, extend={"emails": ["c@x.com", "B@X.COM ", "c@x.com"]})
    assert out == (
        b"---\nemails:\n" + pad + b"- a@x.com\n" + pad + b"- b@x.com\n" + pad + b"- c@x.com\n"
        b"name: Ada\n---\nbody\n"
    )


def test_extend_keeps_comments_inside_and_after_the_list():
    raw = (
        b"---\ntags:\n  # people I met at work\n  - work   # since 2020\n  - \"friend\"\n"
        b"  # - old tag\n\n# next: contact\nname: Ada\n---\n"
    )
    out = edit(raw, extend={"tags": ["vip"]})
    assert out == (
        b"---\ntags:\n  # people I met at work\n  - work   # since 2020\n  - \"friend\"\n  - vip\n"
        b"  # - old tag\n\n# next: contact\nname: Ada\n---\n"
    )


def test_extend_flow_list_stays_a_flow_list():
    raw = b"---\naliases: [Ada,  \"Countess\"]  # c\nname: Ada\n---\n"
    out = edit(raw, extend={"aliases": ["Lovelace", "ada", "[[Ada]]"]})
    assert out == (
        b"---\naliases: [Ada,  \"Countess\",  Lovelace,  '[[Ada]]']  # c\nname: Ada\n---\n"
    )


def test_extend_empty_flow_list():
    out = edit(b"---\ntags: []\n---\n", extend={"tags": ["a", "b"]})
    assert out == b"---\ntags: [a, b]\n---\n"


def test_extend_scalar_becomes_a_list_old_value_first_and_quoted_as_it_was():
    raw = b"---\nemail: 'a@x.com'  # work\nname: Ada\n---\n"
    out = edit(raw, extend={"email": ["b@x.com"]})
    assert out == b"---\nemail:  # work\n  - 'a@x.com'\n  - b@x.com\nname: Ada\n---\n"
    assert read_frontmatter(out)["email"] == ["a@x.com", "b@x.com"]


def test_extend_scalar_with_the_same_value_changes_nothing():
    raw = b"---\nemail: A@x.com\n---\n"
    assert edit_frontmatter(raw, extend={"email": ["a@x.com"]}) is raw


def test_extend_absent_key_and_multiline_last_item():
    raw = b"---\nknows:\n  - \"[[Ada\n    Lovelace]]\"\nname: Ada\n---\n"
    out = edit(raw, extend={"knows": ["[[Bob]]"], "emails": ["a@x.com"]})
    assert out == (
        b"---\nknows:\n  - \"[[Ada\n    Lovelace]]\"\n  - '[[Bob]]'\nname: Ada\n"
        b"emails:\n  - a@x.com\n---\n"
    )


def test_keys_after_the_edited_one_are_untouched():
    after = b"role:   CTO   \nzip: 01234\nmet: \"[[Conf 2024]]\"\n'quoted key': x\n\n# end\n"
    raw = b"---\ntags: [a]\n" + after + b"---\n"
    out = edit(raw, extend={"tags": ["b"]})
    assert out == b"---\ntags: [a, b]\n" + after + b"---\n"


# --- add_items ------------------------------------------------------------------------


def test_add_items_block_mapping():
    raw = b"---\nphone_labels:\n    \"+1 555 0100\": mobile  # c\n\nname: Ada\n---\n"
    out = edit(raw, add_items={"phone_labels": {"+1 555 0100": "home", "0612345678": "work"}})
    assert out == (
        b"---\nphone_labels:\n    \"+1 555 0100\": mobile  # c\n    '0612345678': work\n"
        b"\nname: Ada\n---\n"
    )


def test_add_items_flow_mapping():
    raw = b"---\nphone_labels: {a: b}\n---\n"
    out = edit(raw, add_items={"phone_labels": {"+1 555": "mobile"}})
    assert out == b"---\nphone_labels: {a: b, +1 555: mobile}\n---\n"


def test_add_items_absent_key():
    out = edit(b"---\nname: Ada\n---\n", add_items={"phone_labels": {"+1 555": "yes"}})
    assert out == b"---\nname: Ada\nphone_labels:\n  +1 555: 'yes'\n---\n"


def test_empty_brackets_of_the_other_kind_are_filled_not_mixed_up():
    assert edit(b"---\nv: {}\n---\n", extend={"v": ["q"]}) == b"---\nv:\n  - q\n---\n"
    out = edit(b"---\nv: []  # c\n---\n", add_items={"v": {"a": "b"}})
    assert out == b"---\nv:  # c\n  a: b\n---\n"


def test_indented_top_level_mapping_gets_keys_at_its_indentation():
    out = edit(b"---\n  a: 1\n  b: [x]\n---\n", extend={"b": ["y"], "c": ["n"]})
    assert out == b"---\n  a: 1\n  b: [x, 'y']\n  c:\n    - 'n'\n---\n"  # y/n: bools in YAML 1.1


# --- the file around the block --------------------------------------------------------


def test_no_frontmatter_gets_a_new_block_at_the_top():
    assert edit(b"# Ada\n", add={"type": "person"}) == b"---\ntype: person\n---\n# Ada\n"
    assert edit(b"", add={"type": "person"}) == b"---\ntype: person\n---\n"
    assert edit(b"x\r\ny", add={"type": "person"}) == b"---\r\ntype: person\r\n---\r\nx\r\ny"


def test_bom_and_crlf_are_kept():
    raw = b"\xef\xbb\xbf---\r\nemails:\r\n  - a@x.com\r\nname: Ada\r\n---\r\nbody\r\n"
    out = edit(raw, extend={"emails": ["b@x.com"]}, add={"role": "CTO"})
    assert out == (
        b"\xef\xbb\xbf---\r\nemails:\r\n  - a@x.com\r\n  - b@x.com\r\nname: Ada\r\nrole: CTO\r\n"
        b"---\r\nbody\r\n"
    )


def test_bom_without_frontmatter():
    out = edit(b"\xef\xbb\xbf# Ada\r\n", add={"type": "person"})
    assert out == b"\xef\xbb\xbf---\r\ntype: person\r\n---\r\n# Ada\r\n"


def test_body_bytes_are_kept_even_when_not_utf8():
    raw = b"---\nname: Ada\n---\nLatin-1: caf\xe9\n---\nnot: frontmatter\n"
    out = edit(raw, add={"role": "CTO"})
    assert out == b"---\nname: Ada\nrole: CTO\n---\nLatin-1: caf\xe9\n---\nnot: frontmatter\n"


def test_empty_block_and_closing_fence_without_newline():
    assert edit(b"---\n---\n", add={"a": "b"}) == b"---\na: b\n---\n"
    assert edit(b"---\nx: y\n---", add={"a": "b"}) == b"---\nx: y\na: b\n---"


def test_nothing_to_change_returns_the_same_bytes():
    raw = b"---\ntags: [a]\nname: Ada\n---\n"
    assert edit_frontmatter(raw) is raw
    assert edit_frontmatter(raw, add={"name": "B"}, extend={"tags": [" A "]}) is raw
    assert edit_frontmatter(raw, add={"x": ""}, extend={"y": []}, add_items={"z": {}}) is raw


def test_read_frontmatter_keeps_values_as_written():
    raw = b"\xef\xbb\xbf---\r\nphone: 0612345678\r\nok: yes\r\ntags: [a]\r\n---\r\n"
    assert read_frontmatter(raw) == {"phone": "0612345678", "ok": "yes", "tags": ["a"]}
    assert read_frontmatter(b"# no frontmatter\n") == {}


def test_bug_12_4_a_template_placeholder_does_not_stop_an_edit():
    raw = b"---\ncreated: {{date}}\nname: Ada\n---\nbody\n"
    out = edit_frontmatter(raw, add={"role": "CTO", "created": "2026-01-01"})
    assert out == b"---\ncreated: {{date}}\nname: Ada\nrole: CTO\n---\nbody\n"  # `created` is not empty


# --- refused --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"---\nname: [Ada\n---\n", "invalid YAML"),
        (b"---\ndate: {{date}}\nrole: a: b\n---\n", "invalid YAML"),  # a placeholder hides no real error
        (b"---\n- a\n- b\n---\n", "a list"),
        (b"---\nname: a\nname: b\n---\n", "duplicate key"),
        (b"---\nx: !!python/object:os.system ls\n---\n", "tag"),
        (b"---\nx: !!str 1\n---\n", "tag"),
        (b"---\nname: Ada\n", "no closing"),
        (b"---\nname: caf\xe9\n---\n", "not UTF-8"),
        (b"---\n{name: Ada}\n---\n", "`{...}`"),
    ],
)
def test_bad_frontmatter_is_refused(raw, why):
    with pytest.raises(FrontmatterEditError, match=re.escape(why)) as exc:
        edit_frontmatter(raw, add={"role": "CTO"})
    assert "nothing was changed" in str(exc.value)
    assert isinstance(exc.value, VaultnetError)
    if why not in ("no closing", "not UTF-8", "`{...}`"):
        with pytest.raises(FrontmatterEditError):
            read_frontmatter(raw)


@pytest.mark.parametrize(
    ("raw", "kw"),
    [
        (b"---\nemails: {a: b}\n---\n", {"extend": {"emails": ["x"]}}),
        (b"---\nlabels: [a]\n---\n", {"add_items": {"labels": {"a": "b"}}}),
        (b"---\nemail: |\n  a@x.com\n---\n", {"extend": {"email": ["x"]}}),
        (b"---\na: &e [x]\nemails: *e\n---\n", {"extend": {"emails": ["y"]}}),
    ],
)
def test_edits_that_cannot_be_done_safely_are_refused(raw, kw):
    with pytest.raises(FrontmatterEditError):
        edit_frontmatter(raw, **kw)


# --- the property ---------------------------------------------------------------------

_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\ufeff"
)
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._@+-]*(?: [A-Za-z0-9._@+-]+)*")
texts = st.one_of(
    st.from_regex(_PLAIN, fullmatch=True).map(lambda t: t[:60]),  # shrinks faster
    st.text(_CHARS, max_size=20),
    st.text(st.one_of(_CHARS, st.sampled_from("\t\n#:,[]{}'\"")), max_size=20),
)
keys = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)
_NULL_WORDS = ("null", "Null", "NULL")  # YAML's null when written plain


@st.composite
def scalars(draw, value: str) -> str:
    """`value` as YAML, in a style drawn at random (plain only where it is safe)."""
    styles = ["double"] + ([] if re.search("[\t\n]", value) else ["single"])
    styles += ["plain"] if _PLAIN.fullmatch(value) else []
    style = draw(st.sampled_from(styles))
    if style == "plain":
        return value
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


@st.composite
def frontmatters(draw):
    """(lines of YAML, the dict our reader must see, the keys with an empty or null value)."""
    names = draw(st.lists(keys, min_size=1, max_size=6, unique=True))
    lines, data, nulls = [], {}, set()
    for name in names:
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# a comment", "  # indented: comment"])))
        comment = draw(st.sampled_from(["", "  # c", " # [[x]]"]))
        kind = draw(st.sampled_from(["scalar", "block", "flow", "empty", "map", "flowmap"]))
        if kind == "empty":
            written, data[name] = draw(st.sampled_from([("", ""), (" ~", None), (" ''", ""),
                                                         (" []", []), (" {}", {})]))
            lines.append(f"{name}:{written}{comment}")
            nulls.add(name)
        elif kind == "scalar":
            value = draw(texts.filter(lambda t: t != ""))
            written = draw(scalars(value))
            lines.append(f"{name}: {written}{comment}")
            data[name] = value
            if written in _NULL_WORDS:  # YAML's null, written plain: no value
                data[name] = None
                nulls.add(name)
        elif kind in ("map", "flowmap"):
            entries = draw(st.dictionaries(texts, texts, min_size=1, max_size=3))
            # A key is always read as a string: a null word is quoted there.
            rendered_keys = [json.dumps(k) if k in _NULL_WORDS else draw(scalars(k)) for k in entries]
            rendered_values = [draw(scalars(v)) for v in entries.values()]
            pairs = [f"{k}: {v}" for k, v in zip(rendered_keys, rendered_values)]
            if kind == "flowmap":
                lines.append(f"{name}: {{{', '.join(pairs)}}}{comment}")
            else:
                lines.append(f"{name}:{comment}")
                lines += [f"  {p}" for p in pairs]
            data[name] = {k: None if r in _NULL_WORDS else v for (k, v), r in zip(entries.items(), rendered_values)}
        else:
            items = draw(st.lists(texts, min_size=1, max_size=4))
            rendered = [draw(scalars(v)) for v in items]
            if kind == "flow":
                lines.append(f"{name}: [{', '.join(rendered)}]{comment}")
            else:
                pad = " " * draw(st.sampled_from([0, 2, 4]))
                lines.append(f"{name}:{comment}")
                lines += [f"{pad}- {r}" + draw(st.sampled_from(["", " # i"])) for r in rendered]
            data[name] = [None if r in _NULL_WORDS else v for v, r in zip(items, rendered)]
    return lines, data, nulls


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fm=frontmatters(),
    body=st.one_of(st.text().map(str.encode), st.binary()).filter(lambda b: b"\x00" not in b),
    eol=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    op=st.sampled_from(["add", "extend", "add_items"]),
    target=st.one_of(keys, st.just("")),
    item=texts.filter(lambda t: t.strip() != ""),
)
def test_an_edit_changes_one_key_and_nothing_else(fm, body, eol, bom, op, target, item):
    lines, data, nulls = fm
    target = target or next(iter(data))  # "" means: a key that is already there
    head = b"\xef\xbb\xbf" if bom else b""
    raw = head + ("---" + eol + "".join(line + eol for line in lines) + "---" + eol).encode() + body
    assert read_frontmatter(raw) == data  # the generator wrote what it meant to

    old = None if target in nulls else data.get(target)
    new = {"add": item, "extend": [item], "add_items": {item: "x"}}[op]
    kw = {op: {target: new}}
    wrong_kind = (op == "extend" and old and isinstance(old, dict)) or (
        op == "add_items" and old and not isinstance(old, dict)
    )
    if wrong_kind:
        with pytest.raises(FrontmatterEditError):
            edit_frontmatter(raw, **kw)
        return
    out = edit_frontmatter(raw, **kw)
    after = read_frontmatter(out)

    assert out.startswith(head + b"---" + eol.encode())
    assert out.endswith(eol.encode() + b"---" + eol.encode() + body)
    assert {k: v for k, v in after.items() if k != target} == {
        k: v for k, v in data.items() if k != target
    }
    assert list(after)[: len(data)] == list(data)
    if op == "add":
        assert after[target] == (item if old is None else old)
    elif op == "add_items":
        have = old or {}
        assert list(after[target].items())[: len(have)] == list(have.items())
        assert item.strip().casefold() in [k.strip().casefold() for k in after[target]]
    else:
        values = after[target] if isinstance(after[target], list) else [after[target]]
        assert item.strip().casefold() in [v.strip().casefold() for v in values if isinstance(v, str)]
        have = old if isinstance(old, list) else [old] if old else []
        if out is not raw:
            assert values[: len(have)] == have
    assert edit_frontmatter(out, **kw) is out
