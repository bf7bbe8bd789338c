import shapely
from shapely.geometry import shape

from logistics.store.loaders import load_communes_file, load_sample
from logistics.store.territory import read_communes


def test_territories_and_communes_over_http(client, db_session, data_dir, api_key):
    load_sample(db_session, "ecrins", data_dir)
    db_session.commit()
    client.headers.update(api_key("analyst", territory="ecrins"))
    territories = client.get("/v1/territories").json()
    assert territories == [
        {
            "id": "ecrins",
            "name": "Écrins (Hautes-Alpes, Isère)",
            "departements": ["05", "38"],
            "communes": 114,
            "population": 119_533,
        }
    ]
    response = client.get("/v1/territories/ecrins/communes", params={"departement": "05"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert features and all(f["properties"]["departement"] == "05" for f in features)
    everything = client.get("/v1/territories/ecrins/communes").json()["features"]
    assert len(everything) == 114
    assert sum(f["properties"]["population"] for f in everything) == 119_533
    gap = next(f for f in features if f["id"] == "05061")
    assert gap["properties"]["name"] == "Gap"
    stored = read_communes(db_session, "ecrins").set_index("code").geometry["05061"]
    served = shape(gap["geometry"])
    assert served.geom_type == "MultiPolygon"
    # 6 decimals (about 10 cm): the outline is the stored one, rounded
    assert shapely.hausdorff_distance(served, stored) < 1e-5


def test_communes_errors(client, db_session, test_data, api_key):
    load_communes_file(db_session, test_data / "communes-valid.geojson", "champsaur")
    db_session.commit()
    client.headers.update(api_key("admin"))
    response = client.get("/v1/territories/atlantis/communes")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "no territory 'atlantis'; known territories: champsaur" in error["message"]
    response = client.get("/v1/territories/champsaur/communes", params={"departement": "5"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"].startswith("query.departement: ")
    assert error["details"][0]["value"] == "5"
    response = client.get("/v1/territories/champsaur/communes", params={"departement": "38"})
    assert response.json() == {"type": "FeatureCollection", "features": []}


def test_territories_need_a_key_and_stay_within_it(
    client, db_session, data_dir, test_data, api_key
):
    load_sample(db_session, "ecrins", data_dir)
    load_communes_file(db_session, test_data / "communes-valid.geojson", "champsaur")
    db_session.commit()
    response = client.get("/v1/territories")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    response = client.get("/v1/territories", headers={"Authorization": "Bearer lgk_nope"})
    assert response.status_code == 401
    headers = api_key("coordinator", territory="champsaur")
    assert [t["id"] for t in client.get("/v1/territories", headers=headers).json()] == ["champsaur"]
    # another territory's communes answer 404, exactly like a territory that does not exist
    response = client.get("/v1/territories/ecrins/communes", headers=headers)
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert "ecrins" in message
    assert "known territories" not in message
    admin = api_key("admin")
    ids = [t["id"] for t in client.get("/v1/territories", headers=admin).json()]
    assert ids == ["champsaur", "ecrins"]
