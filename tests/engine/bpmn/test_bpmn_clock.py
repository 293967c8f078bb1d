"""engine.bpmn.clock: one "now" for the engine, and SpiffWorkflow's timers obey it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine.bpmn import clock, runtime
from engine.bpmn.clock import FixedClock, SystemClock, use_clock
from tests.factories.bpmn import T0, workflow


def test_fixed_clock_moves_only_when_told():
    fixed = FixedClock(T0)
    assert fixed.now() == T0
    fixed.advance(timedelta(hours=2))
    assert fixed.now() == T0 + timedelta(hours=2)
    fixed.set(datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=2))))
    assert fixed.now() == datetime(2029, 12, 31, 22, 0, tzinfo=UTC)
    assert fixed.now().tzinfo == UTC


def test_fixed_clock_refuses_naive_times():
    with pytest.raises(ValueError):
        FixedClock(datetime(2025, 1, 1))


def test_now_is_the_system_clock_by_default():
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)
    assert isinstance(clock.current_clock(), SystemClock)


def test_use_clock_is_nestable_and_restores_the_previous_clock():
    outer, inner = FixedClock(T0), FixedClock(T0 + timedelta(days=1))
    with use_clock(outer):
        with use_clock(inner):
            assert clock.now() == inner.now()
        assert clock.now() == T0
    assert isinstance(clock.current_clock(), SystemClock)


def test_use_clock_is_per_thread():
    seen: list[datetime] = []
    with use_clock(FixedClock(T0)):
        thread = threading.Thread(target=lambda: seen.append(clock.now()))
        thread.start()
        thread.join()
        assert clock.now() == T0
    assert seen and seen[0] != T0


def test_spiffs_timer_module_reads_our_clock():
    with use_clock(FixedClock(T0)):
        assert spiff_timer.datetime.now(UTC) == T0
    # the replacement still behaves as datetime for everything else
    assert spiff_timer.datetime.fromisoformat("2025-01-01T00:00:00+00:00").year == 2025
    assert isinstance(datetime(2025, 1, 1), spiff_timer.datetime)


def test_a_thirty_day_timer_fires_on_day_thirty_not_day_twenty_nine():
    fixed = FixedClock(T0)
    with use_clock(fixed):
        wf = workflow("bpmn_timer")
        runtime.start(wf, {})
        assert runtime.ready_human_tasks(wf) == []
        assert runtime.next_timer_at(wf) == T0 + timedelta(days=30)

        fixed.set(T0 + timedelta(days=29, hours=23, minutes=59))
        runtime.fire_due_timers(wf)
        assert runtime.ready_human_tasks(wf) == []

        # SpiffWorkflow fires when the due time is strictly in the past.
        fixed.set(T0 + timedelta(days=30, seconds=1))
        runtime.fire_due_timers(wf)
        assert [t.name for t in runtime.ready_human_tasks(wf)] == ["after_timer"]
        assert runtime.next_timer_at(wf) is None
