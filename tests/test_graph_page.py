"""The graph page (SPEC §11) in a real headless Chromium: it draws, clicks open cards, focuses,
filters, zooms, pans and drags, links to Obsidian, loads nothing, and keeps names as text."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from .browser import Browser, chromium
from .conftest import REPO, Run, write_vault
from .test_security import TODAY, expected_names, odd_vault

needs_chromium = pytest.mark.skipif(not chromium() and not os.environ.get("CI"),
                                    reason="chromium is not installed (make test installs it)")
VENDOR = REPO / "vaultnet" / "interop" / "vendor"

FOLDER = "My vault (work) & co"  # the vault's folder name is the Obsidian vault's name


def page_of(run: Run, path: Path) -> tuple[Path, dict]:
    run.ok("--today", TODAY, "graph", "--format", "html", "-o", str(path))
    data = json.loads(run.ok("--today", TODAY, "graph", "--format", "json").stdout)
    return path, data


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The example vault's page, its graph JSON, and one browser for the module's tests."""
    assert chromium(), "CI must have chromium (.ci/run installs it)"
    base = tmp_path_factory.mktemp("graph-page")
    root = base / FOLDER
    shutil.copytree(REPO / "example-vault", root, ignore=shutil.ignore_patterns("index", "index.lock"))
    page, data = page_of(Run(root), base / "network.html")
    with Browser() as browser:
        yield page, data, browser


def load(example) -> tuple[Browser, dict]:
    page, data, browser = example
    browser.events.clear()
    browser.open(page.as_uri())
    return browser, data


def neighbours(data: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {n["id"]: set() for n in data["nodes"]}
    for e in data["edges"]:
        out[e["source"]].add(e["target"])
        out[e["target"]].add(e["source"])
    return out


def within(data: dict, start: str, hops: int) -> set[str]:
    around, seen, edge = neighbours(data), {start}, {start}
    for _ in range(hops):
        edge = {b for a in edge for b in around[a]} - seen
        seen |= edge
    return seen


def filtered(data: dict, keep_person) -> set[str]:
    """A filter shows the people it keeps and the organizations linked to any of them."""
    around = neighbours(data)
    people = {n["id"] for n in data["nodes"] if n["kind"] == "person" and keep_person(n)}
    orgs = {n["id"] for n in data["nodes"] if n["kind"] == "org" and around[n["id"]] & people}
    return people | orgs


def shown(browser: Browser) -> set[str]:
    return set(browser.eval("window.vaultnetGraph.shown()"))


def choose(browser: Browser, select_id: str, value: str) -> None:
    """Pick an option of a <select> as a person would: the value changes, then `change` fires."""
    browser.eval(f"(() => {{ const s = document.getElementById({json.dumps(select_id)}); "
                 f"s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()")


def click_button(browser: Browser, text: str) -> None:
    box = browser.eval(f"""(() => {{
        const b = [...document.querySelectorAll('button')].find((b) => b.textContent === {json.dumps(text)});
        const r = b.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
    browser.click(*box)


def click_node(browser: Browser, node_id: str) -> None:
    at = browser.eval(f"window.vaultnetGraph.position({json.dumps(node_id)})")
    browser.click(at["x"], at["y"])


# ---------------------------------------------------------------------- drawing


@needs_chromium
def test_the_example_vault_draws_every_node_offline_without_errors(example):
    page, data, _ = example
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    browser = example[2]
    browser.events.clear()
    browser.send("Network.enable")
    try:
        browser.open(page.as_uri())
    finally:
        browser.send("Network.disable")
    requested = {e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"}
    assert requested == {page.as_uri()}  # the library is inlined: nothing else is fetched
    assert browser.eval("document.querySelectorAll('#graph canvas').length") >= 1
    assert browser.eval("document.body.dataset.nodes") == str(len(data["nodes"])) == "72"
    assert shown(browser) == {n["id"] for n in data["nodes"]}
    assert browser.eval("document.body.dataset.errors") is None
    status = browser.eval("document.getElementById('status').textContent")
    assert status == f"72 people and organizations, {len(data['edges'])} ties"


@needs_chromium
def test_labels_for_the_well_connected_the_rest_on_zoom(example):
    browser, data = load(example)
    around = neighbours(data)
    labelled = set(browser.eval("window.vaultnetGraph.labelled()"))
    best = max(around, key=lambda n: (len(around[n]), n))
    assert best in labelled and 8 <= len(labelled) < len(data["nodes"])
    # Nobody left without a label has more ties than someone labelled.
    assert max(len(around[n]) for n in set(around) - labelled) <= min(len(around[n]) for n in labelled)
    browser.eval("(() => { const cy = window.vaultnetGraph.cy; cy.zoom(cy.zoom() * 4.5); })()")
    assert set(browser.eval("window.vaultnetGraph.labelled()")) == set(around)


@needs_chromium
def test_the_legend_tells_organizations_and_people_without_a_note_apart(example):
    browser, data = load(example)
    legend = browser.eval("[...document.querySelectorAll('.legend span')].map((s) => s.textContent)")
    assert {"organization", "person without a note", "organization without a note"} <= set(legend)
    kinds = {(n["kind"], n["has_note"]) for n in data["nodes"]}
    assert kinds == {("person", True), ("person", False), ("org", True), ("org", False)}
    drawn = browser.eval("""(() => { const out = {}; for (const n of window.vaultnetGraph.cy.nodes()) {
        out[n.id()] = [n.style('shape'), n.style('border-style'), n.style('background-color')]; } return out; })()""")
    for n in data["nodes"]:
        shape, border, _fill = drawn[n["id"]]
        assert shape == ("round-rectangle" if n["kind"] == "org" else "ellipse"), n["id"]
        assert (border == "dashed") == (not n["has_note"]), n["id"]


# ---------------------------------------------------------------------- the card


@needs_chromium
def test_a_click_shows_the_card_and_opens_the_note_in_obsidian(example):
    browser, data = load(example)
    ada = next(n for n in data["nodes"] if n["name"] == "Ada Lovelace")
    assert browser.eval("document.getElementById('card').hidden") is True
    click_node(browser, ada["id"])
    browser.wait("!document.getElementById('card').hidden")
    card = browser.eval("""(() => { const c = document.getElementById('card');
        const dl = [...c.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]);
        return {id: c.dataset.id, name: c.querySelector('h2').textContent, rows: Object.fromEntries(dl),
                href: c.querySelector('a.open').getAttribute('href')}; })()""")
    assert card["id"] == ada["id"] and card["name"] == "Ada Lovelace"
    assert ada["company"] and ada["last_contact"] and ada["next_due"]
    rows = card["rows"]
    assert rows["Company"] == ada["company"]
    assert rows["Last contact"] == ada["last_contact"]
    assert rows["Next due"].startswith(ada["next_due"])
    assert rows["Ledger"] == f"gave {ada['gave']} · got {ada['got']}"
    assert rows["Ties"] == str(len(neighbours(data)[ada["id"]]))
    # The link Obsidian opens: vault by name, file by path, both URL-encoded.
    uri_component = {"safe": "!'()*"}  # what JavaScript's encodeURIComponent leaves as it is
    assert card["href"] == (f"obsidian://open?vault={quote(FOLDER, **uri_component)}"
                            f"&file={quote(ada['id'], **uri_component)}")
    parts = urlsplit(card["href"])
    assert (parts.scheme, parts.netloc) == ("obsidian", "open")
    assert parse_qs(parts.query) == {"vault": [FOLDER], "file": ["People/Ada Lovelace.md"]}


@needs_chromium
def test_a_person_without_a_note_has_no_obsidian_link(example):
    browser, data = load(example)
    ghost = next(n for n in data["nodes"] if n["kind"] == "person" and not n["has_note"])
    browser.eval(f"window.vaultnetGraph.select({json.dumps(ghost['id'])})")
    assert browser.eval("document.querySelector('#card .kind').textContent") == "person without a note"
    assert browser.eval("document.querySelector('#card a.open')") is None


# ---------------------------------------------------------------------- focus and filters


@needs_chromium
def test_focus_on_one_persons_neighbourhood_one_and_two_hops(example):
    browser, data = load(example)
    ada = next(n["id"] for n in data["nodes"] if n["name"] == "Ada Lovelace")
    click_node(browser, ada)
    browser.wait("!document.getElementById('card').hidden")
    click_button(browser, "Neighbours")
    one = within(data, ada, 1)
    assert shown(browser) == one and 1 < len(one) < len(data["nodes"])
    assert browser.eval("document.body.dataset.shown") == str(len(one))
    click_button(browser, "2 hops")
    two = within(data, ada, 2)
    assert shown(browser) == two and one < two
    click_button(browser, "Show everyone")
    assert len(shown(browser)) == len(data["nodes"])


@needs_chromium
def test_filters_by_tag_company_and_due_state(example):
    browser, data = load(example)
    everyone = len(data["nodes"])
    choose(browser, "tag", "mentor")
    mentors = filtered(data, lambda n: "mentor" in n["tags"])
    assert shown(browser) == mentors and 1 < len(mentors) < everyone

    choose(browser, "tag", "")
    acme = next(n["id"] for n in data["nodes"] if n["name"] == "Acme Corp")
    at_acme = {e["source"] if e["target"] == acme else e["target"]
               for e in data["edges"] if e["at_org"] and acme in (e["source"], e["target"])}
    choose(browser, "company", acme)
    expected = filtered(data, lambda n: n["id"] in at_acme)
    assert shown(browser) == expected and acme in expected and len(at_acme) >= 3

    choose(browser, "company", "")
    choose(browser, "due", "now")
    overdue = filtered(data, lambda n: n["has_note"] and n["overdue_days"] is not None and n["overdue_days"] >= 0)
    assert shown(browser) == overdue and len(overdue) > 1
    # Filters combine.
    choose(browser, "tag", "mentor")
    both = filtered(data, lambda n: "mentor" in n["tags"] and n["has_note"]
                    and n["overdue_days"] is not None and n["overdue_days"] >= 0)
    assert shown(browser) == both and both < overdue
    click_button(browser, "Show everyone")
    assert len(shown(browser)) == everyone


# ---------------------------------------------------------------------- zoom, pan, drag


@needs_chromium
def test_zoom_pan_and_drag(example):
    browser, data = load(example)
    cam = "(() => { const c = window.vaultnetGraph.cy; return [c.zoom(), c.pan().x, c.pan().y]; })()"
    zoom, x, y = browser.eval(cam)
    browser.wheel(640, 450, -300)
    browser.wait(f"window.vaultnetGraph.cy.zoom() > {zoom}")
    zoom, x, y = browser.eval(cam)
    browser.drag((5, 200), (205, 300))  # the background: the view moves
    z2, x2, y2 = browser.eval(cam)
    assert z2 == zoom and abs(x2 - x - 200) < 2 and abs(y2 - y - 100) < 2
    ada = next(n["id"] for n in data["nodes"] if n["name"] == "Ada Lovelace")
    before = browser.eval(f"window.vaultnetGraph.nodePosition({json.dumps(ada)})")
    at = browser.eval(f"window.vaultnetGraph.position({json.dumps(ada)})")
    browser.drag((at["x"], at["y"]), (at["x"] + 60, at["y"] + 40))
    after = browser.eval(f"window.vaultnetGraph.nodePosition({json.dumps(ada)})")
    assert abs((after["x"] - before["x"]) * z2 - 60) < 2 and abs((after["y"] - before["y"]) * z2 - 40) < 2
    assert browser.eval(cam)[1:] == [x2, y2]  # dragging a node does not move the view


# ---------------------------------------------------------------------- names are text


@needs_chromium
def test_hostile_names_are_drawn_and_shown_as_text(tmp_path):
    folder = '__DATA__ <script>alert(1)<\\script> & "q" \u2028'
    page, data = page_of(odd_vault(tmp_path, folder), tmp_path / "odd.html")
    with Browser() as browser:
        browser.open(page.as_uri())
        assert browser.eval("document.querySelectorAll('script').length") == 3
        assert browser.eval("document.querySelectorAll('b').length") == 0  # "<b>bold</b>" stayed text
        assert browser.eval("document.title") == f"{folder} — vaultnet"
        for path, name in expected_names().items():
            browser.eval(f"window.vaultnetGraph.select({json.dumps(path)})")
            assert browser.eval("document.querySelector('#card h2').textContent") == name, path
            href = browser.eval("document.querySelector('#card a.open').getAttribute('href')")
            assert parse_qs(urlsplit(href).query) == {"vault": [folder], "file": [path]}
        names = browser.eval("window.vaultnetGraph.cy.nodes().map((n) => n.data('name'))")
        assert sorted(names) == sorted(n["name"] for n in data["nodes"])
        assert browser.eval("document.body.dataset.errors") is None
        assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]  # no alert(1)


# ---------------------------------------------------------------------- a big vault


def generated_vault(root: Path, people: int, seed: int = 17) -> Path:
    """People at 60 companies with tags and cadences, each logging meetings with a few others."""
    rng = random.Random(seed)
    names = [f"Person {i:04d}" for i in range(people)]
    files: dict[str, str] = {}
    for i, name in enumerate(names):
        others = rng.sample(names, 3)
        log = "\n".join(f"- 2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d} Met [[{o}]]" for o in others)
        files[f"People/{name}.md"] = (f"---\ncompany: \"[[Company {i % 60}]]\"\ntags: [t{i % 7}]\n"
                                      f"cadence: {rng.choice(['2w', '1m', '3m'])}\n---\n{log}\n")
    for k in range(60):
        files[f"Companies/Company {k}.md"] = "A company.\n"
    return write_vault(root, files, config='people_dirs = ["People"]\norg_dirs = ["Companies"]\n')


@needs_chromium
def test_a_generated_2500_person_vault_renders(tmp_path):
    page, data = page_of(Run(generated_vault(tmp_path / "big", 2500)), tmp_path / "big.html")
    assert len(data["nodes"]) == 2560 and len(data["edges"]) > 7000
    with Browser() as browser:
        browser.timeout = 300
        browser.open(page.as_uri())
        assert browser.eval("document.body.dataset.nodes") == "2560"
        assert len(shown(browser)) == 2560
        assert browser.eval("document.querySelectorAll('#graph canvas').length") >= 1
        assert 8 <= len(browser.eval("window.vaultnetGraph.labelled()")) <= 40
        assert browser.eval("document.body.dataset.errors") is None


# ---------------------------------------------------------------------- the vendored library


def test_the_vendored_library_can_be_inlined_and_carries_its_licences():
    library = (VENDOR / "graph-library.js").read_text(encoding="utf-8")
    licences = (VENDOR / "LICENSES.txt").read_text(encoding="utf-8")
    for bad in ("</script", "<script", "<!--"):
        assert bad not in library.lower(), bad  # each would end or confuse the inline <script>
    assert "http://" not in library and "https://" not in library
    assert library.startswith("/*!\n" + licences + "*/\n")
    for package in ("cytoscape 3.35.0 (MIT)", "graphology 0.26.0 (MIT)", "graphology-layout-forceatlas2 0.10.1 (MIT)"):
        assert package in licences
    assert licences.count("Permission is hereby granted, free of charge") == 5
    pinned = json.loads((VENDOR / "package.json").read_text())["devDependencies"]
    readme = (VENDOR / "README.md").read_text()
    for name, version in pinned.items():
        if name != "esbuild":
            assert f"| {name} | {version} |" in readme and f"{name} {version} (MIT)" in licences


def test_the_page_and_its_library_ship_as_package_data(tmp_path):
    """What setuptools copies into a build: the page's template, the library and its licences."""
    src = tmp_path / "src"
    shutil.copytree(REPO / "vaultnet", src / "vaultnet", ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    result = subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py",
                             "--build-lib", str(tmp_path / "out")], cwd=src, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    built = tmp_path / "out" / "vaultnet" / "interop"
    for name in ("graph_page.html", "vendor/graph-library.js", "vendor/LICENSES.txt"):
        assert (built / name).read_bytes() == (REPO / "vaultnet" / "interop" / name).read_bytes(), name
    assert not (built / "vendor" / "node_modules").exists()
