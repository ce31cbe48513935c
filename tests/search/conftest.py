"""Fixtures for the search tests: a fresh, migrated database file per test,
and helpers to index documents the way the content store does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from appliance.db import open_sync
from search.index import SearchDoc, index_document


@pytest.fixture(autouse=True)
def english():
    """Messages are read in English in these tests, whatever ran before."""
    from appliance.i18n import set_language

    set_language("en")


@pytest.fixture
def db(tmp_path: Path):
    connection = open_sync(tmp_path / "search.db", create=True)
    yield connection
    connection.close()


def _doc(n: int, title: str, **fields) -> SearchDoc:
    values = {"kind": "article", "lang": "vi", "url": f"/vi/tin-tuc/{n}",
              "external_id": f"ext-{n}"}
    values.update(fields)
    return SearchDoc(ref=f"item:{n}", title=title, item_id=n, **values)


@pytest.fixture
def doc() -> Callable[..., SearchDoc]:
    """doc(n, title, **fields): the search document of item n."""
    return _doc


@pytest.fixture
def add(db) -> Callable[..., None]:
    """add(*docs): index documents in one transaction, as the content store
    does inside its own."""

    def add_docs(*docs: SearchDoc) -> None:
        db.execute("BEGIN IMMEDIATE")
        for document in docs:
            index_document(db, document)
        db.execute("COMMIT")

    return add_docs


# -- fixture sources ------------------------------------------------------------

@pytest.fixture(scope="session")
def source_corpus(corpus):
    from sources_support import Corpus

    return Corpus.load(corpus)


@pytest.fixture
def source_state(source_corpus):
    from sources_support import State

    return State(source_corpus)


@pytest.fixture
async def sources_server(aiohttp_server, source_state):
    """The fixture sources on loopback; `.make_url(path)` addresses one."""
    from sources_support import fixture_app

    return await aiohttp_server(fixture_app(source_state))


@pytest.fixture
def doc_item(conn):
    """doc_item(title, kind, code): a published item of the test site."""
    from appliance import content
    from appliance.content import ItemInput
    from appliance.db import transaction

    def make(title: str, kind: str, code: str | None):
        data = ItemInput(kind=kind, lang="vi", title=title,
                         procedure={"code": code} if kind == "procedure" else {})
        return transaction(conn, lambda db: content.save_item(db, data,
                                                              status="published"))

    return make
