"""Whoosh's segment writer, lean for our schema: postings gathered by term as documents come in.

Whoosh's own writer keeps one tuple per posting in its pool (a million at
10,000 notes), sorts them all at the end, and hands them one at a time to its
postings writer, which checks each one's types and reads its document's field
length back from the column file. That was most of writing a first index.
Here each term's postings go into arrays as documents are added (documents
come in order, so each term's list is already sorted; the body's are gathered
at C level), the short fields skip Whoosh's token generators, and at the end
each term's postings are written a block at a time, as Whoosh's block writer
writes them: the segment's files are byte for byte what Whoosh writes, but for the
small blocks left uncompressed (`compress_from`; tests/test_segment_writer.py), in
half the time and a fifth of the memory.
"""
from __future__ import annotations

import sys
import zlib
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from functools import partial
from itertools import chain, repeat
from operator import sub
from pickle import dumps

from .whoosh_import import import_whoosh

import_whoosh()  # before any other Whoosh module: see whoosh_import.py

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3FieldWriter, W3TermInfo  # noqa: E402
from whoosh.system import pack_int, pack_ushort  # noqa: E402
from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: E402
from whoosh.writing import SegmentWriter  # noqa: E402

from .schema import CountedText, clean_files_later  # noqa: E402

_append = array.append
_uint_array = partial(array, "I")


class GroupedPostings:
    """In place of whoosh.writing.PostingPool: the postings by term, in memory (about 20 bytes a
    posting where Whoosh's tuples took 170)."""

    def __init__(self) -> None:
        # (fieldname, term bytes) -> (document numbers, weights, encoded values)
        self.terms: dict[tuple[str, bytes], tuple[array, array, list]] = {}
        # Documents are numbered as they are added, so each term's postings come in order; merging
        # adds them term by term, and this says if it ever went back.
        self.unordered = False

    @property
    def fieldnames(self) -> set[str]:
        return {fieldname for fieldname, _ in self.terms}

    def add(self, item) -> None:
        """One (fieldname, term, docnum, weight, value) posting: how Whoosh's merging adds them."""
        fieldname, tbytes, docnum, weight, vbytes = item
        postings = self.terms.get((fieldname, tbytes))
        if postings is None:
            postings = self.terms[fieldname, tbytes] = (array("I"), array("d"), [])
        elif docnum <= postings[0][-1]:
            self.unordered = True
        postings[0].append(docnum)
        postings[1].append(weight)  # the exact float: a block's highest weight is kept unrounded
        postings[2].append(vbytes)

    def cleanup(self) -> None:
        self.terms = {}


def fast_index(field) -> Callable[[str], list] | None:
    """What `field.index(text)` gives, made without Whoosh's chain of token generators, for the
    analyzers and formats our short fields use (a regular expression or the whole text, then
    lower case or strip; presence, counts or positions); None for any other field."""
    from whoosh import analysis, formats
    from whoosh import fields as whoosh_fields
    from whoosh.system import pack_uint

    if type(field).index is not whoosh_fields.FieldType.index or field.format is None:
        return None
    analyzer = field.analyzer
    tokenizer, *filters = analyzer.items if isinstance(analyzer, analysis.CompositeAnalyzer) else [analyzer]
    steps: list[Callable[[str], str]] = []
    for step in filters:
        if type(step) is analysis.LowercaseFilter:
            steps.append(str.lower)
        elif type(step) is analysis.StripFilter:
            steps.append(str.strip)
        else:
            return None
    if type(tokenizer) is analysis.RegexTokenizer and not tokenizer.gaps and not tokenizer.expression.groups:
        split = tokenizer.expression.findall
    elif type(tokenizer) is analysis.IDTokenizer:
        def split(text):
            return [text]
    else:
        return None

    def words(text: str) -> list[str]:
        found = split(text)
        for step in steps:
            found = list(map(step, found))
        return found

    boost = field.format.field_boost
    kind = type(field.format)
    if kind is formats.Existence:
        return lambda text: [(w.encode("utf-8"), 1, boost, b"") for w in set(words(text))]
    if kind is formats.Frequency:
        return lambda text: [(w.encode("utf-8"), n, float(n) * boost, pack_uint(n))
                             for w, n in Counter(words(text)).items()]
    if kind is formats.Positions:
        encode = field.format.encode

        def positions(text: str) -> list:
            found: dict[str, list[int]] = {}
            for pos, w in enumerate(words(text)):
                found.setdefault(w, []).append(pos)
            return [(w.encode("utf-8"), len(p), float(len(p)) * boost, encode(p)) for w, p in found.items()]
        return positions
    return None


def _is_lean(schema) -> bool:
    return all(not f.separate_spelling() and not f.vector and not f.column_type for _, f in schema.items())


class LeanSegmentWriter(SegmentWriter):
    """A SegmentWriter for schemas without spelling fields, vectors or columns (ours)."""

    # A block of postings is compressed only when its pickle is this long. Whoosh compresses
    # every block (its code means to skip those under 20 bytes, then compresses anyway): at
    # 10,000 notes two blocks in three are under 128 bytes, zlib makes them no smaller (4.38 MB
    # in, 4.25 MB out), and setting up a compressor for each was a twelfth of a first index.
    # Each block says whether it is compressed, and Whoosh's reader reads both (0: as Whoosh).
    compress_from = 128

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        if not _is_lean(self.schema) or type(self.fieldwriter) is not W3FieldWriter:
            raise TypeError("LeanSegmentWriter writes Whoosh 3 segments of schemas without spelling, vectors or columns")
        self.pool = GroupedPostings()  # Whoosh's pool holds nothing yet, and no file
        # Each field's length per document this writer added, as the column file gives it back,
        # and which documents those are (1 at their number; merging adds the others).
        self._lengths: dict[str, dict[int, int]] = {}
        self._own = bytearray()
        # A CountedText field's postings (most of them: the body's), by term as text: the
        # documents and how often each holds it; its weight and value follow from the count.
        self._counted: dict[str, tuple[defaultdict[str, array], defaultdict[str, array]]] = {}
        self._fast = {name: fast_index(field) for name, field in self.schema.items() if field.indexed}

    def add_document(self, **fields):
        """Whoosh's add_document without what our schema never uses (boosts, spelling, vectors,
        columns), each posting going straight to its term."""
        if any(name.startswith("_") for name in fields):
            return super().add_document(**fields)
        self._check_state()
        schema = self.schema
        self._check_fields(schema, fields)
        perdoc = self.perdocwriter
        docnum = self.docnum
        terms = self.pool.terms
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if type(field) is CountedText:
                    length = self._add_counted(fieldname, field, value, docnum)
                elif field.indexed:
                    scorable = field.scorable
                    fast = self._fast[fieldname] if type(value) is str else None
                    for tbytes, freq, weight, vbytes in fast(value) if fast else field.index(value):
                        postings = terms.get((fieldname, tbytes))
                        if postings is None:
                            postings = terms[fieldname, tbytes] = (array("I"), array("d"), [])
                        postings[0].append(docnum)
                        postings[1].append(weight)
                        postings[2].append(vbytes)
                        if scorable:
                            length += freq
                if length:
                    self._lengths.setdefault(fieldname, {})[docnum] = byte_to_length(length_to_byte(length))
                perdoc.add_field(fieldname, field, value if field.stored else None, length)
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        own = self._own
        own.extend(bytes(docnum - len(own)))
        own.append(1)
        self._added = True
        self.docnum += 1

    def _add_counted(self, fieldname: str, field: CountedText, value: str, docnum: int) -> int:
        counts = field.term_counts(value)
        docs, freqs = self._counted.get(fieldname) or self._counted.setdefault(
            fieldname, (defaultdict(_uint_array), defaultdict(_uint_array)))
        # Two appends per term at C level: the document to the term's documents, the count to its counts.
        deque(map(_append, map(docs.__getitem__, counts), repeat(docnum)), maxlen=0)
        deque(map(_append, map(freqs.__getitem__, counts), counts.values()), maxlen=0)
        return sum(counts.values())

    def _commit_toc(self, segments):
        from whoosh.index import TOC

        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        clean_files_later(self.storage, self.indexname, self.generation, segments)

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            self._write_postings(pdr)
            self.fieldwriter.close()
        finally:
            if pdr is not None:
                pdr.close()

    def _write_postings(self, pdr) -> None:
        fieldwriter = self.fieldwriter
        pool = self.pool
        for fieldname in self._counted.keys() & pool.fieldnames:
            self._uncount(fieldname)  # merging added some of this field's postings the general way
        by_field: dict[str, list[bytes]] = {}
        for fieldname, tbytes in pool.terms:
            by_field.setdefault(fieldname, []).append(tbytes)
        for fieldname in sorted(by_field.keys() | self._counted.keys()):
            fieldobj = self.schema[fieldname]
            lengths = self._lengths_of(fieldname, fieldobj, pdr)
            fieldwriter.start_field(fieldname, fieldobj)
            if fieldname in self._counted:
                docs, freqs = self._counted[fieldname]
                boost = fieldobj.format.field_boost
                for term in sorted(docs):  # text sorts as its UTF-8 bytes do
                    ids, counts = docs[term], freqs[term]
                    weights = array("d", counts) if boost == 1.0 else array("d", [n * boost for n in counts])
                    _write_term(fieldwriter, term.encode("utf-8"), ids, weights, _packed_counts(counts),
                                lengths, self.compress_from, joined=True)
            else:
                for tbytes in sorted(by_field[fieldname]):
                    ids, weights, values = pool.terms[fieldname, tbytes]
                    if pool.unordered:
                        ids, weights, values = _in_order(ids, weights, values)
                    _write_term(fieldwriter, tbytes, ids, weights, values, lengths, self.compress_from)
            fieldwriter.finish_field()

    def _uncount(self, fieldname: str) -> None:
        """Put a CountedText field's postings with the ones merging added, in the pool's form."""
        from whoosh.system import pack_uint

        docs, freqs = self._counted.pop(fieldname)
        boost = self.schema[fieldname].format.field_boost
        pool = self.pool
        for term, ids in docs.items():
            counts = freqs[term]
            merged = pool.terms.get((fieldname, term.encode("utf-8")))
            entry = (array("I", ids), array("d", [n * boost for n in counts]), [pack_uint(n) for n in counts])
            if merged is not None:
                for mine, theirs in zip(entry, merged):
                    mine.extend(theirs)
                pool.unordered = True  # sorted when written
            pool.terms[fieldname, term.encode("utf-8")] = entry

    def _lengths_of(self, fieldname: str, fieldobj, pdr) -> list | None:
        """Every document's length of the field as Whoosh's flush would look it up (the column's
        byte, decoded), or None when none has one. Documents this writer did not add (merged in
        from other segments) are looked up in the column."""
        if pdr is None or not fieldobj.scorable:
            return None
        known = self._lengths.get(fieldname, {})
        own = self._own.ljust(self.docnum, b"\0")
        lengths = [known.get(docnum, 0) if own[docnum] else (pdr.doc_field_length(docnum, fieldname, 0) or 0)
                   for docnum in range(self.docnum)]
        return lengths if any(lengths) else None


def _in_order(ids, weights, values):
    rows = sorted(zip(ids, weights, values), key=lambda p: p[0])
    return array("I", (r[0] for r in rows)), array("d", (r[1] for r in rows)), [r[2] for r in rows]


def _packed_counts(counts: array) -> bytes:
    """The counts as Whoosh's Frequency format packs them, one after another: big-endian uints."""
    packed = array("I", counts)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes()


def _write_term(fieldwriter, tbytes: bytes, ids, weights, values, lengths, compress_from: int = 0,
                joined: bool = False) -> None:
    """A term's postings in Whoosh 3's blocks, and its row in the terms table: what the field
    writer's start_term, a posting writer's add_posting per posting and finish_term write, done
    a block at a time (whoosh.codec.whoosh3: W3PostingsWriter._write_block, W3TermInfo.add_block).
    `compress_from`: a block whose pickle is shorter is written uncompressed (LeanSegmentWriter).
    `joined`: the values are one bytes, 4 per posting, as a block keeps a fixed-size format's."""
    postwriter = fieldwriter._postwriter  # made by start_field: the field's file, block size, compression
    postfile, limit, comp = postwriter._postfile, postwriter._blocklimit, postwriter._compression
    fixed_size = fieldwriter._format.fixed_value_size()
    info = W3TermInfo()
    start_offset = postfile.tell()
    parts = [WHOOSH3_HEADER_MAGIC]  # the term's bytes, written at once: its extent is their length
    count = len(ids)
    for start in range(0, count, limit):
        end = start + limit
        block_ids = ids[start:end]
        block_weights = weights[start:end]
        weights32 = array("f", block_weights)
        maxweight = max(0, max(block_weights))  # as add_posting keeps it: unrounded, from 0
        if joined:
            block_values = [values[start * 4:end * 4]]
        else:
            block_values = [v for v in values[start:end] if v]
        if lengths is None:
            minlength, maxlength = None, 0
        else:
            found = [n for n in map(lengths.__getitem__, block_ids) if n]
            minlength, maxlength = (min(found), max(found)) if found else (None, 0)
        # W3TermInfo.add_block
        info._weight += sum(weights32)
        info._df += len(block_ids)
        info._minlength = minlength if info._minlength is None else min(info._minlength, minlength)
        info._maxlength = max(info._maxlength, maxlength)
        info._maxweight = max(info._maxweight, maxweight)
        if info._minid is None:
            info._minid = block_ids[0]
        info._maxid = block_ids[-1]
        # W3PostingsWriter._write_block: the minified ids, weights and values, pickled and compressed
        n = len(block_ids)
        if weights32.count(1.0) == n:
            mini_weights = None
        elif weights32.count(weights32[0]) == n:
            mini_weights = weights32[0]
        else:
            mini_weights = tuple(weights32)
        mini_values: tuple | bytes | None
        if fixed_size is None or fixed_size < 0:
            mini_values = tuple(block_values)
        elif fixed_size == 0:
            mini_values = None
        else:
            mini_values = b"".join(block_values)
        data = dumps((tuple(map(sub, block_ids, chain((0,), block_ids))), mini_weights, mini_values), 2)
        packed = comp if len(data) >= compress_from else 0
        if packed:
            data = zlib.compress(data, packed)
        head = dumps((n, block_ids[-1], maxweight, packed, length_to_byte(minlength), length_to_byte(maxlength)), 2)
        size = len(head) + len(data)
        parts += (pack_int(-size if end >= count else size), head, data)
    written = b"".join(parts)
    postfile.write(written)
    info.set_extent(start_offset, len(written))
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + tbytes, info.to_bytes())
