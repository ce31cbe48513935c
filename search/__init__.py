"""Search: one full-text index over every content kind, Vietnamese and Khmer
aware (docs/search.md).

- textform: the search form of text (`sx()`) and its tokens;
- index: keeping the index (index_document, remove_document, rebuild);
- query: what a person typed, as safe FTS5 phrases and number keys;
- engine: run_search, the answer of /api/v1/search;
- highlight: marks and snippets on the original text;
- quality: recall and MRR on judged queries;
- synonyms, pins, querylog, spelling, suggest: what editors keep and see, and
  what helps people type;
- sources, connectors, fetch, mapping, sync: outside sources kept in step;
- service: the part's route and background jobs in the server; cli: the
  `portal source` commands.
"""


def setup(app) -> None:
    """Register the part's routes and jobs (after feeds, whose OpenAPI
    document it adds to)."""
    from .service import setup as setup_service

    setup_service(app)
