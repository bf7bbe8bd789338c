"""The OpenAPI document is complete enough to integrate from /docs alone."""

from logistics.api.main import create_app
from logistics.config import Settings

METHODS = {"get", "put", "post", "delete", "patch"}


def _schema():
    return create_app(Settings(database_url="postgresql+psycopg://x@127.0.0.1/none")).openapi()


def _has_example(schema: dict, components: dict) -> bool:
    if "$ref" in schema:
        return _has_example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "examples" in schema or "example" in schema:
        return True
    if schema.get("type") == "array" and "items" in schema:
        return _has_example(schema["items"], components)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return all(_has_example(o, components) for o in options if o.get("type") != "null")
    properties = schema.get("properties")
    return bool(properties) and all(_has_example(p, components) for p in properties.values())


def test_openapi_3_1_with_a_description():
    schema = _schema()
    assert schema["openapi"].startswith("3.1")
    assert schema["info"]["description"].strip()


def test_every_operation_is_described_with_examples():
    schema = _schema()
    components = schema["components"]["schemas"]
    problems = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            if not op.get("summary") or not op.get("description"):
                problems.append(f"{where}: no summary or description")
            for param in op.get("parameters", []):
                if not param.get("description"):
                    problems.append(f"{where}: parameter {param['name']} has no description")
                has = "example" in param or "examples" in param
                if not (has or _has_example(param["schema"], components)):
                    problems.append(f"{where}: parameter {param['name']} has no example")
            body = op.get("requestBody")
            if body:
                media = body["content"]["application/json"]
                if not (
                    "example" in media
                    or "examples" in media
                    or _has_example(media["schema"], components)
                ):
                    problems.append(f"{where}: request body has no example")
            for code, response in op.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    if "schema" in media and not _has_example(media["schema"], components):
                        problems.append(f"{where}: response {code} has no example")
    assert not problems, "\n".join(problems)


def test_every_schema_has_an_example():
    components = _schema()["components"]["schemas"]
    missing = [name for name, s in components.items() if not _has_example(s, components)]
    assert not missing, f"schemas without an example: {missing}"


def test_errors_are_documented_in_the_one_error_shape():
    schema = _schema()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            for code, response in op.get("responses", {}).items():
                if code.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorBody"), (method, path, code)


def test_api_enumerations_match_the_store():
    from typing import get_args

    from logistics.api.schemas.collection_points import Kind
    from logistics.api.schemas.webhooks import DeliveryOut
    from logistics.store.models import CollectionPointKind, DeliveryStatus

    assert set(get_args(get_args(Kind)[0])) == {k.value for k in CollectionPointKind}
    status = DeliveryOut.model_fields["status"].annotation
    assert set(get_args(status)) == {s.value for s in DeliveryStatus}
