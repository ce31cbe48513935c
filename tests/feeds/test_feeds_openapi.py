"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document that tells the truth
about the live answers."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator

SCHEMA_PATHS = ("/api/v1/search", "/api/v1/openapi.json", "/healthz",
                "/{lang}/feed.xml", "/{lang}/atom.xml", "/{lang}/{section}/feed.xml",
                "/{lang}/{section}/atom.xml", "/sitemap.xml", "/sitemaps/{number}.xml",
                "/robots.txt", "/api/v1/search/suggest")


@pytest.fixture
async def spec(client) -> dict:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return await response.json()


def validator(spec: dict, name: str) -> Draft202012Validator:
    """A JSON Schema validator for one of the document's components."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return Draft202012Validator(schema)


def public_paths(spec: dict) -> dict:
    """The addresses anyone may call; the newsroom's API (tested with the
    newsroom) needs a personal token, the inbound API a partner key."""
    return {path: operations for path, operations in spec["paths"].items()
            if not path.startswith(("/api/v1/admin/", "/api/v1/inbound/"))}


def test_the_document_is_valid_openapi_3_1(client, spec):
    OpenAPIV31SpecValidator(spec).validate()
    assert spec["openapi"].startswith("3.1")
    assert spec["servers"] == [{"url": "http://localhost:8080"}]
    assert set(public_paths(spec)) >= set(SCHEMA_PATHS)
    served = {(route.method.lower(), route.resource.canonical)
              for route in client.app.router.routes()
              if route.name and route.name.startswith("feeds.")
              and not route.name.endswith(".static")
              and route.method != "HEAD"}
    documented = {(method, path) for path, item in spec["paths"].items()
                  for method in item if method != "parameters"}
    assert served - documented == set()


def test_search_parameters_are_described_as_implemented(spec):
    operation = spec["paths"]["/api/v1/search"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {"q", "kind", "lang", "page", "per_page", "section",
                               "issuer", "doc_type", "field", "year", "status", "sort"}
    assert parameters["per_page"]["schema"]["maximum"] == 100
    assert parameters["per_page"]["schema"]["default"] == 20
    assert parameters["page"]["schema"]["minimum"] == 1
    assert "dossier" not in parameters["kind"]["schema"]["items"]["enum"]
    assert parameters["kind"]["explode"] is True


@pytest.mark.parametrize("query", ["q=lúa", "q=đất+đai&kind=procedure&per_page=2",
                                   "q=31/2024/QH15", "q=", "q=rice&lang=en&page=2"])
async def test_search_answers_match_the_documented_schema(client, spec, news, query):
    response = await client.get(f"/api/v1/search?{query}")
    errors = list(validator(spec, "SearchAnswer").iter_errors(await response.json()))
    assert not errors, errors[0].message


async def test_problem_details_match_the_documented_schema(client, spec):
    response = await client.get("/api/v1/search?page=zero&kind=dossier")
    body = json.loads(await response.text())
    assert not list(validator(spec, "Problem").iter_errors(body))
    assert len(body["invalid_params"]) == 2


async def test_health_matches_the_documented_schema(client, spec):
    response = await client.get("/healthz")
    assert not list(validator(spec, "Health").iter_errors(await response.json()))


async def test_every_documented_address_answers(client, spec, news):
    values = {"lang": "vi", "section": "tin-tuc", "number": "1", "key": "tin-tuc",
              "slug": "nong-nghiep"}
    ids = {"articles": news["harvest"].id, "documents": news["law"].id,
           "procedures": news["procedure"].id}
    for template, operations in public_paths(spec).items():
        if template == "/api/v1/services/{id}":
            continue  # the known content has no online service
        found = re.match(r"/api/v1/(\w+)/\{id\}", template)
        if found:
            values["id"] = str(ids[found.group(1)])
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
        response = await client.get(path)
        assert response.status == 200, path
        documented = operations["get"]["responses"]["200"]["content"]
        assert response.content_type in documented, path
