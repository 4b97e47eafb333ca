"""import, export, doctor and merge through the real CLI, on real vaults on disk."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import vobject

from .conftest import run_subprocess

CONFIG = 'people_dirs = ["People"]\norg_dirs = ["Companies"]\n'

LINKEDIN = (
    "\ufeffNotes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing."\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ada,Lovelace,https://www.linkedin.com/in/ada,ADA@engines.example,Analytical Engines,Chief Scientist,"
    "15 Mar 2023\n"
    'Grace,Hopper,https://www.linkedin.com/in/grace,,"Navy, US",Rear Admiral,01 Feb 2021\n'
    ",,https://www.linkedin.com/in/nobody,,,,02 Feb 2021\n"
    "Linus,Torvalds,https://www.linkedin.com/in/linus,linus@kernel.example,Linux Foundation,Fellow,"
    "03 Jan 2020\n"
)

ADA = (
    "---\n"
    "type: person\n"
    "# how we met: the 2019 conference\n"
    "company: Engines Ltd   # old name\n"
    "email: ada@engines.example\n"
    "tags:\n"
    "  - mentor\n"
    "---\n"
    "# Ada\n\n"
    "## Log\n"
    "- 2026-01-05 coffee #gave\n"
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".vaultnet" not in p.parts}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


# ------------------------------------------------------------------ import


def test_linkedin_import_merges_by_email_and_creates_the_rest(vault, tmp_path):
    run = vault({"People/Ada Lovelace.md": ADA}, CONFIG)
    export = write(tmp_path, "Connections.csv", LINKEDIN)
    result = run.ok("import", "linkedin", str(export))
    assert "update People/Ada Lovelace.md" in result.stdout
    assert "create People/Grace Hopper.md" in result.stdout
    assert "create People/Linus Torvalds.md" in result.stdout
    # The row without a name is reported with its line in the file, and skipped.
    assert "Connections.csv:7:" in result.stderr
    # The company differs: she moved, so the note follows and keeps the history as news (SPEC §8).
    assert "company: Engines Ltd -> Analytical Engines" in result.stdout

    ada = (run.root / "People/Ada Lovelace.md").read_text(encoding="utf-8")
    # Everything the user wrote is still there, byte for byte, in order.
    assert ada.startswith("---\ntype: person\n# how we met: the 2019 conference\n"
                          "company: Analytical Engines   # old name\nemail: ada@engines.example\n")
    assert ada.endswith("---\n# Ada\n\n## Log\n- 2026-01-05 coffee #gave\n- "
                        f"{dt.date.today().isoformat()} New company: Analytical Engines as Chief Scientist "
                        "(was Engines Ltd) #news\n")
    assert "role: Chief Scientist" in ada
    assert "linkedin: https://www.linkedin.com/in/ada" in ada
    assert "connected: '2023-03-15'" in ada or 'connected: "2023-03-15"' in ada
    assert "ADA@engines.example" not in ada  # same address, other case: not added again

    grace = run.json("show", "Grace Hopper")
    assert grace["company"] == "Navy, US"
    assert grace["role"] == "Rear Admiral"
    linus = run.json("show", "Linus")
    assert linus["emails"] == ["linus@kernel.example"]
    assert run.json("search", "company:foundation")[0]["path"] == "People/Linus Torvalds.md"


def test_importing_the_same_file_twice_changes_nothing(vault, tmp_path):
    run = vault({"People/Ada Lovelace.md": ADA}, CONFIG)
    export = write(tmp_path, "Connections.csv", LINKEDIN)
    run.ok("import", "linkedin", str(export))
    before = snapshot(run.root)
    again = run.json("import", "linkedin", str(export))
    assert (again["created"], again["updated"]) == (0, 0)
    assert snapshot(run.root) == before


def test_dry_run_prints_the_plan_and_writes_nothing(vault, tmp_path):
    run = vault({"People/Ada Lovelace.md": ADA}, CONFIG)
    before = snapshot(run.root)
    result = run.ok("import", "linkedin", str(write(tmp_path, "c.csv", LINKEDIN)), "--dry-run")
    assert "would create People/Grace Hopper.md" in result.stdout
    assert "would update People/Ada Lovelace.md" in result.stdout
    assert "role: Chief Scientist" in result.stdout
    assert snapshot(run.root) == before


def test_a_record_matches_by_name_or_alias_when_no_email_matches(vault, tmp_path):
    run = vault({
        "People/Grace Hopper.md": "---\naliases: [Amazing Grace]\n---\n",
        "People/Bob.md": "---\nname: Robert Smith\naliases:\n  - Bob Smith\n---\n",
    }, CONFIG)
    csv_text = ("First Name,Last Name,Email Address,Company\n"
                "grace,HOPPER,grace@navy.example,Navy\n"
                "Bob,Smith,bob@example.com,Acme\n")
    plan = run.json("import", "linkedin", str(write(tmp_path, "c.csv", csv_text)))
    by_path = {n["path"]: n for n in plan["notes"]}
    assert by_path["People/Grace Hopper.md"]["matched_by"] == "name"
    assert by_path["People/Bob.md"]["matched_by"] == "alias"
    assert plan["created"] == 0
    assert "email: bob@example.com" in (run.root / "People/Bob.md").read_text()


def test_two_rows_for_one_new_person_make_one_note(vault, tmp_path):
    run = vault({}, CONFIG)
    csv_text = ("First Name,Last Name,Email Address,Company\n"
                "Hana,Sato,hana@x.example,Acme\n"
                "Hana,Sato,hana@y.example,\n")
    plan = run.json("import", "linkedin", str(write(tmp_path, "c.csv", csv_text)))
    assert plan["created"] == 1
    assert run.json("show", "Hana Sato")["emails"] == ["hana@x.example", "hana@y.example"]


def test_a_name_matching_two_people_is_skipped_not_guessed(vault, tmp_path):
    run = vault({
        "People/Alex Kim.md": "---\naliases: [Alex]\n---\n",
        "People/Alex Park.md": "---\naliases: [Alex]\n---\n",
    }, CONFIG)
    before = snapshot(run.root)
    result = run.ok("import", "linkedin", str(write(tmp_path, "c.csv", "First Name,Last Name\nAlex,\n")))
    assert "matches several people" in result.stderr
    assert snapshot(run.root) == before


def test_a_merge_keeps_crlf_and_a_bom(vault, tmp_path):
    original = "\ufeff---\r\ntype: person\r\nemail: 'ada@engines.example'\r\n---\r\nBody\r\n"
    run = vault({"People/Ada.md": original.encode("utf-8")}, CONFIG)
    run.ok("import", "linkedin", str(write(tmp_path, "c.csv", LINKEDIN)))
    after = (run.root / "People/Ada.md").read_bytes()
    assert after.startswith("\ufeff---\r\ntype: person\r\nemail: 'ada@engines.example'\r\n".encode())
    assert after.endswith(b"---\r\nBody\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")


def test_a_name_is_never_a_path(vault, tmp_path):
    run = vault({}, CONFIG)
    csv_text = "First Name,Last Name\n../../etc,passwd\n"
    plan = run.json("import", "linkedin", str(write(tmp_path, "c.csv", csv_text)))
    [note] = plan["notes"]
    assert note["path"].startswith("People/") and ".." not in note["path"]
    assert (run.root / note["path"]).is_file()
    assert not (tmp_path / "etc").exists()


def test_vcard_import_with_a_broken_card_in_the_middle(vault, tmp_path):
    cards = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Keller\r\nN:Keller;Zoë;;;\r\n"
        "item1.EMAIL;TYPE=INTERNET:zoe@example.com\r\nitem1.X-ABLabel:_$!<Work>!$_\r\n"
        "TEL;TYPE=CELL:+41 79 555 01 01\r\nCATEGORIES:climbing,design\r\n"
        "NOTE:Met at the Zürich meetup\\, loves bouldering.\r\nX-SKYPE:zoe.k\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken\r\nBDAY;VALUE=date:this is : not\r\n"
        "TEL;TYPE=CELL\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kenji Watanabe\r\nBDAY:--0412\r\nEMAIL:kenji@example.jp\r\n"
        "END:VCARD\r\n"
    )
    run = vault({}, CONFIG)
    result = run.ok("import", "vcard", str(write(tmp_path, "contacts.vcf", cards)))
    assert "contacts.vcf:13:" in result.stderr or "contacts.vcf:12:" in result.stderr
    zoe = run.json("show", "Zoë Keller")
    assert zoe["emails"] == ["zoe@example.com"]
    assert zoe["phones"] == ["+41 79 555 01 01"]
    assert set(zoe["tags"]) >= {"climbing", "design"}
    text = (run.root / zoe["path"]).read_text(encoding="utf-8")
    assert "Met at the Zürich meetup, loves bouldering." in text
    assert "zoe.k" in text
    assert run.json("show", "Kenji Watanabe")["emails"] == ["kenji@example.jp"]


def test_google_csv_with_several_values_in_one_cell(vault, tmp_path):
    header = ("First Name,Middle Name,Last Name,Nickname,Organization Name,Organization Title,Birthday,"
              "Notes,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n")
    row = ('Leila,,Karimi,Lei,Tehran Robotics,CTO,1988-07-01,"Robotics PhD,\nloves chess",'
           "* myContacts ::: Robotics,* Work ::: Home,leila@work.example ::: leila@home.example,"
           "Mobile,+98 912 555 0101\n")
    run = vault({}, CONFIG)
    run.ok("import", "google", str(write(tmp_path, "google.csv", header + row)))
    leila = run.json("show", "Leila Karimi")
    assert leila["emails"] == ["leila@work.example", "leila@home.example"]
    assert leila["company"] == "Tehran Robotics"
    assert "Lei" in leila["aliases"]
    assert "robotics" in leila["tags"] and "mycontacts" not in leila["tags"]
    assert "loves chess" in (run.root / leila["path"]).read_text(encoding="utf-8")


def test_a_file_that_is_not_what_the_command_expects(vault, tmp_path):
    run = vault({"People/Ada.md": ADA}, CONFIG)
    before = snapshot(run.root)
    vcf = write(tmp_path, "x.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n")
    for kind, path in (("linkedin", vcf), ("vcard", write(tmp_path, "c.csv", LINKEDIN)),
                       ("google", write(tmp_path, "empty.csv", b""))):
        result = run("import", kind, str(path))
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Error: ")
        assert "Traceback" not in result.stderr
    assert snapshot(run.root) == before


def test_import_as_a_real_process(tmp_path):
    from .conftest import write_vault

    root = write_vault(tmp_path / "v", {"People/Ada Lovelace.md": ADA}, CONFIG)
    export = write(tmp_path, "Connections.csv", LINKEDIN)
    proc = run_subprocess("--vault", str(root), "import", "linkedin", str(export), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["created"], data["updated"]) == (2, 1)


# ------------------------------------------------------------------ export


PEOPLE = {
    "People/Ada Lovelace.md": "---\nemail: [ada@engines.example, ada@home.example]\nphone: '+44 20 7946 0123'\n"
                              "company: '[[Analytical Engines]]'\nrole: Scientist\nbirthday: 1815-12-10\n"
                              "tags: [mentor]\n---\n#gave lots\n",
    "People/Evil.md": "---\nname: '=HYPERLINK(\"http://x\")'\ncompany: '@SUM(A1)'\n---\n",
    "Companies/Acme.md": "---\nemail: info@acme.example\n---\n",
}


def test_export_vcard_parses_back_and_has_every_person(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    out = tmp_path / "backup.vcf"
    run.ok("export", "vcard", "-o", str(out))
    cards = list(vobject.readComponents(out.read_text(encoding="utf-8")))
    names = sorted(c.fn.value for c in cards)
    assert names == ["=HYPERLINK(\"http://x\")", "Ada Lovelace"]
    ada = next(c for c in cards if c.fn.value == "Ada Lovelace")
    assert sorted(e.value for e in ada.contents["email"]) == ["ada@engines.example", "ada@home.example"]
    assert ada.org.value == ["Analytical Engines"]
    assert ada.categories.value == ["mentor"]  # the body's #gave is not a tag of the person
    four = run.ok("export", "vcard", "--version", "4.0").stdout
    assert "VERSION:4.0" in four and len(list(vobject.readComponents(four))) == 2


def test_export_csv_defuses_formulas_and_json_has_every_detail(vault):
    run = vault(PEOPLE, CONFIG)
    rows = list(csv.DictReader(io.StringIO(run.ok("export", "csv").stdout.lstrip("\ufeff"))))
    evil = next(r for r in rows if "HYPERLINK" in r["name"])
    assert evil["name"].startswith("'=") and evil["company"].startswith("'@")
    ada = next(r for r in rows if r["name"] == "Ada Lovelace")
    assert ada["phones"] == "'+44 20 7946 0123"
    assert ada["company"] == "Analytical Engines"
    data = json.loads(run.ok("export", "json").stdout)
    assert {d["path"] for d in data} == {"People/Ada Lovelace.md", "People/Evil.md"}
    assert next(d for d in data if d["name"] == "Ada Lovelace")["birthday"] == "1815-12-10"


# ------------------------------------------------------------------ doctor


def test_doctor_is_quiet_and_exits_0_on_a_clean_vault(vault):
    run = vault({"People/Ada.md": "---\nemail: ada@engines.example\nphone: '+44 20 7946 0123'\n---\n"}, CONFIG)
    result = run.ok("doctor")
    assert result.stdout == ""
    assert "no problems" in result.stderr
    assert run.json("doctor") == []


def test_doctor_finds_every_kind_of_problem_with_its_line(vault):
    run = vault({
        "People/Ada Lovelace.md": "---\ntype: person\nemail: ada@@engines\nphone: '12'\n---\n",
        "People/Jon Smith.md": "---\nemail: jon@example.com\n---\n",
        "People/John Smith.md": "---\nemail: JON@example.com\n---\n",
        "People/Alex Kim.md": "---\naliases: [Alex]\n---\n",
        "People/Alex Park.md": "---\naliases: [Alex]\n---\n",
        "People/Bea.md": "---\ncadence: often\nlast_contact: 2026-02-30\n---\n",
        "Meetings/Offsite.md": "---\ntitle: x\n\tbad: tab\n---\nWith [[Alex]].\n",
    }, CONFIG + 'phone_region = "GB"\n')
    result = run("doctor", "--json")
    assert result.exit_code == 1
    found = {(f["path"], f["line"], f["kind"]) for f in json.loads(result.stdout)}
    assert ("People/Ada Lovelace.md", 3, "email") in found
    assert ("People/Ada Lovelace.md", 4, "phone") in found
    assert ("People/Bea.md", 2, "note") in found and ("People/Bea.md", 3, "note") in found
    assert any(k == "note" and p == "Meetings/Offsite.md" for p, _, k in found)
    assert ("People/Jon Smith.md", 2, "duplicate") in found  # same email, any case
    assert sum(1 for p, _, k in found if k == "duplicate") >= 2  # and the names are close
    assert ("People/Alex Kim.md", None, "shared_alias") in found
    assert ("Meetings/Offsite.md", 5, "ambiguous_link") in found
    text = run("doctor")
    assert text.exit_code == 1
    assert "People/Ada Lovelace.md:3: email:" in text.stdout


# ------------------------------------------------------------------ merge


MERGE_VAULT = {
    "People/Ada Lovelace.md": "---\ntype: person\nemail: ada@engines.example\ncompany: Engines\n---\n"
                              "# Ada\n\n## Log\n- 2026-01-05 coffee\n",
    "People/A. Lovelace.md": "---\nemail: countess@home.example\ncompany: Babbage & Co\n"
                             "aliases: [Countess]\ntags: [poet]\n---\n## Log\n- 2026-06-01 lunch #got\n",
    "Meetings/2026-06-01 Lunch.md": "---\nattendees: ['[[A. Lovelace]]']\n---\n"
                                    "Lunch with [[A. Lovelace]] and [[A. Lovelace|the Countess]].\n"
                                    "See ![[A. Lovelace#Log]] and [notes](A.%20Lovelace.md).\n"
                                    "Code `[[A. Lovelace]]` stays.\n",
}


def test_merge_joins_fields_appends_the_body_and_points_links_at_a(vault):
    run = vault(MERGE_VAULT, CONFIG)
    result = run.ok("merge", "Ada Lovelace", "A. Lovelace", env={"VAULTNET_TODAY": "2026-11-22"})
    assert "remove People/A. Lovelace.md" in result.stdout
    assert "company" in result.stderr  # the conflict is reported, Ada's value kept
    assert not (run.root / "People/A. Lovelace.md").exists()
    ada = (run.root / "People/Ada Lovelace.md").read_text()
    assert ada.startswith("---\ntype: person\nemail:\n  - ada@engines.example\n  - countess@home.example\n")
    assert "company: Engines\n" in ada
    assert "## From A. Lovelace" in ada and "- 2026-06-01 lunch #got" in ada
    lunch = (run.root / "Meetings/2026-06-01 Lunch.md").read_text()
    assert "attendees: ['[[Ada Lovelace]]']" in lunch
    assert "Lunch with [[Ada Lovelace|A. Lovelace]] and [[Ada Lovelace|the Countess]]." in lunch
    assert "![[Ada Lovelace#Log]]" in lunch
    assert "[notes](Ada%20Lovelace.md)" in lunch
    assert "Code `[[A. Lovelace]]` stays." in lunch
    card = run.json("show", "Ada Lovelace")
    assert set(card["emails"]) == {"ada@engines.example", "countess@home.example"}
    assert {"A. Lovelace", "Countess"} <= set(card["aliases"])
    assert card["got"] == 1
    assert run.json("show", "Countess")["path"] == "People/Ada Lovelace.md"


def test_merge_dry_run_writes_nothing(vault):
    run = vault(MERGE_VAULT, CONFIG)
    before = snapshot(run.root)
    result = run.ok("merge", "Ada Lovelace", "A. Lovelace", "--dry-run", "--json")
    plan = json.loads(result.stdout)
    assert plan["dry_run"] is True
    assert {"path": "Meetings/2026-06-01 Lunch.md", "count": 5} in plan["links"]
    assert snapshot(run.root) == before


def test_merging_a_note_into_itself_is_an_error(vault):
    run = vault(MERGE_VAULT, CONFIG)
    result = run("merge", "Ada Lovelace", "People/Ada Lovelace.md")
    assert result.exit_code == 1 and "same note" in result.stderr


# ------------------------------------------------------------------ bad input, nothing lost


def test_a_matched_note_with_broken_frontmatter_is_reported_and_left_alone(vault, tmp_path):
    broken = "---\nemail: ada@engines.example\ntags: [unclosed\n---\nBody\n"
    run = vault({"People/Ada Lovelace.md": broken}, CONFIG)
    result = run.ok("import", "linkedin", str(write(tmp_path, "c.csv", LINKEDIN)))
    assert (run.root / "People/Ada Lovelace.md").read_text() == broken
    assert "People/Ada Lovelace.md" in result.stderr and "nothing was changed" in result.stderr


def test_latin1_and_utf16_csv_files_read_with_their_accents(vault, tmp_path):
    run = vault({}, CONFIG)
    text = "First Name,Last Name,Company\nJosé,Álvarez,Café Ñandú\n"
    run.ok("import", "linkedin", str(write(tmp_path, "latin1.csv", text.encode("latin-1"))))
    assert run.json("show", "José Álvarez")["company"] == "Café Ñandú"
    google = "First Name,Last Name,E-mail 1 - Value\tx\nZoë,Ng,zoe@example.com\n".replace("\tx", "")
    run.ok("import", "google", str(write(tmp_path, "utf16.csv", google.encode("utf-16"))))
    assert run.json("show", "Zoë Ng")["emails"] == ["zoe@example.com"]


def test_an_import_that_cannot_write_one_note_says_so_and_keeps_it(vault, tmp_path, monkeypatch):
    run = vault({"People/Ada Lovelace.md": ADA}, CONFIG)
    real_replace = __import__("os").replace

    def failing_replace(src, dst, *a, **kw):
        if str(dst).endswith("Ada Lovelace.md"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr("os.replace", failing_replace)
    result = run("import", "linkedin", str(write(tmp_path, "c.csv", LINKEDIN)))
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert (run.root / "People/Ada Lovelace.md").read_text() == ADA
    assert (run.root / "People/Grace Hopper.md").is_file()  # the other notes were written
    assert not [p for p in (run.root / "People").iterdir() if p.name.endswith(".vaultnet-tmp")]


def test_merge_rewrites_table_links_and_leaves_a_non_utf8_note_alone(vault):
    files = dict(MERGE_VAULT)
    files["Projects/Table.md"] = "| who | note |\n| --- | --- |\n| [[A. Lovelace\\|Countess]] | x |\n"
    latin = "Met [[A. Lovelace]] at the café.\n".encode("latin-1")
    files["Projects/Latin.md"] = latin
    run = vault(files, CONFIG)
    result = run.ok("merge", "Ada Lovelace", "A. Lovelace")
    table = (run.root / "Projects/Table.md").read_text()
    assert "| [[Ada Lovelace\\|Countess]] | x |" in table
    assert (run.root / "Projects/Latin.md").read_bytes() == latin
    assert "Projects/Latin.md: not UTF-8" in result.stderr
    # B's name is now one of A's aliases, so the link left as it was still means A.
    assert "Projects/Latin.md" in {b["source"] for b in run.json("backlinks", "Ada Lovelace")}


def test_merge_of_a_name_that_does_not_exist(vault):
    run = vault(MERGE_VAULT, CONFIG)
    before = snapshot(run.root)
    result = run("merge", "Ada Lovelace", "Nobody At All")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert snapshot(run.root) == before


def test_a_cards_note_about_a_known_person_is_appended_once(vault, tmp_path):
    run = vault({"People/Zoë Keller.md": "---\nemail: zoe@example.com\n---\nClimber.\n"}, CONFIG)
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Keller\r\nEMAIL:zoe@example.com\r\n"
            "NOTE:Met at the Zürich meetup.\\nLoves bouldering.\r\nEND:VCARD\r\n")
    path = write(tmp_path, "z.vcf", card)
    run.ok("import", "vcard", str(path))
    text = (run.root / "People/Zoë Keller.md").read_text(encoding="utf-8")
    assert text.startswith("---\nemail: zoe@example.com\n")
    assert "Climber.\n" in text
    assert text.endswith("## Notes from vcard\n\nMet at the Zürich meetup.\nLoves bouldering.\n")
    before = snapshot(run.root)
    run.ok("import", "vcard", str(path))
    assert snapshot(run.root) == before


def test_import_into_a_people_folder_that_links_outside_writes_nothing_there(vault, tmp_path):
    import os

    outside = tmp_path / "outside"
    outside.mkdir()
    run = vault({}, 'people_dirs = ["People/Sub"]\n')
    os.symlink(outside, run.root / "People")
    result = run("import", "linkedin", str(write(tmp_path, "c.csv", "First Name,Last Name\nMallory,X\n")))
    assert result.exit_code == 1 and "outside the vault" in result.stderr
    assert list(outside.iterdir()) == []


# ------------------------------------------------------------------ found in review


def test_a_name_an_earlier_row_added_as_an_alias_matches_later_rows(vault, tmp_path):
    run = vault({"People/Bob Lee.md": "---\nemail: bob@x.com\n---\n"}, CONFIG)
    rows = ("First Name,Last Name,Email Address,Company\n"
            "Robert,Lee,bob@x.com,Globex\nRobert,Lee,,Globex\n"
            "Zed,New,zed@x.com,Z\nZed,N.,zed@x.com,Z\nZed,N.,,Z\n")
    path = write(tmp_path, "c.csv", rows)
    run.ok("import", "linkedin", str(path))
    assert sorted(p.name for p in (run.root / "People").iterdir()) == ["Bob Lee.md", "Zed New.md"]
    before = snapshot(run.root)
    again = run.json("import", "linkedin", str(path))
    assert again["skipped"] == 0 and snapshot(run.root) == before


def test_an_email_two_people_share_is_not_guessed(vault, tmp_path):
    run = vault({"People/Carl.md": "---\nemail: carl@x.com\n---\n",
                 "People/Carl Two.md": "---\nemail: carl@x.com\n---\n"}, CONFIG)
    before = snapshot(run.root)
    result = run.ok("import", "linkedin", str(write(tmp_path, "c.csv", "First Name,Last Name,Email Address\n"
                                                                        "Carl,X,CARL@x.com\n")))
    assert "matches several people" in result.stderr
    assert snapshot(run.root) == before


def test_a_new_person_never_takes_the_file_name_of_another_note(vault, tmp_path):
    run = vault({"Companies/Acme.md": "---\ntype: org\n---\n",
                 "People/Dan.md": "---\ncompany: \"[[Acme]]\"\n---\n"}, CONFIG)
    plan = run.json("import", "linkedin", str(write(tmp_path, "c.csv", "First Name,Last Name\nAcme,\n")))
    assert [n["path"] for n in plan["notes"]] == ["People/Acme 2.md"]
    links = run.json("links")
    assert {(l["source"], l["resolved"]) for l in links} >= {("People/Dan.md", "Companies/Acme.md")}
    assert run.json("show", "People/Acme 2.md")["name"] == "Acme"


def test_one_unusable_name_does_not_stop_the_others(vault, tmp_path):
    run = vault({}, CONFIG)
    cards = "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{n}\r\nEND:VCARD\r\n" for n in ("Good One", "???", "Good Two"))
    result = run.ok("import", "vcard", str(write(tmp_path, "c.vcf", cards)))
    assert "c.vcf:5:" in result.stderr
    assert sorted(p.name for p in (run.root / "People").iterdir()) == ["Good One.md", "Good Two.md"]


def test_a_backup_imported_back_changes_nothing(vault, tmp_path):
    run = vault({"People/Fay.md": "---\nemail: fay@x.com\nzip: '01234'\nconnected: 2023-01-02\n"
                                  "birthday: April\n---\n"}, CONFIG)
    backup = tmp_path / "b.vcf"
    run.ok("export", "vcard", "-o", str(backup))
    before = snapshot(run.root)
    plan = run.json("import", "vcard", str(backup))
    assert (plan["created"], plan["updated"]) == (0, 0), plan["notes"]
    assert snapshot(run.root) == before


def test_merge_keeps_what_a_does_not_take_and_survives_nested_and_non_utf8_b(vault):
    b = ("---\r\nrole: CTO  # since 2024\r\nsocial:\r\n  ids: [1, 2]\r\n---\r\nCaf\xe9 owner.\r\n"
         .encode("latin-1"))
    run = vault({"People/Ada.md": "---\nrole: Engineer\n---\nAda.\n", "People/Bob.md": b}, CONFIG)
    result = run.ok("merge", "Ada", "Bob")
    ada = (run.root / "People/Ada.md").read_bytes()
    assert ada.startswith(b"---\nrole: Engineer\n")
    assert b"role: CTO  # since 2024" in ada and b"ids: [1, 2]" in ada  # B's frontmatter, as it was
    assert b"Caf\xe9 owner." in ada  # a byte that is not UTF-8, kept as it was
    assert "role" in result.stderr
    assert not (run.root / "People/Bob.md").exists()


def test_merge_never_retargets_an_alias_that_may_mean_a_third_person(vault):
    run = vault({"People/Alex K.md": "---\ntype: person\n---\n",
                 "People/Alex Kim.md": "---\naliases: [Alex]\n---\n",
                 "People/Alexandra Petrova.md": "---\naliases: [Alex]\n---\n",
                 "Daily/2026-01-01.md": "- 2026-01-01 lunch with [[Alex]]\n| who |\n| --- |\n| [[Alex Kim]] |\n"},
                CONFIG)
    run.ok("merge", "Alex K", "Alex Kim")
    daily = (run.root / "Daily/2026-01-01.md").read_text()
    assert "lunch with [[Alex]]" in daily
    assert "| [[Alex K\\|Alex Kim]] |" in daily  # a bare | would split the table cell


def test_merge_never_guesses_the_note_it_removes(vault):
    run = vault({"People/Ada Lovelace.md": "x\n", "Projects/Roberta.md": "y\n"}, CONFIG)
    result = run("merge", "Ada Lovelace", "Roberto")
    assert result.exit_code == 1 and (run.root / "Projects/Roberta.md").exists()


def test_merge_retargets_frontmatter_links_in_a_crlf_note_like_an_lf_one(vault):
    run = vault({"People/Ada.md": "---\ntype: person\n---\n",
                 "People/Bob.md": "---\ntype: person\n---\n",
                 "People/Cy.md": b"---\r\nknows: [\"[[Bob]]\"]\r\n---\r\nSee [[Bob]].\r\n"}, CONFIG)
    run.ok("merge", "Ada", "Bob")
    assert (run.root / "People/Cy.md").read_bytes() == b'---\r\nknows: ["[[Ada]]"]\r\n---\r\nSee [[Ada|Bob]].\r\n'


def test_an_nfd_file_name_is_the_same_name_as_an_nfc_import(vault, tmp_path):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "José")
    run = vault({f"People/{nfd}.md": "---\nemail: jose@x.com\n---\n"}, CONFIG)
    plan = run.json("import", "linkedin", str(write(tmp_path, "c.csv", "First Name,Last Name,Email Address\n"
                                                                       "José,,jose@x.com\n")))
    [note] = plan["notes"]
    assert note["matched_by"] == "email"
    assert not [c for c in note["changes"] if c.startswith("aliases")], note["changes"]


def test_the_json_backup_holds_the_whole_frontmatter(vault):
    fm = ("---\ncadence: 30d\nmet: \"At [[PyCon]]\"\nfollow_up: 2026-12-01\nsocial:\n  twitter: '@fay'\n"
          "company: ['[[Acme]]', Beta]\n---\n")
    run = vault({"People/Fay.md": fm}, CONFIG)
    [fay] = json.loads(run.ok("export", "json").stdout)
    assert fay["frontmatter"] == {"cadence": "30d", "met": "At [[PyCon]]", "follow_up": "2026-12-01",
                                  "social": {"twitter": "@fay"}, "company": ["[[Acme]]", "Beta"]}


def test_export_to_a_folder_that_does_not_exist_is_a_clear_error(vault, tmp_path):
    run = vault(PEOPLE, CONFIG)
    result = run("export", "csv", "-o", str(tmp_path / "no" / "such" / "folder" / "people.csv"))
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot write")
    assert not (tmp_path / "no").exists()


def test_lettered_phone_numbers_are_not_merged_into_one(vault, tmp_path):
    note = "---\ntype: person\nemail: shop@flowers.example\nphone: 1-800-FLOWERS\n---\n# Flower Shop\n"
    run = vault({"People/Flower Shop.md": note}, CONFIG)
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Flower Shop\r\nEMAIL:shop@flowers.example\r\n"
            "TEL:1-800-MYFAX\r\nTEL:1 800 356 9377\r\nEND:VCARD\r\n")
    run.ok("import", "vcard", str(write(tmp_path, "shop.vcf", card)))
    # MYFAX is a second number; 356 9377 is FLOWERS as the keypad dials it
    assert run.json("show", "Flower Shop")["phones"] == ["1-800-FLOWERS", "1-800-MYFAX"]


def test_two_linkedin_rows_with_one_name_and_two_profiles_are_two_people(vault, tmp_path):
    rows = ("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Alex,Kim,https://www.linkedin.com/in/alex-kim-1,,Acme,Engineer,01 Jan 2024\n"
            "Alex,Kim,https://www.linkedin.com/in/alex-kim-2,,Globex,Designer,02 Feb 2024\n")
    run = vault({}, CONFIG)
    result = run.ok("import", "linkedin", str(write(tmp_path, "Connections.csv", rows)))
    assert sorted(p.name for p in (run.root / "People").iterdir()) == ["Alex Kim (Globex).md", "Alex Kim.md"]
    second = (run.root / "People/Alex Kim (Globex).md").read_text(encoding="utf-8")
    assert "name: Alex Kim\n" in second and "alex-kim-2" in second and "Designer" in second
    assert ("Connections.csv:3: People/Alex Kim (Globex).md: possible duplicate of People/Alex Kim.md: "
            "the same name, but this one has another LinkedIn profile") in result.stderr
    # a row for the first one still finds it: its profile agrees
    again = rows.split("\n")[0] + "\nAlex,Kim,https://www.linkedin.com/in/alex-kim-1/,alex@acme.example,Acme,Engineer,01 Jan 2024\n"
    run.ok("import", "linkedin", str(write(tmp_path, "again.csv", again)))
    assert "alex@acme.example" in (run.root / "People/Alex Kim.md").read_text(encoding="utf-8")
    assert "alex@acme.example" not in second


def test_two_cards_with_one_name_other_emails_and_companies_are_two_people(vault, tmp_path):
    note = "---\ntype: person\nemail: sam@acme.example\ncompany: Acme\n---\n# Sam Lee\n"
    run = vault({"People/Sam Lee.md": note}, CONFIG)
    cards = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sam Lee\r\nEMAIL:sam@initech.example\r\nORG:Initech\r\nEND:VCARD\r\n"
             "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sam Lee\r\nEMAIL:sam.lee@home.example\r\nEND:VCARD\r\n")
    result = run.ok("import", "vcard", str(write(tmp_path, "sam.vcf", cards)))
    # the first card contradicts the note twice (email, company): someone else, said so
    assert "sam@initech.example" in (run.root / "People/Sam Lee (Initech).md").read_text(encoding="utf-8")
    assert "possible duplicate of People/Sam Lee.md: the same name, but this one has other emails " \
           "and another company" in result.stderr
    # the second has only another address: no contradiction with either, so it is not guessed
    assert "sam.lee@home.example" not in (run.root / "People/Sam Lee.md").read_text(encoding="utf-8")
    assert "sam.vcf:7: 'Sam Lee' matches several people" in result.stderr
