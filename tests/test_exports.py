"""Exports: real bytes, read back with the parsers other programs use (vobject, csv, json)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
import vobject

from vaultnet.interop.exports import CSV_HEADER, export_csv, export_json, export_vcard
from vaultnet.notes.contact import Contact

TRICKY_NOTE = 'Met at PyCon; said "hi", then left.\nSecond line \\ with a backslash,\r\nand a third'


def full() -> Contact:
    """A contact with every field set, and the characters each format must escape."""
    return Contact(
        name="Bob Smith, Jr.",
        line=7,
        given="Bob",
        family="Smith",
        aliases=["Bobby", "B, the builder"],
        emails=["bob@work.example", "bob@home.example", "bob@uni.example"],
        email_labels={"bob@work.example": "work", "bob@uni.example": "University"},
        phones=["+1 555 0100", "+44 20 7946 0000", "020 1234"],
        phone_labels={"+1 555 0100": "mobile", "+44 20 7946 0000": "_$!<Home>!$_"},
        company="Acme, Inc.",
        role="Head of R&D; tools",
        birthday="1985-04-12",
        tags=["mentor", "python,dev", "a;b"],
        urls=["https://bob.example/a,b"],
        linkedin="https://www.linkedin.com/in/bob",
        location="1 Main St, Springfield; USA",
        knows=["Ada Lovelace", "Grace Hopper"],
        note=TRICKY_NOTE,
        connected="2021-03-04",
        source="linkedin",
        extra={"cadence": "30d", "met at": ["PyCon", "EuroPython"], "x-foo": "bar"},
        path="People/Bob Smith.md",
    )


def cards(data: bytes) -> list[vobject.base.Component]:
    return list(vobject.readComponents(data.decode("utf-8")))


def values(card: vobject.base.Component, name: str) -> list:
    return [line.value for line in card.contents.get(name, [])]


def types(card: vobject.base.Component, name: str) -> dict[str, list[str]]:
    return {line.value: line.params.get("TYPE", []) for line in card.contents.get(name, [])}


def ablabels(card: vobject.base.Component, name: str) -> dict[str, str]:
    """Apple's custom labels: `itemN.EMAIL` with an `itemN.X-ABLABEL` beside it."""
    labels = {line.group: line.value for line in card.contents.get("x-ablabel", [])}
    return {line.value: labels[line.group] for line in card.contents[name] if line.group}


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- vCard ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_every_field(version):
    (card,) = cards(export_vcard([full()], version))
    v4 = version == "4.0"
    assert card.version.value == version
    assert card.fn.value == "Bob Smith, Jr."
    assert (card.n.value.family, card.n.value.given) == ("Smith", "Bob")
    assert values(card, "nickname") == ["Bobby", "B, the builder"]
    assert values(card, "email") == full().emails
    assert types(card, "email")["bob@work.example"] == ["work" if v4 else "WORK"]
    assert types(card, "email")["bob@home.example"] == []
    assert ablabels(card, "email") == {"bob@uni.example": "University"}
    assert values(card, "tel") == full().phones
    assert types(card, "tel")["+1 555 0100"] == ["cell" if v4 else "CELL"]
    assert types(card, "tel")["+44 20 7946 0000"] == ["home" if v4 else "HOME"]
    assert types(card, "tel")["020 1234"] == []
    assert card.org.value == ["Acme, Inc."]
    assert card.title.value == "Head of R&D; tools"
    assert card.bday.value == ("19850412" if v4 else "1985-04-12")
    assert card.categories.value == ["mentor", "python,dev", "a;b"]
    assert values(card, "url") == ["https://bob.example/a,b", "https://www.linkedin.com/in/bob"]
    assert card.x_socialprofile.value == "https://www.linkedin.com/in/bob"
    assert card.x_socialprofile.params["TYPE"] == ["linkedin"]
    assert card.adr.value.street == "1 Main St, Springfield; USA"
    if v4:
        assert values(card, "related") == ["Ada Lovelace", "Grace Hopper"]
        assert card.related.params == {"TYPE": ["contact"], "VALUE": ["text"]}
        assert "x-abrelatednames" not in card.contents
    else:
        assert values(card, "x-abrelatednames") == ["Ada Lovelace", "Grace Hopper"]
        assert "related" not in card.contents
    # a CRLF inside a value is one line break: vCard has no way to say CR
    assert card.note.value == TRICKY_NOTE.replace("\r\n", "\n")
    assert card.x_vaultnet_connected.value == "2021-03-04"
    assert card.x_vaultnet_source.value == "linkedin"
    assert card.x_vaultnet_path.value == "People/Bob Smith.md"
    # a note's own keys come back under their exact names
    fields = [(line.params["X-NAME"], line.value) for line in card.contents["x-vaultnet-field"]]
    assert fields == [(["cadence"], "30d"), (["met at"], "PyCon"), (["met at"], "EuroPython")]
    assert card.x_foo.value == "bar"  # a key an import kept as x-foo: X-FOO again


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_escapes_and_round_trips(version):
    people = [
        Contact(
            name="Smith, Jr.",
            emails=["a@example.com"],
            phones=["+1 555 0100"],
            phone_labels={"+1 555 0100": "work"},
            tags=["x,y", "z"],
            note="one, two; three\nfour \\ five",
        ),
        Contact(name="Zoë 李雷 🎉", note="ünïcödé"),
    ]
    data = export_vcard(people, version)
    assert rb"Smith\, Jr." in data and rb"one\, two\; three\nfour \\ five" in data
    first, second = cards(data)
    assert first.fn.value == "Smith, Jr."
    # no N parts in the contact: none are made up (3.0 needs an N, so an empty one)
    assert ("n" in first.contents) == (version == "3.0")
    assert values(first, "email") == ["a@example.com"]
    assert types(first, "tel") == {"+1 555 0100": ["work" if version == "4.0" else "WORK"]}
    assert first.categories.value == ["x,y", "z"]
    assert first.note.value == "one, two; three\nfour \\ five"
    assert (second.fn.value, second.note.value) == ("Zoë 李雷 🎉", "ünïcödé")


def test_vcard_n_comes_from_the_name_parts_and_is_never_invented_by_splitting_the_name():
    people = [
        Contact(name="Nat", given="Nathaniel", family="Friedman", middle="D", prefix="Mr."),
        Contact(name="Ada Lovelace"),  # the one case an import leaves implied: two words
        Contact(name="Ada King Lovelace"), Contact(name="洪俊展"), Contact(name="Cher"),
    ]
    three = export_vcard(people, "3.0")
    nat, ada, king, hong, cher = cards(three)
    assert b"N:Friedman;Nathaniel;D;Mr.;\r\n" in three
    assert (ada.n.value.family, ada.n.value.given) == ("Lovelace", "Ada")
    for card in (king, hong, cher):  # 3.0 requires N: an empty one, not a guess
        assert str(card.n.value).strip() == "" and card.n.value.given == card.n.value.family == ""
    four = cards(export_vcard(people, "4.0"))
    assert [("n" in card.contents) for card in four] == [True, True, False, False, False]


def test_vcard_lines_are_crlf_and_folded_at_75_octets():
    # under 75 characters but far over 75 octets: vobject alone would not fold it
    people = [Contact(name="李雷" * 30, note="Zoë 🎉 " * 40, tags=["t" * 200])]
    data = export_vcard(people, "4.0")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) == 75
    (card,) = cards(data)
    assert (card.fn.value, card.note.value) == ("李雷" * 30, "Zoë 🎉 " * 40)
    assert card.categories.value == ["t" * 200]


def test_vcard_keeps_order_and_birthdays_without_a_year():
    people = [Contact(name="B", birthday="--04-12"), Contact(name="A", birthday="April")]
    three, four = export_vcard(people, "3.0"), export_vcard(people, "4.0")
    assert [c.fn.value for c in cards(three)] == ["B", "A"]
    assert b"BDAY:--04-12\r\n" in three and b"BDAY:--0412\r\n" in four
    # not a date BDAY may hold, so it is kept under a name of its own
    april = cards(three)[1]
    assert april.x_vaultnet_birthday.value == "April" and "bday" not in april.contents


def test_vcard_rejects_other_versions():
    with pytest.raises(ValueError, match="3.0 or 4.0"):
        export_vcard([full()], "2.1")


# --- CSV -----------------------------------------------------------------------------------


def test_csv_every_field():
    data = export_csv([full()])
    assert b"\r\n" in data
    header, row = csv_rows(data)
    assert header == CSV_HEADER
    cells = dict(zip(header, row))
    assert cells == {
        "name": "Bob Smith, Jr.",
        "given_name": "Bob",
        "family_name": "Smith",
        "aliases": "Bobby ::: B, the builder",
        "emails": "bob@work.example ::: bob@home.example ::: bob@uni.example",
        "phones": "'+1 555 0100 ::: +44 20 7946 0000 ::: 020 1234",
        "company": "Acme, Inc.",
        "role": "Head of R&D; tools",
        "birthday": "1985-04-12",
        "location": "1 Main St, Springfield; USA",
        "tags": "mentor ::: python,dev ::: a;b",
        "urls": "https://bob.example/a,b",
        "linkedin": "https://www.linkedin.com/in/bob",
        "knows": "Ada Lovelace ::: Grace Hopper",
        "connected": "2021-03-04",
        "source": "linkedin",
        "note": TRICKY_NOTE,
        "path": "People/Bob Smith.md",
    }


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("http://evil.example","click")', "+1 555", "-2", "@SUM(A1:A9)", "\tx", "\rx"],
)
def test_csv_formula_cells_are_escaped(cell):
    _, row = csv_rows(export_csv([Contact(name=cell, role=cell, tags=[cell, "b"])]))
    assert row[0] == row[CSV_HEADER.index("role")] == "'" + cell
    assert row[CSV_HEADER.index("tags")] == "'" + cell + " ::: b"


def test_csv_ordinary_cells_are_not_escaped():
    _, row = csv_rows(export_csv([Contact(name="Ada = Lovelace", phones=["020 1234"])]))
    assert row[0] == "Ada = Lovelace" and row[CSV_HEADER.index("phones")] == "020 1234"


# --- JSON ----------------------------------------------------------------------------------


def test_json_every_field_but_line():
    data = export_json([full(), Contact(name="Empty")])
    assert data.endswith(b"]\n")
    bob, empty = json.loads(data)
    expected = dataclasses.asdict(full())
    del expected["line"]
    assert bob == expected
    assert list(bob) == list(expected)  # the dataclass's order, every time
    assert list(empty) == list(bob)  # empty fields too: one shape for every record
    assert empty["emails"] == [] and empty["email_labels"] == {} and empty["company"] == ""


# --- every format --------------------------------------------------------------------------


def test_markup_and_quotes_are_just_text():
    name = "<script>alert('x')</script> \"Bob\" <b>&amp;"
    person = Contact(name=name, note=name)
    (card,) = cards(export_vcard([person]))
    assert card.fn.value == card.note.value == name
    assert csv_rows(export_csv([person]))[1][0] == name
    assert json.loads(export_json([person]))[0]["name"] == name


def test_unicode_names_survive_every_format():
    names = ["Zoë Ångström", "李雷", "Bob 🎉"]
    people = [Contact(name=n) for n in names]
    for version in ("3.0", "4.0"):
        assert [c.fn.value for c in cards(export_vcard(people, version))] == names
    assert [row[0] for row in csv_rows(export_csv(people))[1:]] == names
    data = export_json(people)
    assert "李雷".encode() in data  # written as UTF-8, not \u escapes
    assert [p["name"] for p in json.loads(data)] == names


def test_no_contacts_give_valid_empty_files():
    assert export_vcard([]) == b"" == export_vcard([], "4.0")
    assert csv_rows(export_csv([])) == [CSV_HEADER]
    assert export_json([]) == b"[]\n"
