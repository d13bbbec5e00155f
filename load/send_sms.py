"""send-sms throughput: users play SMS servers submitting SMS to one or many gateways.

    locust -f load/send_sms.py --config load/locust.conf --host http://127.0.0.1:8080
    SMSGW_LOAD_PASSWORD=... locust -f load/send_sms.py --headless -u 50 -r 10 -t 1m \\
        --host http://gw1 --targets http://gw1,http://gw2 --report-receiver http://127.0.0.1:8899

Users (pick with ``--class-picker`` in the web UI or name them on the command line):

* :class:`EjoinSmsServer` posts ``goip_post_sms.html`` (gateway-2.4 §6.3.1) batches: ``--tasks``
  tasks per request, ``--recipients`` per task, ``--port-mode`` any/round-robin/random, unique tids;
  weighted with ``goip_get_tasks`` and pause+resume (``--weight-*``). Each answer is checked
  (HTTP 200, ``code`` 200, ``task-status``, every tid echoed with "0 OK"); anything else is a
  failure in Locust's stats, named by the first task status code; in a batch, every task not
  taken is also counted by its code (request type ``TASK``, name ``status <code>``).
* :class:`DinstarSmsServer` posts ``/api/send_sms`` (dinstar-uc-1.2 §2) with HTTP digest auth,
  a unique ``user_id`` per number; requires a Dinstar target (``--dinstar-host``), it never runs by
  default (``--class-picker`` or naming it on the command line).

Completion: with ``--report-receiver`` (a ``smsgw receive`` base URL), every submitted request asks
the gateway to push its status reports there (``sr_url``), and each Locust process polls the
receiver's ``/_api`` (every 2 s, longer when a call is slow) for status reports of its own tids.
A task whose final report arrived is recorded as request type ``REPORT``, name
``submit->report``, with the time from submission to the report's arrival at the receiver (both
clocks: keep machines NTP-synced when spreading workers). A Dinstar gateway has no per-request
push URL: set its push URL (Dinstar UC §17 Push Event; ``smsgw emulate --profile dinstar-uc
--status-url``) to ``<report-receiver>/push/load-sr``; each number's first final ``sms_result``
event (``SENT_OK``, ``DELIVERED`` or ``FAILED``, matched by ``user_id``) is recorded as request
type ``RESULT``, name ``submit->sms_result`` (a failure when the SMS failed).

Requests are named by endpoint (``goip_post_sms``...), never by URL: the password travels in the
query string (read from ``SMSGW_LOAD_PASSWORD``, default "root") and appears in no name, failure
message, CSV or report.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any
from urllib.parse import quote

import gevent
import gevent.event
import orjson
from common import ProfileShape, env_text
from geventhttpclient import URL, HTTPClient
from locust import FastHttpUser, HttpUser, constant_throughput, events, task
from locust.runners import MasterRunner, WorkerRunner

from smsgw.load.sendsms import (
    Completion,
    CompletionTracker,
    SendSmsSettings,
    TaskFactory,
    TidAllocator,
    check_dinstar_send,
    check_simple_answer,
    check_task_status,
    dinstar_body,
    task_status_codes,
)

__all__ = ["DinstarSmsServer", "EjoinSmsServer", "ProfileShape"]

log = logging.getLogger("smsgw.load")
REPORT_TYPE = "REPORT"
REPORT_NAME = "submit->report"
RESULT_TYPE = "RESULT"
RESULT_NAME = "submit->sms_result"
TASK_TYPE = "TASK"
_BATCH = 2000
#: seconds between the poller's calls: the latency is the receiver's arrival time minus the
#: submission, so polling late does not change it; each call costs the receiver a query (its cost
#: grows with the receiver's database) and this process a parse, so few calls with many messages
_POLL_INTERVAL = 2.0
#: ... and at least this many times the last call's duration (the poller keeps the receiver busy
#: for at most ~1/20 of the time however large its database grows), at most _POLL_MAX seconds
_POLL_SHARE = 20.0
_POLL_MAX = 10.0
_YIELD_EVERY = 32
#: seconds a stopping process waits for the reports of its last submissions
_GRACE = 3.0
SR_DEVICE = "load-sr"
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    g = parser.add_argument_group("smsgw send-sms profile")
    g.add_argument(
        "--targets",
        default="",
        env_var="SMSGW_LOAD_TARGETS",
        help="Comma-separated gateway base URLs (default: --host); users spread over them.",
    )
    g.add_argument(
        "--gateway-user",
        default="root",
        env_var="SMSGW_LOAD_USERNAME",
        help="Gateway account (the password comes from SMSGW_LOAD_PASSWORD only).",
    )
    g.add_argument("--tasks", type=int, default=1, env_var="SMSGW_LOAD_TASKS", help="Tasks per request.")
    g.add_argument(
        "--recipients", type=int, default=1, env_var="SMSGW_LOAD_RECIPIENTS", help="Recipients per task."
    )
    g.add_argument(
        "--port-mode",
        default="any",
        choices=("any", "round-robin", "random"),
        env_var="SMSGW_LOAD_PORT_MODE",
        help="Sending port per task ('from').",
    )
    g.add_argument(
        "--gateway-ports",
        type=int,
        default=32,
        env_var="SMSGW_LOAD_GATEWAY_PORTS",
        help="Ports of the gateway (round-robin/random port modes).",
    )
    g.add_argument(
        "--weight-post",
        type=int,
        default=100,
        env_var="SMSGW_LOAD_WEIGHT_POST",
        help="Weight of goip_post_sms.",
    )
    g.add_argument(
        "--weight-get-tasks",
        type=int,
        default=0,
        env_var="SMSGW_LOAD_WEIGHT_GET_TASKS",
        help="Weight of goip_get_tasks.",
    )
    g.add_argument(
        "--weight-pause-resume",
        type=int,
        default=0,
        env_var="SMSGW_LOAD_WEIGHT_PAUSE_RESUME",
        help="Weight of pause + resume of a just-submitted task.",
    )
    g.add_argument(
        "--user-rate",
        type=float,
        default=0.0,
        env_var="SMSGW_LOAD_USER_RATE",
        help="Requests per second per user (0: as fast as answers come).",
    )
    g.add_argument(
        "--report-receiver",
        default="",
        env_var="SMSGW_LOAD_REPORT_RECEIVER",
        help="smsgw receiver base URL: status reports are asked there and matched to tids.",
    )
    g.add_argument(
        "--report-push-url",
        default="",
        env_var="SMSGW_LOAD_REPORT_PUSH_URL",
        help="sr_url the gateway pushes to (default: <report-receiver>/push/load-sr).",
    )
    g.add_argument(
        "--sr-cnt",
        type=int,
        default=1,
        env_var="SMSGW_LOAD_SR_CNT",
        help="sr_cnt asked of the gateway (reports per push).",
    )
    g.add_argument(
        "--sr-prd",
        type=int,
        default=1,
        env_var="SMSGW_LOAD_SR_PRD",
        help="sr_prd asked of the gateway (seconds between pushes).",
    )
    g.add_argument("--dinstar-host", default="", env_var="SMSGW_LOAD_DINSTAR_HOST",
                   help="Dinstar UC gateway base URL (DinstarSmsServer only).")  # fmt: skip


# -- completion: one poller per load process ---------------------------------------------------
class _Completion:
    """The trackers of this process and the greenlet that feeds them from the receiver's API:
    ``tracker`` holds the Ejoin tids (status-report pushes), ``results`` the Dinstar user_ids
    (sms_result pushes)."""

    def __init__(self) -> None:
        self.tracker = CompletionTracker()
        self.results = CompletionTracker()
        self.environment: Any = None
        self.receiver = ""
        self.greenlet: gevent.Greenlet | None = None
        self._wake = gevent.event.Event()
        #: submissions are tracked only while the poller runs
        self.active = False

    @staticmethod
    def wanted(environment: Any) -> bool:
        options = environment.parsed_options
        return bool(options is not None and options.report_receiver)

    def start(self, environment: Any) -> None:
        options = environment.parsed_options
        self.environment = environment
        self.receiver = (options.report_receiver or "").rstrip("/")
        if self.receiver and self.greenlet is None:
            self.active = True
            self.greenlet = gevent.spawn(self._poll)

    def stop(self) -> None:
        if self.greenlet is not None:
            # the reports of the last submissions may still be on their way: a short grace period
            deadline = time.monotonic() + _GRACE
            while self.active and self._pending() and time.monotonic() < deadline:
                self._wake.set()  # poll now, not at the next interval
                gevent.sleep(0.5)
            self.greenlet.kill(block=True, timeout=5)
            self.greenlet = None
            self.active = False
        if self.tracker.pending:
            log.info("%d submitted task(s) without a final status report", len(self.tracker.pending))
        if self.results.pending:
            log.info("%d submitted Dinstar SMS without a final sms_result", len(self.results.pending))

    def _pending(self) -> bool:
        return bool(self.tracker.pending or self.results.pending)

    def _poll(self) -> None:
        url = URL(self.receiver)
        client = HTTPClient.from_url(url, concurrency=1, network_timeout=15, connection_timeout=5)
        base = url.path.rstrip("/")
        try:
            cursor = int(_get(client, f"{base}/_api/health")["last_id"])
            query = f"type=status-report,sms_result&device={SR_DEVICE}"
            wake = self._wake
            while True:
                wake.clear()
                began = time.monotonic()
                batch = _get(client, f"{base}/_api/messages?{query}&after={cursor}&limit={_BATCH}&body=0")
                took = time.monotonic() - began
                messages = batch["messages"]
                log.debug("completion poll: %d message(s) in %.3f s", len(messages), took)
                for n, message in enumerate(messages, 1):
                    cursor = max(cursor, int(message["id"]))
                    parsed, at = message.get("parsed"), float(message["received_ts"])
                    if message.get("type") == "sms_result":
                        self._record(self.results.on_sms_result(parsed, at), RESULT_TYPE, RESULT_NAME)
                    else:
                        self._record(self.tracker.on_report(parsed, at), REPORT_TYPE, REPORT_NAME)
                    # a batch is thousands of completions: let the users send between every
                    # _YIELD_EVERY messages (~0.1 ms of matching) rather than stall them all (and the
                    # gateway with them) until it is matched; a yield per message costs ~1.6 µs
                    if n % _YIELD_EVERY == 0:
                        gevent.sleep(0)
                if len(messages) < _BATCH:
                    wake.wait(min(_POLL_MAX, max(_POLL_INTERVAL, took * _POLL_SHARE)))
        except gevent.GreenletExit:
            raise
        except Exception as exc:  # the metric stops; the load goes on (the error says why, no URL)
            log.error("completion poller stopped: %s", type(exc).__name__)
            self.active = False
            self.tracker.pending.clear()
            self.results.pending.clear()
        finally:
            client.close()

    def _record(self, completed: list[Completion], request_type: str, name: str) -> None:
        """One Locust request per completion (its latency in ms), a failure when SMS failed."""
        if not completed:
            return
        fire = self.environment.events.request.fire
        for _tid, latency, sent, failed in completed:
            fire(
                request_type=request_type,
                name=name,
                response_time=latency * 1000.0,
                response_length=0,
                exception=Exception(f"{failed} of {sent + failed} SMS failed") if failed else None,
                context={},
            )


def _get(client: HTTPClient, path: str) -> Any:
    response = client.get(path)
    body = response.read()
    if response.status_code != 200:
        raise RuntimeError(f"receiver API answered HTTP {response.status_code}")
    return orjson.loads(body)


completion = _Completion()


@events.test_start.add_listener
def _start_completion(environment: Any, **_kw: Any) -> None:
    if not isinstance(environment.runner, MasterRunner):
        completion.start(environment)


@events.test_stop.add_listener
def _stop_completion(environment: Any, **_kw: Any) -> None:
    if isinstance(environment.runner, MasterRunner):
        _drain_workers(environment.runner)
    else:
        completion.stop()


# Distributed runs: when a run ends by itself (shape or --run-time, headless), the master sends
# "quit" and waits only 0.5 s for the workers' last stats, while a worker stops its users and
# matches the reports still arriving (up to _GRACE s) before it sends them: those completions
# were lost. So the master's test_stop first asks every worker to stop and drain, and waits for
# each one's answer; the workers' final stats then leave at "quit" at once.
_DRAIN = "smsgw_completion_drain"
_DRAINED = "smsgw_completion_drained"
_drained: set[str] = set()


@events.init.add_listener
def _register_drain(environment: Any, **_kw: Any) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        runner.register_message(_DRAINED, lambda msg, **_: _drained.add(str(msg.data)))
    elif isinstance(runner, WorkerRunner):
        runner.register_message(_DRAIN, _drain_worker, concurrent=True)


def _drain_worker(environment: Any, msg: Any, **_kw: Any) -> None:
    runner = environment.runner
    runner.stop()  # users stop, test_stop drains the completions (a no-op when already stopped)
    runner.send_message(_DRAINED, runner.client_id)


def _drain_workers(runner: Any) -> None:
    if not completion.wanted(runner.environment):
        return
    workers = {client.id for client in runner.clients.all}
    if not workers:
        return
    _drained.clear()
    runner.send_message(_DRAIN)
    deadline = time.monotonic() + _GRACE + 5.0
    while not workers <= _drained and time.monotonic() < deadline:
        gevent.sleep(0.1)
    if not workers <= _drained:
        log.warning("%d worker(s) did not drain their completions in time", len(workers - _drained))


# -- users -------------------------------------------------------------------------------------
_user_numbers = itertools.count()


def _settings(options: Any) -> SendSmsSettings:
    push_url = options.report_push_url or (
        f"{options.report_receiver.rstrip('/')}/push/{SR_DEVICE}" if options.report_receiver else ""
    )
    return SendSmsSettings(
        tasks_per_request=options.tasks,
        recipients_per_task=options.recipients,
        port_mode=options.port_mode,
        ports=options.gateway_ports,
        sr_url=push_url or None,
        sr_cnt=options.sr_cnt,
        sr_prd=options.sr_prd,
    )


def _pick_target(environment: Any) -> str | None:
    options = environment.parsed_options
    targets = [t.strip() for t in (options.targets if options else "").split(",") if t.strip()]
    if not targets:
        return environment.host
    return targets[next(_user_numbers) % len(targets)]


class EjoinSmsServer(FastHttpUser):
    """An SMS server submitting to an Ejoin gateway (goip_post_sms + get_tasks + pause/resume)."""

    insecure = True

    def __init__(self, environment: Any) -> None:
        self.host = _pick_target(environment)
        super().__init__(environment)
        options = environment.parsed_options
        user = quote(options.gateway_user, safe="")
        password = quote(env_text("SMSGW_LOAD_PASSWORD", "root"), safe="")
        self._auth = f"username={user}&password={password}"
        self._post_path = f"/goip_post_sms.html?{self._auth}"
        worker = getattr(environment.runner, "worker_index", 0) % 256
        self._factory = TaskFactory(_settings(options), _tid_allocator(worker))
        self._ports = max(1, options.gateway_ports)
        self._port = 0
        self._rate = options.user_rate
        weights = (
            (EjoinSmsServer.post_sms, options.weight_post),
            (EjoinSmsServer.get_tasks, options.weight_get_tasks),
            (EjoinSmsServer.pause_resume, options.weight_pause_resume),
        )
        picked = [fn for fn, weight in weights for _ in range(max(0, weight))]
        self.tasks = picked or [EjoinSmsServer.post_sms]

    def wait_time(self) -> float:  # type: ignore[override]
        return constant_throughput(self._rate)(self) if self._rate > 0 else 0.0

    def _submit(self) -> list[int] | None:
        body, tids = self._factory.build()
        tracker = completion.tracker if completion.active else None
        if tracker is not None:
            tracker.submitted(tids)
        try:
            with self.client.post(
                self._post_path, data=body, headers=JSON_HEADERS, name="goip_post_sms", catch_response=True
            ) as response:
                content = response.content or b""
                failure = check_task_status(response.status_code, content, tids)
                if failure is None:
                    response.success()
                    return tids
                response.failure(_transport(response) or failure)
        except BaseException:  # killed mid-request at stop: no report will come for these
            if tracker is not None:
                tracker.forget(tids)
            raise
        if len(tids) > 1 and failure.startswith("task status"):
            _count_tasks(self.environment, content)
        if tracker is not None:
            tracker.forget(tids)
        return None

    @task
    def post_sms(self) -> None:
        self._submit()

    @task
    def get_tasks(self) -> None:
        self._port = self._port % self._ports + 1
        path = f"/goip_get_tasks.html?{self._auth}&port={self._port}&pos=0&num=10"
        with self.client.get(path, name="goip_get_tasks", catch_response=True) as response:
            failure = check_simple_answer(response.status_code, response.content or b"")
            if failure is None:
                response.success()
            else:
                response.failure(_transport(response) or failure)

    @task
    def pause_resume(self) -> None:
        tids = self._submit()
        if not tids:
            return
        body = orjson.dumps({"tids": tids[:1]})
        for op in ("goip_pause_sms", "goip_resume_sms"):
            with self.client.post(
                f"/{op}.html?{self._auth}", data=body, headers=JSON_HEADERS, name=op, catch_response=True
            ) as response:
                failure = check_simple_answer(response.status_code, response.content or b"")
                if failure is None:
                    response.success()
                else:
                    response.failure(_transport(response) or failure)


def _count_tasks(environment: Any, body: bytes) -> None:
    """A batch that was not all "0 OK": each task not taken is counted by its status code, as
    request type ``TASK`` named ``status <code>`` (a failure), so the stats say how many tasks,
    not only how many requests, each code refused. The all-OK path fires nothing extra."""
    fire = environment.events.request.fire
    for code, count in task_status_codes(body).items():
        for _ in range(count):
            fire(request_type=TASK_TYPE, name=f"status {code}", response_time=0, response_length=0,
                 exception=Exception(f"task status {code}"), context={})  # fmt: skip


def _transport(response: Any) -> str | None:
    """A connection-level failure by its exception type only (Locust's default text has the URL)."""
    error = getattr(response, "error", None)
    if error is not None and not response.status_code:
        return f"transport error: {type(error).__name__}"
    return None


_tid_allocators: dict[int, TidAllocator] = {}


def _tid_allocator(worker: int) -> TidAllocator:
    """One allocator per process (all users of a worker share its tid space)."""
    allocator = _tid_allocators.get(worker)
    if allocator is None:
        allocator = _tid_allocators[worker] = TidAllocator(worker)
    return allocator


class DinstarSmsServer(HttpUser):
    """An SMS server submitting to a Dinstar UC gateway (``/api/send_sms``, digest auth).

    Requires a Dinstar target: ``--dinstar-host``; abstract unless one is given, so a plain run
    against an Ejoin gateway never starts it."""

    abstract = not env_text("SMSGW_LOAD_DINSTAR_HOST")

    def __init__(self, environment: Any) -> None:
        options = environment.parsed_options
        self.host = options.dinstar_host or environment.host
        super().__init__(environment)
        from requests.auth import HTTPDigestAuth

        self.client.auth = HTTPDigestAuth(options.gateway_user, env_text("SMSGW_LOAD_PASSWORD", "admin"))
        self.client.verify = False
        worker = getattr(environment.runner, "worker_index", 0) % 256
        self._ids = _tid_allocator(worker)
        self._numbers = itertools.count(1)
        self._recipients = max(1, options.recipients)
        self._rate = options.user_rate

    def wait_time(self) -> float:  # type: ignore[override]
        return constant_throughput(self._rate)(self) if self._rate > 0 else 0.0

    @task
    def send_sms(self) -> None:
        numbers = [f"+1555{next(self._numbers) % 10_000_000:07d}" for _ in range(self._recipients)]
        ids = [self._ids() for _ in numbers]
        body = dinstar_body(numbers, "smsgw load test", ids)
        tracker = completion.results if completion.active else None
        if tracker is not None:
            tracker.submitted(ids)
        try:
            with self.client.post(
                "/api/send_sms", data=body, headers=JSON_HEADERS, name="api/send_sms", catch_response=True
            ) as response:
                failure = check_dinstar_send(response.status_code, response.content or b"")
                if failure is None:
                    response.success()
                    return
                if not response.status_code:
                    response.failure(f"transport error: {type(response.error).__name__}")
                else:
                    response.failure(failure)
        except BaseException:  # killed mid-request at stop
            if tracker is not None:
                tracker.forget(ids)
            raise
        if tracker is not None:
            tracker.forget(ids)
