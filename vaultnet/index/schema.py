"""Whoosh's side of the index: the schema, a faster text field, a leaner writer.

Everything that knows Whoosh's internals lives here, imported only when an
index is opened. The schema is pickled into Whoosh's table of contents, so
the field class must stay importable under this module's name; renaming it
means bumping SCHEMA_VERSION (an old index then fails to open and is rebuilt).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .stemming import stem_word
from .whoosh_import import import_whoosh

import_whoosh()  # before any other Whoosh module: see whoosh_import.py

from whoosh import fields  # noqa: E402
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter  # noqa: E402
from whoosh.analysis.filters import STOP_WORDS  # noqa: E402
from whoosh.system import pack_uint  # noqa: E402

WORD_PATTERN = r"\w+(?:[.'’]\w+)*"
_find_words = re.compile(WORD_PATTERN).findall
# Fields searched when a query names none.
DEFAULT_FIELDS = ("name", "alias", "company", "role", "tag", "email", "fields", "body")


class CountedText(fields.TEXT):
    """A TEXT field whose postings come from one C-level pass over the text.

    Whoosh's analyzers call a chain of Python generators per token; for a 2 KB
    note that was most of the indexing time. This field finds the words with
    one regex, counts them with Counter, and stems each distinct word once.
    Queries still go through the field's analyzer, built to give the same
    terms: the same word pattern, lower case, stop words and length rule, and
    the same Porter stemmer. No positions are kept (phrase=False): phrases
    are for the short fields (name, role, company).
    """

    def __init__(self, stemmed: bool = True, field_boost: float = 1.0):
        analyzer = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter()
        if stemmed:
            analyzer = analyzer | StemFilter(cachesize=50_000)
        super().__init__(analyzer=analyzer, phrase=False, field_boost=field_boost)
        self.stemmed = stemmed

    def term_counts(self, value: str) -> Counter[str]:
        """Each term of the text and how often it occurs: every word mapped to its term (or to
        "" when too short or a stop word) by a cached function, and counted, all at C level.
        Words are found before they are lowered, as the analyzer does: "İ" lowers to two
        characters, the second of which is no word character."""
        counts = Counter(map(_stemmed_term if self.stemmed else _plain_term, _find_words(value)))
        counts.pop("", None)
        return counts

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        return [(w.encode("utf-8"), n, n * boost, pack_uint(n)) for w, n in self.term_counts(value).items()]


@lru_cache(maxsize=200_000)
def _plain_term(word: str) -> str:
    word = word.lower()
    return "" if len(word) < 2 or word in STOP_WORDS else word


@lru_cache(maxsize=200_000)
def _stemmed_term(word: str) -> str:
    word = word.lower()
    return "" if len(word) < 2 or word in STOP_WORDS else stem_word(word)


def _tag_field() -> fields.KEYWORD:
    """Tags, one term each (a note's tags and their parents, see records.py), read from
    the query as Obsidian's search does: `tag:#inbox` is `tag:inbox`."""
    field = fields.KEYWORD(lowercase=True, scorable=True, field_boost=2.0)
    field.analyzer = RegexTokenizer(r"[^\s#][^\s]*") | LowercaseFilter()
    return field


def schema() -> fields.Schema:
    words = RegexTokenizer(WORD_PATTERN) | LowercaseFilter()
    return fields.Schema(
        path=fields.ID(unique=True, stored=True),
        kind=fields.ID(),
        name=fields.TEXT(analyzer=words, field_boost=4.0),
        alias=fields.TEXT(analyzer=words, field_boost=3.0),
        company=fields.TEXT(analyzer=words, field_boost=2.0),
        role=fields.TEXT(analyzer=words, field_boost=1.5),
        tag=_tag_field(),
        email=fields.KEYWORD(lowercase=True),
        phone=fields.KEYWORD(),
        last_contact=fields.ID(),
        date=fields.ID(),
        fields=CountedText(stemmed=False),
        body=CountedText(stemmed=True),
        links=fields.KEYWORD(commas=True),
        record=fields.STORED(),
    )


# Whoosh deletes the files of merged-away segments (and the old table of contents) as soon as it
# commits. A reader in another process that opened the previous commit an instant before opens
# some of those files lazily (column files, on first use), and fails (TypeError, FileNotFoundError).
# So the previous commits stay readable for this long after they stopped being the latest.
KEEP_OLD_COMMITS_SECONDS = 60.0


def clean_files_later(storage, indexname: str, generation: int, segments) -> None:
    """Whoosh's clean_files, except for files a commit younger than the grace period still uses."""
    import time

    from whoosh.index import TOC

    toc_re, seg_re = TOC._pattern(indexname), TOC._segment_pattern(indexname)
    names = [n for n in storage.list() if not n.startswith(".")]
    tocs = sorted((int(m.group(1)), n) for n in names if (m := toc_re.match(n)))
    keep_segments = {s.segment_id() for s in segments}
    keep_tocs = {generation}
    cutoff = time.time() - KEEP_OLD_COMMITS_SECONDS
    for (gen, _), (_, successor) in zip(tocs, tocs[1:]):
        if gen == generation:
            continue
        try:
            if storage.file_modified(successor) < cutoff:  # superseded long enough ago
                continue
            old = TOC.read(storage, indexname, gen)
        except Exception:  # gone or unreadable: nothing to keep for it
            continue
        keep_tocs.add(gen)
        keep_segments.update(s.segment_id() for s in old.segments)
    for name in names:
        toc = toc_re.match(name)
        seg = seg_re.match(name)
        if (toc and int(toc.group(1)) not in keep_tocs) or (seg and seg.group(1) not in keep_segments):
            try:
                storage.delete_file(name)
            except OSError:
                pass


_SIMPLE_QUERY = re.compile(r"[\w\s'’.-]+")
_OPERATORS = {"and", "or", "not", "to", "andnot", "andmaybe"}


def parse_query(text: str, schema: fields.Schema):
    """Whoosh's query language; plain words skip the parser (and its import cost)."""
    from whoosh import query

    stripped = text.strip()
    if stripped in ("", "*"):
        return query.Every()
    words = stripped.split()
    if _SIMPLE_QUERY.fullmatch(stripped) and not any(w.lower() in _OPERATORS for w in words):
        clauses = []
        for word in words:
            alternatives = []
            for name in DEFAULT_FIELDS:
                field = schema[name]
                for token in field.process_text(word, mode="query"):
                    alternatives.append(query.Term(name, token))  # field boosts are in the index
            if alternatives:
                clauses.append(query.Or(alternatives))
        return query.And(clauses) if clauses else query.NullQuery
    from whoosh import qparser

    parser = qparser.MultifieldParser(list(DEFAULT_FIELDS), schema=schema, group=qparser.AndGroup)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    return parser.parse(text)
