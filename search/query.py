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

from appliance.text import fold, has_marks, nfc, number_key

from .textform import is_khmer_token, tokens

# The longest query the search page and the API accept; the engine reads no
# more either. What a query costs is bounded by its terms, not its length.
MAX_QUERY_CHARS = 500
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


@dataclass(frozen=True)
class Group:
    """One thing the query asks for: what was typed, and what else means the
    same (synonyms and abbreviations, from the table editors keep). Optional
    groups are words of intent (`xin`, `làm`, `cấp lại`): they need not
    match, but a title holding them ranks higher."""

    alternatives: tuple[Phrase, ...]
    optional: bool = False

    @property
    def typed(self) -> Phrase:
        return self.alternatives[0]

    @property
    def numeric(self) -> bool:
        return any(ch.isdigit() for t in self.typed.terms for ch in t)

    def fts(self, titles: bool = False) -> str:
        if len(self.alternatives) == 1:
            return self.typed.fts(titles)
        return "(" + " OR ".join(p.fts(titles) for p in self.alternatives) + ")"


@dataclass
class Query:
    text: str
    phrases: list[Phrase] = field(default_factory=list)
    # (folded token, accent key) of each typed word that carries marks.
    marked: list[tuple[str, str]] = field(default_factory=list)
    numbers: list[tuple[str, bool]] = field(default_factory=list)
    # What must match (and what may): the typed phrases with their synonyms.
    groups: list[Group] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.groups:
            self.groups = [Group((p,)) for p in self.phrases]

    @property
    def empty(self) -> bool:
        return not self.phrases and not self.numbers

    @property
    def required(self) -> list[Group]:
        return [g for g in self.groups if not g.optional]

    @property
    def expanded(self) -> bool:
        """Whether synonyms or words of intent changed what must match."""
        return any(len(g.alternatives) > 1 or g.optional for g in self.groups)

    def match_all(self, titles: bool = False, groups: list[Group] | None = None) -> str:
        """Every required group must match, in the words of the documents
        (never in their facet tokens)."""
        chosen = self.required if groups is None else groups
        if not chosen:
            return ""
        columns = "{title number}" if titles else "{title summary body number}"
        return f"{columns} : (" + " AND ".join(g.fts(titles) for g in chosen) + ")"

    def match_most(self) -> str | None:
        """Titles holding all but one of the required groups (three to six of
        them): the query as people type it often has a word the title lacks."""
        required = self.required
        if not 3 <= len(required) <= 6:
            return None
        # A number typed is never the word left out.
        subsets = [required[:i] + required[i + 1:] for i in range(len(required))
                   if not required[i].numeric]
        if not subsets:
            return None
        return "{title number} : (" + " OR ".join(
            "(" + " AND ".join(g.fts(True) for g in subset) + ")"
            for subset in subsets) + ")"

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

    def key(self) -> str:
        """The query folded and lower-cased, single spaces: what pins and
        query counts are filed under."""
        return query_key(self.text)


def query_key(text: str) -> str:
    return " ".join(fold(nfc(text)).lower().split())[:MAX_QUERY_CHARS]


def accent_key(word: str) -> str:
    """A word's letters with their shape marks, then its tone mark."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = "".join(ch for ch in decomposed if ch in _TONES)
    letters = "".join(ch for ch in decomposed if ch not in _TONES)
    return unicodedata.normalize("NFC", letters) + tones


# Words people put before the thing they want ("xin cấp lại CMND", "làm hộ
# khẩu ở đâu"): a title need not hold them, but holding them counts.
INTENT_WORDS = (
    "xin", "làm", "làm lại", "mở", "cấp", "cấp lại", "cấp mới", "đổi", "muốn",
    "cần", "thủ tục", "hướng dẫn", "cách", "hồ sơ",
)
# ... and the questions people put after it ("làm hộ chiếu ở đâu").
QUESTION_WORDS = ("ở đâu", "thế nào", "như thế nào", "bao lâu", "mất bao lâu",
                  "bao nhiêu", "mất bao nhiêu tiền")
_INTENT = {tuple(w.split()) for w in INTENT_WORDS + QUESTION_WORDS}
_QUESTIONS = {tuple(fold(w).split()) for w in QUESTION_WORDS}
# Typed without marks, a word is taken for intent only where its folded form
# is not also a common other word ("doi" is also đối, "can" also căn).
_AMBIGUOUS_FOLDED = {("doi",), ("can",), ("mo",), ("cap",), ("muon",), ("cach",)}
_INTENT_FOLDED = {tuple(fold(w).split()) for w in INTENT_WORDS} - _AMBIGUOUS_FOLDED
# What official titles say for the everyday verb ("làm hộ chiếu" is "Cấp hộ
# chiếu", "mở cửa hàng" is "Đăng ký thành lập hộ kinh doanh"): a title
# holding one counts as holding the word of intent.
INTENT_MEANS = {
    ("lam",): [("cap",), ("dang", "ky")],
    ("xin",): [("cap",), ("dang", "ky")],
    ("lam", "lai"): [("cap", "lai")],
    ("mo",): [("thanh", "lap"), ("dang", "ky")],
    ("doi",): [("cap", "doi")],
    ("can",): [("cap",)],
    ("muon",): [("cap",), ("dang", "ky")],
}
MAX_SPAN_WORDS = 6

# A synonym table: the folded words of a term -> the folded phrases that
# also mean it (search.synonyms builds it from the editors' table).
Synonyms = dict[tuple[str, ...], list[tuple[str, ...]]]


def parse(text: str, synonyms: Synonyms | None = None) -> Query:
    text = " ".join(nfc(text)[:MAX_QUERY_CHARS].split())
    query = Query(text)
    seen: set[Phrase] = set()
    terms = 0
    typed: list[tuple[str, list[Phrase]]] = []
    for word in text.split(" "):
        kept = []
        for phrase in _word_phrases(word):
            if len(seen) >= MAX_PHRASES or terms + len(phrase.terms) > MAX_TERMS:
                break
            kept.append(phrase)
            if phrase in seen:  # "lại" and "lái" are one word to the index
                continue
            seen.add(phrase)
            terms += len(phrase.terms)
            query.phrases.append(phrase)
        if kept:
            typed.append((word, kept))
        query.marked += _marked_tokens(word)
        query.numbers += _number_keys(word)
    query.groups = _groups(typed, synonyms or {})
    return query


def _groups(typed: list[tuple[str, list[Phrase]]], synonyms: Synonyms) -> list[Group]:
    """The typed words as groups: a run of whole words that a synonym names
    becomes one group with its alternatives; other words stay apart. Words
    of intent before the thing asked for, and questions after it, are
    optional groups (unless nothing else is left); elsewhere they are words
    like others ("được làm" is no request)."""
    found: list[tuple[Group, bool]] = []  # (group, may be intent)
    i = 0
    while i < len(typed):
        span, alternatives = _longest_span(typed, i, synonyms)
        if span:
            words = tuple(t for _, phrases in typed[i:i + span] for t in phrases[0].terms)
            others = tuple(Phrase(a) for a in dict.fromkeys(alternatives) if a != words)
            found.append((Group((Phrase(words), *others)), _is_intent(typed[i:i + span])))
            i += span
            continue
        word, phrases = typed[i]
        for phrase in phrases:
            intent = len(phrases) == 1 and _is_intent([typed[i]])
            found.append((Group((phrase,)), intent))
        i += 1
    leading = 0
    while leading < len(found) and found[leading][1] \
            and found[leading][0].typed.terms not in _QUESTIONS:
        leading += 1
    trailing = len(found)
    while trailing > leading and found[trailing - 1][1] \
            and found[trailing - 1][0].typed.terms in _QUESTIONS:
        trailing -= 1
    if leading == 0 and trailing == len(found) or leading >= trailing:
        # No words of intent, or nothing but: everything is asked for.
        return list(dict.fromkeys(g for g, _ in found))
    groups = []
    for n, (group, _) in enumerate(found):
        if n < leading or n >= trailing:
            means = INTENT_MEANS.get(group.typed.terms, [])
            extra = tuple(Phrase(m) for m in means if Phrase(m) not in group.alternatives)
            group = Group(group.alternatives + extra, optional=True)
        groups.append(group)
    return list(dict.fromkeys(groups))


def _longest_span(typed, start: int, synonyms: Synonyms):
    """(number of typed words, alternatives) of the longest run of words
    starting at typed word `start` that a synonym names, or of two or more
    words of intent; (0, []) when there is none."""
    for span in range(min(MAX_SPAN_WORDS, len(typed) - start), 0, -1):
        words = typed[start:start + span]
        if any(len(phrases) != 1 or phrases[0].khmer for _, phrases in words):
            continue
        key = tuple(t for _, phrases in words for t in phrases[0].terms)
        if key in synonyms:
            return span, synonyms[key]
        if span >= 2 and _is_intent(words):
            return span, []
    return 0, []


def _is_intent(words: list[tuple[str, list[Phrase]]]) -> bool:
    """Words of intent, as typed: with marks they must be the same word
    (`làm`, not `lâm`); typed without marks, the folded form is enough."""
    written = tuple(w.lower() for w, _ in words)
    if all(not has_marks(w) for w in written):
        return tuple(fold(w) for w in written) in _INTENT_FOLDED
    return written in _INTENT


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
