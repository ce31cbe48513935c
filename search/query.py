"""Turning what a person typed into a safe FTS5 expression.

User text never reaches MATCH as syntax: the query is cut into the same
tokens the index holds (search form, see textform) and every phrase is
quoted, so `"`, `*`, `NEAR(`, `thu-tuc` or `NĐ-CP` are only words.

- Words are ANDed. Tokens joined inside one typed word (`thu-tuc`,
  `42/2022/NĐ-CP`) must stay adjacent: they form a phrase.
- A Khmer run (no spaces between words) becomes one phrase of clusters, and
  its last cluster is a prefix, so a run cut inside a word (`ដុល្លា` for
  `ដុល្លារ`) still matches.
- Words that look like a document number or procedure code also give a
  lookup key for the number_key index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from appliance.text import has_marks, nfc, number_key

from .textform import is_khmer_token, tokens

# Longer input is cut: nobody types more, and the cost of a query grows with
# its terms.
MAX_QUERY_CHARS = 256
MAX_PHRASES = 12
MAX_TERMS = 32

_DIGIT = re.compile(r"\d")
# A word typed from inside a Khmer cluster starts with signs or subscripts
# whose letter is not there: that partial cluster cannot match, drop it.
_PARTIAL_CLUSTER = re.compile(
    "^(?:[\u17b4-\u17d1\u17d3\u17dd]|\u17d2[\u1780-\u17b3]?)+")
# Vietnamese tone marks; the other combining marks (circumflex, breve, horn)
# shape the letter. Old and new tone placement (hoà, hòa) give the same key.
_TONES = "\u0300\u0301\u0303\u0309\u0323"


@dataclass(frozen=True)
class Phrase:
    terms: tuple[str, ...]
    prefix: bool = False

    @property
    def khmer(self) -> bool:
        return is_khmer_token(self.terms[0])

    def fts(self, titles: bool = False) -> str:
        """The phrase in FTS5 syntax. A prefix on one Khmer letter would read
        the doclists of every cluster it starts (tens of ms over all text):
        only the title index gets it."""
        quoted = " ".join(term.replace('"', '""') for term in self.terms)
        prefix = self.prefix and (titles or len(self.terms[-1]) > 1)
        return f'"{quoted}"' + ("*" if prefix else "")


@dataclass
class Query:
    text: str
    phrases: list[Phrase] = field(default_factory=list)
    # (folded token, accent key) of each typed word that carries marks.
    marked: list[tuple[str, str]] = field(default_factory=list)
    numbers: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.phrases and not self.numbers

    def match_all(self, titles: bool = False) -> str:
        """Every phrase must match, anywhere in the document."""
        return " ".join(phrase.fts(titles) for phrase in self.phrases)

    def without_first_cluster(self) -> Query | None:
        """The query with the first cluster of each Khmer run of three or more
        dropped: typed from inside a word, that cluster may be a subscript in
        the text (`រទេស` for the `ប្រទេស` of the text). None if no run is
        long enough."""
        phrases = [Phrase(p.terms[1:], p.prefix) if p.khmer and len(p.terms) >= 3
                   else p for p in self.phrases]
        if phrases == self.phrases:
            return None
        return Query(self.text, phrases, self.marked, self.numbers)

    def whole_phrase(self) -> Phrase | None:
        """All the words in a row, when there are several; None otherwise."""
        if len(self.phrases) < 2 or any(p.khmer or p.prefix for p in self.phrases):
            return None
        return Phrase(tuple(t for p in self.phrases for t in p.terms))


def accent_key(word: str) -> str:
    """A word's letters with their shape marks, then its tone mark."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = "".join(ch for ch in decomposed if ch in _TONES)
    letters = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", letters) + tones


def parse(text: str) -> Query:
    text = " ".join(nfc(text)[:MAX_QUERY_CHARS].split())
    query = Query(text)
    seen: set[Phrase] = set()
    terms = 0
    for word in text.split(" "):
        for phrase in _word_phrases(word):
            if phrase in seen or len(seen) >= MAX_PHRASES:
                continue
            if terms + len(phrase.terms) > MAX_TERMS:
                break
            seen.add(phrase)
            terms += len(phrase.terms)
            query.phrases.append(phrase)
        query.marked += _marked_tokens(word)
        query.numbers += _number_keys(word)
    return query


def _word_phrases(word: str) -> list[Phrase]:
    """Runs of same-script tokens in one typed word, each a phrase."""
    phrases: list[Phrase] = []
    run: list[str] = []
    for _, _, token in tokens(_PARTIAL_CLUSTER.sub("", word)):
        if run and is_khmer_token(run[-1]) != is_khmer_token(token):
            phrases.append(_phrase(run))
            run = []
        run.append(token)
    if run:
        phrases.append(_phrase(run))
    return phrases


def _phrase(terms: list[str]) -> Phrase:
    return Phrase(tuple(terms), prefix=is_khmer_token(terms[-1]))


def _marked_tokens(word: str) -> list[tuple[str, str]]:
    return [
        (token, accent_key(word[start:end]))
        for start, end, token in tokens(word)
        if has_marks(word[start:end])
    ]


def _number_keys(word: str) -> list[tuple[str, bool]]:
    """Lookup keys for a word that may be a document number: the exact key,
    and for a bare `42/2022` every number that starts with it."""
    if not _DIGIT.search(word):
        return []
    key = number_key(word)
    if key is None:
        return []
    runs = key.split("-")
    if len(runs) == 1:
        return []
    keys = [(key, False)]
    if len(runs) == 2 and all(run.isdigit() for run in runs):
        keys.append((key + "-", True))
    return keys
