"""Issue 13: names as people type them (SPEC §5), a vault that is really one, options after
the command, and the small words of the output (1 day, 1 problem, mentioned in 1 note)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vaultnet.errors import VaultnetError
from vaultnet.index import NoteIndex
from vaultnet.network.names import find_note
from vaultnet.vault import Vault

from .conftest import REPO, Run, run_subprocess, write_vault

TODAY = "2026-11-22"
CONFIG = 'people_dirs = ["People"]\norg_dirs = ["Companies"]\n'
FILES = {
    "People/María García.md": "---\ncompany: \"[[Acme]]\"\nrole: CTO\ncadence: 30d\n---\n- 2026-11-21 Coffee\n",
    "People/Naomi Walsh.md": "---\ncompany: Acme\n---\n- 2026-09-18 Call\n",
    "People/Alex Kim.md": "---\naliases: [Alex]\n---\n",
    "People/Alexandra Petrova.md": "---\naliases: [Alex]\n---\n",
    "People/Zoë Ng.md": "Designer. Knows [[Dana Whitfield]].\n",
    "Meetings/2026-08-12 Call with Naomi.md": "[[Naomi Walsh]] and [[Dana Whitfield]].\n"
                                              "- 2026-08-12 Talked with [[Naomi Walsh]] #got\n",
    "Companies/Acme.md": "---\naliases: [Acme Corp]\n---\nPayments.\n",
}


@pytest.fixture
def run(vault):
    return vault(FILES, config=CONFIG)


def path_of(run, name: str) -> str:
    return run.json("show", name)["path"]


@pytest.mark.parametrize("name", ["garcia", "GARCIA", "Maria Garcia", "maría garcía", "María", "People/Maria Garcia",
                                  "marai garcia"])
def test_regression_garcia_finds_maria_garcia(run, name):
    assert path_of(run, name) == "People/María García.md"


@pytest.mark.parametrize("name, path", [("zoe", "People/Zoë Ng.md"), ("naomi", "People/Naomi Walsh.md"),
                                        ("walsh", "People/Naomi Walsh.md"), ("acme", "Companies/Acme.md")])
def test_a_unique_first_or_last_name_and_people_before_other_notes(run, name, path):
    assert path_of(run, name) == path


def test_regression_log_naomi_is_the_person_not_the_meeting_note(run):
    result = run.ok("--today", TODAY, "log", "naomi", "Coffee")
    assert result.stdout.startswith("People/Naomi Walsh.md:")


def test_a_name_that_matches_several_people_lists_them(run):
    result = run("log", "alex", "x")
    assert result.exit_code == 1
    assert "People/Alex Kim.md" in result.stderr and "People/Alexandra Petrova.md" in result.stderr


def test_no_match_suggests_the_closest_names(run):
    result = run("show", "Nayomi Wals")
    assert result.exit_code == 0  # a close misspelling is found
    missing = run("show", "Mario Garces")
    assert missing.exit_code == 1 and "no note called 'Mario Garces'" in missing.stderr
    assert "Did you mean: María García" in missing.stderr


@pytest.mark.parametrize("name", ["Dana Whitfield", "dana"])
def test_someone_only_mentioned_is_told_where_and_how_to_add_them(run, name):
    result = run("--today", TODAY, "log", name, "x")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 'Dana Whitfield' has no note yet; mentioned in 2 notes:\n"
        "  Meetings/2026-08-12 Call with Naomi.md\n  People/Zoë Ng.md\n"
        'Make one with: vaultnet add "Dana Whitfield"\n'
    )


def test_a_long_lived_process_finds_every_name_as_a_one_shot_command_does(tmp_path):
    # One index state answering many NAMEs (a watch, the MCP server) finds the first by a pass
    # over the notes and the rest from dicts built once; a command finds its one NAME by the pass.
    root = write_vault(tmp_path / "v", {**FILES, "Notes/Acme notes.md": "x\n", "Zoë Ng.md": "Root note.\n"},
                       config=CONFIG)
    asked = ["garcia", "María García", "People/Maria Garcia", "acme corp", "ACME", "zoe", "Zoë Ng", "zoe ng.md",
             "walsh", "Alex", "alex kim", "call with naomi", "Acme notes", "notes/acme notes", "Dana Whitfield",
             "nayomi", "Mario Garces", "/", "people/", "Alexandr Petrova"]

    def answer(index: NoteIndex, name: str) -> str:
        try:
            return find_note(index, name)
        except VaultnetError as err:
            return f"{type(err).__name__}: {err}"

    with NoteIndex(Vault(root)) as index:
        index.sync()
        together = [answer(index, name) for name in asked] + [answer(index, name) for name in reversed(asked)]
    alone = []
    for name in asked + asked[::-1]:
        with NoteIndex(Vault(root)) as index:
            alone.append(answer(index, name))
    assert together == alone
    assert together[:8] == ["People/María García.md"] * 3 + ["Companies/Acme.md"] * 2 + [
        "People/Zoë Ng.md", "Zoë Ng.md", "Zoë Ng.md"]
    assert together[12:14] == ["Notes/Acme notes.md"] * 2
    assert together[14].startswith("NameNotFound: 'Dana Whitfield' has no note yet; mentioned in 2 notes")
    assert together[15:20] == ["People/Naomi Walsh.md", "NameNotFound: no note called 'Mario Garces'. Did you mean: "
                             "María García?", "NameNotFound: no note called '/'.", "NameNotFound: no note called "
                             "'people/'.", "People/Alexandra Petrova.md"]


@pytest.mark.parametrize("name", [",", "[[", "]]|", "  /  ", "#tag", "*", ".md", "/.md", "a" * 3000, "\u200b",
                                  "Dana, Whitfield", "People/", "//Dana//"])
def test_a_name_made_of_odd_characters_is_not_found_and_nothing_changes(run, name):
    # The pass, the link terms and the typo scoring take whatever is typed: a clear error, exit 1,
    # and no note touched (a NAME that cuts to nothing at commas or slashes matches no link).
    notes = {p: p.read_bytes() for p in run.root.rglob("*.md")}
    result = run("log", name, "x")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in run.root.rglob("*.md")} == notes


MENTIONS = {
    "People/Bo.md": "Met [[People/Kim Lée]] at a meetup.\n",
    "Meetings/2026-11-02 Lunch.md": "With [[Kim Lée.md|Kim]] and [[Kimberly Ortiz]].\n",
}


@pytest.mark.parametrize("state", ["no index yet", "indexed", "changed since"])
@pytest.mark.parametrize("name", ["Kim Lee", "kim lée", "LEE", "ortiz"])
def test_someone_linked_by_path_or_with_accents_is_found_as_mentioned(vault, state, name):
    # A link through a folder names the person as much as a bare one; first and last names and
    # accents as everywhere else. The same answer from the notes parsed for a first answer, from
    # the index, and from a change not yet written over it.
    files = dict(MENTIONS) if state != "changed since" else {"People/Bo.md": "Nobody yet.\n"}
    run = vault(files, config=CONFIG)
    if state != "no index yet":
        run.ok("index")
    if state == "changed since":
        write_vault(run.root, MENTIONS)
    result = run("show", name)
    assert result.exit_code == 1
    if name == "ortiz":
        assert result.stderr == ("Error: 'Kimberly Ortiz' has no note yet; mentioned in 1 note:\n"
                                 "  Meetings/2026-11-02 Lunch.md\n"
                                 'Make one with: vaultnet add "Kimberly Ortiz"\n')
    else:
        assert result.stderr == ("Error: 'Kim Lée' has no note yet; mentioned in 2 notes:\n"
                                 "  Meetings/2026-11-02 Lunch.md\n  People/Bo.md\n"
                                 'Make one with: vaultnet add "Kim Lée"\n')


def test_a_first_name_two_people_share_and_a_path_are_told_apart(vault):
    run = vault(MENTIONS, config=CONFIG)
    # "kim" is in two names linked (Kim Lée, Kimberly is another word): one; "Bo" is a note.
    assert "'Kim Lée' has no note yet" in run("show", "kim").stderr
    # A NAME with a / is a path: only the link through that folder is meant.
    by_path = run("show", "People/Kim Lee")
    assert by_path.exit_code == 1
    assert by_path.stderr.startswith("Error: 'People/Kim Lée' has no note yet; mentioned in 1 note:\n"
                                     "  People/Bo.md\n")
    elsewhere = run("show", "Notes/Kim Lee")
    assert elsewhere.exit_code == 1 and elsewhere.stderr == "Error: no note called 'Notes/Kim Lee'.\n"
    # A name two unlinked people share in part is nobody's in particular: no mention, no guess.
    shared = vault({**MENTIONS, "People/Bo.md": "[[Ann Lee]] and [[Kim Lee]]\n"}, config=CONFIG)
    assert shared("show", "lee").stderr == "Error: no note called 'lee'.\n"


def test_a_link_spelt_as_the_name_is_comes_before_one_spelt_otherwise(vault):
    # Found in Obsidian's own help vault: Swedish "Sök" and Norwegian "Søk" fold to one key; the
    # NAME as spelt finds its own links, and without the accent it finds both.
    run = vault({"sv/Taggar.md": "Se [[Sök]].\n", "no/Ordliste.md": "Se [[Søk]] og [[/no/Søk]].\n",
                 "README.md": "Run [[/scripts]].\n"}, config=CONFIG)
    assert run("show", "Sök").stderr.startswith("Error: 'Sök' has no note yet; mentioned in 1 note:\n  sv/Taggar.md\n")
    assert run("show", "søk").stderr.startswith("Error: 'Søk' has no note yet; mentioned in 1 note:\n"
                                                "  no/Ordliste.md\n")
    assert "mentioned in 2 notes:\n  no/Ordliste.md\n  sv/Taggar.md\n" in run("show", "sok").stderr
    # A leading / in a link is the vault's root, in a NAME too.
    assert run("show", "no/Søk").stderr.startswith("Error: 'no/Søk' has no note yet; mentioned in 1 note:\n"
                                                   "  no/Ordliste.md\n")
    for name in ("scripts", "/scripts"):
        assert run("show", name).stderr == ("Error: 'scripts' has no note yet; mentioned in 1 note:\n  README.md\n"
                                            'Make one with: vaultnet add "scripts"\n')


# ---------------------------------------------------------------------- the vault

def test_regression_vault_on_a_plain_folder_is_an_error_and_creates_nothing(tmp_path):
    plain = tmp_path / "notes"
    plain.mkdir()
    (plain / "a.md").write_text("x\n")
    for args, env in ((["--vault", str(plain), "due"], {}), (["due"], {"VAULTNET_VAULT": str(plain)})):
        done = run_subprocess(*args, env=env, cwd=tmp_path)
        assert done.returncode == 1
        assert "is not a vault (no .vaultnet/ or .obsidian/ in it); make it one with: vaultnet init" in done.stderr
        assert sorted(p.name for p in plain.iterdir()) == ["a.md"]
    assert run_subprocess("init", str(plain), cwd=tmp_path).returncode == 0
    assert run_subprocess("--vault", str(plain), "due", cwd=tmp_path).returncode == 0


def test_an_obsidian_vault_is_a_vault(tmp_path):
    root = tmp_path / "obs"
    (root / ".obsidian").mkdir(parents=True)
    (root / "People").mkdir()
    (root / "People" / "Bo.md").write_text("---\ncadence: 1w\n---\n")
    done = run_subprocess("--vault", str(root), "--today", TODAY, "due")
    assert done.returncode == 0 and "Bo" in done.stdout


def test_regression_inside_the_people_folder_commands_act_on_the_vault_above(tmp_path):
    root = write_vault(tmp_path / "v", FILES, config=CONFIG)
    people = root / "People"
    # An older vaultnet left an index-only .vaultnet/ here (`--vault .` in People).
    (people / ".vaultnet" / "index").mkdir(parents=True)
    done = run_subprocess("add", "Hana Sato", cwd=people)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "People/Hana Sato.md\n"
    assert (people / "Hana Sato.md").exists() and not (people / "People").exists()
    shown = run_subprocess("--today", TODAY, "show", "garcia", cwd=people)
    assert shown.returncode == 0 and shown.stdout.startswith("María García\n")


def test_add_never_makes_people_inside_people(tmp_path):
    root = write_vault(tmp_path / "v", {}, config=CONFIG)
    inner = write_vault(root / "People", {}, config=CONFIG)  # a real (nested) vault named People
    result = Run(inner)("add", "Hana Sato")
    assert result.exit_code == 1 and "looks like the People folder of the vault" in result.stderr
    assert list(inner.glob("**/*.md")) == []


# ---------------------------------------------------------------------- the command line

def test_global_options_may_follow_the_command(run):
    after = Run(run.root).runner.invoke(
        __import__("vaultnet.cli", fromlist=["cli"]).cli,
        ["due", "--within", "60", "--vault", str(run.root), "--today", "2026-12-25", "--json"])
    assert after.exit_code == 0, after.stderr
    assert [r["overdue_days"] for r in json.loads(after.stdout)] == [4]  # María, due 2026-12-21
    sub = run_subprocess("show", "garcia", "--vault", str(run.root), "--today=2026-12-25", "-q", "--json")
    assert sub.returncode == 0 and json.loads(sub.stdout)["next_due"] == "2026-12-21"


def test_regression_a_closed_pipe_exits_0_quietly(tmp_path):
    root = write_vault(tmp_path / "v", {f"People/P{i:04}.md": f"---\ncadence: 1w\n---\n{'word ' * 40}\n"
                                        for i in range(400)}, config=CONFIG)
    for args in (["due"], ["search", "word", "--limit", "400"], ["links"]):
        cmd = [sys.executable, "-m", "vaultnet", "--vault", str(root), "--today", TODAY, *args]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.readline()
        proc.stdout.close()  # `| head -1`
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert b"Error" not in err and b"Traceback" not in err and b"Exception" not in err


@pytest.mark.parametrize("args", [["search", ""], ["who", " "]])
def test_an_empty_query_is_a_usage_error(run, args):
    result = run(*args)
    assert result.exit_code == 2 and "must not be empty" in result.stderr


def test_one_day_one_problem_one_note(vault):
    run = vault({"People/Bo.md": "---\ncadence: 1w\ncadence_note: x\nlast_contact: 2026-02-30\n---\n"
                                 "- 2026-11-14 Call\n",
                 "Daily/2026-11-02.md": "[[Bo]]\n"}, config=CONFIG)
    table = run.ok("--today", TODAY, "due").stdout
    assert "1 day overdue" in table
    assert "in 1 day" in run.ok("--today", "2026-11-20", "due", "--within", "3").stdout
    assert "1 problem (" in run.ok("index", "--rebuild").stderr
    assert "  mentioned in 1 note\n" in run.ok("--today", TODAY, "show", "Bo").stdout
    doctor = run("doctor")
    assert doctor.exit_code == 1 and doctor.stderr.endswith("1 problem found\n")


def test_init_writes_a_commented_default_cadence(tmp_path):
    done = run_subprocess("init", str(tmp_path / "new"))
    assert done.returncode == 0
    config = (tmp_path / "new" / ".vaultnet" / "config.toml").read_text()
    assert '\n# default_cadence = "90d"\n' in config
    assert "\ndefault_cadence" not in config  # a suggestion, not a setting: nobody is due by default


# ---------------------------------------------------------------------- what the tables show

def test_search_shows_company_role_and_last_contact(run):
    lines = run.ok("--today", TODAY, "search", "company:acme", "--type", "person").stdout.splitlines()
    assert lines[0].split() == ["NAME", "KIND", "COMPANY", "ROLE", "LAST", "CONTACT", "SNIPPET"]
    assert ["María", "García", "person", "[[Acme]]", "CTO", "2026-11-21"] in [line.split()[:6] for line in lines]
    hits = {h["name"]: h for h in run.json("--today", TODAY, "search", "*")}
    assert hits["Naomi Walsh"]["last_contact"] == "2026-09-18"
    assert hits["Naomi Walsh"]["company"] == "Acme"
    assert "last_contact" not in hits["Acme"]


def test_who_shows_last_contact_and_only_people_with_evidence(run):
    rows = run.json("--today", TODAY, "who", "talked")
    assert rows and all(r["evidence"] for r in rows)
    assert {r["name"]: r["last_contact"] for r in rows}["Naomi Walsh"] == "2026-09-18"
    # Dana has no note: only people with notes are listed.
    assert "Naomi Walsh  (" in run.ok("--today", TODAY, "who", "talked").stdout


def test_the_card_of_an_organization_lists_its_people(run):
    card = run.json("--today", TODAY, "show", "Acme")
    assert card["people"] == [
        {"path": "People/María García.md", "name": "María García", "role": "CTO", "last_contact": "2026-11-21"},
        {"path": "People/Naomi Walsh.md", "name": "Naomi Walsh", "role": None, "last_contact": "2026-09-18"},
    ]
    assert "    María García, CTO  (last contact 2026-11-21)\n" in run.ok("--today", TODAY, "show", "Acme").stdout


def test_the_card_one_interaction_per_note_and_day_markers_planned_and_never_due(vault):
    run = vault({
        "People/Bo.md": ("---\nbirthday: 1990-03-08\nlocation: Utrecht\nlinkedin: https://x.example/bo\n"
                         "met: PyCon\nintroduced_by: \"[[Cy]]\"\nknows: [\"[[Cy]]\"]\nreference: the migration\n"
                         "pronouns: they\n---\n- 2026-11-01 Call #gave\n- 2026-12-24 Dinner planned\n"),
        "People/Cy.md": "",
        "Meetings/2026-10-05 Sync.md": "With [[Bo]].\n- 2026-10-05 [[Bo]] showed the demo\n",
    }, config=CONFIG)
    card = run.json("--today", TODAY, "show", "Bo")
    assert [(i["date"], i["source"], i["text"]) for i in card["interactions"]] == [
        ("2026-11-01", "People/Bo.md", "Call #gave"),
        ("2026-10-05", "Meetings/2026-10-05 Sync.md", "[[Bo]] showed the demo"),  # the log line, once
    ]
    assert [(i["date"], i["text"]) for i in card["planned"]] == [("2026-12-24", "Dinner planned")]
    assert card["tags"] == []
    assert (card["birthday"], card["location"], card["met"], card["introduced_by"], card["knows"],
            card["reference"]) == ("1990-03-08", "Utrecht", "PyCon", "[[Cy]]", ["[[Cy]]"], "the migration")
    assert card["fields"] == {"pronouns": "they"}
    text = run.ok("--today", TODAY, "show", "Bo").stdout
    assert "  cadence:    none: never due by cadence; set one with: vaultnet set Bo cadence 3m\n" in text
    # A birthday is a moment (SPEC §8): without cadence, follow-up or task, the next one is the due date.
    assert "  next due:   2027-03-08 (in 106 days, birthday)\n" in text
    assert "  next due:   never (no cadence, follow-up or open task)\n" in run.ok("--today", TODAY, "show", "Cy").stdout
    assert "  planned:\n    2026-12-24  Dinner planned\n" in text
    assert "  fields:\n    pronouns: they\n" in text


def test_show_all_lists_every_interaction(vault):
    run = vault({"People/Bo.md": "".join(f"- 2026-0{m}-0{d} Call\n" for m in range(1, 4) for d in range(1, 5))},
                config=CONFIG)
    assert "… 2 more (--all for every one)" in run.ok("--today", TODAY, "show", "Bo").stdout
    assert run.ok("--today", TODAY, "show", "Bo", "--all").stdout.count("  Call") == 12


def test_the_readme_documents_the_week_with_vaultnet():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## A week with vaultnet" in readme


def test_a_path_or_a_root_note_s_file_name_comes_before_any_name(vault):
    """A NAME that is a note's path (without .md) means that note first, whatever else is called
    so: at the vault's root the path is the file name, so `Ada` is the root note `Ada.md` and
    not the person named Ada; `People/Ada` is the person; a path in a folder needs its folder."""
    run = vault({
        "Ada.md": "A plain note at the root, named like her.\n",
        "People/Ada.md": "---\ncadence: 1w\n---\n",
        "People/Bea.md": "---\naliases: [Notes/Bea]\n---\n",
        "Notes/Bea.md": "About Bea.\n",
        "Ｆｕｌｌ／Ｗｉｄｔｈ.md": "A root note whose full-width name folds to a path.\n",
    }, config=CONFIG)
    assert path_of(run, "Ada") == "Ada.md"
    assert path_of(run, "ada") == "Ada.md"
    assert path_of(run, "People/Ada") == "People/Ada.md"
    assert path_of(run, "Notes/Bea") == "Notes/Bea.md"  # the path, before the person's alias
    assert path_of(run, "Bea") == "People/Bea.md"  # a person's file name, before the note's
    assert path_of(run, "full/width") == "Ｆｕｌｌ／Ｗｉｄｔｈ.md"
