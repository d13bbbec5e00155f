"""The load shapes' arithmetic, free of Locust: users and spawn rate at a moment of the run.

``load/common.py``'s ``ProfileShape`` (a Locust ``LoadTestShape``) calls :func:`tick` once a
second on the master with its options; keeping the arithmetic here lets the tests check every
shape without importing ``locust``.

* ``steady``: ``users`` (spawned at ``spawn_rate``) until ``limit`` seconds;
* ``step``: ``step_users * (k + 1)`` during step ``k`` (``step_time`` seconds each), ``steps`` steps;
* ``spike``: ``users``, then ``spike_users`` from ``spike_at`` for ``spike_time`` seconds, then
  ``users`` again until ``limit``.

``None`` stops the run: past its duration, or once ``max_requests`` requests were made.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SHAPES", "ShapeSettings", "tick"]

SHAPES = ("steady", "step", "spike")


@dataclass(frozen=True, slots=True)
class ShapeSettings:
    shape: str = "steady"
    users: int = 1
    spawn_rate: float = 0.0
    #: seconds a steady/spike run lasts
    limit: float = 60.0
    step_users: int = 10
    step_time: float = 20.0
    steps: int = 5
    spike_users: int = 100
    spike_at: float = 10.0
    spike_time: float = 10.0
    max_requests: int = 0

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"shape {self.shape!r}: one of {', '.join(SHAPES)}")


def tick(s: ShapeSettings, run_time: float, requests: int = 0) -> tuple[int, float] | None:
    """(users, spawn rate) ``run_time`` seconds into the run, or None: stop."""
    if s.max_requests and requests >= s.max_requests:
        return None
    users = max(0, s.users)
    rate = float(s.spawn_rate or max(1, users))
    if s.shape == "step":
        step_time = max(1.0, s.step_time)
        step = int(run_time // step_time)
        if step >= s.steps:
            return None
        return s.step_users * (step + 1), float(s.spawn_rate or max(1, s.step_users))
    if run_time >= s.limit:
        return None
    if s.shape == "spike" and s.spike_at <= run_time < s.spike_at + s.spike_time:
        return s.spike_users, float(max(rate, s.spike_users))
    return users, rate
