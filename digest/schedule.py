"""`digest schedule`: APScheduler 3.x in the foreground, one cron job per digest around pipeline.run.

The catch-up decision comes from the state store (when each digest last reached someone), not from the
scheduler's memory, so a restart after three missed days runs once, not three times. The lock in
store.run_lock keeps a second scheduler (or a manual `digest run`) from sending the same issue.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from digest import pipeline, store
from digest.config import Config, DigestSettings

log = logging.getLogger("digest.schedule")
LOOKBACK = timedelta(days=32)  # a monthly cron's previous fire time is at most this far back


def trigger(settings: DigestSettings) -> CronTrigger:
    """ "HH:MM" on the configured day names, or the cron expression, in the digest's time zone."""
    zone = ZoneInfo(settings.timezone)
    if ":" in settings.schedule:
        hour, minute, second = [*settings.schedule.split(":"), "0"][:3]
        return CronTrigger(
            day_of_week=",".join(settings.days), hour=int(hour), minute=int(minute), second=int(second), timezone=zone
        )
    return CronTrigger.from_crontab(settings.schedule, timezone=zone)


def next_run(settings: DigestSettings, after: datetime) -> datetime | None:
    """The first scheduled time strictly after `after`."""
    fire: datetime | None = trigger(settings).get_next_fire_time(None, after + timedelta(microseconds=1))
    return fire


def last_due(settings: DigestSettings, now: datetime) -> datetime | None:
    """The latest scheduled time at or before `now` (within LOOKBACK)."""
    cron = trigger(settings)
    fire: datetime | None = cron.get_next_fire_time(None, now - LOOKBACK)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = cron.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def catch_up_due(settings: DigestSettings, last_sent: datetime | None, now: datetime) -> bool:
    """Whether a run was missed: its time passed within the grace, and nothing was sent since."""
    due = last_due(settings, now)
    if due is None or now - due > timedelta(hours=settings.catch_up_hours):
        return False
    return last_sent is None or last_sent < due


def serve(
    config: Config,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    scheduler: BlockingScheduler | None = None,
) -> None:
    """Run until SIGTERM or Ctrl-C; the current send finishes before exiting."""
    with store.run_lock(config.state):
        scheduler = scheduler or BlockingScheduler(timezone=UTC)
        with store.Store(config.state) as state:
            missed = [d for d in config.digests if catch_up_due(d, state.last_sent(d.name), clock())]
        for settings in config.digests:
            grace = int(settings.catch_up_hours * 3600) or None
            scheduler.add_job(
                _job,
                trigger(settings),
                args=[config, settings.name],
                id=settings.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=grace,
            )
            log.info("%s: next run %s", settings.name, next_run(settings, clock()))
        for settings in missed:
            log.info("%s: a scheduled run was missed; catching up once now", settings.name)
            scheduler.add_job(
                _job, "date", run_date=clock(), args=[config, settings.name], id=f"{settings.name}-catch-up"
            )
        _stop_on_signals(scheduler)
        scheduler.start()
    log.info("scheduler stopped")


def _job(config: Config, name: str) -> None:
    """One scheduled run; failures are logged, never raised into the scheduler (it keeps the next run)."""
    try:
        result = pipeline.run(config, only=name)
    except Exception as error:
        log.error("%s: run failed: %s", name, error)
        return
    for report in result.reports:
        (log.info if not report.failed else log.error)("%s", report.line())
        for line in report.failures():
            log.error("%s", line)


def _stop_on_signals(scheduler: BlockingScheduler) -> None:
    def stop(number: int, frame: FrameType | None) -> None:
        log.info("received %s; finishing the current send", signal.Signals(number).name)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
