import pytest

from logistics.store.db import make_sessionmaker
from logistics.store.territory import ensure_platform, upsert_territory
from tests.api.planning_jobs import empty_queue


@pytest.fixture
def queue_db(clean_db, db_url):
    """The test database URL; the job queue's tables are emptied after the test."""
    yield db_url
    empty_queue(clean_db)


@pytest.fixture
def factory(clean_db):
    return make_sessionmaker(clean_db)


@pytest.fixture
def platform(db_session):
    """A territory ``champsaur`` (no communes) and its platform; returns the platform id."""
    upsert_territory(db_session, "champsaur", "Champsaur", ["05"])
    platform_id = ensure_platform(db_session, "champsaur", "Champsaur Market")
    db_session.commit()
    return platform_id
