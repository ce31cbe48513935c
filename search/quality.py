"""Measuring search quality: load content in the import format straight into
the index, run judged queries, report recall@10 and MRR per query type.

Used by bench/search_quality.py and by the corpus test. The mapping from an
import record to a SearchDoc follows what the content store indexes for an
item (the body, then the fields people type: document type, issuer, agency,
field, tags), so the figures describe what the portal will return.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine import run_search
from .index import KIND_CODES, SearchDoc, index_document

CORPUS_FILES = ("news-vi.jsonl", "trilingual.jsonl", "laws.jsonl.gz",
                "legal-refs.jsonl", "procedures.jsonl.gz")
TOP = 10

_EXTRA_FIELDS = ("doc_type", "issuer", "signer", "agency", "field", "level")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def record_to_doc(record: dict[str, Any], number: int) -> SearchDoc | None:
    """The search document for one import record, or None when it has no
    title or is not a searchable kind (sections)."""
    title = (record.get("title") or "").strip()
    if not title or record.get("kind") not in KIND_CODES:
        return None
    extra = [str(record[k]) for k in _EXTRA_FIELDS if record.get(k)]
    extra += [t for t in record.get("tags") or [] if isinstance(t, str)]
    body = record.get("body") or ""
    if extra:
        body = f"{body}\n\n" + " · ".join(extra)
    external_id = record.get("external_id")
    return SearchDoc(
        ref=f"item:{number}", kind=record["kind"], lang=record["lang"], title=title,
        url=f"/{record['lang']}/x/{external_id}", summary=record.get("summary") or "",
        body=body, date=record.get("published_at") or record.get("issued_at"),
        number=record.get("number") or record.get("code"), item_id=number,
        external_id=external_id,
    )


def corpus_records(folder: Path) -> Iterator[dict[str, Any]]:
    for name in CORPUS_FILES:
        yield from read_jsonl(folder / name)


def load_docs(conn: sqlite3.Connection, records: Iterable[dict[str, Any]],
              first_number: int = 1) -> tuple[int, int]:
    """Index every record in one transaction; returns (indexed, skipped)."""
    indexed = skipped = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for number, record in enumerate(records, start=first_number):
            doc = record_to_doc(record, number)
            if doc is None:
                skipped += 1
                continue
            index_document(conn, doc)
            indexed += 1
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return indexed, skipped


@dataclass
class TypeScore:
    queries: int = 0
    recall: float = 0.0
    reciprocal_rank: float = 0.0
    misses: list[str] = field(default_factory=list)

    @property
    def recall_at_10(self) -> float:
        return self.recall / self.queries if self.queries else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_rank / self.queries if self.queries else 0.0


Search = Callable[[sqlite3.Connection, str], list[str]]


def top_external_ids(conn: sqlite3.Connection, q: str) -> list[str]:
    answer = run_search(conn, q, per_page=TOP)
    return [item["external_id"] for item in answer["items"]]


def judge(conn: sqlite3.Connection, queries: Iterable[dict[str, Any]],
          search: Search = top_external_ids) -> dict[str, TypeScore]:
    """recall@10 (share of the relevant found in the top ten, out of at most
    ten) and MRR (1 / rank of the first relevant hit) per query type."""
    scores: dict[str, TypeScore] = defaultdict(TypeScore)
    for query in queries:
        found = search(conn, query["q"])[:TOP]
        relevant = set(query["relevant"])
        score = scores[query["type"]]
        score.queries += 1
        score.recall += len(relevant & set(found)) / min(len(relevant), TOP)
        ranks = [rank for rank, ext in enumerate(found, start=1) if ext in relevant]
        score.reciprocal_rank += 1 / ranks[0] if ranks else 0.0
        if not ranks or len(relevant & set(found)) < min(len(relevant), TOP):
            score.misses.append(query["q"])
    return dict(sorted(scores.items()))


def markdown_table(scores: dict[str, TypeScore]) -> str:
    lines = ["| query type | queries | recall@10 | MRR |",
             "| --- | ---: | ---: | ---: |"]
    for name, score in scores.items():
        lines.append(f"| {name} | {score.queries} | {score.recall_at_10:.3f} "
                     f"| {score.mrr:.3f} |")
    return "\n".join(lines)
