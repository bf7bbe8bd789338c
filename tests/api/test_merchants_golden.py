"""Golden examples of docs/examples/: post each request, compare with its documented response.

Values that change on every run are written in the response files as placeholders, and
compared by form only (see docs/examples/README.md):

- ``"<uuid>"``: any UUID (ids of stored objects, platform ids);
- ``"<timestamp>"``: any ISO 8601 date-time with a UTC offset.

Set ``LOGISTICS_WRITE_EXAMPLES=1`` to rewrite the response files from the current behaviour
(then review the diff).
"""

import datetime as dt
import json
import os
import uuid
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PAIRS = sorted(p.name.removesuffix(".request.json") for p in EXAMPLES.glob("*.request.json"))


def _placeholders(value, expected):
    """Return ``value`` with the documented placeholders where ``expected`` has them."""
    if isinstance(expected, dict) and isinstance(value, dict):
        return {k: _placeholders(v, expected.get(k)) for k, v in value.items()}
    if isinstance(expected, list) and isinstance(value, list):
        return [_placeholders(v, e) for v, e in zip(value, expected, strict=False)]
    if expected == "<uuid>" and isinstance(value, str):
        uuid.UUID(value)
        return "<uuid>"
    if expected == "<timestamp>" and isinstance(value, str):
        assert dt.datetime.fromisoformat(value).utcoffset() is not None, value
        return "<timestamp>"
    return value


def _write_placeholders(value, key=None):
    if isinstance(value, dict):
        return {k: _write_placeholders(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_write_placeholders(v) for v in value]
    if key in ("id", "platform_id") and value is not None:
        return "<uuid>"
    if key in ("created_at", "updated_at"):
        return "<timestamp>"
    return value


def test_every_request_has_a_response():
    assert PAIRS, "no golden examples in docs/examples/"
    for name in PAIRS:
        assert (EXAMPLES / f"{name}.response.json").exists(), name


@pytest.mark.parametrize("name", [n for n in PAIRS if n.startswith("merchants")])
def test_merchant_examples(client, api_key, two_territories, name):
    request = json.loads((EXAMPLES / f"{name}.request.json").read_text())
    headers = api_key("platform", territory="champsaur", platform="Champsaur Market")
    response = client.request(
        request["method"], request["path"], json=request.get("body"), headers=headers
    )
    got = {"status": response.status_code, "body": response.json()}
    path = EXAMPLES / f"{name}.response.json"
    if os.environ.get("LOGISTICS_WRITE_EXAMPLES") == "1":
        text = json.dumps(_write_placeholders(got), indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
    expected = json.loads(path.read_text())
    assert _placeholders(got, expected) == expected
