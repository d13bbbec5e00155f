"""The push dispatcher against a real loopback receiver: order, retries, give-up, dead and stalled
receivers, overflow, redaction, graceful close."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from smsgw._http import ServerThread, read_body
from smsgw._http.asgi import Receive, Scope, Send, send_bytes
from smsgw._http.server import free_port
from smsgw.emulator.pushes import PushDispatcher, PushResult

SECRET = "hunter2-secret"


@dataclass
class Receiver:
    """Records every request; the path picks the behaviour."""

    requests: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)
    flaky_left: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def bodies(self, path: str) -> list[bytes]:
        return [body for p, body, _ in list(self.requests) if p == path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        body = await read_body(receive, 1 << 20)
        path = scope["path"]
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append((path, body, headers))
        status = 200
        if path.startswith("/always503"):
            status = 503
        elif path.startswith("/reject"):
            status = 400
        elif path.startswith("/flaky"):
            left = self.flaky_left.get(path, 0)
            if left > 0:
                self.flaky_left[path] = left - 1
                status = 503
        elif path.startswith("/stall"):
            deadline = time.monotonic() + 3.0
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        await send_bytes(send, status, b"ok")


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[Receiver, str]]:
    app = Receiver()
    with ServerThread(app) as server:
        yield app, server.url
        app.release.set()


@pytest.fixture
def recv(receiver: tuple[Receiver, str]) -> tuple[Receiver, str]:
    app, url = receiver
    app.requests.clear()
    app.release.clear()
    return app, url


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), timeout=20))


async def drained(dispatcher: PushDispatcher, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while dispatcher.pending():
        assert time.monotonic() < deadline, "pushes not delivered in time"
        await asyncio.sleep(0.01)


def fast(**kwargs: Any) -> PushDispatcher:
    options: dict[str, Any] = {"timeout": 2.0, "retries": 3, "backoff": 0.01}
    options.update(kwargs)
    return PushDispatcher(**options)


# -- delivery and order ----------------------------------------------------------------------------
def test_pushes_to_one_url_arrive_in_submission_order(recv: tuple[Receiver, str]) -> None:
    app, base = recv
    results: list[PushResult] = []

    async def scenario() -> None:
        async with fast(on_result=results.append) as dispatcher:
            for n in range(20):
                assert dispatcher.submit(f"{base}/ok/a", f'{{"n":{n}}}'.encode(), kind="port-status")
                assert dispatcher.submit(f"{base}/ok/b", f'{{"n":{n}}}'.encode())
            await drained(dispatcher)
            stats = dispatcher.stats()
        assert stats[f"{base}/ok/a"].sent == 20
        b = stats[f"{base}/ok/b"]
        assert (b.sent, b.failed, b.last_status) == (20, 0, 200)

    run(scenario)
    expected = [f'{{"n":{n}}}'.encode() for n in range(20)]
    assert app.bodies("/ok/a") == expected
    assert app.bodies("/ok/b") == expected
    assert len(results) == 40
    assert all(r.ok and r.attempts == 1 and r.status == 200 for r in results)
    assert {r.kind for r in results if r.url.endswith("/ok/a")} == {"port-status"}


def test_content_type_and_headers_are_sent_and_an_explicit_content_type_wins(
    recv: tuple[Receiver, str],
) -> None:
    app, base = recv
    octets = "application/octet-stream"

    async def scenario() -> None:
        async with fast() as dispatcher:
            dispatcher.submit(f"{base}/ok/h", b"raw", octets, {"Sender": "+100", "SMSC": "+200"})
            dispatcher.submit(f"{base}/ok/h", b"raw", "text/plain", [("SCTS", "2401010000")])
            dispatcher.submit(f"{base}/ok/h", b"raw", "text/plain", {"Content-Type": "multipart/related"})
            await drained(dispatcher)

    run(scenario)
    first, second, third = [headers for path, _, headers in app.requests if path == "/ok/h"]
    assert (first["content-type"], first["sender"], first["smsc"]) == (octets, "+100", "+200")
    assert (second["content-type"], second["scts"]) == ("text/plain", "2401010000")
    assert third["content-type"] == "multipart/related"


def test_pushes_submitted_before_start_are_sent_on_start(recv: tuple[Receiver, str]) -> None:
    app, base = recv
    dispatcher = fast()
    assert dispatcher.submit(f"{base}/ok/early", b"1")

    async def scenario() -> None:
        dispatcher.start()
        await drained(dispatcher)
        await dispatcher.aclose()

    run(scenario)
    assert app.bodies("/ok/early") == [b"1"]


def test_submit_from_another_thread_is_delivered(recv: tuple[Receiver, str]) -> None:
    app, base = recv

    async def scenario() -> None:
        async with fast() as dispatcher:
            accepted: list[bool] = []
            thread = threading.Thread(
                target=lambda: accepted.extend(
                    dispatcher.submit(f"{base}/ok/t", bytes([n])) for n in range(5)
                )
            )
            thread.start()
            await asyncio.to_thread(thread.join, 5)
            assert accepted == [True] * 5
            await drained(dispatcher)

    run(scenario)
    assert app.bodies("/ok/t") == [bytes([n]) for n in range(5)]


# -- retries and giving up -------------------------------------------------------------------------
def test_503_is_retried_until_delivered(recv: tuple[Receiver, str]) -> None:
    app, base = recv
    app.flaky_left["/flaky/1"] = 2
    results: list[PushResult] = []

    async def scenario() -> None:
        async with fast(on_result=results.append) as dispatcher:
            dispatcher.submit(f"{base}/flaky/1", b"x")
            dispatcher.submit(f"{base}/flaky/1", b"y")
            await drained(dispatcher)
            stats = dispatcher.stats_for(f"{base}/flaky/1")
            assert stats is not None
            assert (stats.sent, stats.failed, stats.retried, stats.last_status) == (2, 0, 2, 200)
            assert stats.last_error == "HTTP 503"

    run(scenario)
    assert app.bodies("/flaky/1") == [b"x", b"x", b"x", b"y"]
    assert [(r.ok, r.attempts) for r in results] == [(True, 3), (True, 1)]


def test_gives_up_after_retries_plus_one_attempts(recv: tuple[Receiver, str]) -> None:
    app, base = recv
    results: list[PushResult] = []

    async def scenario() -> None:
        async with fast(retries=2, on_result=results.append) as dispatcher:
            dispatcher.submit(f"{base}/always503", b"x")
            dispatcher.submit(f"{base}/always503", b"next")
            await drained(dispatcher)
            stats = dispatcher.stats()[f"{base}/always503"]
            assert (stats.sent, stats.failed, stats.retried, stats.last_status) == (0, 2, 4, 503)

    run(scenario)
    assert app.bodies("/always503") == [b"x"] * 3 + [b"next"] * 3
    assert results[0] == PushResult(f"{base}/always503", "", False, 503, 3, "HTTP 503")


def test_backoff_grows_exponentially_between_attempts(recv: tuple[Receiver, str]) -> None:
    app, base = recv

    async def scenario() -> None:
        async with fast(retries=3, backoff=0.1) as dispatcher:
            started = time.monotonic()
            dispatcher.submit(f"{base}/always503/backoff", b"x")
            await drained(dispatcher)
            assert time.monotonic() - started >= 0.1 + 0.2 + 0.4

    run(scenario)
    assert len(app.bodies("/always503/backoff")) == 4


def test_4xx_answer_is_a_failure_without_retry(recv: tuple[Receiver, str]) -> None:
    app, base = recv

    async def scenario() -> None:
        async with fast() as dispatcher:
            dispatcher.submit(f"{base}/reject", b"x")
            await drained(dispatcher)
            stats = dispatcher.stats()[f"{base}/reject"]
            assert (stats.failed, stats.retried, stats.last_error) == (1, 0, "HTTP 400")

    run(scenario)
    assert app.bodies("/reject") == [b"x"]


def test_unparsable_url_is_a_failure_without_retry_and_the_next_url_still_works(
    recv: tuple[Receiver, str],
) -> None:
    app, base = recv
    broken = "http://[::1/push?password=hunter2"
    results: list[PushResult] = []

    async def scenario() -> None:
        async with fast(on_result=results.append) as dispatcher:
            assert dispatcher.submit(broken, b"x")
            dispatcher.submit(f"{base}/ok", b"y")
            await drained(dispatcher)
            stats = dispatcher.stats()
            broken_stats = next(s for url, s in stats.items() if url.startswith("http://["))
            assert (broken_stats.failed, broken_stats.retried) == (1, 0)
            assert "hunter2" not in (broken_stats.last_error or "") + broken_stats.url

    run(scenario)
    assert app.bodies("/ok") == [b"y"]
    assert [r.ok for r in results if r.url.startswith("http://[")] == [False]


# -- dead and stalled receivers --------------------------------------------------------------------
def test_receiver_that_is_down_never_blocks_submit() -> None:
    dead = f"http://127.0.0.1:{free_port()}/push"
    results: list[PushResult] = []

    async def scenario() -> None:
        async with fast(retries=1, on_result=results.append) as dispatcher:
            started = time.perf_counter()
            assert all(dispatcher.submit(dead, b"x") for _ in range(50))
            assert time.perf_counter() - started < 0.5
            await drained(dispatcher)
            stats = dispatcher.stats()[dead]
            assert (stats.sent, stats.failed, stats.retried) == (0, 50, 50)
            assert stats.last_error is not None
            assert stats.last_error.startswith("ConnectError")

    run(scenario)
    assert len(results) == 50
    assert not any(r.ok for r in results)


def test_stalled_receiver_times_out_without_blocking_submit_or_other_urls(recv: tuple[Receiver, str]) -> None:
    app, base = recv

    async def scenario() -> None:
        async with fast(timeout=0.3, retries=0) as dispatcher:
            started = time.perf_counter()
            assert dispatcher.submit(f"{base}/stall/1", b"slow")
            assert time.perf_counter() - started < 0.1
            await asyncio.sleep(0.05)
            assert dispatcher.submit(f"{base}/ok/meanwhile", b"fast")
            deadline = time.monotonic() + 0.25
            while not app.bodies("/ok/meanwhile"):
                assert time.monotonic() < deadline, "a stalled URL held up another one"
                await asyncio.sleep(0.01)
            await drained(dispatcher)
            stats = dispatcher.stats()[f"{base}/stall/1"]
            assert (stats.sent, stats.failed) == (0, 1)
            assert stats.last_error is not None
            assert stats.last_error.startswith("ReadTimeout")

    run(scenario)
    app.release.set()


def test_full_queue_drops_and_counts(recv: tuple[Receiver, str]) -> None:
    app, base = recv

    async def scenario() -> None:
        async with fast(timeout=5.0, max_queue=2) as dispatcher:
            url = f"{base}/stall/queue"
            accepted = [dispatcher.submit(url, bytes([n])) for n in range(5)]
            assert accepted == [True, True, False, False, False]
            stats = dispatcher.stats()[url]
            assert (stats.dropped, stats.queued) == (3, 2)
            app.release.set()
            await drained(dispatcher)
            assert dispatcher.stats()[url].sent == 2
            assert dispatcher.submit(url, b"room again")
            await drained(dispatcher)

    run(scenario)
    assert app.bodies("/stall/queue") == [b"\x00", b"\x01", b"room again"]


def test_too_many_destinations_are_refused_and_counted(recv: tuple[Receiver, str]) -> None:
    _, base = recv
    dispatcher = fast(max_destinations=2)
    assert dispatcher.submit(f"{base}/ok/1", b"")
    assert dispatcher.submit(f"{base}/ok/2", b"")
    assert not dispatcher.submit(f"{base}/ok/3", b"")
    assert dispatcher.dropped_unknown_destination == 1
    run(dispatcher.aclose)


# -- closing ---------------------------------------------------------------------------------------
def test_aclose_delivers_what_is_queued(recv: tuple[Receiver, str]) -> None:
    app, base = recv

    async def scenario() -> None:
        dispatcher = fast()
        dispatcher.start()
        for n in range(10):
            dispatcher.submit(f"{base}/ok/close", bytes([n]))
        await dispatcher.aclose(drain_timeout=5.0)
        assert dispatcher.stats()[f"{base}/ok/close"].sent == 10
        assert not dispatcher.submit(f"{base}/ok/close", b"late")
        assert dispatcher.stats()[f"{base}/ok/close"].dropped == 1

    run(scenario)
    assert len(app.bodies("/ok/close")) == 10


def test_aclose_abandons_pushes_at_the_deadline(recv: tuple[Receiver, str]) -> None:
    app, base = recv
    results: list[PushResult] = []

    async def scenario() -> None:
        dispatcher = fast(timeout=10.0, on_result=results.append)
        dispatcher.start()
        url = f"{base}/stall/close"
        for n in range(3):
            dispatcher.submit(url, bytes([n]))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await dispatcher.aclose(drain_timeout=0.2)
        assert time.monotonic() - started < 1.0
        stats = dispatcher.stats()[url]
        assert (stats.sent, stats.dropped, stats.queued) == (0, 3, 0)

    run(scenario)
    app.release.set()
    assert [r.error for r in results] == ["not delivered before close"] * 3


def test_start_needs_a_running_loop_and_only_once() -> None:
    dispatcher = fast()
    with pytest.raises(RuntimeError):
        dispatcher.start()

    async def scenario() -> None:
        assert not dispatcher.started
        dispatcher.start()
        assert dispatcher.started
        with pytest.raises(RuntimeError, match="already started"):
            dispatcher.start()
        await dispatcher.aclose()

    run(scenario)


def test_on_result_exception_is_logged_and_delivery_goes_on(
    recv: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    app, base = recv

    def explode(_: PushResult) -> None:
        raise RuntimeError("callback bug")

    async def scenario() -> None:
        async with fast(on_result=explode) as dispatcher:
            dispatcher.submit(f"{base}/ok/cb", b"1")
            dispatcher.submit(f"{base}/ok/cb", b"2")
            await drained(dispatcher)

    with caplog.at_level(logging.ERROR, logger="smsgw.emulator.pushes"):
        run(scenario)
    assert app.bodies("/ok/cb") == [b"1", b"2"]
    assert "on_result callback failed" in caplog.text


# -- secrets ---------------------------------------------------------------------------------------
def test_password_in_the_url_never_appears_in_counters_results_logs_or_errors(
    recv: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, base = recv
    port = base.rsplit(":", 1)[1]
    dead_port = free_port()
    urls = [
        f"http://127.0.0.1:{dead_port}/push?username=root&password={SECRET}",
        f"http://root:{SECRET}@127.0.0.1:{dead_port}/push",
        f"http://127.0.0.1:{port}/always503?password={SECRET}",
        f"http://127.0.0.1:{port}/stall/secret?pwd={SECRET}",
    ]
    results: list[PushResult] = []
    seen: list[str] = []

    async def scenario() -> None:
        async with fast(timeout=0.3, retries=1, on_result=results.append) as dispatcher:
            for url in urls:
                dispatcher.submit(url, b"{}")
            await drained(dispatcher)
            seen.append(repr(dispatcher.stats()))
            seen.extend(repr(dispatcher.stats_for(url)) for url in urls)

    with caplog.at_level(logging.DEBUG):
        run(scenario)
    seen.extend(repr(r) for r in results)
    seen.append(caplog.text)
    text = "\n".join(seen)
    assert "ConnectError" in text
    assert "ReadTimeout" in text
    assert "HTTP 503" in text
    assert "password=***" in text
    assert SECRET not in text
    assert len(results) == 4


def test_constructor_refuses_nonsense_bounds() -> None:
    with pytest.raises(ValueError, match="max_queue"):
        PushDispatcher(max_queue=0)


def test_a_push_marked_chunked_goes_without_content_length_and_others_carry_theirs(
    recv: tuple[Receiver, str],
) -> None:
    app, base = recv
    octets = "application/octet-stream"

    async def scenario() -> None:
        async with fast() as dispatcher:
            dispatcher.submit(f"{base}/ok/c", b"twelve bytes", octets, [("Transfer-Encoding", "chunked")])
            dispatcher.submit(f"{base}/ok/c", b"twelve bytes", octets)
            await drained(dispatcher)

    run(scenario)
    (chunked, body_c, _), (plain, body_p, _) = [
        (headers, body, path) for path, body, headers in app.requests if path == "/ok/c"
    ]
    assert (body_c, body_p) == (b"twelve bytes", b"twelve bytes")
    assert "content-length" not in chunked
    assert chunked["transfer-encoding"] == "chunked"
    assert plain["content-length"] == "12"
