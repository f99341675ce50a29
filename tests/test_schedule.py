"""Scheduling: next runs across DST, catch-up once, the lock, and a real `digest schedule` under SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import write_config
from smtp_server import Handler, smtp_server

from digest import config, store
from digest.config import DigestSettings
from digest.errors import StateError
from digest.schedule import catch_up_due, last_due, next_run

LONDON = ZoneInfo("Europe/London")


def _settings(tmp_path: Path, **changes: object) -> DigestSettings:
    base = config.load(write_config(tmp_path)).digest
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    fields: dict[str, object] = {"timezone": "Europe/London", "schedule": "07:00", "days": weekdays} | changes
    return replace(base, **fields)  # type: ignore[arg-type]


def test_next_runs_keep_local_time_across_dst(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    moment = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)  # Friday; the clocks go back on Sunday 25 October
    runs = []
    for _ in range(3):
        moment = next_run(settings, moment) or moment
        runs.append(moment.astimezone(LONDON))
    assert [r.strftime("%a %H:%M %Z") for r in runs] == ["Mon 07:00 GMT", "Tue 07:00 GMT", "Wed 07:00 GMT"]
    assert runs[0].astimezone(UTC).hour == 7
    before = next_run(settings, datetime(2026, 10, 22, 12, 0, tzinfo=UTC))
    assert before is not None and before.astimezone(UTC).hour == 6  # 07:00 BST


def test_day_names_not_numbers(tmp_path: Path) -> None:
    settings = _settings(tmp_path, days=("mon",))
    run = next_run(settings, datetime(2026, 11, 25, tzinfo=UTC))
    assert run is not None and run.astimezone(LONDON).strftime("%A") == "Monday"
    cron = _settings(tmp_path, schedule="30 6 * * sun")
    run = next_run(cron, datetime(2026, 11, 25, tzinfo=UTC))
    assert run is not None and run.astimezone(LONDON).strftime("%A %H:%M") == "Sunday 06:30"


def test_catch_up_after_three_missed_days_runs_once(tmp_path: Path) -> None:
    settings = _settings(tmp_path, catch_up_hours=12)
    last_sent = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)  # Friday's issue; Mon-Wed were missed
    now = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)  # Wednesday morning
    assert last_due(settings, now) == datetime(2026, 11, 25, 7, 0, tzinfo=LONDON)
    assert catch_up_due(settings, last_sent, now)
    assert not catch_up_due(settings, now - timedelta(minutes=30), now), "after the catch-up, nothing is due"


def test_no_run_when_the_last_issue_is_recent_or_too_late(tmp_path: Path) -> None:
    settings = _settings(tmp_path, catch_up_hours=2)
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert not catch_up_due(settings, datetime(2026, 11, 25, 7, 1, tzinfo=UTC), now)
    assert not catch_up_due(settings, None, now + timedelta(hours=3)), "outside the grace, wait for the next run"


def test_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    settings = config.load(write_config(tmp_path))
    with (
        store.run_lock(settings.state),
        pytest.raises(StateError, match="in use by another"),
        store.run_lock(settings.state),
    ):
        pass
    with store.run_lock(settings.state):
        pass  # released after use


def test_real_schedule_sends_one_issue_and_stops_on_sigterm(tmp_path: Path) -> None:
    """A schedule due in a few seconds, a loopback SMTP server, then SIGTERM: one issue, clean exit."""
    handler = Handler()
    due = datetime.now(UTC) + timedelta(seconds=5)
    days = '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
    # If start-up is slower than 5 s the time has passed: then the catch-up sends it, still exactly once.
    schedule = f'schedule = "{due:%H:%M:%S}"\ndays = {days}\ntimezone = "UTC"\ncatch_up_hours = 1'
    with smtp_server(handler) as port:
        path = write_config(tmp_path, port=port, digest=schedule)
        process = subprocess.Popen(
            [sys.executable, "-m", "digest", "schedule", "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 90
        while len(handler.received) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)
    assert process.returncode == 0, log
    assert sorted(r.recipients[0] for r in handler.received) == ["a@example.org", "b@example.org", "c@example.org"]
    summary = [line for line in log.splitlines() if "stories" in line and "recipients" in line]
    assert len(summary) == 1 and "sent to 3/3 recipients" in summary[0], log
    assert "scheduler stopped" in log
