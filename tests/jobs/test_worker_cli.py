"""``logistics worker`` and the in-process worker of ``logistics serve``, as real processes."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
import sqlalchemy as sa

from logistics.errors import SetupError
from logistics.jobs.testing import WebhookReceiver
from logistics.jobs.worker import check_queue
from logistics.store import migrate
from logistics.store.webhooks import create_webhook, emit_event

LOGISTICS = [sys.executable, "-m", "logistics.cli"]


def _env(url):
    env = dict(os.environ, LOGISTICS_DATABASE_URL=url)
    env.pop("LOGISTICS_HOST", None)
    env.pop("LOGISTICS_PORT", None)
    return env


def _workers(engine):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM procrastinate_workers")).scalar()


def _stop(process):
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def test_check_queue_says_what_to_run(queue_db):
    check_queue(queue_db)
    with pytest.raises(SetupError, match="cannot reach PostgreSQL"):
        check_queue("postgresql+psycopg://x:y@127.0.0.1:1/none")
    try:
        migrate.downgrade(queue_db, "0001_initial")
        with pytest.raises(SetupError, match="run `logistics db upgrade` first"):
            check_queue(queue_db)
    finally:
        migrate.upgrade(queue_db, "head")


def test_worker_command_delivers_and_stops_cleanly(queue_db, db_session, platform, clean_db):
    with WebhookReceiver() as receiver:
        create_webhook(db_session, "champsaur", platform, receiver.url, ["order.planned"])
        emit_event(db_session, platform, "champsaur", "order.planned", {"order_id": "o1"})
        db_session.commit()
        process = subprocess.Popen(
            [*LOGISTICS, "worker", "--concurrency", "2"],
            env=_env(queue_db),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # dispatch_webhooks runs every 10 seconds
            [request] = receiver.wait_for(1, timeout_s=40)
            assert _workers(clean_db) == 1
        finally:
            code, _, err = _stop(process)
    assert request.headers["X-Logistics-Event"] == "order.planned"
    assert code == 0, err
    assert "concurrency 2" in err
    assert _workers(clean_db) == 0  # unregistered on the way out


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_one_job_worker(queue_db, clean_db, workers):
    # one server process: the job worker runs in its event loop; several: once, beside them
    port = _free_port()
    args = [*LOGISTICS, "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        args, env=_env(queue_db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        # Start-up imports take seconds, many more on a loaded CI machine.
        deadline = time.monotonic() + 120 * workers
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.2)
        for _ in range(300):  # the worker registers right after start-up
            if _workers(clean_db) >= 1:
                break
            time.sleep(0.1)
        time.sleep(2 * (workers - 1))  # (a job worker per server process would show by now)
        assert _workers(clean_db) == 1
    finally:
        code, _, err = _stop(process)
    assert code == 0, err
    assert _workers(clean_db) == 0
    assert ("in-process job worker: on" in err) == (workers == 1)


def test_serve_without_worker(queue_db, monkeypatch):
    from typer.testing import CliRunner

    from logistics._cli import serve
    from logistics.cli import app

    calls = []
    monkeypatch.setattr(
        serve, "_serve", lambda cfg, host, port, *, worker, **_: calls.append(worker)
    )
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", queue_db)
    assert CliRunner().invoke(app, ["serve", "--no-worker"]).exit_code == 0
    assert CliRunner().invoke(app, ["serve"]).exit_code == 0
    assert calls == [False, True]
    # no usable database: serve anyway (/health says 503), without a worker
    monkeypatch.setenv("LOGISTICS_DATABASE_URL", "postgresql+psycopg://x:y@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0
    assert calls == [False, True, False]
