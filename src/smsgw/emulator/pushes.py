"""Asynchronous delivery of the device's pushes (dev-status, port-status, recv-sms, status reports ...).

The emulated device decides *what* to push (``advance(now)`` returns pushes); this module POSTs them
without ever holding up the device. :meth:`PushDispatcher.submit` only appends to a bounded queue
and returns at once: ``False`` (and a counted drop) when the destination's queue is full or the
dispatcher is closing. One asyncio worker per destination URL sends that URL's pushes one after the
other, so pushes to the same URL arrive in the order they were submitted; different URLs do not
wait for each other.

Delivery rules:

* a 2xx answer is delivered; a 4xx (or any other non-5xx) answer is a failure that is not retried
  (the receiver refused the message, sending it again would not change that);
* a 5xx answer or a transport error (connection refused or reset, connect/read/write/pool timeout)
  is retried up to ``retries`` times, waiting ``backoff * 2**(n-1)`` seconds (at most
  ``backoff_max``) before retry *n*; then the push is given up and counted failed. Delivery is at
  least once: a push whose answer timed out may have arrived and is sent again;
* the head push of a URL is retried before the next one is sent (ordering over throughput).

Every URL that leaves this module (counters, results, log lines, error text) goes through
:func:`smsgw.redact.redact_url`/:func:`~smsgw.redact.redact_text`, so a password in the query string
or the userinfo of a push URL never shows. httpx itself logs each request URL at INFO; ``start``
those lines are redacted by the filter :func:`smsgw.redact.install_log_redaction` installs when
``smsgw`` is imported. The HTTP client does not
read proxy settings from the environment (``trust_env=False``) and follows no redirects.

``submit`` may be called from the event loop's thread or from any other thread;
:meth:`PushDispatcher.start` and :meth:`PushDispatcher.aclose` run on the loop that sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType

import httpx

from smsgw._tls import client_ssl_context
from smsgw.redact import install_log_redaction, redact_text, redact_url

__all__ = ["PushDispatcher", "PushResult", "PushStats"]

log = logging.getLogger(__name__)

JSON_CT = "application/json; charset=utf-8"
_ERROR_TEXT_LIMIT = 300


@dataclass(frozen=True)
class PushResult:
    """The outcome of one push, given to ``on_result``: ``url`` is redacted."""

    url: str
    kind: str
    ok: bool
    status: int | None
    attempts: int
    error: str | None = None


@dataclass
class PushStats:
    """Counters of one destination; ``url`` and ``last_error`` are redacted."""

    url: str
    sent: int = 0
    failed: int = 0
    retried: int = 0
    dropped: int = 0
    queued: int = 0
    last_status: int | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class _Push:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    kind: str


class _Destination:
    def __init__(self, url: str) -> None:
        self.url = url  # the real URL: never logged, never exposed
        self.stats = PushStats(redact_url(url))
        self.queue: deque[_Push] = deque()
        self.wake: asyncio.Event | None = None
        self.task: asyncio.Task[None] | None = None


class PushDispatcher:
    """Bounded, non-blocking, ordered-per-URL push delivery over httpx.

    ``timeout`` is a number of seconds for each of connect, read, write and pool, or an
    :class:`httpx.Timeout`. ``retries`` is the number of retries after the first attempt.
    ``max_queue`` bounds the pushes waiting (or in flight) per destination; ``max_destinations``
    bounds how many URLs are tracked. ``on_result`` is called on the loop with each final outcome;
    its exceptions are logged and ignored. ``transport`` replaces the network (tests).
    """

    def __init__(
        self,
        *,
        timeout: float | httpx.Timeout = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        max_queue: int = 1000,
        max_destinations: int = 256,
        on_result: Callable[[PushResult], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if retries < 0 or max_queue < 1 or max_destinations < 1 or backoff < 0:
            raise ValueError("retries and backoff must be >= 0, max_queue and max_destinations >= 1")
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.max_queue = max_queue
        self.max_destinations = max_destinations
        self.on_result = on_result
        self._transport = transport
        self._lock = threading.Lock()
        self._destinations: dict[str, _Destination] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None
        self._closing = False
        self._closed = False
        #: pushes refused because ``max_destinations`` URLs are already tracked
        self.dropped_unknown_destination = 0

    # -- life cycle ---------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        """True once :meth:`start` ran (also after :meth:`aclose`)."""
        return self._loop is not None

    def start(self) -> None:
        """Start sending on the running event loop (call from a coroutine on that loop)."""
        loop = asyncio.get_running_loop()
        if self._loop is not None:
            raise RuntimeError("PushDispatcher already started")
        if self._closed:
            raise RuntimeError("PushDispatcher is closed")
        self._loop = loop
        install_log_redaction()
        self._client = httpx.AsyncClient(
            timeout=self.timeout,
            follow_redirects=False,
            trust_env=False,
            verify=client_ssl_context(),
            transport=self._transport,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        )
        with self._lock:
            destinations = list(self._destinations.values())
        for destination in destinations:
            self._ensure_worker(destination)

    async def aclose(self, drain_timeout: float = 5.0) -> None:
        """Stop taking pushes, deliver what is queued for up to ``drain_timeout`` seconds, then stop.

        Pushes still queued at the deadline are abandoned and counted as dropped.
        """
        with self._lock:
            if self._closed:
                return
            self._closing = True
            destinations = list(self._destinations.values())
        for destination in destinations:
            if destination.wake is not None:
                destination.wake.set()
        tasks = [d.task for d in destinations if d.task is not None]
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=max(drain_timeout, 0.0))
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for destination in destinations:
            self._abandon(destination)
        if self._client is not None:
            await self._client.aclose()
        self._closed = True

    async def __aenter__(self) -> PushDispatcher:
        self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- submitting ---------------------------------------------------------------------------------
    def submit(
        self,
        url: str,
        body: bytes,
        content_type: str = JSON_CT,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        kind: str = "",
    ) -> bool:
        """Queue a POST of ``body`` to ``url``; False (a counted drop) when it cannot be queued.

        Never blocks and never raises for a full queue, a dead receiver or a closed dispatcher.
        """
        pairs = tuple((headers.items() if isinstance(headers, Mapping) else headers) or ())
        if not any(name.lower() == "content-type" for name, _ in pairs):  # an explicit header wins
            pairs = (("content-type", content_type), *pairs)
        push = _Push(body, pairs, kind)
        with self._lock:
            destination = self._destinations.get(url)
            if destination is None:
                if len(self._destinations) >= self.max_destinations:
                    self.dropped_unknown_destination += 1
                    return False
                destination = self._destinations[url] = _Destination(url)
            if self._closing or len(destination.queue) >= self.max_queue:
                destination.stats.dropped += 1
                return False
            destination.queue.append(push)
            destination.stats.queued = len(destination.queue)
            loop = self._loop
        if loop is not None:
            if _running_loop() is loop:
                self._ensure_worker(destination)
            else:
                with contextlib.suppress(RuntimeError):  # loop closed: the push stays queued
                    loop.call_soon_threadsafe(self._ensure_worker, destination)
        return True

    # -- counters -----------------------------------------------------------------------------------
    def stats(self) -> dict[str, PushStats]:
        """A copy of every destination's counters, keyed by redacted URL."""
        with self._lock:
            copies = [replace(d.stats, queued=len(d.queue)) for d in self._destinations.values()]
        merged: dict[str, PushStats] = {}
        for copy in copies:
            if copy.url in merged:  # two URLs that differ only in a secret
                other = merged[copy.url]
                for name in ("sent", "failed", "retried", "dropped", "queued"):
                    setattr(other, name, getattr(other, name) + getattr(copy, name))
            else:
                merged[copy.url] = copy
        return merged

    def stats_for(self, url: str) -> PushStats | None:
        with self._lock:
            destination = self._destinations.get(url)
            return None if destination is None else replace(destination.stats, queued=len(destination.queue))

    def pending(self) -> int:
        """Pushes queued or in flight, all destinations."""
        with self._lock:
            return sum(len(d.queue) for d in self._destinations.values())

    # -- workers ------------------------------------------------------------------------------------
    def _ensure_worker(self, destination: _Destination) -> None:
        if destination.wake is None:
            destination.wake = asyncio.Event()
        if destination.task is None or destination.task.done():
            if self._closed:
                return
            destination.task = asyncio.get_running_loop().create_task(
                self._work(destination), name=f"push-{destination.stats.url}"
            )
        destination.wake.set()

    async def _work(self, destination: _Destination) -> None:
        assert destination.wake is not None
        while True:
            with self._lock:
                push = destination.queue[0] if destination.queue else None
                closing = self._closing
            if push is None:
                if closing:
                    return
                destination.wake.clear()
                await destination.wake.wait()
                continue
            result = await self._deliver(destination, push)
            with self._lock:
                destination.queue.popleft()
                destination.stats.queued = len(destination.queue)
            self._report(result)

    async def _deliver(self, destination: _Destination, push: _Push) -> PushResult:
        assert self._client is not None
        stats = destination.stats
        attempt = 0
        while True:
            attempt += 1
            status: int | None = None
            try:
                async with self._client.stream(
                    "POST", destination.url, content=_content(push), headers=_headers(push)
                ) as response:
                    status = response.status_code
                error = None if 200 <= status < 300 else f"HTTP {status}"
                retry = status >= 500
            except httpx.TransportError as exc:
                error, retry = self._error_text(destination, exc), True
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # invalid URL: no retry
                error, retry = self._error_text(destination, exc), False
            with self._lock:
                stats.last_status = status
                if error is None:
                    stats.sent += 1
                    return PushResult(stats.url, push.kind, True, status, attempt)
                stats.last_error = error
                give_up = not retry or attempt > self.retries
                if give_up:
                    stats.failed += 1
                else:
                    stats.retried += 1
            if give_up:
                log.warning("push to %s failed after %d attempt(s): %s", stats.url, attempt, error)
                return PushResult(stats.url, push.kind, False, status, attempt, error)
            delay = min(self.backoff * 2 ** (attempt - 1), self.backoff_max)
            log.debug("push to %s: %s; retry %d in %.2fs", stats.url, error, attempt, delay)
            await asyncio.sleep(delay)

    @staticmethod
    def _error_text(destination: _Destination, exc: Exception) -> str:
        detail = str(exc).replace(destination.url, destination.stats.url)
        text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        return redact_text(text)[:_ERROR_TEXT_LIMIT]

    def _abandon(self, destination: _Destination) -> None:
        with self._lock:
            left = list(destination.queue)
            destination.queue.clear()
            destination.stats.dropped += len(left)
            destination.stats.queued = 0
        for push in left:
            self._report(
                PushResult(destination.stats.url, push.kind, False, None, 0, "not delivered before close")
            )

    def _report(self, result: PushResult) -> None:
        if self.on_result is None:
            return
        try:
            self.on_result(result)
        except Exception:
            log.exception("on_result callback failed for a push to %s", result.url)


def _chunked(push: _Push) -> bool:
    """The push asks to go without a Content-Length ("Transfer-Encoding: chunked": a firmware that
    streams its body, see the emulator's defect.forward-no-content-length)."""
    return any(k.lower() == "transfer-encoding" and v.lower() == "chunked" for k, v in push.headers)


def _content(push: _Push) -> bytes | AsyncIterator[bytes]:
    """The body: bytes (httpx sends its Content-Length) or, chunked, a stream of one chunk."""
    if not _chunked(push):
        return push.body

    async def stream() -> AsyncIterator[bytes]:
        yield push.body

    return stream()


def _headers(push: _Push) -> list[tuple[str, str]]:
    """The headers to send; httpx writes Transfer-Encoding itself for a streamed body."""
    if not _chunked(push):
        return list(push.headers)
    return [(k, v) for k, v in push.headers if k.lower() != "transfer-encoding"]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
