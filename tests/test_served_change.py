"""A watch's answer right after a change: the watch parses the notes saved since its last commit
and answers from them over that commit, as a command's own process does (index/unwritten.py,
`Pending`); it writes their commit once the answer is out (Watcher.settle), and folds again
only the people the change concerns (Network.amended). Every answer equals an `index
--rebuild`'s of the same files, and so does the commit it writes.

Real parts throughout: the watch's Watcher with its watchdog observer, its ResidentServer on
its socket, asked through the client the program uses (cli/launch.py `request`). The watch runs
in this process so that a test can look at its index between the answer and the commit; its
batches wait for a quiet vault far longer than a test takes, so every answer here is one given
before the watch's own batch could commit the change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from vaultnet.cli.launch import request
from vaultnet.cli.resident import ResidentServer
from vaultnet.index import READER_SYNC_TIMEOUT, NoteIndex
from vaultnet.network import queries as q
from vaultnet.network.relations import Network
from vaultnet.vault.folder import Vault
from vaultnet.watch.watcher import Watcher

from .conftest import Run, write_vault
from .test_answer_change import ALL, _changes, committed_answer
from .test_answer_change import _same as _same_data
from .test_answer_change import rebuilt as _rebuilt
from .test_crash import TODAY, apply_edits, copy_vault, network, note_bytes
from .test_first_answer import _index_folder_full

DAY = dt.date.fromisoformat(TODAY)
QUIET = 3600.0  # the watch's own batches wait this long for a quiet vault (at most 2 s: MAX_DELAY_SECONDS)


def _same(query, data):
    """As test_answer_change compares; and for `who`, without which three lines are shown as a
    person's evidence: they are the best scored, and a watch's commits leave other segments
    (and so other scores for the same text) than a rebuild does, for a command's too."""
    return _who(query, _same_data(query, data))


def _who(query, data):
    if query[0] == "who":
        return sorted((path, len(json.loads(evidence)), last) for path, evidence, last in data)
    return data


def rebuilt(root: Path, queries) -> dict[str, object]:
    return {k: _who(k.split(), v) for k, v in _rebuilt(root, queries).items()}


@dataclasses.dataclass
class Answering:
    root: Path
    index: NoteIndex
    watcher: Watcher
    guard: threading.Lock
    fence: str
    said: list[str]

    def ask(self, query: tuple[str, ...]):
        """(the data, stderr) of `query --json` as the watch answers it."""
        answer = request(["--today", TODAY, *query, "--json"], cwd=str(self.root), env={})
        assert answer is not None, query
        code, chunks = answer
        out = b"".join(d for fd, d in chunks if fd == 1).decode()
        err = b"".join(d for fd, d in chunks if fd == 2).decode()
        assert code == 0, (query, err)
        data = json.loads(out)
        if query[0] == "search":
            data = sorted(hit["path"] for hit in data)
        return _same(query, data), err

    def sync_for_an_answer(self):
        """What the watch runs before it answers a reading command."""
        return self.watcher.sync_seen(READER_SYNC_TIMEOUT, self.fence, answer_first=True)


@contextmanager
def answering(root: Path):
    said: list[str] = []
    index = NoteIndex(Vault(root), on_warning=said.append)
    guard = threading.Lock()
    watcher = Watcher(index, lambda: DAY, lambda batch: None, reports=False, guard=guard, quiet=QUIET,
                      reconcile_every=QUIET)
    server = ResidentServer(index, watcher, guard, said.append)
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop, lambda batch: (server.start(), ready.set())),
                              daemon=True)
    thread.start()
    try:
        assert ready.wait(60), "the watch did not start"
        yield Answering(root, index, watcher, guard, server.path, said)
    finally:
        stop.set()
        server.stop()
        thread.join(60)
        index.close()


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    files = network(40)
    root = write_vault(tmp_path_factory.mktemp("indexed") / "vault", files)
    Run(root).ok("index")
    return root, files


def _people(net: Network) -> list[tuple[str, dict]]:
    return [(path, dataclasses.asdict(person)) for path, person in net.people.items()]


def _texts(net: Network) -> dict:
    """The texts its people's moments name (a kept one nobody names is never read)."""
    named = {(s, ln) for p in net.people.values() for _, s, ln in p.news + p.noticed}
    return {key: net.texts[key] for key in named}


def _whole(index: NoteIndex) -> Network:
    folded, fields = index.persons()
    return Network(folded, fields, index.kinds(), index.vault.config, DAY, me=q.me_path(index))


@pytest.mark.parametrize("change", sorted(_changes(network(40))))
def test_each_answer_the_watch_gives_right_after_a_change_equals_a_rebuilds(tmp_path, before, change):
    template, files = before
    after = _changes(files)[change]
    expected = rebuilt(write_vault(tmp_path / "reference", after), ALL)
    for k, query in enumerate(ALL):
        root = copy_vault(template, tmp_path / f"copy{k}")
        with answering(root) as watch:
            assert watch.ask(("due", "--within", "30"))[0]  # what it folded before the change is kept
            apply_edits(root, files, after)
            got, stderr = watch.ask(query)  # the first answer after the change
            assert got == expected[" ".join(query)], query
            assert "Traceback" not in stderr and "rebuilt" not in stderr, stderr
            for again in ALL:  # and every one after it, from the commit written behind it
                assert watch.ask(again)[0] == expected[" ".join(again)], (query, again)
            assert watch.said == []
        # The commit it wrote is the one a sync writes: a command finds nothing to do.
        for again in ALL:
            data, stderr = committed_answer(Run(root), again)
            assert (_who(again, data), stderr) == (expected[" ".join(again)], ""), again


@pytest.mark.parametrize("change", sorted(_changes(network(40))))
def test_the_watch_answers_before_the_commit_and_folds_again_only_the_people_concerned(tmp_path, before, change):
    template, files = before
    after = _changes(files)[change]
    root = copy_vault(template, tmp_path / "v")
    with answering(root) as watch:
        with watch.guard:
            kept = q.network(watch.index, DAY)
        generation = watch.index.generation()
        apply_edits(root, files, after)
        with watch.guard:
            stats = watch.sync_for_an_answer()
            assert stats.added or stats.updated or stats.removed
            assert watch.index.has_unwritten() and watch.index.generation() == generation  # not committed
            net = q.network(watch.index, DAY)
            whole = _whole(watch.index)
            assert _people(net) == _people(whole)  # everyone, in the same order, with the same facts
            assert _texts(net) == _texts(whole)
            assert net.due(within=30) == whole.due(within=30) and net.orphans() == whole.orphans()
            # Amended, not built again: most people are the very Person the state before held.
            again = [p for p in net.people if net.people[p] is not kept.people.get(p)]
            assert len(again) < len(net.people), again
            if change == "a log line":  # one note: its person, and those it names
                assert {"People/Person 4.md", "People/Person 9.md"} <= set(again) and len(again) <= 6, again
            watch.watcher.settle()
            assert not watch.index.has_unwritten() and watch.index.generation() == generation + 1
            assert q.network(watch.index, DAY) is net  # the commit written is the state answered from


def test_changes_one_after_another_fold_the_people_of_all_of_them(tmp_path, before):
    """Two changes with no Network asked for between them (a ledger needs none): the second
    amends the Network of the state before the first, for the people of both."""
    template, files = before
    changes = _changes(files)
    first, second = changes["a log line"], {**changes["a new person"], **{
        k: v for k, v in changes["a log line"].items() if k.startswith("People/Person 4")}}
    root = copy_vault(template, tmp_path / "v")
    with answering(root) as watch:
        watch.ask(("due",))
        apply_edits(root, files, first)
        watch.ask(("ledger",))
        apply_edits(root, first, second)
        got = {query: watch.ask(query)[0] for query in (("due", "--within", "30"), ("orphans",), ("ledger",))}
        with watch.guard:
            net = q.network(watch.index, DAY)
            assert _people(net) == _people(_whole(watch.index))
    expected = rebuilt(write_vault(tmp_path / "reference", second), list(got))
    assert got == {query: expected[" ".join(query)] for query in got}


def test_a_commit_the_disk_refuses_after_the_answer_is_written_by_the_next_batch(tmp_path, before, monkeypatch):
    template, files = before
    after = _changes(files)["a day of editing"]
    expected = rebuilt(write_vault(tmp_path / "reference", after), ALL)
    root = copy_vault(template, tmp_path / "v")
    with answering(root) as watch:
        generation = watch.index.generation()
        apply_edits(root, files, after)
        on_disk = note_bytes(root)
        with watch.guard:
            watch.sync_for_an_answer()
            net = q.network(watch.index, DAY)
            assert net.due(within=30) == expected["due --within 30"]  # answered from the change
            _index_folder_full(monkeypatch, root)
            watch.watcher.settle()  # its commit: no room
            monkeypatch.undo()
            assert not watch.index.has_unwritten() and watch.index.generation() == generation
        assert len(watch.said) == 1 and "No space left on device" in watch.said[0], watch.said
        assert watch.said[0].endswith("will try again")
        # The paths it could not commit are the next batch's: nothing the change said is lost.
        for query in ALL:
            assert watch.ask(query)[0] == expected[" ".join(query)], query
        assert watch.index.generation() == generation + 1
    assert note_bytes(root) == on_disk


def test_a_search_commits_the_change_first_and_a_commit_it_could_not_write_is_tried_again(tmp_path, before,
                                                                                             monkeypatch):
    """Full text needs the postings: a search writes the change before it answers. When the disk
    refuses that, the search answers from the last commit (and says so), and the change is
    indexed by the next batch, not forgotten."""
    template, files = before
    after = _changes(files)["a new person"]
    queries = [("search", "Grace", "--limit", "100000"), ("due", "--within", "30")]
    expected = rebuilt(write_vault(tmp_path / "reference", after), queries)
    root = copy_vault(template, tmp_path / "v")
    with answering(root) as watch:
        generation = watch.index.generation()
        apply_edits(root, files, after)
        with watch.guard:
            watch.sync_for_an_answer()
            assert watch.index.has_unwritten()
            _index_folder_full(monkeypatch, root)
            assert watch.index.search("Grace") == []  # the last commit's answer
            monkeypatch.undo()
            watch.watcher.settle()
            assert watch.index.generation() == generation
        assert any(m.endswith("answering from its last state") for m in watch.said), watch.said
        for query in queries:
            assert watch.ask(query)[0] == expected[" ".join(query)], query
        assert watch.index.generation() == generation + 1
