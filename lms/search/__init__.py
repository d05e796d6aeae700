"""Vietnamese-aware full-text search over materials and questions (issue 12).

The only package that imports Whoosh. Its interface to the rest of the application:

- `services.search(user, filters, page, per_page)` and `services.matching_ids(type, text)`;
- `jobs.queue / drain / rebuild`, fed by after-commit events (materials.signals,
  questions.signals, review.signals);
- `analysis`: the analyzer (NFC, lowercase, one tone placement, folding with đ→d, syllables and
  bigrams, folded and accented).

A PostgreSQL backend for deployments on several app hosts (not written yet) would implement the
same `services` functions and replace `index.py` and `jobs.py`:

- a `search_document` table (item, scope, type, subject, grade, kind, level, school, state,
  owner, claimed, sort_at, title, text) with two `tsvector` columns built by the same analyzer in
  Python (folded terms with bigrams as single lexemes, accented terms), GIN-indexed; written in the
  same transaction as the change (no queue, no worker, no lock: the database serialises writers),
  so the after-commit listeners and `flask lms reindex` become a plain `INSERT … SELECT`;
- queries: `f @@ to_tsquery(syllables AND)`, ranked with `ts_rank_cd` over the bigrams and the
  accented forms with the same weights; permissions as the same Scope turned into a WHERE clause
  (scope = 'pub' AND NOT EXISTS … OR scope = 'work' AND owner = :user …); facets with one
  `GROUP BY GROUPING SETS` over the hits; `unaccent` is not needed when Python folds, but the
  folding table must stay the one in analysis.py;
- suggestions from `pg_trgm` similarity over a table of the folded syllables (`word`,
  `doc_count`), kept by the same writes.
What changes for the rest of the code: nothing; the index folder, the pending queue and the
worker's indexing job go away.
"""
