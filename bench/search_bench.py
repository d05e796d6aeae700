"""Search benchmark (issue 12): bulk indexing rate and query latency of the project's search against
SQLite FTS5 on the same synthetic Vietnamese corpus.

    .venv/bin/python bench/search_bench.py               # 100,000 documents (20k materials, 80k questions)
    .venv/bin/python bench/search_bench.py --docs 10000  # the same proportions, smaller
    .venv/bin/python bench/search_bench.py --keep /tmp/ix  # build into /tmp/ix; a second run with the
                                                           # same folder searches it without rebuilding

The corpus: syllables from bench/data/vi_syllables.txt (common words first, then well-formed
syllables), drawn with a Zipf distribution (s = 1.1); materials have 200–2,000 words of "extracted
text" (mean about 600) and a title, questions 20–80 words. Subjects, grades, kinds and levels are
spread evenly; every document is published (a student's view: the largest visible set).

What is timed:
- indexing: analysis (lms.search.analysis) and the bulk writer of a rebuild (lms.search.index), from
  strings to a committed index; documents/s and words/s (syllables of the text, titles included),
  by the wall clock and per second of the process's CPU time (on a shared machine the wall clock
  counts the other processes' turns too; the load average is printed beside it);
- search: `Index.search` with a student-like scope (permissions applied as in production), the
  count, the facets and the top 20 with their snippets (services._Highlighter): what
  services.search does beyond its one permission statement, for 50 fixed queries (accented,
  unaccented, 1–4 syllables, common and rare, with and without filters), each run 3 times after
  one warm-up round;
- FTS5: the same text folded the same way (analysis.fold) in an FTS5 table (`unicode61
  remove_diacritics 2`), filters as columns of the table; per query the top 20 by bm25 (multi-
  syllable queries as phrases) and the total count, in one in-memory database.
Prints p50/p95 of both, by the wall clock and by CPU time, and the ratios project/FTS5.
"""

import argparse
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import warnings  # noqa: E402

warnings.filterwarnings("ignore", category=SyntaxWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)

from lms.search import analysis, index  # noqa: E402
from lms.search.documents import SNIPPET_SOURCE_CHARS, Doc, analysed  # noqa: E402
from lms.search.services import _Highlighter  # noqa: E402

SUBJECTS = ["toan", "ngu_van", "tieng_anh", "khtn", "lich_su_dia_li", "tin_hoc", "cong_nghe", "gdcd"]
KINDS = ["slides", "worksheet", "etextbook", "video", "other"]
LEVELS = ["nhan_biet", "thong_hieu", "van_dung", "van_dung_cao"]


def syllables():
    return [line.strip() for line in (ROOT / "bench" / "data" / "vi_syllables.txt").read_text("utf-8").splitlines()
            if line.strip()]


class Corpus:
    def __init__(self, words, seed=7):
        self.words = words
        self.rng = random.Random(seed)
        weights = [1 / (rank + 1) ** 1.1 for rank in range(len(words))]
        total = 0.0
        self.cum = []
        for w in weights:
            total += w
            self.cum.append(total)

    def text(self, n):
        words = self.rng.choices(self.words, cum_weights=self.cum, k=n)
        # Sentences of 8–20 words: punctuation breaks bigrams as in real text.
        out, i = [], 0
        while i < len(words):
            length = self.rng.randint(8, 20)
            out.append(" ".join(words[i:i + length]) + ".")
            i += length
        return " ".join(out)

    def documents(self, count):
        materials = count // 5
        for i in range(count):
            rng = self.rng
            if i < materials:
                n = min(2000, 200 + int(rng.expovariate(1 / 400)))
                title = self.text(rng.randint(4, 10)).rstrip(".")
                body = self.text(n)
                yield dict(type="material", id=i + 1, title=title, body=body, subject=rng.choice(SUBJECTS),
                           grade=rng.randint(6, 8), kind=rng.choice(KINDS), level="")
            else:
                body = self.text(rng.randint(20, 80))
                yield dict(type="question", id=i + 1, title="", body=body, subject=rng.choice(SUBJECTS),
                           grade=rng.randint(6, 8), kind="", level=rng.choice(LEVELS))


def to_doc(d):
    title = d["title"] or " ".join(d["body"].split()[:20])
    doc = Doc(item=f"{d['type']}:{d['id']}", type=d["type"], id=d["id"], scope="pub", title=title,
              text=(d["title"] + " " + d["body"])[:SNIPPET_SOURCE_CHARS], subject=d["subject"], grade=d["grade"],
              kind=d["kind"], level=d["level"], school=1, state="approved", owner=1, sort_at=d["id"])
    doc.f, doc.a, doc.flen, doc.alen = analysed(d["title"], d["body"])
    return doc


def queries(words, corpus_sample):
    """50 fixed queries: (text, filters)."""
    rng = random.Random(99)
    common, rare = words[:40], words[1500:4000]
    qs = []
    for w in common[:8]:                                     # one common syllable, accented and not
        qs.append((w, {}))
    for w in common[8:12]:
        qs.append((analysis.fold(w), {}))
    for w in rng.sample(rare, 6):                            # one rare syllable
        qs.append((w, {}))
    for w in rng.sample(rare, 2):
        qs.append((analysis.fold(w), {}))
    for n in (2, 2, 2, 2, 3, 3, 3, 4, 4, 4):                # phrases from the text, accented
        qs.append((phrase(rng, corpus_sample, n), {}))
    for n in (2, 2, 3, 3, 4, 2):                             # the same, typed without accents
        qs.append((analysis.fold(phrase(rng, corpus_sample, n)), {}))
    for q in ("phân số", "tam giác", "phan so", "hinh hoc", "tế bào"):
        qs.append((q, {}))
    filters = [{"subject": "toan"}, {"grade": "7"}, {"type": "question"}, {"subject": "khtn", "grade": "6"},
               {"type": "material", "kind": "slides"}, {"level": "van_dung"}, {"subject": "toan"},
               {"grade": "8"}, {"type": "material"}]
    for i, f in enumerate(filters):                          # with filters
        q = common[i] if i % 3 == 0 else (phrase(rng, corpus_sample, 2) if i % 3 == 1 else rng.choice(rare))
        qs.append((q, f))
    assert len(qs) == 50, len(qs)
    return qs


def phrase(rng, sample, n):
    while True:
        text = rng.choice(sample)
        sentence = rng.choice(text.split("."))
        words = sentence.split()
        if len(words) >= n:
            start = rng.randrange(len(words) - n + 1)
            return " ".join(words[start:start + n])


def build_whoosh(folder, docs):
    ix = index.open_current(folder)
    writer = index.bulk_writer(ix)
    words = 0
    started, cpu = time.perf_counter(), time.process_time()
    for d in docs:
        doc = to_doc(d)
        words += sum(freq for term, (freq, _w) in doc.f.items() if " " not in term)
        index.add(writer, doc)
    writer.commit()
    return time.perf_counter() - started, time.process_time() - cpu, words


def build_fts(docs):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, type UNINDEXED, subject UNINDEXED, "
               "grade UNINDEXED, kind UNINDEXED, level UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')")
    started = time.perf_counter()
    rows = ((d["id"], analysis.fold(analysis.normalise(d["title"])), analysis.fold(analysis.normalise(d["body"])),
             d["type"], d["subject"], str(d["grade"]), d["kind"], d["level"]) for d in docs)
    db.executemany("INSERT INTO docs (rowid, title, body, type, subject, grade, kind, level) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    return db, time.perf_counter() - started


def fts_query(db, text, filters):
    q = analysis.QueryTerms(text)
    match = '"' + " ".join(q.syllables) + '"' if len(q.syllables) > 1 else q.syllables[0]
    where = ["docs MATCH ?"]
    params = [match]
    for name, value in filters.items():
        where.append(f"{name} = ?")
        params.append(value)
    clause = " AND ".join(where)
    top = db.execute(f"SELECT rowid, bm25(docs, 3.0, 1.0) AS score FROM docs WHERE {clause} "
                     f"ORDER BY score LIMIT 20", params).fetchall()
    (total,) = db.execute(f"SELECT count(*) FROM docs WHERE {clause}", params).fetchone()
    return total, top


def project_query(engine, scope, text, filters):
    query = analysis.QueryTerms(text)
    found, snap = engine.search(scope, query, filters, "relevance", 0, 20)
    highlighter = _Highlighter(query)
    for docnum in found.docnums:
        stored = snap.stored(docnum)
        highlighter.snippet(stored.get("text") or "")
    return found.total


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="a folder to build the index in (kept; an index already there is "
                                       "searched without being rebuilt)")
    args = parser.parse_args()

    words = syllables()
    print(f"Corpus: {args.docs} documents ({args.docs // 5} materials, {args.docs - args.docs // 5} questions), "
          f"{len(words)} syllables, Zipf s=1.1")
    started = time.perf_counter()
    docs = list(Corpus(words).documents(args.docs))
    print(f"  generated in {time.perf_counter() - started:.1f} s")

    folder = args.keep or tempfile.mkdtemp(prefix="search-bench-")
    try:
        load = os.getloadavg()[0]
        if args.keep and index.open_current(folder).doc_count():
            word_count = sum(len(d["title"].split()) + len(d["body"].split()) for d in docs)
            seconds = None
            print(f"Indexing (project): reused the index in {folder}")
        else:
            seconds, cpu, word_count = build_whoosh(folder, docs)
        if seconds:
            print(f"Indexing (project): {len(docs) / seconds:,.0f} documents/s, {word_count / seconds:,.0f} words/s "
                  f"({word_count:,} words in {seconds:.1f} s; load average {load:.1f} -> {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} CPUs)")
            print(f"  CPU time of the indexing process: {cpu:.1f} s, {word_count / cpu:,.0f} words per CPU second")
        fts, fts_seconds = build_fts(docs)
        print(f"Indexing (FTS5):    {len(docs) / fts_seconds:,.0f} documents/s, {word_count / fts_seconds:,.0f} words/s")

        sample = [d["body"] for d in docs[:: max(len(docs) // 500, 1)]]
        qs = queries(words, sample)
        engine = index.Index(folder)
        scope = index.Scope(types=frozenset({"material", "question"}), owner="999999")
        for text, filters in qs:  # warm-up: the snapshot, the filter sets, the page cache
            project_query(engine, scope, text, filters)
            fts_query(fts, text, filters)
        ours, theirs, totals = [], [], []
        ours_cpu, theirs_cpu = [], []
        per_query = []
        for _round in range(args.rounds):
            for text, filters in qs:
                t0, c0 = time.perf_counter(), time.process_time()
                total = project_query(engine, scope, text, filters)
                t1, c1 = time.perf_counter(), time.process_time()
                fts_total, _top = fts_query(fts, text, filters)
                t2, c2 = time.perf_counter(), time.process_time()
                ours.append((t1 - t0) * 1000)
                theirs.append((t2 - t1) * 1000)
                ours_cpu.append((c1 - c0) * 1000)
                theirs_cpu.append((c2 - c1) * 1000)
                per_query.append((text, filters, (t1 - t0) * 1000, (t2 - t1) * 1000, total, fts_total))
                totals.append((total, fts_total))
        p50, p95 = percentile(ours, 0.5), percentile(ours, 0.95)
        f50, f95 = percentile(theirs, 0.5), percentile(theirs, 0.95)
        print(f"Search (project): p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(ours):.1f} ms")
        print(f"Search (FTS5):    p50 {f50:.1f} ms, p95 {f95:.1f} ms, max {max(theirs):.1f} ms")
        print(f"Ratio project/FTS5: p50 {p50 / f50:.2f}, p95 {p95 / f95:.2f}")
        c50, c95 = percentile(ours_cpu, 0.5), percentile(ours_cpu, 0.95)
        g50, g95 = percentile(theirs_cpu, 0.5), percentile(theirs_cpu, 0.95)
        print(f"CPU time per query: project p50 {c50:.1f} ms, p95 {c95:.1f} ms; FTS5 p50 {g50:.1f} ms, "
              f"p95 {g95:.1f} ms; ratio p95 {c95 / g95:.2f} (load average now {os.getloadavg()[0]:.1f})")
        slowest = sorted(per_query, key=lambda row: -row[2])[:5]
        print("Slowest project queries (ms, hits; FTS5 ms, hits):")
        for text, filters, ms, fms, total, fts_total in slowest:
            print(f"  {ms:7.1f} {total:7d}  {fms:7.1f} {fts_total:7d}  {text!r} {filters or ''}")
        print(f"Median hits per query: project {statistics.median(t for t, _f in totals):.0f}, "
              f"FTS5 (phrases) {statistics.median(f for _t, f in totals):.0f}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
