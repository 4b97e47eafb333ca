"""Security (SPEC §4, §6, §7): nothing in a note runs, nothing is written outside the vault,
new files get the permissions the user's umask allows, and every name is escaped for the
format it lands in (the graph page, the calendar file, the report notes).

Each test runs the CLI against a small vault in `tmp_path/vault`, with a folder
`tmp_path/outside` beside it; `Outside` snapshots everything under tmp_path that is not
the vault, so a test can say "nothing out there changed" in one line.
"""

from __future__ import annotations

import contextlib
import html.parser
import json
import os
import stat
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import Run, write_vault
from vaultnet.notes.note import parse_note

CONFIG = 'people_dirs = ["People"]\n'
TODAY = "2026-11-22"
GOOD = {"People/Good Person.md": "---\nname: Good Person\n---\nLikes #sailing\n"}


class Outside:
    """Every path under tmp_path outside the vault, with its type, mode and content."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.vault = tmp_path / "vault"
        (tmp_path / "outside").mkdir(exist_ok=True)
        (tmp_path / "outside" / "keep.md").write_text("## Log\nuntouched\n")
        self.before = self.snapshot()

    def snapshot(self) -> dict[str, tuple]:
        out = {}
        for dirpath, dirnames, filenames in os.walk(self.tmp_path, followlinks=False):
            here = Path(dirpath)
            if here == self.tmp_path:
                dirnames[:] = [d for d in dirnames if d != "vault"]
            for name in dirnames + filenames:
                path = here / name
                st = os.lstat(path)
                content = path.read_bytes() if stat.S_ISREG(st.st_mode) else os.readlink(path) if stat.S_ISLNK(st.st_mode) else None
                out[str(path.relative_to(self.tmp_path))] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_mtime_ns, content)
        return out

    def assert_unchanged(self) -> None:
        after = self.snapshot()
        assert after == self.before, {
            "added": sorted(set(after) - set(self.before)),
            "removed": sorted(set(self.before) - set(after)),
            "changed": sorted(k for k in set(after) & set(self.before) if after[k] != self.before[k]),
        }


@pytest.fixture
def outside(tmp_path):
    return Outside(tmp_path)


def make_vault(tmp_path: Path, files: dict, config: str | None = CONFIG) -> Run:
    return Run(write_vault(tmp_path / "vault", files, config))


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if "vaultnet-tmp" in p.name]


# =========================================================================== YAML tags never run


def payloads(canary: Path) -> list[str]:
    touch = f"touch {canary}"
    return [
        f'x: !!python/object/apply:os.system ["{touch}"]',
        f'x: !!python/object/new:os.system ["{touch}"]',
        f'x: !!python/object/apply:subprocess.check_call [["touch", "{canary}"]]',
        "x: !!python/name:os.system",
        "x: !!python/module:os",
        f'x: !<tag:yaml.org,2002:python/object/apply:os.system> ["{touch}"]',
        f'knows: ["[[Good Person]]", !!python/object/apply:os.system ["{touch}"]]',
        f'? !!python/object/apply:os.system ["{touch}"]\n: value',
        f'x: &a !!python/object/apply:os.system ["{touch}"]\ny: *a',
        "x: !custom 1",
        "x: !!binary aGVsbG8=",
        "x: !!set {a, b}",
        "x: !!omap [a: 1]",
    ]


@pytest.mark.parametrize("index", range(len(payloads(Path("c")))))
def test_no_yaml_tag_is_ever_constructed(tmp_path, outside, index):
    canary = tmp_path / "outside" / "PWNED"
    payload = payloads(canary)[index]
    evil = f"---\nname: Evil Person\ntype: person\n{payload}\n---\nbody mentions zeppelin and [[Good Person]]\n"
    run = make_vault(tmp_path, {**GOOD, "People/Evil.md": evil})
    data = run.json("index")
    problems = {p["path"]: p for p in data["problems"]}
    assert "not allowed" in problems["People/Evil.md"]["message"], problems
    assert problems["People/Evil.md"]["line"] == 4
    # Read as plain text: searchable, its links count, its frontmatter (the name) ignored.
    assert [h["path"] for h in run.json("search", "zeppelin")] == ["People/Evil.md"]
    assert [b["source"] for b in run.json("backlinks", "Good Person")] == ["People/Evil.md"]
    assert run.json("show", "Evil")["name"] == "Evil"
    doctor = run("doctor")
    assert doctor.exit_code == 1 and "not allowed" in doctor.stdout + doctor.stderr
    for args in (("graph", "--format", "json"), ("due", "--within", "999"), ("ledger",), ("links",)):
        run.ok(*args)
    assert not canary.exists()
    outside.assert_unchanged()


def test_the_payloads_are_live(tmp_path):
    """The canary works: an unsafe YAML loader given the first payload does run `touch`."""
    import yaml

    canary = tmp_path / "outside" / "PWNED"
    canary.parent.mkdir()
    yaml.unsafe_load(payloads(canary)[0])
    assert canary.exists()


def test_alias_bomb_is_read_as_plain_text_and_show_json_stays_small(tmp_path):
    """SPEC §6: an alias bomb is reported and the note read as plain text; before, the
    frontmatter was kept and `show --json` tried to write out 8**8 values."""
    bomb = "---\ntype: person\na: &a [x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    bomb += "---\nbomb body [[Good Person]]\n"
    run = make_vault(tmp_path, {**GOOD, "People/Bomb.md": bomb})
    problems = {p["path"]: p for p in run.json("index")["problems"]}
    assert "too many values" in problems["People/Bomb.md"]["message"]
    shown = run.ok("show", "Bomb", "--json").stdout
    assert len(shown) < 10_000
    assert json.loads(shown)["path"] == "People/Bomb.md"


# =========================================================================== never outside the vault

NAMES = [
    "../../x",
    "..\\..\\x",
    "a/b/../../../c",
    "/tmp/abs",
    "C:\\Windows\\x",
    "x\x00y",
    "./.hidden",
    "~/x",
    "$HOME",
    "People/../../x",
    "x" * 5_000,
]


def created_notes(run: Run) -> list[Path]:
    return sorted(p for p in (run.root / "People").rglob("*") if p.is_file() or p.is_symlink())


@pytest.mark.parametrize("name", NAMES, ids=[repr(n[:20]) for n in NAMES])
def test_add_never_writes_outside_the_vault(tmp_path, outside, name):
    run = make_vault(tmp_path, {})
    result = run("add", name)
    assert result.exit_code == 0, result.stderr
    notes = created_notes(run)
    assert len(notes) == 1
    note = notes[0]
    assert note.parent == run.root / "People" and not note.name.startswith(".")
    assert Path(os.path.realpath(note)).parent == Path(os.path.realpath(run.root / "People"))
    assert len(note.name.encode("utf-8")) <= 255
    assert result.stdout.strip() == f"People/{note.name}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "vault"]
    assert temp_files(run.root) == []
    outside.assert_unchanged()


@pytest.mark.parametrize("name", [".", "..", "...", "/", "\\", "/../..", "//..//", "\x00", " . "])
def test_add_refuses_a_name_with_nothing_usable_in_it(tmp_path, outside, name):
    run = make_vault(tmp_path, {})
    result = run("add", name)
    assert result.exit_code in (1, 2) and "Error" in result.stderr
    assert not (run.root / "People").exists() or created_notes(run) == []
    outside.assert_unchanged()


LONG_NAMES = ["é" * 300, "日本" * 200, "🦆" * 150]


@pytest.mark.parametrize("name", LONG_NAMES, ids=["e-acute", "cjk", "emoji"])
def test_add_cuts_long_names_to_a_file_name_the_disk_takes(tmp_path, outside, name):
    run = make_vault(tmp_path, {})
    result = run("add", name)
    assert result.exit_code == 0, result.stderr
    (note,) = created_notes(run)
    assert len(note.name.encode("utf-8")) <= 255
    assert parse_note(note.read_bytes(), f"People/{note.name}").name == name
    outside.assert_unchanged()


@pytest.mark.parametrize("name", [*LONG_NAMES, "a" * 118 + "é" * 100], ids=["e-acute", "cjk", "emoji", "mixed"])
def test_long_names_never_write_outside_the_vault(tmp_path, outside, name):
    """Whatever `add` makes of a long name, success or a clean error, it stays in the vault."""
    run = make_vault(tmp_path, {})
    result = run("add", name)
    assert result.exit_code in (0, 1)
    if result.exit_code:
        assert result.stderr.startswith("Error:") and created_notes(run) == []
    assert temp_files(run.root) == []
    outside.assert_unchanged()


def test_add_into_a_people_folder_that_links_outside_is_refused(tmp_path, outside):
    run = make_vault(tmp_path, {})
    os.symlink(tmp_path / "outside", run.root / "People")
    result = run("add", "Mallory")
    assert result.exit_code == 1 and "outside the vault" in result.stderr
    outside.assert_unchanged()


def test_add_makes_no_folder_outside_through_a_symlinked_parent(tmp_path, outside):
    run = make_vault(tmp_path, {}, config='people_dirs = ["People/Sub"]\n')
    os.symlink(tmp_path / "outside", run.root / "People")
    result = run("add", "Mallory")
    assert result.exit_code == 1 and "outside the vault" in result.stderr
    outside.assert_unchanged()


def test_log_through_a_symlink_to_outside_is_refused(tmp_path, outside):
    """Symlinked notes are read (SPEC §1), but `log` never writes through one that leaves the vault,
    nor through a chain of links that ends outside."""
    run = make_vault(tmp_path, {})
    (run.root / "People").mkdir()
    os.symlink(tmp_path / "outside" / "keep.md", run.root / "People" / "Direct.md")
    os.symlink("Direct.md", run.root / "People" / "Chain.md")
    for name in ("Direct", "Chain"):
        result = run("--today", TODAY, "log", name, "x", "--json")
        assert result.exit_code == 1 and "outside the vault" in result.stderr, (name, result.stderr)
    assert temp_files(run.root) == [] and temp_files(tmp_path / "outside") == []
    outside.assert_unchanged()


def test_log_through_a_symlink_inside_the_vault_writes_the_target_and_keeps_the_link(tmp_path, outside):
    run = make_vault(tmp_path, {"Notes/Real.md": "---\ntype: person\n---\n"})
    (run.root / "People").mkdir()
    os.symlink("../Notes/Real.md", run.root / "People" / "Alias.md")
    run.ok("--today", TODAY, "log", "People/Alias", "hello")
    assert (run.root / "People" / "Alias.md").is_symlink()
    assert "- 2026-11-22 hello" in (run.root / "Notes" / "Real.md").read_text()
    outside.assert_unchanged()


def test_log_on_a_hard_link_to_outside_leaves_the_outside_file_alone(tmp_path, outside):
    run = make_vault(tmp_path, {})
    (run.root / "People").mkdir()
    os.link(tmp_path / "outside" / "keep.md", run.root / "People" / "Hard.md")
    outside.before = outside.snapshot()  # the link count changed; nothing else may
    run.ok("--today", TODAY, "log", "Hard", "hello")
    assert "hello" in (run.root / "People" / "Hard.md").read_text()
    after = outside.snapshot()
    assert after["outside/keep.md"][3] == b"## Log\nuntouched\n"


@pytest.mark.parametrize("report_dir", ["../out", "../../out", "a/../../out", "..", "./../out", "a/../.."])
def test_report_dir_pointing_outside_is_refused(tmp_path, outside, report_dir):
    run = make_vault(tmp_path, GOOD, config=CONFIG + f"report_dir = {json.dumps(report_dir)}\n")
    result = run("--today", TODAY, "report")
    assert result.exit_code == 1 and "report_dir" in result.stderr and "outside the vault" in result.stderr
    outside.assert_unchanged()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "vault"]


@pytest.mark.parametrize("report_dir", ["{outside}/out", "{outside}"])
def test_an_absolute_report_dir_never_writes_outside(tmp_path, outside, report_dir):
    run = make_vault(tmp_path, GOOD, config=CONFIG + f'report_dir = "{report_dir.format(outside=tmp_path / "outside")}"\n')
    run("--today", TODAY, "report")
    outside.assert_unchanged()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "vault"]


def test_an_absolute_report_dir_is_refused_with_a_message(tmp_path, outside):
    run = make_vault(tmp_path, GOOD, config=CONFIG + f'report_dir = "{tmp_path / "outside" / "out"}"\n')
    result = run("--today", TODAY, "report")
    assert result.exit_code == 1 and "report_dir" in result.stderr and "outside the vault" in result.stderr


def test_a_report_folder_that_links_outside_is_refused(tmp_path, outside):
    run = make_vault(tmp_path, GOOD)
    os.symlink(tmp_path / "outside", run.root / "vaultnet")
    result = run("--today", TODAY, "report")
    assert result.exit_code == 1 and "outside the vault" in result.stderr
    outside.assert_unchanged()


def test_no_report_folder_is_made_outside_through_a_symlinked_parent(tmp_path, outside):
    run = make_vault(tmp_path, GOOD, config=CONFIG + 'report_dir = "Lists/vaultnet"\n')
    os.symlink(tmp_path / "outside", run.root / "Lists")
    result = run("--today", TODAY, "report")
    assert result.exit_code == 1 and "outside the vault" in result.stderr
    outside.assert_unchanged()


def test_a_report_note_that_links_outside_is_replaced_not_written_through(tmp_path, outside):
    run = make_vault(tmp_path, GOOD)
    (run.root / "vaultnet").mkdir()
    os.symlink(tmp_path / "outside" / "keep.md", run.root / "vaultnet" / "Network.md")
    run.ok("--today", TODAY, "report")
    network = run.root / "vaultnet" / "Network.md"
    assert not network.is_symlink() and "# Network" in network.read_text()
    outside.assert_unchanged()


# =========================================================================== the umask


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask", [0o077, 0o022, 0o027])
def test_new_files_get_the_mode_the_umask_allows(tmp_path, mask):
    run = make_vault(tmp_path, {"People/Ada.md": "---\ncadence: 1d\n---\n- 2026-01-01 met\n"})
    with umask(mask):
        run.ok("--today", TODAY, "index")
        run.ok("--today", TODAY, "add", "Bob Lee")
        run.ok("--today", TODAY, "report")
        run.ok("--today", TODAY, "due", "--ics", str(tmp_path / "due.ics"))
        run.ok("--today", TODAY, "graph", "--format", "html", "-o", str(tmp_path / "graph.html"))
        Run(tmp_path / "fresh").ok("init", str(tmp_path / "fresh"))
    file_mode, dir_mode = 0o666 & ~mask, 0o777 & ~mask
    assert mode(run.root / "People" / "Bob Lee.md") == file_mode
    for name in ("Follow-ups.md", "Unresolved.md", "Ledger.md", "Network.md"):
        assert mode(run.root / "vaultnet" / name) == file_mode, name
    assert mode(run.root / "vaultnet") == dir_mode
    assert mode(tmp_path / "due.ics") == file_mode
    assert mode(tmp_path / "graph.html") == file_mode
    # The index, the lock files, init's config and .gitignore: nothing beyond what the umask allows.
    state = [*(run.root / ".vaultnet").rglob("*"), *(tmp_path / "fresh" / ".vaultnet").rglob("*"),
             tmp_path / "fresh" / ".vaultnet"]
    state.remove(run.root / ".vaultnet" / "config.toml")  # written by the test, not by vaultnet
    assert len(state) > 5
    for path in state:
        assert mode(path) & mask == 0, (path, oct(mode(path)))
    assert mode(tmp_path / "fresh" / ".vaultnet" / "config.toml") == file_mode


@pytest.mark.parametrize("mask", [0o077, 0o022])
@pytest.mark.parametrize("note_mode", [0o640, 0o604, 0o666, 0o600])
def test_log_keeps_an_existing_notes_mode(tmp_path, mask, note_mode):
    run = make_vault(tmp_path, {"People/Ada.md": "---\nname: Ada\n---\n"})
    os.chmod(run.root / "People" / "Ada.md", note_mode)
    with umask(mask):
        run.ok("--today", TODAY, "log", "Ada", "coffee")
    assert mode(run.root / "People" / "Ada.md") == note_mode
    assert "coffee" in (run.root / "People" / "Ada.md").read_text()


@pytest.mark.parametrize("mask", [0o077, 0o022])
def test_rewriting_reports_and_exports_keeps_the_files_mode(tmp_path, mask):
    run = make_vault(tmp_path, {"People/Ada.md": "---\ncadence: 1d\n---\n"})
    run.ok("--today", TODAY, "report")
    run.ok("--today", TODAY, "due", "--ics", str(tmp_path / "due.ics"))
    os.chmod(run.root / "vaultnet" / "Follow-ups.md", 0o640)
    os.chmod(tmp_path / "due.ics", 0o640)
    with umask(mask):
        run.ok("--today", "2026-11-25", "report")
        run.ok("--today", "2026-11-25", "due", "--ics", str(tmp_path / "due.ics"))
    assert "2026-11-25" in (tmp_path / "due.ics").read_text() or "20261125" in (tmp_path / "due.ics").read_text()
    assert mode(run.root / "vaultnet" / "Follow-ups.md") == 0o640
    assert mode(tmp_path / "due.ics") == 0o640


# =========================================================================== names escaped per format

# (file name, `name:` as YAML) -> the name vaultnet reads
ODD_PEOPLE = {
    "Script": ('"</script><script>alert(1)</script>"', "</script><script>alert(1)</script>"),
    "Quotes": ("'\"quotes\" & ''apostrophes'' <b>bold</b> <!-- c -->'", "\"quotes\" & 'apostrophes' <b>bold</b> <!-- c -->"),
    "Newline": ('"a\\nb"', "a\nb"),
    "Brackets": ("'x]]|#^[[y'", "x]]|#^[[y"),
    "Calendar": ('"Comma, semi; back\\\\slash\\nnext line"', "Comma, semi; back\\slash\nnext line"),
    "Code": ("'`tick` %%pct%% $x$ *star*'", "`tick` %%pct%% $x$ *star*"),
    "Unicode": ('"Zoë \\u2028 \\u202e evil \\U0001F986"', "Zoë \u2028 \u202e evil \U0001F986"),
    "Long": ('"' + "Ünïcödé " * 20 + '"', ("Ünïcödé " * 20).strip()),
    "Control": ('"bell\\a tab\\t end"', "bell\x07 tab\t end"),
    "Template": ('"__DATA__ __TITLE__"', "__DATA__ __TITLE__"),
}
# File names that break a `[[wikilink]]` if written into one as they are.
ODD_FILES = {"a]]b#c|d^e": "Plain Name", "[[x]]": "Another Name", "50% & <b>": "Third Name"}


def odd_vault(tmp_path: Path, folder: str = "vault") -> Run:
    files = {}
    for stem, (yaml_name, _) in ODD_PEOPLE.items():
        files[f"People/{stem}.md"] = f"---\nname: {yaml_name}\ncadence: 7d\nlast_contact: 2026-01-01\n---\nKnows [[Good Person]]\n"
    for stem, name in ODD_FILES.items():
        files[f"People/{stem}.md"] = f"---\nname: {name}\ncadence: 7d\n---\n- 2026-01-05 met #got\n"
    # A log line naming someone with a note: the names without one are people too (graph nodes).
    files["Meeting.md"] = ("---\ndate: 2026-01-02\n---\n- 2026-01-02 [x](%3C/script%3E%0Aevil%22.md) "
                           "[y](a%5D%5D%7Cb.md) [[Good Person]] [[Script]]\n")
    files.update(GOOD)
    return Run(write_vault(tmp_path / folder, files, CONFIG))


def expected_names() -> dict[str, str]:
    names = {f"People/{stem}.md": name for stem, (_, name) in ODD_PEOPLE.items()}
    names.update({f"People/{stem}.md": name for stem, name in ODD_FILES.items()})
    return names


def test_the_odd_names_read_as_written(tmp_path):
    run = odd_vault(tmp_path)
    for path, name in expected_names().items():
        assert run.json("show", path[:-3])["name"] == name, path


class ScriptsAndTitle(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.titles: list[str] = []
        self.elements: list[str] = []
        self._in: str | None = None
        self._attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        if tag in ("script", "title"):
            self._in, self._attrs = tag, dict(attrs)
            if tag == "script":
                self.scripts.append((self._attrs, ""))
            else:
                self.titles.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self._in == "title":
            self.titles[-1] += data


@pytest.mark.parametrize("folder", ["vault", "<script>alert(1)&amp;", "__DATA__ \"q\""])
def test_graph_html_keeps_every_name_as_data(tmp_path, folder):
    run = odd_vault(tmp_path, folder)
    page = run.ok("--today", TODAY, "graph", "--format", "html").stdout
    parsed = ScriptsAndTitle()
    parsed.feed(page)
    parsed.close()
    # Exactly the template's three scripts: the JSON data, the vendored library, the page's code.
    assert [a.get("id") for a, _ in parsed.scripts] == ["data", "graph-library", "graph-page"]
    assert parsed.elements.count("script") == 3
    data_attrs, data_text = parsed.scripts[0]
    assert data_attrs["type"] == "application/json"
    assert "</script" not in data_text.lower() and "<!--" not in data_text
    data = json.loads(data_text)
    assert data["vault"] == folder  # for obsidian:// links, as data
    names = {n["id"]: n["name"] for n in data["nodes"]}
    for path, name in expected_names().items():
        assert names[path] == name
    assert any(n.startswith("</script>\nevil") for n in names.values())  # an unresolved Markdown link target
    # The vault's folder name is the title, escaped; nothing else lands in it.
    assert parsed.titles == [f"{folder} — vaultnet"]
    assert f"<h1>{__import__('html').escape(folder)} — vaultnet</h1>" in page


def test_graph_json_dot_and_graphml_keep_every_name(tmp_path):
    import xml.etree.ElementTree as ET

    run = odd_vault(tmp_path)
    data = json.loads(run.ok("--today", TODAY, "graph", "--format", "json").stdout)
    names = {n["id"]: n["name"] for n in data["nodes"]}
    for path, name in expected_names().items():
        assert names[path] == name
    dot = run.ok("--today", TODAY, "graph", "--format", "dot").stdout
    lines = dot.rstrip("\n").split("\n")
    assert len(lines) == 3 + data_count(data)  # header, node style, nodes and edges, "}"
    assert all(line.startswith(("graph ", "  ", "}")) and line.count('"') % 2 == line.count('\\"') % 2
               for line in lines)
    assert not any(unicodedata.category(ch) == "Cc" for ch in dot.replace("\n", ""))
    graphml = run.ok("--today", TODAY, "graph", "--format", "graphml").stdout_bytes
    root = ET.fromstring(graphml)  # well-formed XML, control characters and all
    assert root.tag.endswith("graphml")


def data_count(data: dict) -> int:
    return len(data["nodes"]) + len(data["edges"])


def test_ics_summaries_read_back_as_the_names(tmp_path):
    from icalendar import Calendar

    run = odd_vault(tmp_path)
    out = tmp_path / "due.ics"
    run.ok("--today", TODAY, "due", "--ics", str(out))
    raw = out.read_bytes()
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    for line in lines:
        assert not any(b < 0x20 and b != 0x09 or b == 0x7F for b in line), line  # RFC 5545: no controls
        assert len(line) <= 75, line  # folded as RFC 5545 asks, in octets
        line.decode("utf-8")  # folding never splits a character
        assert line[:1] == b" " or b":" in line  # a property line or a continuation
    calendar = Calendar.from_ical(raw)
    summaries = {str(e["uid"]): str(e["summary"]) for e in calendar.walk("VEVENT")}
    descriptions = [str(e["description"]) for e in calendar.walk("VEVENT")]
    from vaultnet.interop.ics import person_uid

    for path, name in expected_names().items():
        # Control characters become spaces; tabs and line breaks are TEXT and stay.
        name = "".join(" " if unicodedata.category(c) == "Cc" and c not in "\t\n" else c for c in name)
        assert summaries[person_uid(path)] == f"Get in touch with {name}", path
    assert any(f"Note: {p}" in d for p in expected_names() for d in descriptions)


def _report_links(text: str) -> list[tuple[int, str]]:
    note = parse_note(text.encode("utf-8"), "vaultnet/Follow-ups.md")
    return [(link.line, link.target) for link in note.links]


def test_report_notes_link_every_person_on_one_line(tmp_path):
    """Each list item of a report is one line holding one link to the right note, whatever
    the name or file name holds (line breaks, `]]`, `|`, `#`, `%%`, control characters)."""
    run = odd_vault(tmp_path)
    run.ok("--today", TODAY, "report")
    follow = (run.root / "vaultnet" / "Follow-ups.md").read_text("utf-8")
    due = run.json("--today", TODAY, "due")
    assert {row["path"] for row in due} >= set(expected_names())
    items = [line for line in follow.split("\n") if line.startswith("- ")]
    item_links = [_report_links(line) for line in items]
    assert [len(links) for links in item_links] == [1] * len(due)
    assert [_target_path(links[0][1]) for links in item_links] == [row["path"] for row in due]
    for text in follow.split("\n"):
        assert not any(unicodedata.category(ch) == "Cc" for ch in text) and "\u2028" not in text
        assert "%%" not in text  # would open an Obsidian comment that hides the rest of the note
    ledger = (run.root / "vaultnet" / "Ledger.md").read_text("utf-8")
    ledger_items = [_report_links(line) for line in ledger.split("\n") if line.startswith("- ")]
    assert sorted(_target_path(links[0][1]) for links in ledger_items) == sorted(f"People/{s}.md" for s in ODD_FILES)
    unresolved = (run.root / "vaultnet" / "Unresolved.md").read_text("utf-8")
    unresolved_items = [_report_links(line) for line in unresolved.split("\n") if line.startswith("- ")]
    # Each: the missing note, then the note that mentions it.
    assert sorted(links[0][1] for links in unresolved_items) == sorted(["</script>\nevil\".md", "a]]|b.md"])
    assert all([_target_path(t) for _, t in links[1:]] == ["Meeting.md"] for links in unresolved_items)


def _target_path(target: str) -> str:
    return target if target.endswith(".md") else target + ".md"
