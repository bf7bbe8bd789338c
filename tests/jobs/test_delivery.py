import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from logistics.errors import InputError
from logistics.jobs.app import defer_in_transaction
from logistics.jobs.delivery import WebhookParams, dispatch_due
from logistics.jobs.signing import sign, verify_signature
from logistics.jobs.testing import WebhookReceiver
from logistics.jobs.worker import in_process_worker
from logistics.store.db import session_scope
from logistics.store.models import WebhookAttempt, WebhookDelivery
from logistics.store.webhooks import create_webhook, emit_event

SECRET = "whsec_test-secret"
BODY = b'{"id":"e1","type":"order.planned","data":{"order_id":"o1"}}'


def test_signature_verification():
    ts = "1767261600"
    header = sign(SECRET, ts, BODY)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    now = 1767261600 + 10
    assert verify_signature(SECRET, ts, BODY, header, now=now)
    # tampered body
    assert not verify_signature(SECRET, ts, BODY.replace(b"o1", b"o2"), header, now=now)
    # wrong secret
    assert not verify_signature("whsec_other", ts, BODY, header, now=now)
    # stale (a replay), or from too far in the future
    assert not verify_signature(SECRET, ts, BODY, header, now=1767261600 + 301)
    assert not verify_signature(SECRET, ts, BODY, header, now=1767261600 - 301)
    assert verify_signature(SECRET, ts, BODY, header, tolerance=600, now=1767261600 + 301)
    # the timestamp is signed too: moving it breaks the signature
    assert not verify_signature(SECRET, "1767261601", BODY, header, now=now)
    assert not verify_signature(SECRET, "soon", BODY, header, now=now)
    assert not verify_signature(SECRET, ts, BODY, header.replace("sha256=", "sha1="), now=now)


def test_params_check_themselves():
    assert WebhookParams().max_attempts == 7
    assert WebhookParams().retry_in(1) == dt.timedelta(minutes=1)
    assert WebhookParams().retry_in(4) == dt.timedelta(hours=2)
    assert WebhookParams().retry_in(7) is None
    with pytest.raises(InputError, match="negative"):
        WebhookParams(backoff=(dt.timedelta(seconds=-1),))
    with pytest.raises(InputError, match="lease"):
        WebhookParams(timeout_s=30, lease=dt.timedelta(seconds=10))
    with pytest.raises(InputError, match="batch"):
        WebhookParams(batch=0)


@pytest.fixture
def hook(db_session, platform):
    def make(url, types=("order.planned",)):
        row, secret = create_webhook(db_session, "champsaur", platform, url, list(types))
        db_session.commit()
        return row, secret

    return make


def _emit(db_session, platform, payload):
    event = emit_event(db_session, platform, "champsaur", "order.planned", payload)
    db_session.commit()
    return event


def _delivery(db_session):
    db_session.expire_all()
    return db_session.scalars(sa.select(WebhookDelivery)).one()


def _log(db_session):
    return db_session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.attempt)).all()


def test_delivery_is_signed_and_retried_after_a_500(db_session, factory, platform, hook):
    with WebhookReceiver(statuses=[500, 200]) as receiver:
        _, secret = hook(receiver.url)
        event = _emit(db_session, platform, {"order_id": "o1", "eta": "2026-03-03T10:15:00+01:00"})
        start = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).replace(microsecond=0)
        report = dispatch_due(factory, now=start)
        assert (report.delivered, report.retrying, report.failed) == (0, 1, 0)
        [first] = receiver.wait_for(1)
        pending = _delivery(db_session)
        assert (pending.status, pending.attempts) == ("pending", 1)
        assert pending.next_attempt_at == start + dt.timedelta(minutes=1)
        # not due yet: nothing sent
        assert dispatch_due(factory, now=start + dt.timedelta(seconds=59)).attempts == 0
        later = start + dt.timedelta(seconds=61)
        report = dispatch_due(factory, now=later)
        assert (report.delivered, report.retrying) == (1, 0)
        first, second = receiver.wait_for(2)
    done = _delivery(db_session)
    assert (done.status, done.attempts, done.delivered_at) == ("delivered", 2, later)
    assert done.next_attempt_at is None
    for request, at in ((first, start), (second, later)):
        headers = request.headers
        assert headers["X-Logistics-Event"] == "order.planned"
        assert headers["X-Logistics-Delivery"] == str(done.id)  # the same on every attempt
        assert headers["X-Logistics-Timestamp"] == str(int(at.timestamp()))
        assert headers["Content-Type"] == "application/json"
        assert verify_signature(
            secret,
            headers["X-Logistics-Timestamp"],
            request.body,
            headers["X-Logistics-Signature"],
            now=at.timestamp(),
        )
        assert not verify_signature(
            "whsec_wrong",
            headers["X-Logistics-Timestamp"],
            request.body,
            headers["X-Logistics-Signature"],
            now=at.timestamp(),
        )
    body = json.loads(second.body)
    assert body["id"] == str(event)
    assert body["type"] == "order.planned"
    assert body["territory_id"] == "champsaur"
    assert body["data"] == {"order_id": "o1", "eta": "2026-03-03T10:15:00+01:00"}
    dt.datetime.fromisoformat(body["created_at"])
    log = _log(db_session)
    assert [(a.attempt, a.status_code) for a in log] == [(1, 500), (2, 200)]
    assert log[0].error == 'HTTP 500: {"error": "scripted failure"}'
    assert log[1].error is None
    assert all(a.duration_ms > 0 for a in log)
    assert [a.attempted_at for a in log] == [start, later]


def test_delivery_gives_up_after_the_last_attempt(db_session, factory, platform, hook):
    params = WebhookParams(backoff=(dt.timedelta(0), dt.timedelta(0)))
    with WebhookReceiver(default=503) as receiver:
        hook(receiver.url)
        _emit(db_session, platform, {"order_id": "o1"})
        report = dispatch_due(factory, params)
        receiver.wait_for(3)
    assert (report.retrying, report.failed) == (2, 1)
    gone = _delivery(db_session)
    assert (gone.status, gone.attempts, gone.next_attempt_at) == ("failed", 3, None)
    assert [a.status_code for a in _log(db_session)] == [503, 503, 503]


def test_unreachable_and_slow_receivers_are_logged(db_session, factory, platform, hook):
    with WebhookReceiver() as closed:
        url = closed.url
    hook(url)  # nothing listens there any more
    with WebhookReceiver(delay_s=2) as slow:
        hook(slow.url)
        _emit(db_session, platform, {"order_id": "o1"})
        params = WebhookParams(timeout_s=0.5)
        report = dispatch_due(factory, params)
    assert report.retrying == 2
    errors = sorted(a.error for a in _log(db_session))
    assert errors[0].startswith("ConnectError")
    assert errors[1].startswith("ReadTimeout")
    assert all(a.status_code is None for a in _log(db_session))


def test_claims_are_leased_so_workers_do_not_send_twice(db_session, factory, platform, hook):
    from logistics.store.webhooks import claim_due

    hook("https://a.example/h")
    _emit(db_session, platform, {})
    now = dt.datetime.now(dt.UTC)
    lease = dt.timedelta(minutes=5)
    with session_scope(factory) as session:
        [claimed] = claim_due(session, now=now, lease=lease, limit=10)
    assert claimed.attempt == 1
    with session_scope(factory) as session:  # another worker, right after: nothing due
        assert claim_due(session, now=now, lease=lease, limit=10) == []
    with session_scope(factory) as session:  # the first worker died: the lease runs out
        [again] = claim_due(session, now=now + lease, lease=lease, limit=10)
    assert again.delivery_id == claimed.delivery_id


def test_the_in_process_worker_delivers(queue_db, db_session, platform, hook):
    with WebhookReceiver() as receiver:
        hook(receiver.url)
        _emit(db_session, platform, {"order_id": "o9"})
        defer_in_transaction(db_session, "dispatch_webhooks")
        db_session.commit()

        async def scenario():
            async with in_process_worker(queue_db):  # as `logistics serve` runs it
                for _ in range(100):
                    if receiver.requests:
                        break
                    await asyncio.sleep(0.1)

        asyncio.run(scenario())
        [request] = receiver.wait_for(1)
    assert json.loads(request.body)["data"] == {"order_id": "o9"}
    assert _delivery(db_session).status == "delivered"
    with db_session.bind.connect() as conn:  # the worker stopped cleanly: unregistered
        assert conn.execute(sa.text("SELECT count(*) FROM procrastinate_workers")).scalar() == 0


def test_the_documented_verification_snippet_accepts_a_real_delivery(
    db_session, factory, platform, hook
):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    section = docs[docs.index("### Verifying a delivery") :]
    snippet = section[section.index("```python") + len("```python") : section.index("```\n\n")]
    namespace: dict = {}
    exec(snippet, namespace)  # the code platforms are told to copy
    documented = namespace["verify_signature"]
    with WebhookReceiver() as receiver:
        _, secret = hook(receiver.url)
        _emit(db_session, platform, {"order_id": "o1"})
        dispatch_due(factory)
        [request] = receiver.wait_for(1)
    ts, sig = request.headers["X-Logistics-Timestamp"], request.headers["X-Logistics-Signature"]
    assert documented(secret, ts, request.body, sig)
    assert not documented(secret, ts, request.body + b" ", sig)
    assert not documented("whsec_other", ts, request.body, sig)
    assert not documented(secret, str(int(ts) - 600), request.body, sig)
