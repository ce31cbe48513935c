"""Marking the words a query matched in the original, accented text.

The query's terms are folded (`thu tuc dat dai`); each of their letters
becomes a character class of every letter that folds to it, so the regex
runs straight on the stored text and the marks land on `Thủ tục đất đai`.
Folding a long body first would cost more than the search itself.
Everything is HTML-escaped before tags are added.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict

from appliance.text import fold

from .query import Phrase
from .textform import COENG, KHMER_MARKS

SNIPPET_CHARS = 200
# Long laws: look for a window in the first part only, chunk by chunk, so a
# page of results never scans megabytes of text.
SCAN_CHARS = 16_384
CHUNK_CHARS = 4_096
_LEAD_CHARS = 50


def _letter_variants() -> dict[str, str]:
    variants: dict[str, set[str]] = defaultdict(set)
    for cp in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        base = fold(chr(cp))
        if base != chr(cp) and len(base) == 1:
            variants[base.lower()].add(chr(cp))
    return {base: "".join(sorted(chars | {base, base.upper()}))
            for base, chars in variants.items()}


_VARIANTS = _letter_variants()


def _letter_class(ch: str) -> str:
    chars = _VARIANTS.get(ch) or (ch + ch.upper() if ch.upper() != ch else ch)
    return f"[{re.escape(chars)}]" if len(chars) > 1 else re.escape(chars)


def _letters(term: str) -> list[str]:
    """One pattern per letter of a search-form term."""
    # Coeng-ta in the search form stands for coeng-da too.
    term = term.replace(COENG + "\u178f", COENG + "\x00")
    return [_KHMER_TA if ch == "\x00" else _letter_class(ch) for ch in term]


_KHMER_TA = "[\u178a\u178f]"
_KHMER_WHOLE = f"(?![{KHMER_MARKS}{COENG}])"


def phrase_pattern(phrase: Phrase) -> str:
    """A regex for the phrase in original text. The boundary check sits after
    the first letter so the regex engine can skip ahead on that letter."""
    terms = ["".join(_letters(t)) for t in phrase.terms]
    head = _letters(phrase.terms[0])[0]
    terms[0] = "".join(_letters(phrase.terms[0])[1:])
    if phrase.khmer:
        # Clusters follow each other with no space between them; a cluster is
        # whole when no coeng comes before it and no sign or subscript after.
        body = (_KHMER_WHOLE + r"\W*").join(terms)
        end = "" if phrase.prefix else _KHMER_WHOLE
        return f"{head}(?<!{COENG}.){body}{end}"
    body = r"\W+".join(terms)
    return rf"{head}(?<!\w.){body}(?!\w)"


class Matcher:
    """Finds the query's phrases in text; one compiled regex per query.

    Each entry is a phrase, or a group of phrases that mean the same (a term
    and its synonyms): a group counts once, whichever phrase matched."""

    def __init__(self, phrases: list[Phrase | tuple[Phrase, ...]]) -> None:
        groups = [p if isinstance(p, tuple) else (p,) for p in phrases]
        self.count = len(groups)
        self._regex = None
        self._groups: list[int] = []
        # Longer phrases first, so they win where a shorter one also starts;
        # each alternative is numbered, and remembers its group.
        flat = [(group, phrase) for group, alternatives in enumerate(groups)
                for phrase in alternatives]
        ordered = sorted(enumerate(flat), key=lambda p: -sum(map(len, p[1][1].terms)))
        self._groups = [group for group, _ in flat]
        if ordered:
            alternatives = [f"(?P<p{i}>{phrase_pattern(p)})" for i, (_, p) in ordered]
            self._regex = re.compile("|".join(alternatives))

    def spans(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, phrase number) of each match in NFC text."""
        if self._regex is None or not text:
            return []
        return [(m.start(), m.end(), self._groups[int(m.lastgroup[1:])])
                for m in self._regex.finditer(text)]


def mark(text: str, spans: list[tuple[int, int, int]], offset: int = 0) -> str:
    """HTML-escape text[...] and wrap the spans (positions minus offset)."""
    out = []
    at = 0
    for start, end, _ in spans:
        start, end = start - offset, end - offset
        if start < at or start < 0 or end > len(text):
            continue
        out.append(html.escape(text[at:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def highlight(text: str, matcher: Matcher) -> str:
    return mark(text, matcher.spans(text))


def snippet(sources: list[str], matcher: Matcher,
            width: int = SNIPPET_CHARS) -> str:
    """A window of the source texts holding the most of the query, marked
    and escaped; the start of the first non-empty source otherwise.

    Sources are read chunk by chunk, and reading stops at the first window
    holding half the query's phrases or more: long bodies cost little.
    """
    enough = max(1, (matcher.count + 1) // 2)
    best: tuple[int, str, int, list[tuple[int, int, int]]] | None = None
    for text in sources:
        for start in range(0, min(len(text), SCAN_CHARS), CHUNK_CHARS):
            chunk = text[start:start + CHUNK_CHARS + width]
            window = _best_window(matcher.spans(chunk), width)
            if window and (best is None or window[0] > best[0]):
                best = (window[0], chunk, window[1], window[2])
            if best and best[0] >= enough:
                return _render(best[1], best[2], best[3], width)
    if best is not None:
        return _render(best[1], best[2], best[3], width)
    return _render(next((s for s in sources if s.strip()), ""), 0, [], width)


def _best_window(spans: list[tuple[int, int, int]], width: int):
    """(distinct phrases, start, spans) of the richest window, or None.

    A window starts a little before a match; spans are in text order, so
    one pass with a moving end finds the best.
    """
    best = None
    inside: Counter[int] = Counter()
    end = 0
    for i, (first, _, _) in enumerate(spans):
        while end < len(spans) and spans[end][1] <= first + width - _LEAD_CHARS:
            inside[spans[end][2]] += 1
            end += 1
        if best is None or len(inside) > best[0]:
            best = (len(inside), max(0, first - _LEAD_CHARS), spans)
        if i < end:
            phrase = spans[i][2]
            inside[phrase] -= 1
            if not inside[phrase]:
                del inside[phrase]
    return best


def _render(text: str, start: int, spans: list[tuple[int, int, int]],
            width: int) -> str:
    end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > start else end
    inside = [s for s in spans if s[0] >= start and s[1] <= end]
    body = " ".join(mark(text[start:end], inside, start).split())
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{body}{suffix}"
