"""The Whoosh index: its schema, its folder (generations swapped atomically), the one writer, and the
searcher that matches, filters, ranks and counts.

Folder layout (SEARCH_INDEX_DIR, in the instance folder):

    current -> gen-20260101T101010-ab12     a symlink, replaced atomically by `flask lms reindex`
    gen-.../                                 one complete Whoosh index per generation
    pending.sqlite3                          the queue of changed items (jobs.py)
    write.lock                               held by whoever writes (the worker's job, reindex)

Whoosh stores the postings; the matching and ranking are ours: the postings of each query term
are read a block at a time (not a Python call per document), the candidates are intersected as
sets, permissions and filters are set intersections with per-generation cached sets, and BM25 is
computed only for the documents left. A per-document "meta" column (type, scope, subject, grade,
kind, level, school, state, owner, claimant, item, date, lengths) feeds filters, facets and sorting
without reading stored fields; it is loaded once per index generation.
"""

import contextlib
import fcntl
import hashlib
import heapq
import math
import os
import pickle
import shutil
import struct
import threading
import time
import uuid
from array import array
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, islice, repeat
from operator import add as plus
from operator import eq, gt, mul, truediv

from whoosh import columns, fields, formats
from whoosh import index as windex
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

CURRENT = "current"
META_FIELDS = ("type", "scope", "subject", "grade", "kind", "level", "school", "state", "owner",
               "claimed", "item", "sort_at", "flen", "alen")
M = {name: i for i, name in enumerate(META_FIELDS)}
FACETS = ("type", "subject", "grade", "kind", "level", "school", "state")
# BM25 and the weights of the ranking's parts: a bigram (the phrase) counts well above its two
# syllables, an exact-accent term above its folded form; a title word as three body words.
K1, B = 1.2, 0.75
PHRASE_WEIGHT = 2.0
EXACT_WEIGHT = 1.5
TITLE_WEIGHT = 3
# Ranking tiers above BM25: each query bigram a document holds (the phrase) puts it above every
# document holding fewer; then each accented form typed that it holds exactly (above a folded match).
PHRASE_TIER = 1_000_000.0
EXACT_TIER = 1_000.0
# A term held by many documents (a "của", a "và", a bigram like "cua va": at least DENSE_MIN documents
# and 1/DENSE_SHARE of them) is read once per index generation into a DenseTerm: a bitset (a Python
# int, bit d for document d) and its weights in an array over all documents. Counts, facets,
# filters and permissions of such terms are then ANDs and popcounts of ints, their weights array
# lookups: no postings decoded per query. At most DENSE_TERMS of them per generation (least recently
# used dropped), about 4.1 bytes a document each (420 KB at 100k documents).
DENSE_MIN = 1_000
DENSE_SHARE = 16
DENSE_TERMS = 48
# More hits than this: the ranking first looks for the top among the hits holding every bigram (and
# then every accented form) typed, the documents the tiers put first (see Index._candidates).
CASCADE_MIN = 1_000


class TermsField(fields.FieldType):
    """An indexed, scorable field whose value is already analysed: {term: (frequency, weight)}
    (analysis.terms made it), so indexing is a loop over a dict rather than a token stream."""

    indexed = True
    scorable = False  # lengths are in the meta column: Whoosh need not look one up per posting
    stored = False
    unique = False
    vector = None
    column_type = None

    def __init__(self):
        self.format = formats.Existence()
        self.analyzer = None

    def index(self, value, **kwargs):
        # The weight (frequency, title words counted TITLE_WEIGHT times) is the posting's weight;
        # no value bytes.
        for term, (freq, weight) in value.items():
            yield term.encode("utf-8"), freq, weight, b""

    def separate_spelling(self):
        return False

    def has_morph(self):
        return False

    def self_parsing(self):
        return True


def schema():
    return fields.Schema(
        item=fields.ID(),                         # "material:12": both of an item's documents
        f=TermsField(),                           # folded syllables and bigrams (every query)
        a=TermsField(),                           # accented ones that folding changes (ranking)
        meta=fields.COLUMN(columns.VarBytesColumn()),
        title=fields.STORED(),
        text=fields.STORED(),                     # the snippet's source, bounded
    )


# --- the folder -----------------------------------------------------------------------------------

def _current_dir(root):
    link = os.path.join(root, CURRENT)
    try:
        target = os.readlink(link)
    except OSError:
        # A copy of the folder that followed the link (shutil.copytree) holds the index itself.
        return link if os.path.isdir(link) else None
    return os.path.join(root, target)


def new_generation(root):
    """An empty index in a new generation folder (not yet current)."""
    os.makedirs(root, exist_ok=True)
    name = "gen-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    path = os.path.join(root, name)
    os.makedirs(path)
    windex.create_in(path, schema())
    return path


def swap_in(root, path):
    """Make `path` the current generation in one rename (searches in flight keep their readers),
    and remove the generations older than the one it replaces."""
    previous = _current_dir(root)
    link = os.path.join(root, CURRENT)
    if os.path.isdir(link) and not os.path.islink(link):
        legacy = os.path.join(root, "gen-copied-" + uuid.uuid4().hex[:8])
        os.rename(link, legacy)
        previous = legacy
    temporary = os.path.join(root, f".{CURRENT}-{uuid.uuid4().hex[:8]}")
    os.symlink(os.path.basename(path), temporary)
    os.replace(temporary, os.path.join(root, CURRENT))
    keep = {os.path.basename(path), os.path.basename(previous) if previous else None}
    for name in os.listdir(root):
        if name.startswith("gen-") and name not in keep:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)


def open_current(root, create=True):
    """The current index, made empty on first use."""
    path = _current_dir(root)
    if path is None or not windex.exists_in(path):
        if not create:
            return None
        with write_lock(root):
            path = _current_dir(root)
            if path is None or not windex.exists_in(path):
                path = new_generation(root)
                swap_in(root, path)
    return windex.open_dir(path)


@contextlib.contextmanager
def write_lock(root, timeout=120.0):
    """The one-writer lock (a flock, released if the process dies): the worker's batches and a
    rebuild never write at once, and several gunicorn workers never touch the index at all."""
    held = getattr(_held, "roots", None)
    if held is None:
        held = _held.roots = set()
    if root in held:  # this thread holds it already (a rebuild creating its first index)
        yield
        return
    os.makedirs(root, exist_ok=True)
    handle = open(os.path.join(root, "write.lock"), "a+")  # noqa: SIM115 - held for the block
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("the search index is being written by another process") from None
                time.sleep(0.05)
        held.add(root)
        yield
    finally:
        held.discard(root)
        handle.close()


_held = threading.local()


# --- documents in the index -----------------------------------------------------------------------

def add(writer, doc):
    """Add one document (documents.Doc) to an open writer (`writer` or `bulk_writer`)."""
    meta = [doc.type, doc.scope, doc.subject, str(doc.grade or ""), doc.kind or "", doc.level or "",
            str(doc.school or ""), doc.state, str(doc.owner or ""), str(doc.claimed or ""), doc.item,
            str(int(doc.sort_at or 0)), str(doc.flen), str(doc.alen)]
    writer.add_document(item=doc.item, f=doc.f, a=doc.a, meta="|".join(meta).encode("utf-8"),
                        title=doc.title, text=doc.text)


BLOCK = 128  # postings per block


def codec():
    # Blocks are not zlib-compressed: most terms (bigrams) have a handful of postings, and
    # compressing each small block cost more than writing it. (inlinelimit > 1 fails in Whoosh 2.7.)
    # No length statistics: the lengths are in the meta column, and with them on Whoosh asked the
    # file system, once per posting, whether a length column existed (half of a commit's time).
    chosen = W3Codec(blocklimit=BLOCK, compression=0)
    chosen.length_stats = False
    return chosen


def writer(ix):
    return ix.writer(codec=codec())


def bulk_writer(ix, max_postings=40_000_000):
    return BulkWriter(ix, max_postings)


class BulkWriter:
    """The writer of a rebuild: the postings of the term fields (f, a) are gathered in memory, a
    pair of arrays (documents, weights) per term, and written a term at a time, block by block;
    Whoosh's own writer keeps the per-document part (stored fields, the meta column, the item id).
    Whoosh's pool would have made a tuple per posting, sorted them all and handed them to the codec
    one by one: about three quarters of a rebuild's time. Past `max_postings` (about 8 bytes each,
    plus the terms) the segment is written and another begun."""

    FIELDS = ("a", "f")  # in the order Whoosh writes fields (before "item")

    def __init__(self, ix, max_postings):
        self.ix = ix
        self.max_postings = max_postings
        self._writer = None
        self._begin()

    def _begin(self):
        self._writer = self.ix.writer(limitmb=64, procs=1, multisegment=False, codec=codec())
        self._tables = {name: {} for name in self.FIELDS}
        self._postings = 0
        # The segment's postings are written by `_write_postings` when Whoosh flushes it.
        self._writer.fieldwriter.add_postings = self._write_postings

    def add_document(self, f, a, **fields):
        writer = self._writer
        docnum = writer.docnum
        writer.add_document(**fields)
        for name, terms in (("f", f), ("a", a)):
            table = self._tables[name]
            for term, (_freq, weight) in terms.items():
                entry = table.get(term)
                if entry is None:
                    entry = table[term] = (array("I"), array("f"))
                entry[0].append(docnum)
                entry[1].append(weight)
            self._postings += len(terms)
        if self._postings >= self.max_postings:
            self._writer.commit(merge=False)
            self._begin()

    def _write_postings(self, schema, lengths, items):
        fieldwriter = self._writer.fieldwriter
        for name in self.FIELDS:
            table = self._tables[name]
            if table:
                fieldwriter.start_field(name, schema[name])
                _write_terms(fieldwriter, table)
                fieldwriter.finish_field()
                table.clear()
        type(fieldwriter).add_postings(fieldwriter, schema, lengths, items)  # the item ids

    def commit(self):
        self._writer.commit(merge=False)

    def cancel(self):
        self._writer.cancel()


_INFO = struct.Struct("!BfIBBfII")  # W3TermInfo's
_ZERO_LENGTH = length_to_byte(0)


def _write_terms(fieldwriter, table):
    """Write the postings of `table` ({term: (ids, weights)}) for the field just started on a W3
    field writer, in the bytes Whoosh 3's own postings writer and term index produce (blocks of
    BLOCK postings: a pickled info tuple and a pickled (id deltas, weights, values) tuple), with one
    write per term instead of a dozen calls per posting and per block."""
    fieldid = fieldwriter._fieldid
    postfile, tindex = fieldwriter._postfile, fieldwriter._tindex
    post_write, terms_write = postfile.write, tindex.dbfile.write
    post_at, terms_at = postfile.tell(), tindex.dbfile.tell()
    buckets, positions = tindex.buckets, []
    prefix = pack_ushort(fieldid)
    key = b""
    for term in sorted(table):  # code point order is UTF-8 byte order
        ids, weights = table[term]
        count = len(ids)
        parts = [WHOOSH3_HEADER_MAGIC]
        total = 0.0
        top = 0
        for start in range(0, count, BLOCK):
            block_ids, block_weights = ids[start:start + BLOCK], weights[start:start + BLOCK]
            high, low = max(block_weights), min(block_weights)
            total += sum(block_weights)
            top = max(top, high)
            if len(block_ids) == 1:
                deltas = (block_ids[0],)
            else:
                deltas = (block_ids[0], *(b - a for a, b in zip(block_ids, block_ids[1:], strict=False)))
            if high == low:
                mini = None if high == 1.0 else block_weights[0]
            else:
                mini = tuple(block_weights)
            info = pickle.dumps((len(block_ids), block_ids[-1], high, 0, 0, 0), 2)
            data = pickle.dumps((deltas, mini, None), 2)
            size = len(info) + len(data)
            parts += [pack_int(-size if start + BLOCK >= count else size), info, data]
        chunk = b"".join(parts)
        post_write(chunk)
        value = _INFO.pack(False, total, count, 0, _ZERO_LENGTH, top, ids[0], ids[-1]) + \
            pack_long(post_at) + pack_int(len(chunk))
        post_at += len(chunk)
        key = prefix + term.encode("utf-8")
        terms_write(_LENGTHS.pack(len(key), len(value)) + key + value)
        h = int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[-4:], "big")  # filetables.md5_hash
        buckets[h & 255].append((h, terms_at))
        positions.append(terms_at)
        terms_at += 8 + len(key) + len(value)
    if positions:
        tindex.index.extend(positions)
        tindex.lastkey = key


# --- searching ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """What a user may see, as the index understands it (services.scope_for builds it).

    Published documents of `types` for everyone; beyond them the working documents (drafts, items
    in review, the newest unpublished version) of the items that concern the user: their own, their
    school's (school admin), their pool's (reviewer: submitted or in review in their subjects),
    the ones they claimed or reviewed, or all of them (district admin). Where a user sees an item's
    working document, its published document is left out (one result per item)."""

    types: frozenset = frozenset({"material"})
    all_work: bool = False
    owner: str = ""
    school: str = ""
    pool_subjects: frozenset = frozenset()
    claimed_by: str = ""
    reviewed: frozenset = frozenset()


POOL_STATES = {"submitted", "in_review"}

_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_EXPAND = [bytes((byte >> i) & 1 for i in range(8)) for byte in range(256)]


def _bits_of_mask(mask):
    """A bitset (bit d set where mask[d] is 1) from a bytes-like of 0 and 1 bytes."""
    return int(bytes(mask).translate(_TO_DIGITS)[::-1] or b"0", 2)


def _mask_of_bits(bits, size):
    """The bytes (0 or 1 at d) of a bitset over `size` documents (at least `size` long)."""
    return b"".join(map(_EXPAND.__getitem__, bits.to_bytes((size + 7) // 8 or 1, "little")))


class DenseTerm:
    """A common term's postings over one generation: `bits` (bit d: live document d holds it), `tf`
    (array of the weights over every document, 0.0 where absent) and `df` (live documents holding it)."""

    __slots__ = ("bits", "tf", "df")

    def __init__(self, bits, tf):
        self.bits, self.tf, self.df = bits, tf, bits.bit_count()

    def __len__(self):
        return self.df

    def holding(self, docs):
        """The documents of `docs` (a list) that hold the term."""
        return list(compress(docs, map(self.tf.__getitem__, docs)))


class Snapshot:
    """One generation of the index with what searches need from it, computed once: the reader,
    each live document's meta, the sets behind filters and the BM25 length norms."""

    def __init__(self, ix):
        self.ix = ix
        self.generation = ix.latest_generation()
        self.path = ix.storage.folder
        self.searcher = ix.searcher()
        reader = self.searcher.reader()
        self.reader = reader
        self.leaves = list(reader.leaf_readers())
        deleted = set()
        for leaf, base in self.leaves:
            if leaf.has_deletions():
                deleted.update(base + d for d in leaf.deleted_docs_set)
        self.deleted = frozenset(deleted)
        self.meta = []
        if reader.has_column("meta"):
            for docnum, raw in enumerate(reader.column_reader("meta")):
                self.meta.append(None if docnum in deleted or not raw else raw.decode("utf-8").split("|"))
        self.live = frozenset(d for d, m in enumerate(self.meta) if m is not None)
        self.has_deletions = bool(deleted)
        self.count = len(self.live)
        flen = [int(m[M["flen"]]) if m else 0 for m in self.meta]
        alen = [int(m[M["alen"]]) if m else 0 for m in self.meta]
        self.norm = {"f": self._norms(flen), "a": self._norms(alen)}
        self.sort_at = [int(m[M["sort_at"]]) if m else 0 for m in self.meta]
        # Ties go to the lower item id (materials before questions): the same order whatever the
        # document numbers, so an incrementally kept index and a rebuilt one rank alike.
        self.tiebreak = [_tiebreak(m[M["item"]]) if m else 0 for m in self.meta]
        self._sets = {}
        self._combos = None
        self._by_tiebreak = None
        self._dense = OrderedDict()
        self._lock = threading.Lock()

    def by_tiebreak(self):
        """The live documents, highest tiebreak first (computed once)."""
        if self._by_tiebreak is None:
            self._by_tiebreak = sorted(self.live, key=self.tiebreak.__getitem__, reverse=True)
        return self._by_tiebreak

    def by_newest(self):
        """The live documents, newest first (ties as the tiebreak orders them; computed once)."""
        key = ("by_newest",)
        found = self._sets.get(key)
        if found is None:
            sort_at, tiebreak = self.sort_at, self.tiebreak
            found = self._sets[key] = sorted(self.live, key=lambda d: (sort_at[d], tiebreak[d]), reverse=True)
        return found

    def _norms(self, lengths):
        live = [n for d, n in enumerate(lengths) if self.meta[d] is not None]
        average = (sum(live) / len(live)) if live and sum(live) else 1.0
        return [K1 * (1 - B + B * n / average) for n in lengths]

    def close(self):
        self.searcher.close()

    def docs_with(self, name, value):
        """The live documents whose meta `name` is `value` (cached per generation)."""
        key = (name, value)
        found = self._sets.get(key)
        if found is None:
            i = M[name]
            found = frozenset(d for d, m in enumerate(self.meta) if m is not None and m[i] == value)
            self._sets[key] = found
        return found

    def bits_of(self, docs):
        """The bitset of the documents `docs` (any iterable of document numbers)."""
        mask = bytearray(len(self.meta))
        deque(map(mask.__setitem__, docs, repeat(1)), 0)
        return _bits_of_mask(mask)

    def bits_with(self, name, value):
        """docs_with as a bitset (cached per generation)."""
        if name in FACETS:
            return self.facet_bits().get((name, value), 0)
        key = ("bits", name, value)
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = self.bits_of(self.docs_with(name, value))
        return found

    def facet_bits(self):
        """{(facet, value): bitset} of every facet value a live document has, made in one pass over
        the documents' facet combinations (a scan of the meta per value cost half a second at 100k
        documents, on the first search of each generation)."""
        key = ("facet-bits",)
        found = self._sets.get(key)
        if found is None:
            ids, tuples = self.combos()
            groups = [[] for _t in tuples]
            for docnum, number in enumerate(ids):
                if number >= 0:
                    groups[number].append(docnum)
            found = {}
            for i, name in enumerate(FACETS):
                numbers_of = {}
                for number, values in enumerate(tuples):
                    if values[i]:
                        numbers_of.setdefault(values[i], []).append(number)
                for value, numbers in numbers_of.items():
                    found[(name, value)] = self.bits_of(chain.from_iterable(map(groups.__getitem__, numbers)))
            self._sets[key] = found
        return found

    def facet_values(self, name):
        """The values of facet `name` some live document has."""
        key = ("values", name)
        found = self._sets.get(key)
        if found is None:
            i = FACETS.index(name)
            found = self._sets[key] = sorted({t[i] for t in self.combos()[1] if t[i]})
        return found

    @property
    def dense_min(self):
        return max(DENSE_MIN, self.count // DENSE_SHARE)

    def dense(self, fieldname, term, force=False):
        """The DenseTerm of `term` when it is in dense_min documents or more (or `force`), else None;
        read once per generation, kept while among the DENSE_TERMS most recently used."""
        key = (fieldname, term)
        with self._lock:
            found = self._dense.get(key)
            if found is not None:
                self._dense.move_to_end(key)
                return found
        if not force and self.doc_frequency(fieldname, term) < self.dense_min:
            return None
        size = len(self.meta)
        tf, mask = array("f", bytes(4 * size)), bytearray(size)
        btext = term.encode("utf-8")
        for leaf, base in self.leaves:
            try:
                matcher = leaf.postings(fieldname, btext)
            except Exception:  # noqa: BLE001 - absent term
                continue
            for ids, weights in _blocks(getattr(matcher, "child", matcher), base):
                ids = list(ids)
                deque(map(tf.__setitem__, ids, weights), 0)
                deque(map(mask.__setitem__, ids, repeat(1)), 0)
        for docnum in self.deleted:
            tf[docnum], mask[docnum] = 0.0, 0
        found = DenseTerm(_bits_of_mask(mask), tf)
        with self._lock:
            self._dense[key] = found
            while len(self._dense) > DENSE_TERMS:
                self._dense.popitem(last=False)
        return found

    def docs_with_any(self, name, values):
        result = set()
        for value in values:
            result |= self.docs_with(name, value)
        return result

    def combos(self):
        """Each live document's facet values as one small int, and the tuples they stand for:
        facets are then one Counter over the hits, not one per facet."""
        if self._combos is None:
            index, tuples, ids = {}, [], []
            positions = [M[name] for name in FACETS]
            for m in self.meta:
                if m is None:
                    ids.append(-1)
                    continue
                key = tuple(m[i] for i in positions)
                number = index.get(key)
                if number is None:
                    number = index[key] = len(tuples)
                    tuples.append(key)
                ids.append(number)
            self._combos = (ids, tuples)
        return self._combos

    # --- postings ---------------------------------------------------------------------------

    def postings(self, fieldname, term):
        """{docnum: weight} of one term over every segment, deleted documents left out; read a
        block at a time."""
        found = {}
        btext = term.encode("utf-8")
        for leaf, base in self.leaves:
            try:
                matcher = leaf.postings(fieldname, btext)
            except Exception:  # noqa: BLE001 - whoosh raises TermNotFound (and others) for absent terms
                continue
            leafmatcher = getattr(matcher, "child", matcher)  # deletions wrap it in a FilterMatcher
            _read_blocks(leafmatcher, base, found)
        if found and len(self.live) != len(self.meta):
            for docnum in [d for d in found if d not in self.live]:
                del found[docnum]
        return found

    def weights(self, fieldname, term, docs):
        """{docnum: weight} of `term` for at least the documents `docs` (all its postings when it
        is rare, else probed for those documents only)."""
        if not docs:
            return {}
        with self._lock:
            cached = self._dense.get((fieldname, term))
        if cached is not None:
            return cached
        df = self.doc_frequency(fieldname, term)
        if df >= self.dense_min and df <= 64 * len(docs):
            # Probing costs some 10 µs a document: past a few hundred, the kept term (read once
            # per generation) is the cheaper.
            return self.dense(fieldname, term)
        if self.has_deletions or df <= 8 * len(docs):
            return self.postings(fieldname, term)
        found = {}
        btext = term.encode("utf-8")
        targets = sorted(docs)
        for leaf, base in self.leaves:
            end = base + leaf.doc_count_all()
            local = [d - base for d in targets if base <= d < end]
            if not local:
                continue
            try:
                matcher = leaf.postings(fieldname, btext)
            except Exception:  # noqa: BLE001 - absent term
                continue
            for docnum in local:
                if not matcher.is_active():
                    break
                matcher.skip_to(docnum)
                if matcher.is_active() and matcher.id() == docnum:
                    found[base + docnum] = matcher.weight()
        return found

    def live_df(self, fieldname, term, postings):
        """How many live documents hold `term` (BM25's df): Whoosh's count while nothing is
        deleted, else the postings read whole (`weights` reads them whole then), so a kept
        index and a rebuilt one score alike."""
        if self.has_deletions:
            return len(postings)
        return self.doc_frequency(fieldname, term)

    def doc_frequency(self, fieldname, term):
        btext = term.encode("utf-8")
        return sum(leaf.doc_frequency(fieldname, btext) for leaf, _base in self.leaves)

    def stored(self, docnum):
        return self.searcher.stored_fields(docnum)


def _best(docs, scores, tiebreak, by_tiebreak, wanted):
    """The `wanted` best (score, document) pairs, best first, ties to the higher tiebreak: what
    heapq.nlargest with that key gives, without a Python call per document. The wanted-th score is
    found among the floats first; the documents scoring above it are sorted, and those scoring
    just that (many, when a common term leaves most scores equal) taken in the snapshot's
    tiebreak order."""
    if len(docs) <= wanted:
        return sorted(zip(scores, docs, strict=True), key=lambda pair: (pair[0], tiebreak[pair[1]]), reverse=True)
    least = heapq.nlargest(wanted, scores)[-1]
    above = sorted(compress(zip(scores, docs, strict=True), map(gt, scores, repeat(least))),
                   key=lambda pair: (pair[0], tiebreak[pair[1]]), reverse=True)
    tied = set(compress(docs, map(eq, scores, repeat(least))))
    wanted -= len(above)
    chosen = []
    for d in by_tiebreak:  # the snapshot's documents, highest tiebreak first
        if d in tied:
            chosen.append((least, d))
            if len(chosen) == wanted:
                break
    return above + chosen


def _ordered(counts):
    """A facet's {value: count}, most first, ties by value (the same order whichever way counted)."""
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def _tiebreak(item):
    item_type, _sep, item_id = item.partition(":")
    return -(int(item_id) * 2 + (item_type != "material"))


def _read_blocks(matcher, base, found):
    """Every (id, weight) of a Whoosh 3 leaf matcher into `found`, block by block."""
    for ids, weights in _blocks(matcher, base):
        found.update(zip(ids, weights, strict=False))  # weights may repeat


def _blocks(matcher, base):
    """(ids, weights) iterables of each block of a Whoosh 3 leaf matcher: each block's pickled (id
    deltas, weights) decoded with C-level iterators (Whoosh's own decoding is a Python generator
    step per posting, most of a common term's cost). `weights` may be longer than `ids`."""
    if not hasattr(matcher, "_read_data"):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(base + matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        yield ids, weights
        return
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        if base:
            deltas = (deltas[0] + base, *deltas[1:])
        if weights is None:
            weights = repeat(1.0)
        elif isinstance(weights, float):
            weights = repeat(weights)
        yield accumulate(deltas), weights
        matcher._next_block()


@dataclass
class Found:
    total: int = 0
    docnums: list = field(default_factory=list)   # this page, best first
    scores: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)    # {facet: {value: count}}


class Index:
    """The index at one root folder, reopened when a writer or a rebuild has changed it."""

    def __init__(self, root):
        self.root = root
        self._snapshot = None
        self._lock = threading.Lock()

    def snapshot(self):
        with self._lock:
            current = self._snapshot
            path = _current_dir(self.root)
            if current is not None and current.path == path:
                if current.ix.latest_generation() == current.generation:
                    return current
            ix = open_current(self.root)
            fresh = Snapshot(ix)
            self._snapshot = fresh
            # The replaced searcher is closed when no search holds it any more (garbage collection).
            return fresh

    def writer(self):
        return writer(open_current(self.root))

    # --- the query --------------------------------------------------------------------------

    def search(self, scope, query, filters=None, sort="relevance", offset=0, limit=20):
        """Match `query` (analysis.QueryTerms; empty: every document), keep what `scope` allows and
        `filters` ({meta field: value}) ask, rank (BM25 over syllables, bigrams and exact-accent
        terms) or sort by date, count, and compute the facets of what is left.

        When even the rarest syllable is a dense term (every syllable in many documents: a "của",
        "của và thực cho"), the hits, the count and the facets are ANDs and popcounts of the
        generation's bitsets; otherwise the rarest syllable's postings are read and the others
        probed for the candidates left."""
        snap = self.snapshot()
        filters = [(name, str(value)) for name, value in (filters or {}).items() if value not in (None, "")]
        found = Found()
        size = len(snap.meta)
        order = sorted(query.syllables, key=lambda term: snap.doc_frequency("f", term)) if query else []
        hit_bits = mask = None
        if order and snap.dense("f", order[0]) is not None:
            hit_bits = self._visible_bits(snap, scope)
            for name, value in filters:
                hit_bits &= snap.bits_with(name, value)
            lists = []
            for term in order:
                dense = snap.dense("f", term, force=True)
                hit_bits &= dense.bits
                lists.append((term, dense))
            found.total = hit_bits.bit_count()
            found.facets = self._facets_of_bits(snap, hit_bits)
            if not found.total:
                return found, snap
            mask = _mask_of_bits(hit_bits, size)
            hits = list(compress(range(size), mask))
        else:
            visible = self._visible(snap, scope)
            wanted_sets = [snap.docs_with(name, value) for name, value in filters]
            if order:
                # The rarest syllable's postings first; the others only where candidates are left
                # (a common syllable is probed for those few documents rather than read whole).
                first = snap.postings("f", order[0])
                hits = visible.intersection(first)
                for wanted_set in wanted_sets:
                    hits &= wanted_set
                lists = [(order[0], first)]
                for term in order[1:]:
                    postings = snap.weights("f", term, hits)
                    if isinstance(postings, DenseTerm):
                        hits = set(postings.holding(list(hits)))
                    else:
                        hits = {d for d in hits if d in postings}
                    lists.append((term, postings))
            else:
                lists, hits = [], set(visible)
                for wanted_set in wanted_sets:
                    hits &= wanted_set
            found.total = len(hits)
            found.facets = self._facets(snap, hits)
            if not hits:
                return found, snap
        wanted = offset + limit
        if query and sort == "relevance":
            docs, scores, level = self._score(snap, query, hits, lists, wanted, hit_bits)
            if docs is None:  # every candidate scores the same (`scores`): the tiebreak orders
                if level is not None and level is not hit_bits:
                    member = _mask_of_bits(level, size).__getitem__
                else:
                    member = mask.__getitem__ if mask is not None else hits.__contains__
                page = [(scores, d) for d in islice(filter(member, snap.by_tiebreak()), wanted)]
            elif any(scores):
                page = _best(docs, scores, snap.tiebreak, snap.by_tiebreak(), wanted)
            else:  # nothing ranks (a single "của"): the first in the tiebreak order
                member = mask.__getitem__ if mask is not None and len(docs) == len(hits) else set(docs).__contains__
                page = [(0.0, d) for d in islice(filter(member, snap.by_tiebreak()), wanted)]
            page = page[offset:wanted]
            found.docnums = [d for _s, d in page]
            found.scores = [s for s, _d in page]
        else:
            if len(hits) * 64 >= size:  # many: the first of the snapshot's newest-first order
                member = mask.__getitem__ if mask is not None else hits.__contains__
                top = list(islice(filter(member, snap.by_newest()), wanted))
            else:
                sort_at, tiebreak = snap.sort_at, snap.tiebreak
                top = heapq.nlargest(wanted, hits, key=lambda d: (sort_at[d], tiebreak[d]))
            found.docnums = top[offset:wanted]
            found.scores = [0.0] * len(found.docnums)
        return found, snap

    def _published_and_work(self, snap, scope):
        key = ("visible", scope.types)
        if key not in snap._sets:
            of_types = snap.docs_with_any("type", scope.types)
            snap._sets[key] = (frozenset(of_types & snap.docs_with("scope", "pub")),
                               frozenset(of_types & snap.docs_with("scope", "work")))
        return snap._sets[key]

    def _mine(self, snap, scope, work):
        """The working documents `scope` sees beyond the published ones."""
        if scope.all_work:
            return set(work)
        mine = set()
        if scope.owner:
            mine |= work & snap.docs_with("owner", scope.owner)
        if scope.school:
            mine |= work & snap.docs_with("school", scope.school)
        if scope.pool_subjects:
            mine |= (work & snap.docs_with_any("state", POOL_STATES)
                     & snap.docs_with_any("subject", scope.pool_subjects))
        if scope.claimed_by:
            mine |= work & snap.docs_with("claimed", scope.claimed_by)
        if scope.reviewed:
            mine |= work & snap.docs_with_any("item", scope.reviewed)
        return mine

    def _hidden(self, snap, published, mine):
        # One result per item: the working document replaces the published one.
        items = {snap.meta[d][M["item"]] for d in mine}
        return published & snap.docs_with_any("item", items)

    def _visible(self, snap, scope):
        published, work = self._published_and_work(snap, scope)
        mine = self._mine(snap, scope, work)
        if not mine:
            return published
        return (published - self._hidden(snap, published, mine)) | mine

    def _visible_bits(self, snap, scope):
        """_visible as a bitset: the published part's kept per generation."""
        published, work = self._published_and_work(snap, scope)
        key = ("visible-bits", scope.types)
        bits = snap._sets.get(key)
        if bits is None:
            bits = snap._sets[key] = snap.bits_of(published)
        mine = self._mine(snap, scope, work)
        if not mine:
            return bits
        return (bits & ~snap.bits_of(self._hidden(snap, published, mine))) | snap.bits_of(mine)

    def _facets(self, snap, hits):
        ids, tuples = snap.combos()
        counted = Counter(map(ids.__getitem__, hits))
        facets = {name: Counter() for name in FACETS}
        for number, count in counted.items():
            for name, value in zip(FACETS, tuples[number], strict=True):
                if value:
                    facets[name][value] += count
        return {name: _ordered(counter) for name, counter in facets.items()}

    def _facets_of_bits(self, snap, bits):
        """_facets of the hits as a bitset: a popcount per facet value."""
        facets = {}
        for name in FACETS:
            counts = {}
            for value in snap.facet_values(name):
                count = (bits & snap.bits_with(name, value)).bit_count()
                if count:
                    counts[value] = count
            facets[name] = _ordered(counts)
        return facets

    def _score(self, snap, query, hits, syllable_lists, wanted, hit_bits=None):
        """BM25 summed over the query's syllables, its bigrams (PHRASE_WEIGHT) and the accented
        forms typed (EXACT_WEIGHT), computed for the hits that can reach the top `wanted`
        (_candidates): (documents, scores, candidates' bitset or None), or (None, score, bitset or
        None) when every candidate scores the same (nothing ranks by BM25, each holds every tier).

        A part held by many of the hits is computed for all of them at once with C-level maps
        (a document without the term adds 0.0); a rare one (a bigram, an accented form) only for
        the documents holding it. Either way each document's score is the same sum in the same
        order, so the choice never changes a ranking."""
        n = max(snap.count, 1)
        parts = [(postings, "f", 1.0, 0.0, snap.live_df("f", term, postings)) for term, postings in syllable_lists]
        for bigram in query.bigrams:
            postings = snap.weights("f", bigram, hits)
            parts.append((postings, "f", PHRASE_WEIGHT, PHRASE_TIER, snap.live_df("f", bigram, postings)))
        for term in query.accented:
            postings = snap.weights("a", term, hits)
            parts.append((postings, "a", EXACT_WEIGHT, EXACT_TIER, snap.live_df("a", term, postings)))
        ranking = [p for p in parts if p[0] and 2 * p[4] <= n]
        constant = 0.0
        for postings, _f, _w, tier, _df in parts:
            if postings and tier:
                constant += tier
        level, complete = None, False
        if len(hits) > CASCADE_MIN or not (ranking or constant):
            level, complete = self._candidates(snap, parts, hits, wanted, hit_bits)
        if complete and not ranking:
            # No part ranks by BM25 (a single "của"; its accented form) and every candidate holds
            # every tier: they all score `constant`, in the tiebreak order.
            return None, constant, level
        if level is None or level is hit_bits:
            docs = list(hits)
        else:
            docs = list(compress(range(len(snap.meta)), _mask_of_bits(level, len(snap.meta))))
        scores = [0.0] * len(docs)
        norms, position = {}, None
        for postings, fieldname, weight, tier, df in parts:
            if not postings:
                continue
            # A term in more than half of the documents (a "của", a "và") ranks nothing: its BM25
            # weight would be below log 2 of a rare term's ten, and computing it for every one of
            # its documents was most of such a query's time. Its tier (an accented form typed, a
            # bigram) still counts.
            common = 2 * df > n
            if common and not tier:
                continue
            idf = weight * math.log(1 + (n - df + 0.5) / (df + 0.5))
            k1 = (K1 + 1) * idf
            dense = isinstance(postings, DenseTerm)
            if dense or 3 * len(postings) >= len(docs):
                tfs = list(map(postings.tf.__getitem__, docs)) if dense else list(map(postings.get, docs, repeat(0.0)))
                if common:
                    added = map(mul, map(bool, tfs), repeat(tier))
                else:
                    norm = norms.get(fieldname)
                    if norm is None:
                        norm = norms[fieldname] = list(map(snap.norm[fieldname].__getitem__, docs))
                    added = map(truediv, map(mul, tfs, repeat(k1)), map(plus, tfs, norm))
                    if tier:
                        added = map(plus, map(mul, map(bool, tfs), repeat(tier)), added)
                scores = list(map(plus, scores, added))
            else:
                if position is None:
                    position = dict(zip(docs, range(len(docs)), strict=True))
                norm = snap.norm[fieldname]
                for d, tf in postings.items():
                    i = position.get(d)
                    if i is not None and tf:
                        scores[i] += tier if common else tier + tf * k1 / (tf + norm[d])
        return docs, scores, level

    def _candidates(self, snap, parts, hits, wanted, hit_bits=None):
        """(the hits that can be among the `wanted` best as a bitset, or None for all of them,
        whether every tier group narrowed them: then all of them hold every tier).

        Each bigram typed that a document holds adds PHRASE_TIER, each accented form EXACT_TIER,
        and the BM25 of every part together stays below `ceiling` (a part's term adds less than
        (K1 + 1) × its idf, at most the idf of a term in one document). So when `wanted` of the
        hits hold every bigram typed, none holding fewer can rank above them: only those are
        scored (a phrase of common syllables, "của và thực cho", scores the few documents holding
        the phrase's words as words, not the thousands holding its syllables); among them, likewise
        for the accented forms typed while the ceiling stays below EXACT_TIER."""
        n = max(snap.count, 1)
        top_idf = math.log(1 + (n - 0.5) / 1.5)
        ceiling = sum((K1 + 1) * weight * top_idf for _p, _f, weight, _t, _df in parts)
        phrase = [p[0] for p in parts if p[3] == PHRASE_TIER and p[0]]
        exact = [p[0] for p in parts if p[3] == EXACT_TIER and p[0]]
        level = None
        for group, tier, below in ((phrase, PHRASE_TIER, len(exact) * EXACT_TIER + ceiling),
                                   (exact, EXACT_TIER, ceiling)):
            if not group:
                continue
            if below >= tier:
                return level, False
            if level is None:
                level = hit_bits if hit_bits is not None else snap.bits_of(hits)
            narrowed = level
            for postings in group:
                narrowed &= postings.bits if isinstance(postings, DenseTerm) else snap.bits_of(postings)
            if narrowed.bit_count() < wanted:
                return level, False
            level = narrowed
        return level, True

    def suggest(self, word, limit=3):
        """Index terms close to `word` (edit distance 1, else 2), most frequent first."""
        snap = self.snapshot()
        found = Counter()
        for maxdist in (1, 2):
            for leaf, _base in snap.leaves:
                for term in leaf.terms_within("f", word, maxdist, prefix=1):
                    if " " not in term and term != word:
                        found[term] += leaf.doc_frequency("f", term)
            if found:
                break
        return [term for term, _n in found.most_common(limit)]
