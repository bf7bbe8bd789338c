import datetime as dt

import pytest

from logistics.sample.generate import GenerateParams
from logistics.store.loaders import generate_and_store, load_communes_file

DAY = dt.date(2025, 6, 3)  # a Tuesday
TERRITORY = "champsaur"


@pytest.fixture
def small_day(db_session, test_data, data_dir):
    """A stored day of 60 orders on the Champsaur test communes (2 vans, no roads)."""
    load_communes_file(db_session, test_data / "communes-valid.geojson", TERRITORY)
    day, _ = generate_and_store(
        db_session, TERRITORY, DAY, GenerateParams(orders=60, seed=3), data_dir=data_dir
    )
    db_session.commit()
    return day
