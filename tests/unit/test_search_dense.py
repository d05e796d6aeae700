"""Common terms kept per index generation as bitsets (issue 12): a query answered from them (hits,
count, facets, ranking, filters, permissions) answers exactly what reading the postings answers,
and the kept sets follow the index (a commit or a swapped-in rebuild is a new generation).
Small indexes in a temporary folder, no application."""

import random

import pytest

from lms.search import analysis, index
from lms.search.documents import Doc, analysed

WORDS = ["phân", "số", "tam", "giác", "của", "và", "đường", "thẳng", "hình", "học", "tế", "bào"]
SUBJECTS = ["toan", "khtn", "ngu_van"]


def doc(number, body, title="", item_type="question", scope="pub", state="approved", owner=1, subject=None):
    made = Doc(item=f"{item_type}:{number}", type=item_type, id=number, scope=scope, title=title,
               text=f"{title} {body}", subject=subject or SUBJECTS[number % 3], grade=6 + number % 3,
               kind="slides" if item_type == "material" else "", level="" if item_type == "material" else "van_dung",
               state=state, owner=owner, sort_at=number % 17)
    made.f, made.a, made.flen, made.alen = analysed(title, body)
    return made


def corpus(rng, count):
    docs = []
    for n in range(1, count + 1):
        words = rng.choices(WORDS, k=rng.randint(3, 25))
        if rng.random() < 0.9:
            words.insert(rng.randrange(len(words) + 1), "của")  # in most documents, in several blocks
        body = " ".join(w if rng.random() < 0.8 else analysis.fold(w) for w in words)
        docs.append(doc(n, body, title=" ".join(rng.choices(WORDS, k=2)),
                        item_type="material" if n % 4 == 0 else "question"))
    return docs


def build(folder, seed=11, count=400):
    """An index kept the incremental way: a first commit, then items replaced (deletions), drafts
    of published items (working documents) and new items in a second segment."""
    rng = random.Random(seed)
    docs = corpus(rng, count)
    ix = index.open_current(folder)
    writer = index.writer(ix)
    for d in docs:
        index.add(writer, d)
    writer.commit()
    writer = index.writer(index.open_current(folder))
    for d in rng.sample(docs, 40):
        writer.delete_by_term("item", d.item)
        index.add(writer, doc(d.id, "của và " + " ".join(rng.choices(WORDS, k=8)), item_type=d.type))
    for d in rng.sample(docs, 15):
        index.add(writer, doc(d.id, "phân số của tam giác " + " ".join(rng.choices(WORDS, k=5)), item_type=d.type,
                              scope="work", state="draft", owner=7))
    writer.commit()
    return index.Index(folder)


QUERIES = ["của", "cua", "và", "của và", "cua va tam", "phân số", "phan so cua", "tam giác của và hình",
           "tế bào", "đường thẳng hình học của", "xyz", "của xyz"]
SCOPES = [index.Scope(types=frozenset({"material", "question"})),
          index.Scope(types=frozenset({"material"})),
          index.Scope(types=frozenset({"material", "question"}), owner="7"),
          index.Scope(types=frozenset({"material", "question"}), all_work=True)]
FILTERS = [None, {"subject": "toan"}, {"type": "question", "grade": "7"}]


def answers(engine):
    found = {}
    for q in QUERIES:
        query = analysis.QueryTerms(q)
        for s, scope in enumerate(SCOPES):
            for f, filters in enumerate(FILTERS):
                for sort, offset in (("relevance", 0), ("relevance", 7), ("newest", 0)):
                    result, snap = engine.search(scope, query, filters, sort, offset, 10)
                    found[(q, s, f, sort, offset)] = (
                        result.total, [snap.meta[d][index.M["item"]] + snap.meta[d][index.M["scope"]]
                                       for d in result.docnums],
                        result.scores, [list(v.items()) for v in result.facets.values()])
    return found


def test_dense_terms_answer_what_the_postings_answer(tmp_path, monkeypatch):
    engine = build(str(tmp_path))
    assert engine.snapshot().has_deletions and len(engine.snapshot().leaves) == 2
    read = answers(engine)
    assert not engine.snapshot()._dense  # 400 documents: no term is dense by default
    # Every term dense, every ranking through the candidates of the tiers.
    monkeypatch.setattr(index, "DENSE_MIN", 0)
    monkeypatch.setattr(index, "DENSE_SHARE", 10**9)
    monkeypatch.setattr(index, "CASCADE_MIN", 0)
    narrowed = []
    candidates = index.Index._candidates

    def counted(*args):
        found = candidates(*args)
        narrowed.append(found[0] is not None)
        return found

    monkeypatch.setattr(index.Index, "_candidates", counted)
    fresh = index.Index(str(tmp_path))
    assert answers(fresh) == read
    assert any(narrowed) and not all(narrowed)
    assert ("f", "cua") in fresh.snapshot()._dense
    # Some dense (the common syllables), some not: both paths in one query.
    monkeypatch.setattr(index, "DENSE_MIN", engine.snapshot().doc_frequency("f", "cua"))  # the commonest
    mixed = index.Index(str(tmp_path))
    assert answers(mixed) == read
    dense = mixed.snapshot()._dense
    assert ("f", "cua") in dense and ("f", "xyz") not in dense and ("f", "te") not in dense
    # The tiers' candidates were used: "cua va tam" has more hits than the page holds.
    found, _snap = mixed.search(SCOPES[0], analysis.QueryTerms("cua va tam"), None, "relevance", 0, 5)
    assert found.total > 5


def test_the_dense_count_facets_and_permissions(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "DENSE_MIN", 0)
    monkeypatch.setattr(index, "DENSE_SHARE", 10**9)
    engine = build(str(tmp_path))
    snap = engine.snapshot()
    live = [snap.meta[d] for d in snap.live]
    holding = set(snap.postings("f", "cua"))
    pub = [d for d in holding if snap.meta[d][index.M["scope"]] == "pub"]
    found, _snap = engine.search(SCOPES[0], analysis.QueryTerms("cua"), None, "relevance", 0, 5)
    assert found.total == len(pub) < len(live)
    assert found.facets["subject"] == {s: c for s, c in sorted(
        ((s, sum(1 for d in pub if snap.meta[d][index.M["subject"]] == s)) for s in SUBJECTS), key=lambda p: (-p[1], p[0]))
        if c}
    assert snap.dense("f", "cua").bits == snap.bits_of(holding)
    # The owner of the drafts sees each draft instead of its item's published document.
    found, snap = engine.search(SCOPES[2], analysis.QueryTerms("cua phan"), None, "relevance", 0, 1000)
    items = [snap.meta[d][index.M["item"]] for d in found.docnums]
    assert len(items) == len(set(items)) == found.total
    assert sum(found.facets["state"].values()) == found.total and found.facets["state"]["draft"] == 15


def test_the_kept_sets_follow_each_new_generation(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "DENSE_MIN", 0)
    monkeypatch.setattr(index, "DENSE_SHARE", 10**9)
    folder = str(tmp_path)
    engine = build(folder)
    scope, query = SCOPES[0], analysis.QueryTerms("của")
    before, snap = engine.search(scope, query, None, "relevance", 0, 5)
    kept = snap.dense("f", "cua")
    # A commit (the worker's batch): the next search sees a new snapshot, counted afresh.
    writer = index.writer(index.open_current(folder))
    for n in range(1001, 1006):
        index.add(writer, doc(n, "của của"))
    writer.commit()
    writer = index.writer(index.open_current(folder))
    writer.delete_by_term("item", "question:1001")
    writer.commit()
    after, snap = engine.search(scope, query, None, "relevance", 0, 5)
    assert after.total == before.total + 4
    assert snap.dense("f", "cua") is not kept and snap.dense("f", "cua").df == kept.df + 4
    # A rebuild swapped in (flask lms reindex): a new folder, counted afresh.
    path = index.new_generation(folder)
    rebuilt = index.bulk_writer(index.windex.open_dir(path))
    for n in range(1, 4):
        index.add(rebuilt, doc(n, "của tam giác"))
    rebuilt.commit()
    index.swap_in(folder, path)
    found, snap = engine.search(scope, query, None, "relevance", 0, 5)
    assert found.total == 3 and snap.dense("f", "cua").df == 3


def test_at_most_dense_terms_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "DENSE_MIN", 0)
    monkeypatch.setattr(index, "DENSE_SHARE", 10**9)
    monkeypatch.setattr(index, "DENSE_TERMS", 2)
    engine = build(str(tmp_path), count=60)
    totals = {}
    for q in ("của", "và", "tam", "của"):
        found, snap = engine.search(SCOPES[0], analysis.QueryTerms(q), None, "relevance", 0, 5)
        totals.setdefault(q, found.total)
        assert found.total == totals[q]
        assert len(snap._dense) <= 2


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 1000])
def test_bitsets_and_masks(size):
    rng = random.Random(size)
    docs = {d for d in range(size) if rng.random() < 0.3}
    mask = bytes(1 if d in docs else 0 for d in range(size))
    bits = index._bits_of_mask(mask)
    assert bits == sum(1 << d for d in docs)
    assert index._mask_of_bits(bits, size)[:size] == mask
