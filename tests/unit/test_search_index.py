"""The index's own machinery (issue 12): the rebuild's bulk writer writes what Whoosh's writer
writes, the ranking's top is the one a full sort gives, and a term in most documents ranks nothing.
Small indexes in a temporary folder, no application."""

import heapq
import random

from lms.search import analysis, index
from lms.search.documents import Doc, analysed


def doc(number, title, body, item_type="question"):
    made = Doc(item=f"{item_type}:{number}", type=item_type, id=number, scope="pub", title=title,
               text=f"{title} {body}", subject="toan", grade=6, state="approved", owner=1, sort_at=number)
    made.f, made.a, made.flen, made.alen = analysed(title, body)
    return made


def corpus(count=150):
    rng = random.Random(5)
    words = ["phân", "số", "tam", "giác", "của", "và", "đường", "thẳng", "hình", "học", "tế", "bào"]
    # "của" is in every document and in more than BLOCK of them: postings span several blocks.
    return [doc(n, " ".join(rng.choices(words, k=3)), "của " + " ".join(rng.choices(words, k=rng.randint(5, 20))))
            for n in range(1, count + 1)]


def postings_of(folder):
    ix = index.open_current(str(folder))
    snap = index.Snapshot(ix)
    try:
        found = {}
        for fieldname in ("f", "a"):
            for leaf, _base in snap.leaves:
                for term in leaf.lexicon(fieldname):
                    text = term.decode("utf-8")
                    found[(fieldname, text)] = (snap.postings(fieldname, text), snap.doc_frequency(fieldname, text))
        items = sorted(snap.meta[d][index.M["item"]] for d in snap.live)
        return found, items
    finally:
        snap.close()


def test_the_bulk_writer_writes_the_postings_whooshs_writer_writes(tmp_path):
    docs = corpus()
    plain = index.open_current(str(tmp_path / "plain"))
    writer = index.writer(plain)
    for d in docs:
        index.add(writer, d)
    writer.commit()
    # A tiny posting budget: the bulk writer writes several segments, as a large rebuild would.
    bulk = index.open_current(str(tmp_path / "bulk"))
    writer = index.bulk_writer(bulk, max_postings=1_000)
    for d in docs:
        index.add(writer, d)
    writer.commit()
    segments = index.Snapshot(index.open_current(str(tmp_path / "bulk")))
    assert len(segments.leaves) > 1
    segments.close()
    expected, bulk_found = postings_of(tmp_path / "plain"), postings_of(tmp_path / "bulk")
    assert expected[1] == bulk_found[1]  # the same items
    # The same terms, each in the same documents with the same weights (document numbers are
    # global to the reader in both), and the same document frequencies.
    assert max(len(p) for p, _df in expected[0].values()) > index.BLOCK
    assert bulk_found[0] == expected[0]
    engine_plain, engine_bulk = index.Index(str(tmp_path / "plain")), index.Index(str(tmp_path / "bulk"))
    scope = index.Scope(types=frozenset({"question"}))
    for q in ("tam giác", "của", "phan so", "đường thẳng hình"):
        query = analysis.QueryTerms(q)
        a, _snap = engine_plain.search(scope, query, None, "relevance", 0, 10)
        b, _snap = engine_bulk.search(scope, query, None, "relevance", 0, 10)
        assert (a.total, a.scores, a.facets) == (b.total, b.scores, b.facets), q


def test_the_top_of_the_ranking_is_what_a_full_sort_gives():
    rng = random.Random(3)
    for _trial in range(100):
        docs = rng.sample(range(500), rng.randint(0, 200))
        scores = [rng.choice([0.0, 1000.0, 1.5, 2.25, rng.random()]) for _d in docs]  # many ties
        tiebreak = list(range(500))
        rng.shuffle(tiebreak)
        by_tiebreak = sorted(range(500), key=tiebreak.__getitem__, reverse=True)
        wanted = rng.randint(1, 40)
        expected = heapq.nlargest(wanted, zip(scores, docs, strict=True), key=lambda p: (p[0], tiebreak[p[1]]))
        assert index._best(docs, scores, tiebreak, by_tiebreak, wanted) == expected


def test_a_term_in_most_documents_ranks_nothing_but_its_accented_form_still_does(tmp_path):
    docs = [doc(1, "", "của"), doc(2, "", "cua của của của của"), doc(3, "", "cua cua cua tam giác"),
            doc(4, "", "tam giác")]
    ix = index.open_current(str(tmp_path))
    writer = index.writer(ix)
    for d in docs:
        index.add(writer, d)
    writer.commit()
    engine = index.Index(str(tmp_path))
    scope = index.Scope(types=frozenset({"question"}))

    def ranked(q):
        found, snap = engine.search(scope, analysis.QueryTerms(q), None, "relevance", 0, 10)
        return [snap.meta[d][index.M["item"]] for d in found.docnums]

    # "cua" is in 3 documents of 4: its term frequency (2 holds it five times) does not rank, the
    # item order does; typed "của", the two documents holding that form come first.
    assert ranked("cua") == ["question:1", "question:2", "question:3"]
    assert set(ranked("của")[:2]) == {"question:1", "question:2"} and ranked("của")[2] == "question:3"
    assert ranked("cua tam") == ["question:3"]
    # A term in half the documents or fewer still ranks by BM25: 2 holds "cua" most often.
    docs_more = [doc(n, "", "khác") for n in range(5, 9)]
    writer = index.writer(index.open_current(str(tmp_path)))
    for d in docs_more:
        index.add(writer, d)
    writer.commit()
    assert ranked("cua")[0] == "question:2"
