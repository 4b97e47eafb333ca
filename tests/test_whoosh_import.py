"""whoosh_import: opening the index imports neither urllib.request, asyncio nor Whoosh's English
word forms, and leaves them (and the cached-property package) importable as they really are."""

import subprocess
import sys

from .conftest import write_vault

PROBE = """
import sys
from pathlib import Path
from vaultnet.index import NoteIndex
from vaultnet.vault.folder import Vault

with NoteIndex(Vault(Path(sys.argv[1]))) as index:
    index.sync()
    hits = index.search("kubernetes")
    assert [h.path for h in hits] == ["People/Ada.md"], hits
    index.searcher().reader().deleted_docs_set  # Whoosh's one cached attribute, on the stand-in
skipped = [m for m in ("urllib.request", "http.client", "asyncio", "cached_property", "whoosh.lang.morph_en")
           if m in sys.modules]
from urllib.request import Request, urlretrieve  # the real modules, imported after
import cached_property
assert hasattr(cached_property, "threaded_cached_property") and Request and urlretrieve
# The Variations query (the one user of morph_en) still finds a word's forms, through the real module.
from whoosh.query import terms
assert {"runs", "running"} <= set(terms.variations("run")), terms.variations("run")
import whoosh.lang.morph_en
assert "whoosh.lang.morph_en" in sys.modules and whoosh.lang.morph_en.variations("run")
print(skipped)
"""


def test_opening_the_index_skips_what_whoosh_never_uses_and_leaves_it_importable(tmp_path):
    root = write_vault(tmp_path / "v", {"People/Ada.md": "Runs kubernetes at work\n", "People/Bob.md": "Bakes\n"})
    done = subprocess.run([sys.executable, "-c", PROBE, str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
