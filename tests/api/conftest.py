import pytest
from fastapi.testclient import TestClient

from logistics.api.main import create_app
from logistics.config import Settings


@pytest.fixture
def client(clean_db, db_url, data_dir):
    app = create_app(Settings(database_url=db_url, data_dir=data_dir), engine=clean_db)
    with TestClient(app) as test_client:
        yield test_client
