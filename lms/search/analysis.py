"""The Vietnamese analyzer: one pass from text to index terms, used for documents and queries alike.

- NFC first (macOS and some Windows keyboards send decomposed or mixed forms), lowercase, and the
  tone mark put in one place (core.text.tone_canonical: "hoà" = "hòa").
- Every syllable twice: folded (diacritics off, đ→d: "phân" → "phan") in the field every query
  searches, and accented (as written) in a second field, so that an exact-accent match scores above
  a folded one. The accented field holds only the syllables that folding changes (a syllable
  without marks is the same in both), and no bigrams: bigrams are what make the vocabulary large,
  and the folded ones already rank the phrase.
- Syllable bigrams beside syllables ("phân số" → "phan so"): Vietnamese words are mostly two
  syllables, so a bigram stands for the word and for a two-syllable phrase; queries ask for the
  syllables and rank the documents holding the bigrams (the phrase) first. A bigram never spans
  punctuation ("số. Phân" is not "so phan").

Folding is a table lookup (`str.translate`), tokenising a regular-expression split: the indexer
turns about a million words a second into terms this way, where Whoosh's chain of token filters
did a tenth of that.
"""

import re
import unicodedata
from collections import Counter

from ..core.text import tone_canonical

# Anything that is neither a letter/digit nor a space ends a run of syllables.
_BREAK = re.compile(r"[^\w\s]+|_+")


def _fold_table():
    table = {}
    for code in range(0x80, 0x2000):
        char = chr(code)
        decomposed = unicodedata.normalize("NFD", char)
        if unicodedata.category(char) == "Mn":
            table[code] = None  # a stray combining mark NFC could not attach
            continue
        base = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
        if base != char and len(base) == 1:
            table[code] = base.lower() if char.islower() else base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    return table


FOLD = _fold_table()


def fold(text):
    """Diacritics off, đ→d, for NFC text already lowercased ("đường" → "duong")."""
    return text.translate(FOLD)


def normalise(text):
    """NFC, lowercase, one tone-mark placement: the accented form every term is made from."""
    return tone_canonical(unicodedata.normalize("NFC", text).lower())


def runs(text):
    """The runs of syllables of `text` (split at punctuation), each a list of accented syllables."""
    found = []
    for chunk in _BREAK.split(normalise(text)):
        words = chunk.split()
        if words:
            found.append(words)
    return found


def terms(text):
    """(folded, accented): Counters of the index terms of `text` for the folded field and the
    accented field (syllables and bigrams; the accented field only what folding changes)."""
    folded_terms, accented_terms = [], []
    for words in runs(text):
        flat = [fold(w) for w in words]
        folded_terms += flat
        if len(words) > 1:
            folded_terms += [f"{a} {b}" for a, b in zip(flat, flat[1:], strict=False)]
        accented_terms += [w for w, f in zip(words, flat, strict=True) if w != f]
    return Counter(folded_terms), Counter(accented_terms)


def word_count(text):
    return sum(len(words) for words in runs(text))


class QueryTerms:
    """What a typed query asks for: its syllables (folded), the bigrams of each run (folded), and
    the accented forms the user typed (only those with marks: they rank exact matches first)."""

    def __init__(self, text, max_syllables=12):
        self.syllables, self.bigrams, self.accented = [], [], []
        count = 0
        for words in runs(text or ""):
            words = words[:max_syllables - count]
            count += len(words)
            flat = [fold(w) for w in words]
            self.syllables += flat
            pairs = list(zip(words, words[1:], strict=False))
            self.bigrams += [f"{fold(a)} {fold(b)}" for a, b in pairs]
            self.accented += [w for w, f in zip(words, flat, strict=True) if w != f]
            if count >= max_syllables:
                break
        self.syllables = list(dict.fromkeys(self.syllables))
        self.bigrams = list(dict.fromkeys(self.bigrams))
        self.accented = list(dict.fromkeys(self.accented))

    def __bool__(self):
        return bool(self.syllables)

    @property
    def folded_text(self):
        return " ".join(self.syllables)

