"""A contact backup gives the vault back (issue 12, items 18 and 19): export, then import into
an empty vault, restores every note byte for byte, with the standard vCard properties."""

from __future__ import annotations

from pathlib import Path

import pytest
import vobject
import yaml

from .conftest import Run, write_vault

CONFIG = 'people_dirs = ["People"]\n'

# Cards in the shapes real address books write them (Apple, Evolution, Outlook, Android):
# a structured name that the display name does not spell out, ORG units, ROLE, UID, two
# addresses with their parts and labels, a category with an escaped comma, extension
# properties, a note, a URL with Apple's escaped colon.
CARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nat\r\nN:Friedman;Nathaniel;D;Mr.;\r\n"
    "ORG:Acme Corp;Research;Lab 2\r\nTITLE:Engineer\r\nROLE:Project Leader\r\n"
    "UID:8C2D31A6-7A9F-4C41-9E6E-2F9A1B2C3D4E\r\n"
    "EMAIL;TYPE=INTERNET,WORK:nat@acme.example\r\nTEL;TYPE=CELL:+1 555 0100\r\n"
    "TEL:1-800-FLOWERS\r\nTEL:1-800-MYFAX\r\n"
    "item1.ADR;TYPE=HOME:;;Silicon Alley 5;New York;NY;12345;USA\r\nitem1.X-ABADR:us\r\n"
    "ADR;TYPE=WORK:;Building 6;Street 4\\nFloor 8;New York;;12345;USA\r\n"
    "item2.ADR:;;1 Harbour Rd;Sydney;NSW;2000;Australia\r\nitem2.X-ABLabel:beach house\r\n"
    "CATEGORIES:climbing,Friends\\, Family\r\nitem3.URL:http\\://nat.example\r\n"
    "NOTE:Met at the offsite.\\nLikes Rust.\r\nX-SKYPE:nat.f\r\nIMPP:xmpp:nat@acme.example\r\n"
    "GENDER:M\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:洪俊展\r\nEMAIL:hong@example.tw\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n"
    "ADR:;;12 St James's Square;;;;\r\nX-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/ada\r\n"
    "END:VCARD\r\n"
)
# A Google Contacts export brings columns vCard has no property for.
GOOGLE = (
    "Name,Given Name,Family Name,Gender,Billing Information,E-mail 1 - Type,E-mail 1 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Address 1 - Type,Address 1 - Street,Address 1 - City\r\n"
    "José García López,José,García López,male,Invoice monthly,* Work,jose@example.es,"
    "Mobile,+34 600 000 000,Home,Calle Mayor 1,Madrid\r\n"
)
# A person written by hand, with a line break that is CR LF inside a value.
HAND_WRITTEN = (
    "---\ntype: person\ncompany: Globex\nZip: '01234'\nmet at: \"the meetup\\r\\nthen lunch\"\n"
    "email: grace@globex.example\n---\n# Grace Hopper\n"
)


def notes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "People").rglob("*.md"))}


def frontmatter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


@pytest.fixture
def imported(tmp_path) -> Run:
    run = Run(write_vault(tmp_path / "a", {"People/Grace Hopper.md": HAND_WRITTEN}, CONFIG))
    (tmp_path / "cards.vcf").write_bytes(CARDS.encode())
    (tmp_path / "google.csv").write_bytes(GOOGLE.encode())
    run.ok("import", "vcard", str(tmp_path / "cards.vcf"))
    run.ok("import", "google", str(tmp_path / "google.csv"))
    return run


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_export_then_import_into_an_empty_vault_restores_every_note_exactly(imported, tmp_path, version):
    backup = tmp_path / f"backup-{version}.vcf"
    imported.ok("export", "vcard", "--version", version, "-o", str(backup))
    empty = Run(write_vault(tmp_path / f"b{version}", {}, CONFIG))
    empty.ok("import", "vcard", str(backup))
    restored, original = notes(empty.root), notes(imported.root)
    # every note an import wrote comes back byte for byte...
    hand = "People/Grace Hopper.md"
    assert {k: v for k, v in restored.items() if k != hand} == {
        k: v for k, v in original.items() if k != hand}
    assert len(restored) == 5
    # ...and one written by hand has every value back (in the order an import writes keys)
    assert frontmatter(empty.root / hand) == frontmatter(imported.root / hand)
    # and over the vault it came from, it changes nothing
    before = notes(imported.root)
    imported.ok("import", "vcard", str(backup))
    assert notes(imported.root) == before


def test_an_import_into_an_empty_vault_renames_no_key(imported):
    nat = (imported.root / "People/Nat.md").read_text(encoding="utf-8")
    assert "x-uid" not in nat and "x-adr" not in nat and "org-unit" not in nat
    for line in ["uid: 8C2D31A6-7A9F-4C41-9E6E-2F9A1B2C3D4E", "vcard_role: Project Leader",
                 "department:\n- Research\n- Lab 2", "gender: M", "x-skype: nat.f",
                 "url: http://nat.example", "- Friends-Family"]:
        assert line in nat, line
    fm = frontmatter(imported.root / "People/Nat.md")
    assert fm["location"] == "Silicon Alley 5, New York, NY, 12345, USA"
    assert fm["address"] == {"street": "Silicon Alley 5", "city": "New York", "region": "NY",
                             "postal_code": "12345", "country": "USA", "type": "home"}
    assert fm["address_2"] == {"extended": "Building 6", "street": "Street 4\nFloor 8",
                               "city": "New York", "postal_code": "12345", "country": "USA",
                               "type": "work"}
    assert fm["address_3"]["type"] == "beach house"  # Apple's custom label
    assert "Met at the offsite.\nLikes Rust." in nat


def test_a_backup_uses_the_standard_properties(imported):
    (nat, *_) = [card for card in vobject.readComponents(imported.ok("export", "vcard").stdout)
                 if card.fn.value == "Nat"]
    assert nat.org.value == ["Acme Corp", "Research", "Lab 2"]
    assert nat.role.value == "Project Leader" and nat.uid.value.startswith("8C2D31A6")
    assert (nat.n.value.family, nat.n.value.given, nat.n.value.additional, nat.n.value.prefix) == (
        "Friedman", "Nathaniel", "D", "Mr.")
    home, work, beach = nat.contents["adr"]
    assert (home.value.street, home.value.city, home.value.region, home.value.code) == (
        "Silicon Alley 5", "New York", "NY", "12345")
    assert home.params["TYPE"] == ["HOME"] and work.value.street == "Street 4\nFloor 8"
    assert beach.value.city == "Sydney" and beach.group
    assert nat.categories.value == ["climbing", "Friends-Family"]
    assert nat.impp.value == "xmpp:nat@acme.example" and nat.gender.value == "M"
    assert not [name for name in nat.contents if name.startswith("x-") and name not in (
        "x-skype", "x-abadr", "x-ablabel", "x-abrelatednames", "x-vaultnet-path", "x-vaultnet-source")]


def test_the_structured_name_is_kept_when_the_name_differs_and_never_invented():
    from vaultnet.interop.exports import export_vcard
    from vaultnet.interop.vcard import parse_vcard
    from vaultnet.notes.contact_fields import new_note_fields

    nat, hong, ada = parse_vcard(CARDS.encode()).contacts
    assert new_note_fields(nat, "Nat")["given_name"] == "Nathaniel"
    assert {k: v for k, v in new_note_fields(nat, "Nat").items() if "name" in k} == {
        "name_prefix": "Mr.", "given_name": "Nathaniel", "middle_name": "D", "family_name": "Friedman"}
    # Ada Lovelace is given Ada, family Lovelace: said by the name, not written twice
    assert not [k for k in new_note_fields(ada, "Ada Lovelace") if k.endswith("_name")]
    data = export_vcard([hong, ada], "3.0")
    assert b"FN:\xe6\xb4\xaa\xe4\xbf\x8a\xe5\xb1\x95\r\nN:;;;;\r\n" in data  # not N:;洪俊展
    assert b"N:Lovelace;Ada;;;\r\n" in data


def test_crlf_inside_a_value_is_kept(imported, tmp_path):
    backup = tmp_path / "backup.vcf"
    imported.ok("export", "vcard", "-o", str(backup))
    # vCard writes a line break as \n and cannot say CR: a parameter says the value had CR LF
    unfolded = backup.read_bytes().replace(b"\r\n ", b"")
    assert b"X-NAME=met at;X-VAULTNET-LINE-ENDS=CRLF:the meetup\\nthen lunch\r\n" in unfolded
    empty = Run(write_vault(tmp_path / "b", {}, CONFIG))
    empty.ok("import", "vcard", str(backup))
    assert b'met at: "the meetup\\r\\nthen lunch"' in (empty.root / "People/Grace Hopper.md").read_bytes()


def test_a_backup_brings_back_the_relationship_and_finds_each_note_by_its_path(tmp_path):
    """Two people who share an address (one typed twice, as the example vault has it) and a
    hand-written note that links its company and says how you met."""
    files = {
        "People/Connor Murphy.md": "---\nemail: connor@globex.example\n---\n# Connor Murphy\n",
        "People/Connor Murphey.md": "---\nemail: connor@globex.example\nphone: +1 555 0100\n---\n",
        "People/Ada.md": ("---\nname: Ada Lovelace\ncompany: \"[[Analytical Engines]]\"\ncadence: monthly\n"
                          "met: RustConf 2023\nintroduced_by: \"[[Ravi Iyer]]\"\nfollow_up: 2026-12-01\n---\n"),
    }
    run = Run(write_vault(tmp_path / "a", files, CONFIG))
    backup = tmp_path / "backup.vcf"
    run.ok("export", "vcard", "-o", str(backup))
    over = run.ok("import", "vcard", str(backup))
    assert over.stderr.endswith("3 records: 0 new notes, 0 updated, 3 already up to date; 0 problems\n")
    empty = Run(write_vault(tmp_path / "b", {}, CONFIG))
    empty.ok("import", "vcard", str(backup))
    assert sorted(notes(empty.root)) == ["People/Ada.md", "People/Connor Murphey.md", "People/Connor Murphy.md"]
    ada = frontmatter(empty.root / "People/Ada.md")
    assert {k: ada[k] for k in ("company", "cadence", "met", "introduced_by", "follow_up")} == {
        "company": "[[Analytical Engines]]", "cadence": "monthly", "met": "RustConf 2023",
        "introduced_by": "[[Ravi Iyer]]", "follow_up": "2026-12-01"}


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_regression_an_impossible_birthday_survives_a_backup_and_a_restore(tmp_path, version):
    """`birthday: 1988-02-30` (the example vault's Nora Kelly) went out as BDAY:19880230; the
    import read it back as text under a new `bday:` key, over the vault and in a restore."""
    nora = "---\ntype: person\nbirthday: 1988-02-30\n---\n# Nora Kelly\n"
    run = Run(write_vault(tmp_path / "a", {"People/Nora Kelly.md": nora}, CONFIG))
    backup = tmp_path / "backup.vcf"
    run.ok("export", "vcard", "--version", version, "-o", str(backup))
    assert b"BDAY" not in backup.read_bytes()
    again = run("import", "vcard", str(backup))
    assert again.exit_code == 0 and "bday" not in again.stderr, again.stderr
    assert (tmp_path / "a" / "People" / "Nora Kelly.md").read_text() == nora
    restored = tmp_path / "b"
    Run(write_vault(restored, {}, CONFIG)).ok("import", "vcard", str(backup))
    assert frontmatter(restored / "People" / "Nora Kelly.md")["birthday"] == "1988-02-30"
