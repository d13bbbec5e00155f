"""status fan-in: users play gateways pushing to an SMS server's push endpoint.

    cd load && locust -f status_fanin.py --host http://127.0.0.1:8899      # a `smsgw receive`
    locust -f load/status_fanin.py --headless -u 10000 -r 200 -t 10m --period 60 \\
        --host http://sms-server:8899 --processes 4

Each user is one emulated Ejoin device (:class:`smsgw.load.fanin.GatewayModel` around the
emulator's own ``Device``): ``--device-ports`` ports with ``--device-slots`` SIMs each, pushing
``dev-status`` every ``--period`` device seconds with increasing ``seq``, ``port-status`` when a
SIM re-registers (``--churn-interval``), status reports (``--report-interval``) and received SMS
(``--sms-interval``). ``--time-scale`` runs device time faster than real time (tests). A fleet of
10,000 devices at the documents' cadence is ``-u 10000 --period 60`` (spread over workers:
``--processes`` or ``--workers`` of ``smsgw load status-fanin``, or machines; see README).

Requests are named by push type (``dev-status``, ``port-status``, ``status-report``,
``sms-forward``...), never by URL. Pushes go to ``--host`` + ``--push-path`` (``{device}`` is
replaced by the device's name: the receiver's ``/push/<device>`` by default).
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlsplit

from common import ProfileShape
from locust import FastHttpUser, events, task

from smsgw.emulator.clock import ScaledClock
from smsgw.load.fanin import FaninSettings, GatewayModel

__all__ = ["Gateway", "ProfileShape"]

_MAX_SLEEP = 5.0


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    g = parser.add_argument_group("smsgw status fan-in profile")
    g.add_argument(
        "--device-profile",
        default="gateway-2.4",
        env_var="SMSGW_LOAD_DEVICE_PROFILE",
        help="Emulator profile of every device.",
    )
    g.add_argument(
        "--device-ports", type=int, default=32, env_var="SMSGW_LOAD_DEVICE_PORTS", help="Ports per device."
    )
    g.add_argument(
        "--device-slots", type=int, default=4, env_var="SMSGW_LOAD_DEVICE_SLOTS", help="SIM slots per port."
    )
    g.add_argument(
        "--period",
        type=int,
        default=60,
        env_var="SMSGW_LOAD_PERIOD",
        help="dev-status period in device seconds.",
    )
    g.add_argument(
        "--churn-interval",
        type=float,
        default=300.0,
        env_var="SMSGW_LOAD_CHURN_INTERVAL",
        help="Mean device seconds between SIM re-registrations (port-status); 0: off.",
    )
    g.add_argument(
        "--report-interval",
        type=float,
        default=0.0,
        env_var="SMSGW_LOAD_REPORT_INTERVAL",
        help="Mean device seconds between sent SMS (status reports); 0: off.",
    )
    g.add_argument(
        "--sms-interval",
        type=float,
        default=0.0,
        env_var="SMSGW_LOAD_SMS_INTERVAL",
        help="Mean device seconds between received SMS; 0: off.",
    )
    g.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        env_var="SMSGW_LOAD_TIME_SCALE",
        help="Device seconds per real second.",
    )
    g.add_argument(
        "--push-path",
        default="/push/{device}",
        env_var="SMSGW_LOAD_PUSH_PATH",
        help="Push path on --host; {device} is the device's name.",
    )
    g.add_argument("--fleet-seed", type=int, default=0, env_var="SMSGW_LOAD_FLEET_SEED",
                   help="Seed of the devices' SIMs and event times.")  # fmt: skip


_device_numbers = itertools.count()


class Gateway(FastHttpUser):
    """One gateway: wakes when its device has something to push, pushes it, sleeps again."""

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        o = environment.parsed_options
        worker = int(getattr(environment.runner, "worker_index", 0))
        index = worker * 1_000_000 + next(_device_numbers)
        settings = FaninSettings(
            profile=o.device_profile,
            ports=o.device_ports,
            slots=o.device_slots,
            period=o.period,
            churn_interval=o.churn_interval,
            report_interval=o.report_interval,
            sms_interval=o.sms_interval,
            seed=o.fleet_seed,
        )
        self.scale = o.time_scale
        self.device_clock = ScaledClock(self.scale)
        name = f"gw{worker}-{index % 1_000_000}"
        path = o.push_path.replace("{device}", name)
        push_url = f"{(self.host or '').rstrip('/')}{path}"
        self.model = GatewayModel(settings, index, push_url, self.device_clock)

    def wait_time(self) -> float:  # type: ignore[override]
        ahead = self.model.next_wakeup() - self.device_clock.now()
        return min(_MAX_SLEEP, max(0.0, ahead / self.scale))

    @task
    def push(self) -> None:
        for push in self.model.step():
            parts = urlsplit(push.url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            headers = {"Content-Type": push.content_type, **dict(push.headers)}
            with self.client.post(
                path, data=push.body, headers=headers, name=push.kind, catch_response=True
            ) as response:
                if 200 <= response.status_code < 300:
                    response.success()
                elif not response.status_code:
                    response.failure(f"transport error: {type(response.error).__name__}")
                else:
                    response.failure(f"HTTP {response.status_code}")
