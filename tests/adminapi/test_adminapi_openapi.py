"""The newsroom's API in the OpenAPI document: valid, complete (every route,
every field), secured by the bearer scheme, and true to the live answers."""

from __future__ import annotations

import io

import pytest
from adminapi_support import API, article
from aiohttp import FormData
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from PIL import Image

from newsroom import api


@pytest.fixture
async def spec(client) -> dict:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    return await response.json()


def validate(spec: dict, name: str, instance) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    errors = list(Draft202012Validator(schema).iter_errors(instance))
    assert not errors, f"{name}: {errors[0].message}"


def test_the_document_stays_valid_and_names_the_bearer_scheme(spec):
    OpenAPIV31SpecValidator(spec).validate()
    scheme = spec["components"]["securitySchemes"]["personalToken"]
    assert scheme == scheme | {"type": "http", "scheme": "bearer"}
    assert "/api/v1/search" in spec["paths"]  # the public part is still there


def test_every_route_is_documented_and_nothing_else(client, spec):
    served = {(route.method.lower(), route.resource.canonical)
              for route in client.app.router.routes()
              if route.resource and route.resource.canonical.startswith(API + "/")
              and route.method != "HEAD"}
    documented = {(method, path) for path, item in spec["paths"].items()
                  if path.startswith(API + "/")
                  for method in item if method != "parameters"}
    assert served == documented
    assert len(served) == len(api.ROUTES)
    for method, path in documented:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"personalToken": []}], path
        assert "401" in operation["responses"], path


@pytest.mark.parametrize(("schema", "fields", "required"), [
    ("AdminArticleInput", api.CREATE_FIELDS, ["lang", "title", "section"]),
    ("AdminArticleChanges", api.PATCH_FIELDS, ["revision"]),
    ("AdminTransitionRequest", api.TRANSITION_FIELDS, ["name"]),
    ("AdminTakedownRequest", api.TAKEDOWN_FIELDS, ["unpublish_at"]),
    ("AdminNoteInput", api.NOTE_FIELDS, ["body"]),
])
def test_request_schemas_name_exactly_the_fields_taken(spec, schema, fields, required):
    described = spec["components"]["schemas"][schema]
    assert set(described["properties"]) == set(fields)
    assert sorted(described["required"]) == sorted(required)


async def test_live_answers_match_the_documented_schemas(client, spec, sections,
                                                         add_staff, caller):
    tam = caller(add_staff("editor", "tam"))
    minh = caller(add_staff("editor", "minh"))
    validate(spec, "AdminMe", await (await tam.get("/me")).json())
    validate(spec, "AdminArticleInput", article())
    created = await (await tam.post("/items", article())).json()
    validate(spec, "AdminItem", created)
    path = f"/items/{created['id']}"
    validate(spec, "AdminItemList", await (await tam.get("/items")).json())
    validate(spec, "AdminLock", await (await tam.post(path + "/lock")).json())
    validate(spec, "AdminProblem", await (await minh.post(path + "/lock")).json())
    validate(spec, "AdminProblem",
             await (await minh.post(path + "/transitions", {"name": "x"})).json())
    note = await (await tam.post(path + "/notes", {"body": "Xem lại"})).json()
    validate(spec, "AdminNote", note)
    validate(spec, "AdminNoteList", await (await tam.get(path + "/notes")).json())
    validate(spec, "AdminRevisionList",
             await (await tam.get(path + "/revisions")).json())
    moved = await tam.post(path + "/transitions", {"name": "send_for_approval"})
    validate(spec, "AdminItem", await moved.json())
    validate(spec, "AdminProblem", await (await client.get(f"{API}/me")).json())

    image = io.BytesIO()
    Image.new("RGB", (640, 480), "blue").save(image, "JPEG")
    form = FormData()
    form.add_field("file", image.getvalue(), filename="a.jpg")
    form.add_field("alt", "Ảnh")
    response = await client.post(f"{API}/media", data=form, headers=tam.headers())
    validate(spec, "AdminMedia", await response.json())
