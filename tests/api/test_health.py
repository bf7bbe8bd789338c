from fastapi.testclient import TestClient

from logistics.api.main import create_app
from logistics.config import Settings


def test_health_reports_database_and_postgis(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["postgis_version"].startswith("3.")
    assert body["database"]["server_version"][0].isdigit()


def test_health_is_503_in_the_error_shape_when_the_database_is_down():
    app = create_app(Settings(database_url="postgresql+psycopg://x:y@127.0.0.1:1/none"))
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "setup"
    assert "cannot reach PostgreSQL" in error["message"]
    assert ":y@" not in error["message"]


def test_unknown_route_uses_the_error_shape(client):
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = client.post("/health")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_openapi_documents_every_route(client):
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("description"), (method, path)
    for name, component in schema["components"]["schemas"].items():
        fields = component.get("properties", {}).values()
        assert "examples" in component or all("examples" in f for f in fields), name
