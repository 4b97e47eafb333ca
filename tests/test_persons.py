"""The summed per-person state on disk (index/persons.py): after any change, what a sync added and
took away equals a fold of every note, and equals what a rebuilt index holds."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from vaultnet.index import NoteIndex
from vaultnet.index import persons as persons_file
from vaultnet.vault.folder import Vault

from .conftest import Run, write_vault

TODAY = "2026-11-22"
FILES = {
    "People/Ada Lovelace.md": "---\naliases: [Ada]\ncadence: 30d\nbirthday: 1990-11-25\n---\n"
                              "- 2026-10-01 Coffee with [[Bob Lee]] #gave\n- [ ] Send the paper 📅 2026-11-30\n",
    "People/Bob Lee.md": "---\ncompany: \"[[Acme]]\"\nreference: the migration\n---\nKnows [[Ada]]\n"
                         "- 2026-11-10 New job at Initech #news\n",
    "People/Cy Young.md": "---\ntags: [mentor]\n---\n- 2026-09-09 [[Ada]] liked the talk #noticed\n",
    "Companies/Acme.md": "---\ntype: org\n---\nWhere [[Bob Lee]] works\n",
    "Meetings/2026-11-01 Sync.md": "With [[Ada Lovelace]], [[Bob Lee]] and [[Dana]]\n",
    "Daily/2026-11-05.md": "- 2026-11-05 Lunch with [[Cy Young]] #got\n- [x] Called [[Ada]] ✅ 2026-11-06\n",
}


def _state(root: Path) -> tuple:
    with NoteIndex(Vault(root)) as index:
        folded, fields = index.persons()
        contrib = index.contributions()
        return folded, fields, persons_file.fold_all(contrib[0])


def _rebuilt(root: Path, tmp: Path) -> tuple:
    fresh = tmp / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=lambda d, names: ["index"] if d.endswith(".vaultnet") else [])
    with NoteIndex(Vault(fresh)) as index:
        index.sync(rebuild=True)
    return _state(fresh)


def _touch(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists()
    path.write_text(text)
    if existed:  # a second write in the same clock tick must still look changed
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


CHANGES = [
    ("a new meeting moves everyone's last contact",
     lambda r: _touch(r / "Meetings/2026-11-20 Plan.md", "Planning with [[Ada]] and [[Cy Young]]\n")),
    ("a log line removed", lambda r: _touch(r / "Daily/2026-11-05.md", "- [x] Called [[Ada]] ✅ 2026-11-06\n")),
    ("a person deleted", lambda r: (r / "People/Bob Lee.md").unlink()),
    ("an alias moves to another person",
     lambda r: (_touch(r / "People/Ada Lovelace.md", "---\ncadence: 30d\n---\nNo alias now\n"),
                _touch(r / "People/Adam Smith.md", "---\naliases: [Ada]\n---\n- 2026-11-11 Call\n"))),
    ("the unresolved Dana gets a note", lambda r: _touch(r / "People/Dana.md", "- 2026-11-12 Tea #gave\n")),
    ("a person becomes a plain note", lambda r: (r / "People/Cy Young.md").rename(r / "Cy Young.md")),
]


@pytest.mark.parametrize("what,change", CHANGES, ids=[c[0] for c in CHANGES])
def test_summed_state_after_one_change_equals_a_fold_and_a_rebuild(tmp_path, what, change):
    root = write_vault(tmp_path / "live", FILES)
    Run(root).ok("--today", TODAY, "due")
    change(root)
    Run(root).ok("--today", TODAY, "due")  # the incremental sync
    folded, fields, from_scratch = _state(root)
    assert folded == from_scratch, what
    assert (folded, fields) == _rebuilt(root, tmp_path)[:2], what


def test_summed_state_after_many_random_edits_equals_a_rebuild(tmp_path):
    rng = random.Random(16)
    names = ["Ada Lovelace", "Bob Lee", "Cy Young", "Dana", "Eve"]
    root = write_vault(tmp_path / "live", FILES)
    Run(root).ok("index")
    for step in range(12):
        who, other = rng.sample(names, 2)
        kind = rng.choice(["log", "meeting", "delete", "task"])
        if kind == "log":
            path = root / f"People/{who}.md"
            old = path.read_text() if path.exists() else ""
            mark = rng.choice(["", " #gave", " #got", " #news", " #noticed"])
            _touch(path, old + f"- 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} with [[{other}]]{mark}\n")
        elif kind == "meeting":
            _touch(root / f"Meetings/2026-{rng.randint(1, 12):02d}-01 M{step}.md", f"[[{who}]] and [[{other}]]\n")
        elif kind == "task":
            _touch(root / f"Daily/2026-10-{step + 1:02d}.md", f"- [ ] Ask [[{who}]] 📅 2026-12-{step + 1:02d}\n")
        else:
            victims = sorted((root / "Meetings").glob("*.md"))
            if victims:
                rng.choice(victims).unlink()
        Run(root).ok("index")
        folded, fields, from_scratch = _state(root)
        assert folded == from_scratch, f"step {step}: {kind}"
    assert (folded, fields) == _rebuilt(root, tmp_path)[:2]


def test_a_lost_or_stale_summed_state_is_folded_again_and_answers_the_same(tmp_path):
    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    due = run.json("--today", TODAY, "due", "--within", "60")
    ledger = run.json("--today", TODAY, "ledger")
    state = root / ".vaultnet/index/persons"
    state.unlink()
    assert run.json("--today", TODAY, "due", "--within", "60") == due
    state.write_bytes(b"\x00not marshal")
    result = run.ok("--today", TODAY, "ledger", "--json")
    assert result.stderr == ""  # nothing to say: the sums are folded again from the contributions
    assert result.stdout and run.json("--today", TODAY, "ledger") == ledger


def test_refold_refuses_a_sum_that_lacks_what_it_takes_away():
    # As vault/contributions.py stores them: a day of contact, a #gave, a link, a #news line.
    a = {"People/Ada.md": [(738000,), 1, 0, (), True, ((738000, 3, "New job #news"),), ()]}
    b = {"People/Ada.md": [(738001,), 0, 0, (), True, (), ()]}
    folded = persons_file.fold_all({"Daily/a.md": a})
    assert folded == {"People/Ada.md": ((738000,), 1, 0, (), 1, ((738000, "Daily/a.md", 3, "New job #news"),), ())}
    assert persons_file.refold(folded, {"Daily/a.md": a}, {"Daily/a.md": b}, ["Daily/a.md"]) == \
        {"People/Ada.md": ((738001,), 0, 0, (), 1, (), ())}
    assert persons_file.refold(folded, {"Daily/a.md": a}, {}, ["Daily/a.md"]) == {}
    with pytest.raises(ValueError):  # b's day was never added
        persons_file.refold(folded, {"Daily/b.md": b}, {}, ["Daily/b.md"])


@pytest.mark.parametrize("table", ["people", "persons"])
def test_a_lost_or_foreign_shard_is_folded_again_and_the_next_change_heals_it(tmp_path, table):
    root = write_vault(tmp_path / "live", FILES)
    run = Run(root)
    due = run.json("--today", TODAY, "due", "--within", "60")
    folder = root / ".vaultnet/index"
    (folder / f"{table}.5").unlink()
    (folder / f"{table}.6").write_bytes((folder / f"{table}.7").read_bytes())  # another shard's stamp and keys
    result = run.ok("--today", TODAY, "due", "--within", "60", "--json")
    assert result.stderr == "" and run.json("--today", TODAY, "due", "--within", "60") == due
    _touch(root / "Daily/2026-11-21.md", "- 2026-11-21 Call with [[Cy Young]]\n")
    run.ok("index")
    assert (folder / f"{table}.5").exists()  # written again whole: the set on disk was not that commit's
    folded, fields, from_scratch = _state(root)
    assert folded == from_scratch
    assert (folded, fields) == _rebuilt(root, tmp_path)[:2]


def test_shards_written_for_a_commit_whose_head_never_was_are_not_trusted(tmp_path):
    """A sync killed between the shards and the head (test_crash.py kills at every write; this is one)."""
    from vaultnet.index import shards

    head = tmp_path / "people"
    shards.write(head, 1, {"contrib": {"a.md": 1, "b.md": 2}}, None)
    assert shards.load(head, 1, ("contrib",)) == {"contrib": {"a.md": 1, "b.md": 2}}
    k = shards.shard_of("a.md")
    good = head.read_bytes()
    shards.write(head, 2, {"contrib": {"a.md": 10, "b.md": 2}}, {"a.md"}, base=1)
    assert shards.load(head, 2, ("contrib",)) == {"contrib": {"a.md": 10, "b.md": 2}}
    head.write_bytes(good)  # as if killed before the head was renamed into place
    assert shards.load(head, 1, ("contrib",)) is None  # shard k is commit 2's now
    assert shards.load(head, 2, ("contrib",)) is None
    assert not shards.intact(head, 1)
    # Amending that set from commit 1 would keep shard k, which the head does not list: whole
    # tables are written whole instead; tables that hold only some shards cannot be written.
    with pytest.raises(RuntimeError):
        shards.write(head, 3, {"contrib": {"b.md": 3}}, {"b.md"}, base=1, partial=True)
    shards.write(head, 3, {"contrib": {"a.md": 10, "b.md": 3}}, {"b.md"}, base=1)
    assert shards.intact(head, 3)
    assert shards.load(head, 3, ("contrib",)) == {"contrib": {"a.md": 10, "b.md": 3}}
    (head.parent / f"people.{k}").unlink()
    assert not shards.intact(head, 3) and shards.load(head, 3, ("contrib",)) is None


def test_a_card_reads_its_persons_shard_alone_and_answers_as_with_all(tmp_path):
    from vaultnet.network import queries

    root = write_vault(tmp_path / "v", FILES)
    run = Run(root)
    card = run.json("--today", TODAY, "show", "Ada Lovelace")
    for k in range(64):  # every shard but Ada's gone: the card still reads hers
        path = root / f".vaultnet/index/persons.{k}"
        from vaultnet.index.shards import shard_of
        if k != shard_of("People/Ada Lovelace.md"):
            path.unlink()
    with NoteIndex(Vault(root)) as index:
        folded, _fields = index.persons_of(["People/Ada Lovelace.md"])
        assert "People/Ada Lovelace.md" in folded
        import datetime as dt
        net = queries.network(index, dt.date(2026, 11, 22), only=["People/Ada Lovelace.md"])
        assert net.people["People/Ada Lovelace.md"].last_contact.isoformat() == card["last_contact"]
    assert run.json("--today", TODAY, "--no-sync", "show", "Ada Lovelace") == card


def test_the_ledger_from_the_sums_alone_equals_the_networks(tmp_path):
    """`ledger` reads the per-person sums without building everyone's Network: the same rows,
    the user's own note left out as the Network leaves it out."""
    import datetime as dt

    from vaultnet.network import queries

    for config, names in (("", ["Cy Young", "Ada Lovelace"]), ('me = "Cy Young"\n', ["Ada Lovelace"])):
        root = write_vault(tmp_path / f"v{len(config)}", {**FILES, ".vaultnet/config.toml": config})
        with NoteIndex(Vault(root)) as index:
            index.sync()
            rows = queries.ledger(index)
            assert rows == queries.network(index, dt.date(2026, 11, 22)).ledger()
        assert [r["name"] for r in rows] == names  # Cy got 1, Ada gave 1; Cy is "me" in the second
        assert Run(root).json("--today", TODAY, "ledger") == rows


def test_news_and_references_from_their_people_alone_equal_the_whole_networks(tmp_path):
    """`news` and `references` build the Network of the people with #news, #noticed or a
    `reference` only: the same rows as from everyone's, with the user's own note left out."""
    import datetime as dt

    from vaultnet.network import moments, queries

    day = dt.date(2026, 11, 22)
    for config in ("", 'me = "Bob Lee"\n'):
        root = write_vault(tmp_path / f"v{len(config)}", {**FILES, ".vaultnet/config.toml": config})
        with NoteIndex(Vault(root)) as index:
            index.sync()
            whole = queries.network(index, day)
            some = queries.people_with(index, news=True)
            assert some == ["People/Bob Lee.md"]
            news = moments.news(index, queries.network(index, day, only=some), dt.date(2026, 1, 1))
            assert news == moments.news(index, whole, dt.date(2026, 1, 1))
            pool = queries.people_with(index, noticed=True, reference=True)
            assert sorted(pool) == ["People/Bob Lee.md", "People/Cy Young.md"]
            references = moments.references(index, queries.network(index, day, only=pool))
            assert references == moments.references(index, whole)
        assert [r["name"] for r in news] == ([] if config else ["Bob Lee"])
        names = {r["name"] for r in references}
        assert "Cy Young" in names and ("Bob Lee" in names) == (not config)
        run = Run(root)
        assert run.json("--today", TODAY, "news", "--since", "2026-01-01") == news
        assert run.json("--today", TODAY, "references") == references


def test_folding_everyone_leaves_nothing_for_the_collector(tmp_path):
    """A first build folds every note's contributions and every person's sum with the collector
    paused (people_state.py `fold_new`): they must hold no reference cycles, or each one would
    stay until the process ends."""
    import gc

    from vaultnet.index.people_state import PeopleState

    from .test_crash import network

    root = write_vault(tmp_path / "v", network(40))
    with NoteIndex(Vault(root)) as index:
        index.sync()
        facts, kinds, meta, resolver = index.stored_facts(), index.kinds(), index._meta, index.resolver()
        state = PeopleState(index.folder)
        gc.collect()
        gc.disable()
        try:
            state.fold_new(facts, kinds, meta, resolver)
            assert state.summed and any(state.summed[0].values())  # a fold that found something
            del state
            assert gc.collect() == 0
        finally:
            gc.enable()
