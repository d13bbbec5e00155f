"""What both profiles share: their command-line options and the load shapes.

Imported by ``send_sms.py`` and ``status_fanin.py`` (Locust puts this directory on ``sys.path``).
Options are Locust custom arguments: settable on the command line, in ``locust.conf`` and through
``SMSGW_LOAD_*`` environment variables; the master hands them to its workers with each spawn
message. The device password is deliberately *not* an option (options travel to the web UI and
between processes): it is read from ``SMSGW_LOAD_PASSWORD`` in every process that sends.

Shapes live apart from user behaviour (one :class:`ProfileShape`, chosen with ``--shape``):

* ``steady``: ``-u`` users (spawned at ``-r`` per second) for ``--run-time`` (or ``--duration``);
* ``step``: ``--step-users`` more users every ``--step-time`` seconds, ``--steps`` times: the
  capacity report finds the knee in it;
* ``spike``: ``-u`` users, ``--spike-users`` from ``--spike-at`` for ``--spike-time`` seconds, then
  ``-u`` again until the duration.

Every run is bounded: the shape stops at its duration (steady/spike: ``--run-time`` or
``--duration``; step: ``steps * step_time``) or once ``--max-requests`` requests were made (the
shape checks once a second, so a fast run overshoots by up to a second's worth of requests).
"""

from __future__ import annotations

import os
from typing import Any

import locust.stats
from locust import LoadTestShape, events

from smsgw.load.shapes import SHAPES, ShapeSettings, tick


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    group = parser.add_argument_group("smsgw load shapes")
    group.add_argument(
        "--shape",
        choices=SHAPES,
        default="steady",
        env_var="SMSGW_LOAD_SHAPE",
        help="Load shape: steady, step (find the knee) or spike.",
    )
    group.add_argument(
        "--duration",
        type=float,
        default=60.0,
        env_var="SMSGW_LOAD_DURATION",
        help="Seconds a steady/spike run lasts when --run-time is not given.",
    )
    group.add_argument(
        "--step-users",
        type=int,
        default=10,
        env_var="SMSGW_LOAD_STEP_USERS",
        help="Users added at each step (step shape).",
    )
    group.add_argument(
        "--step-time",
        type=float,
        default=20.0,
        env_var="SMSGW_LOAD_STEP_TIME",
        help="Seconds per step (step shape).",
    )
    group.add_argument(
        "--steps", type=int, default=5, env_var="SMSGW_LOAD_STEPS", help="Number of steps (step shape)."
    )
    group.add_argument(
        "--spike-users",
        type=int,
        default=100,
        env_var="SMSGW_LOAD_SPIKE_USERS",
        help="Users during the spike (spike shape).",
    )
    group.add_argument(
        "--spike-at",
        type=float,
        default=10.0,
        env_var="SMSGW_LOAD_SPIKE_AT",
        help="Seconds into the run the spike starts (spike shape).",
    )
    group.add_argument(
        "--spike-time",
        type=float,
        default=10.0,
        env_var="SMSGW_LOAD_SPIKE_TIME",
        help="Seconds the spike lasts (spike shape).",
    )
    group.add_argument(
        "--max-requests",
        type=int,
        default=0,
        env_var="SMSGW_LOAD_MAX_REQUESTS",
        help="Stop once this many requests were made (checked each second; 0: no limit).",
    )
    group.add_argument("--percentile-window", type=int, default=0, env_var="SMSGW_LOAD_PERCENTILE_WINDOW",
                       help="Seconds of Locust's 'current' percentiles (0: 10, or half a step).")  # fmt: skip


@events.init.add_listener
def _percentile_window(environment: Any, **_kw: Any) -> None:
    """Locust's current percentiles look back 10 s; a step shorter than 20 s would mix two steps."""
    options = environment.parsed_options
    if options is None:
        return
    window = options.percentile_window
    if not window and options.shape == "step":
        window = max(2, min(10, int(options.step_time // 2)))
    if window:
        locust.stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW = window


def env_text(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


class ProfileShape(LoadTestShape):
    """steady / step / spike, chosen with ``--shape`` (read at every tick, on the master); the
    arithmetic is :func:`smsgw.load.shapes.tick`."""

    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        runner = self.runner
        assert runner is not None
        o = runner.environment.parsed_options
        settings = ShapeSettings(
            shape=o.shape,
            users=int(o.num_users or 1),
            spawn_rate=float(o.spawn_rate or 0),
            limit=float(o.run_time or o.duration),
            step_users=int(o.step_users),
            step_time=float(o.step_time),
            steps=int(o.steps),
            spike_users=int(o.spike_users),
            spike_at=float(o.spike_at),
            spike_time=float(o.spike_time),
            max_requests=int(o.max_requests),
        )
        return tick(settings, self.get_run_time(), runner.stats.total.num_requests)
