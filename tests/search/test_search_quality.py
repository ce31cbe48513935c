"""Search quality on the real corpus and its judged queries (PORTAL_CORPUS)."""

from pathlib import Path

import pytest

from appliance.db import open_sync
from search.quality import corpus_records, judge, load_docs, read_jsonl


@pytest.fixture(scope="module")
def scores(corpus: Path, tmp_path_factory):
    queries = corpus.parent / "search" / "queries-dev.jsonl"
    if not queries.is_file():
        pytest.skip(f"no judged queries beside the corpus: {queries} is missing")
    conn = open_sync(tmp_path_factory.mktemp("quality") / "search.db", create=True)
    indexed, _ = load_docs(conn, corpus_records(corpus))
    assert indexed > 6000
    result = judge(conn, read_jsonl(queries))
    conn.close()
    return result


@pytest.mark.corpus
def test_document_numbers_come_first(scores):
    for kind in ("number", "number-folded"):
        assert scores[kind].mrr >= 0.95, (kind, scores[kind].misses)


@pytest.mark.corpus
def test_title_phrases_are_in_the_top_ten(scores):
    for kind in ("phrase-vi", "phrase-vi-folded", "phrase-en"):
        assert scores[kind].recall_at_10 >= 0.9, (kind, scores[kind].misses)


@pytest.mark.corpus
def test_folded_queries_do_as_well_as_accented_ones(scores):
    gap = scores["phrase-vi"].recall_at_10 - scores["phrase-vi-folded"].recall_at_10
    assert gap <= 0.05


@pytest.mark.corpus
def test_khmer_substrings_are_found(scores):
    khmer = scores["khmer-substring"]
    assert khmer.recall_at_10 >= 0.85, khmer.misses


@pytest.mark.corpus
def test_everyday_words_find_the_procedure_meant(corpus, tmp_path):
    """Queries as citizens type them (a verb of intent, an everyday name of a
    paper, their own word order), judged by hand: bench/everyday-queries.jsonl."""
    queries = Path(__file__).resolve().parents[2] / "bench" / "everyday-queries.jsonl"
    conn = open_sync(tmp_path / "everyday.db", create=True)
    load_docs(conn, corpus_records(corpus))
    everyday = judge(conn, read_jsonl(queries))["everyday"]
    conn.close()
    assert everyday.recall_at_10 >= 0.95, everyday.misses
    assert everyday.mrr >= 0.8, everyday.misses
