"""``logistics zones build|list|lookup`` and ``logistics coverage`` against the test database."""

import json
import re

import pytest
from typer.testing import CliRunner

from logistics.cli import app
from logistics.store.db import make_sessionmaker
from logistics.store.zones import read_zones


@pytest.fixture
def run(clean_db, db_url, network_cache_dir, monkeypatch):
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", db_url)
    monkeypatch.setenv("LOGISTICS_CACHE_DIR", str(network_cache_dir))
    monkeypatch.delenv("LOGISTICS_DATA_DIR", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def _zones(engine, territory):
    with make_sessionmaker(engine)() as session:
        return read_zones(session, territory)


def test_build_list_lookup_and_coverage_on_the_ecrins_roads(run, clean_db, ecrins_network):
    assert run("load-sample", "ecrins").exit_code == 0
    result = run("zones", "build", "--territory", "ecrins", "-k", "4", "--cutoff", "12:00")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "territory ecrins: 4 zones over 114 communes, balanced by population; saved" in out
    rows = re.findall(r"^Zone (\d) +(\d+) +([\d,]+) ", out, flags=re.M)
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    assert sum(int(r[2].replace(",", "")) for r in rows) == 119_533
    assert "travel minutes: road graph" in out and "ESTIMATE" not in out
    assert "cut-off: 12:00 the day before" in out
    assert "communes of no zone: none" in out
    assert "disconnected piece linked: 05082 - 05119" in out
    stored = _zones(clean_db, "ecrins")
    assert stored["population"].sum() == 119_533 and len(stored) == 4

    listed = run("zones", "list", "--territory", "ecrins")
    assert listed.exit_code == 0
    assert "4 zones, 119,533 inhabitants" in listed.output
    assert re.search(r"Zone 1 .* Mon +12:00 +1d +Zone 1 hub \(Gap\)", listed.output)

    gap = run(
        "zones",
        "lookup",
        "-t",
        "ecrins",
        "--lon",
        "6.0795",
        "--lat",
        "44.5589",
        "--ordered-at",
        "2026-04-30T11:00:00+02:00",
    )  # a Thursday; 1 May is a Friday
    assert gap.exit_code == 0, gap.output
    assert "zone Zone 1 (round days Mon)" in gap.output
    assert "delivered 2026-05-04, cut-off 2026-05-03T12:00:00+02:00" in gap.output
    nowhere = run("zones", "lookup", "-t", "ecrins", "--lon", "2.35", "--lat", "48.85")
    assert nowhere.exit_code == 1 and "is in no zone of ecrins" in nowhere.output

    coverage = run("coverage", "--territory", "ecrins", "--thresholds", "10,30")
    assert coverage.exit_code == 0, coverage.output
    lines = re.findall(r"^ +(\d+) +([\d,]+) +([\d,]+) +([\d.]+)% +(\d+)$", coverage.output, re.M)
    assert [int(m) for m, *_ in lines] == [10, 30]
    assert all(int(total.replace(",", "")) == 119_533 for _, _, total, _, _ in lines)
    reached = [int(r.replace(",", "")) for _, r, *_ in lines]
    assert 0 < reached[0] < reached[1] < 119_533
    assert "origins: 4 hub" in coverage.output
    assert "travel times: road graph" in coverage.output
    assert "ESTIMATE" not in coverage.output


def test_departement_zones_and_coverage_use_the_labelled_estimate(run, clean_db, tmp_path):
    assert run("load-sample", "mayenne").exit_code == 0
    result = run("zones", "build", "-t", "mayenne", "-k", "5", "--round-days", "mar,ven")
    assert result.exit_code == 0, result.output
    assert "travel minutes: ESTIMATE: straight-line" in result.output
    assert "balance (max/min demand): 1.05" in result.output
    assert _zones(clean_db, "mayenne")["round_days"].tolist() == [[2, 5]] * 5
    out = tmp_path / "iso.geojson"
    coverage = run("coverage", "-t", "mayenne", "--thresholds", "15", "--geojson", str(out))
    assert coverage.exit_code == 0, coverage.output
    assert "travel times: ESTIMATE" in coverage.output
    assert "ESTIMATE: no road network for this territory" in coverage.output
    assert re.search(r"^ +15 +[\d,]+ +305,468 ", coverage.output, re.M)
    data = json.loads(out.read_text())
    assert len(data["features"]) == 1 and "ESTIMATE" in data["method"]


def test_zones_by_orders_and_depots(run, clean_db):
    assert run("load-sample", "ecrins").exit_code == 0
    no_orders = run(
        "zones", "build", "-t", "ecrins", "-k", "3", "--demand", "orders", "--roads", "none"
    )
    assert no_orders.exit_code == 2 and "no stored orders" in no_orders.output
    no_depots = run("zones", "build", "-t", "ecrins", "--hubs", "depots", "--roads", "none")
    assert no_depots.exit_code == 2 and "has no depots" in no_depots.output
    assert (
        run(
            "generate", "--territory", "ecrins", "--orders", "120", "--date", "2025-06-03"
        ).exit_code
        == 0
    )
    result = run(
        "zones",
        "build",
        "-t",
        "ecrins",
        "--hubs",
        "depots",
        "--demand",
        "orders",
        "--roads",
        "none",
    )
    assert result.exit_code == 0, result.output
    stored = _zones(clean_db, "ecrins")
    assert len(stored) >= 1 and stored["hub_name"].str.startswith("Hub ").all()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("zones", "build", "-t", "atlantis", "-k", "3"), 1, "no territory 'atlantis'"),
        (("zones", "build", "-t", "ecrins"), 2, "-k (number of zones) is required"),
        (("zones", "build", "-t", "ecrins", "-k", "0", "--roads", "none"), 2, "k must be"),
        (("zones", "build", "-t", "ecrins", "-k", "2", "--demand", "x"), 2, "--demand 'x'"),
        (("zones", "build", "-t", "ecrins", "-k", "2", "--hubs", "x"), 2, "--hubs 'x'"),
        (("zones", "build", "-t", "ecrins", "-k", "2", "--round-days", "8"), 2, "invalid weekday"),
        (("zones", "build", "-t", "ecrins", "-k", "2", "--cutoff", "25:00"), 2, "cutoff time"),
        (("zones", "build", "-t", "ecrins", "-k", "2", "--roads", "/no/such"), 2, "no such file"),
        (("zones", "list", "-t", "ecrins"), 2, "has no zones yet"),
        (
            (
                "zones",
                "lookup",
                "-t",
                "ecrins",
                "--lon",
                "6",
                "--lat",
                "44.5",
                "--ordered-at",
                "2026-05-01T10:00",
            ),
            2,
            "has no offset",
        ),
        (("coverage", "-t", "ecrins"), 2, "has no zones yet"),
        (("coverage", "-t", "ecrins", "--thresholds", "10,x"), 2, "--thresholds: 'x'"),
        (("coverage", "-t", "ecrins", "--from", "shops"), 2, "accepted: hubs, collection-points"),
        (("coverage", "-t", "ecrins", "--from", "collection-points"), 2, "no collection points"),
        (("coverage", "-t", "atlantis"), 1, "no territory 'atlantis'"),
    ],
)
def test_clear_errors(run, args, code, message):
    assert run("load-sample", "ecrins").exit_code == 0
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
