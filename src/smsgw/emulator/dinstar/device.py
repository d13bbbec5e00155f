"""One emulated Dinstar UC gateway (dinstar-uc-1.2): a pure state machine like the Ejoin device,
``handle(request) -> response`` and ``advance(now) -> pushes``, on the shared core (ports and SIMs
of :class:`PortBank`, the virtual :class:`Network`, the clock, switches and faults).

Answers when the document is silent:

* every ``/api/*`` answer is HTTP 200 with the document's ``error_code`` and the gateway's ``sn``
  in the JSON body (the ``error_code`` *is* the API's status, §2.3); an unknown path is HTTP 404;
* authentication is HTTP digest (or basic, when allowed): a request without credentials gets
  HTTP 401 and a challenge (:mod:`smsgw.emulator.dinstar.auth`);
* parameters come from the query string and, for a JSON object body, from the body, whatever the
  method (the document's examples GET some endpoints and POST others with ``curl -d``);
* ports are 0-based in the API (§2.2 "ranging from 0 to 31"), slots 0-3 (§10.3); the bank below
  counts both from 1.
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import orjson

from smsgw.emulator import ports as P
from smsgw.emulator.clock import Clock, VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.dinstar import config_api, ports_api, sms_api
from smsgw.emulator.dinstar.auth import DigestAuth, Verdict
from smsgw.emulator.dinstar.common import D_TIME_ISO, BadRequest, fmt_time
from smsgw.emulator.dinstar.sms import FAILED, SmsBoard, SmsInbox
from smsgw.emulator.faults import Faults, Switches, defect, quirk
from smsgw.emulator.messages import JSON_CT, Push, Request, Response
from smsgw.emulator.network import Network
from smsgw.emulator.ports import PortBank
from smsgw.emulator.profiles import Profile
from smsgw.redact import redact_url

D_AUTH_IGNORED = defect("defect.dinstar-auth-ignored", "requests without credentials are answered (no 401)")
D_AUTH_IGNORED_ON_GET_CDR = defect(
    "defect.dinstar-auth-ignored-on-get-cdr", "/api/get_cdr answers without checking the credentials"
)
D_400_AS_500 = defect(
    "defect.dinstar-400-as-500", 'malformed requests answer error_code 500 ("other errors") instead of 400'
)
D_500_ON_BAD_JSON = defect("defect.dinstar-500-on-bad-json", "a body that is not JSON answers HTTP 500")
D_PORTS_ONE_BASED = defect(
    "defect.dinstar-ports-one-based", "API ports count from 1 (port 0 is refused, answers say port+1)"
)
D_PUSH_SN_MISSING = defect("defect.dinstar-push-sn-missing", "pushes lack the sn field")
D_SN_MISSING = defect("defect.dinstar-sn-missing", "API answers lack the sn field")
D_STK_NOT_FOUND = defect("defect.dinstar-stk-not-found", "the STK paths answer 404 (STK only under /api/)")
D_SMS_NOT_PUSHED = defect("defect.dinstar-sms-not-pushed", "received SMS are not pushed")
D_PUSH_SMS_ID_OFF = defect(
    "defect.dinstar-sms-push-id-differs", "pushed SMS carry another incoming_sms_id than the query shows"
)
D_REGISTER_NOT_PUSHED = defect("defect.dinstar-register-not-pushed", "SIM register changes are not pushed")
D_DEVICE_PUSH_MAC_COLONS = defect(
    "defect.dinstar-device-push-mac-colons", "device pushes write the MAC with colons (F8:A0:3D:...)"
)
D_DEVICE_START_POWER_OFF = defect(
    "defect.dinstar-device-push-start-power-off", "the start-up device push says power_off, not power_on"
)
D_EXCEPTION_AS_ARRAY = defect(
    "defect.dinstar-exception-info-array", "exception_info is pushed as an array of events, not one object"
)
D_API_DISABLED = defect(
    "defect.dinstar-api-disabled", "the new-version API is off: /api/* answers the web UI's HTML 404 page"
)
Q_HTTP_STATUS_IS_CODE = quirk(
    "quirk.dinstar-http-status-is-error-code",
    "answers carry the error_code as the HTTP status too (202, 400, 413...)",
    erratum="E-DS-ERROR-CODE-IN-BODY",
)

#: dinstar-uc-1.2: ports 0-31 (§2.2), slots 0-3 (§10.3); an 8-port 4-SIM gateway by default
PROFILE = Profile(
    "dinstar-uc",
    "Dinstar UC HTTP API 1.2",
    ports=8,
    slots=4,
    http_port=80,
    operations=frozenset(),
    ver="UC2000-VE-1.2",
)
MAX_BODY = 1 << 20
#: the DRP server endpoints (§26.3) are the login itself: no digest
NO_AUTH = frozenset({"/doLogin", "/remoteWeb"})
#: endpoints without a 400 among their codes (§5.3, §6.3, §9.3): a malformed request is "other errors"
NO_400 = frozenset({"/api/query_sms_in_queue", "/api/query_incoming_sms", "/api/stop_sms"})


@dataclass(slots=True)
class DinstarResponse(Response):
    """A response with extra headers (the digest challenge)."""

    headers: tuple[tuple[str, str], ...] = ()


Handler = Callable[["DinstarDevice", dict[str, Any], Request], Response]


class DinstarDevice:
    """An emulated Dinstar UC gateway."""

    def __init__(
        self, config: DeviceConfig | None = None, clock: Clock | None = None, network: Network | None = None
    ) -> None:
        self.config = config = replace(config) if config is not None else DeviceConfig(profile="dinstar-uc")
        self.profile: Profile = PROFILE
        self.clock: Clock = clock or VirtualClock()
        self.rng = random.Random(config.seed * 7919 + config.index + 104_729)  # noqa: S311 (seeded emulation)
        self.switches = Switches(config.switches)
        self.faults = Faults(seed=config.seed)
        n_ports = min(32, config.ports or PROFILE.ports)
        n_slots = min(4, config.slots or PROFILE.slots)
        # numbers 13<500+index>... : never the same as an Ejoin device's of the same index
        self.bank = PortBank(
            n_ports,
            n_slots,
            device_index=500 + config.index,
            rng=self.rng,
            register_time=config.register_time,
            empty_slots=config.empty_slots,
        )
        digest = hashlib.sha256(f"dinstar-{config.seed}-{config.index}".encode()).hexdigest()
        self.sn = "-".join(digest[i : i + 4] for i in (0, 4, 8, 12))
        self.mac = (
            config.mac
            or f"F8-A0-3D-{(config.index >> 8) & 0xFF:02X}-{config.index & 0xFF:02X}-{config.seed & 0xFF:02X}"
        )
        self.auth = DigestAuth(config.username, config.password, seed=config.seed)
        self.board = SmsBoard(send_time=config.send_time)
        self.inbox = SmsInbox()
        self.push_url: str | None = config.status_url or config.sms_url
        self.powered: dict[int, bool] = {p.number: True for p in self.bank.ports}
        self.reg_up: dict[int, bool] = {p.number: self.bank.can_send(p.number) for p in self.bank.ports}
        self.reg_seq = 0
        self.ussd_replies: dict[int, str] = {}
        self.ussd_pending: list[tuple[float, int, str]] = []
        self.call_forward: dict[int, dict[str, str]] = {}
        self.call_forward_checked: dict[int, dict[str, str]] = {}
        self.pins: dict[tuple[int, int], str] = {}
        #: port -> the last SIM's (imsi, iccid), kept only with D_NO_SIM_STALE_IDS
        self.sim_ids_seen: dict[int, tuple[str, str]] = {}
        self.cdrs: deque[dict[str, Any]] = deque(maxlen=5000)
        self.stk = ports_api.StkState()
        self.settings = config_api.Settings(n_ports)
        self.outbox: list[tuple[str, Any]] = []
        self.incoming: deque[tuple[int, int, str, str, str, float]] = deque()
        self.history: deque[dict[str, Any]] = deque(maxlen=500)
        self.pushes_total = 0
        self.requests = 0
        self.booted = False
        self.network = network
        if network is not None:
            network.attach(self)
        self._routes: dict[str, Handler] = {
            **sms_api.ROUTES,
            **ports_api.ROUTES,
            **config_api.ROUTES,
        }
        self.bank.changed.clear()

    # -- identity --------------------------------------------------------------------------------
    @property
    def n_ports(self) -> int:
        return self.bank.n_ports

    @property
    def n_slots(self) -> int:
        return self.bank.n_slots

    @property
    def paths(self) -> list[str]:
        return sorted(self._routes)

    def api_port(self, bank_port: int) -> int:
        """Bank port (1-based) -> API port (0-based; 1-based with the defect)."""
        return bank_port if self.switches.on(D_PORTS_ONE_BASED) else bank_port - 1

    def bank_port(self, api_port: int) -> int:
        """API port -> bank port; :class:`BadRequest` for a port the gateway has not."""
        low = 1 if self.switches.on(D_PORTS_ONE_BASED) else 0
        if not low <= api_port < low + self.n_ports:
            raise BadRequest(f"port must be within {low}..{low + self.n_ports - 1}")
        return api_port + (1 - low)

    def time(self, at: float) -> str:
        return fmt_time(at, self.switches.on(D_TIME_ISO))

    def can_send(self, port: int) -> bool:
        return self.powered.get(port, False) and self.bank.can_send(port)

    # -- request handling ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Answer one request (never raises; a bug of the emulator is an HTTP 500 without secrets)."""
        self.requests += 1
        handler = self._routes.get(request.path)
        if handler is None:
            return self._finish(Response.json(self.answer(404), 404))
        now = self.clock.now()
        unchecked = request.path == "/api/get_cdr" and self.switches.on(D_AUTH_IGNORED_ON_GET_CDR)
        if request.path not in NO_AUTH and not self.switches.on(D_AUTH_IGNORED) and not unchecked:
            outcome = self.auth.check(
                request.method, request.path, request.headers.get("authorization"), now, self.switches
            )
            if outcome.verdict is Verdict.LOCKED:
                return self._finish(Response.json(self.answer(403), 403))
            if outcome.verdict is not Verdict.OK:
                body = orjson.dumps(self.answer(401))
                return self._finish(
                    DinstarResponse(401, body, JSON_CT, headers=(("WWW-Authenticate", outcome.challenge),))
                )
        if (
            self.switches.on(D_STK_NOT_FOUND)
            and not request.path.startswith("/api/")
            and "STK" in request.path
        ):
            return self._finish(Response.json(self.answer(404), 404))
        if self.switches.on(D_API_DISABLED) and request.path.startswith("/api/"):
            return self._finish(Response(404, b"<html><body>Not Found</body></html>", "text/html"))
        try:
            params = self._params(request)
            response = handler(self, params, request)
        except BadRequest as exc:
            code = exc.code
            if code == 400 and (request.path in NO_400 or self.switches.on(D_400_AS_500)):
                code = 500
            response = Response.json(self.answer(code))
        except _BadJson:
            response = Response(500, b"Internal Server Error", "text/plain")
        except Exception as exc:  # a bug of the emulator, reported without secrets
            response = Response.json(
                {"error_code": 500, "reason": f"emulator error: {type(exc).__name__}"}, 500
            )
        return self._finish(response)

    def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.path.startswith("/api/mms_file/"):
            return params
        body = request.body.strip()
        if not body:
            return params
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            if self.switches.on(D_500_ON_BAD_JSON):
                raise _BadJson from None
            raise BadRequest("the body is not JSON") from None
        if isinstance(parsed, dict):
            params.update(parsed)
        else:
            params["_body"] = parsed
        return params

    def answer(self, code: int, **extra: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"error_code": code}
        if not self.switches.on(D_SN_MISSING):
            payload["sn"] = self.sn
        payload.update(extra)
        return payload

    def reply(self, code: int, **extra: Any) -> Response:
        return Response.json(self.answer(code, **extra))

    def _finish(self, response: Response) -> Response:
        if response.status == 200 and self.switches.on(Q_HTTP_STATUS_IS_CODE):
            code = _error_code(response.body)
            if code is not None and 200 <= code <= 599:
                response.status = code
        faults = self.faults
        if faults.active:
            if faults.drop():
                response.drop = True
            elif faults.error():
                response.status, response.body = 503, orjson.dumps({"error_code": 503})
            response.delay += faults.delay()
        return response

    # -- network ---------------------------------------------------------------------------------------
    def deliver(  # noqa: PLR0917 (the Network's delivery signature, shared with the Ejoin device)
        self, port: int, slot: int, sender: str, recipient: str, text: str, at: float, report: bool = False
    ) -> None:
        """An SMS arrives at bank ``port``/``slot`` (thread-safe; delivery reports are not SMS here)."""
        if not report:
            self.incoming.append((port, slot, sender, recipient, text, at))

    # -- time -----------------------------------------------------------------------------------------
    def advance(self, now: float | None = None) -> list[Push]:
        """Everything that became due up to ``now`` (default: the clock), as pushes to send."""
        if now is None:
            now = self.clock.now()
        if not self.booted:
            self.booted = True
            start = "power_off" if self.switches.on(D_DEVICE_START_POWER_OFF) else "power_on"
            self.outbox.append(("device", self.device_event(start)))
        self._take_incoming(now)
        self.bank.advance(now)
        sms_api.advance(self, now)
        self._take_incoming(now)
        ports_api.advance_ussd(self, now)
        self._register_events()
        pushes: list[Push] = []
        if self.outbox:
            if self.push_url:
                pushes = self._pushes(self.outbox)
                self.outbox = []
            else:  # the start-up event waits for the push service to be configured; the rest is gone
                self.outbox = [e for e in self.outbox if e[0] == "device"][-2:]
        if pushes:
            self.pushes_total += len(pushes)
            for push in pushes:
                self.history.append({"kind": push.kind, "url": redact_url(push.url), "payload": push.payload})
        return pushes

    def _pushes(self, events: list[tuple[str, Any]]) -> list[Push]:
        """One push per event kind and batch; list events (sms, register...) are merged in order."""
        merged: dict[str, Any] = {}
        singles: list[tuple[str, Any]] = []
        for kind, value in events:
            if isinstance(value, list):
                merged.setdefault(kind, []).extend(value)
            else:
                singles.append((kind, value))
        url = self.push_url or ""
        out: list[Push] = []
        for kind, value in [*merged.items(), *singles]:
            payload: dict[str, Any] = {}
            if not self.switches.on(D_PUSH_SN_MISSING):
                payload["sn"] = self.sn
            payload[kind] = value
            out.append(Push.json(kind, url, payload))
        return out

    def device_event(self, status: str) -> dict[str, Any]:
        mac = self.mac.replace("-", ":") if self.switches.on(D_DEVICE_PUSH_MAC_COLONS) else self.mac
        return {"port_number": self.n_ports, "IP": self.config.ip, "MAC": mac, "status": status}

    def exception_event(self, port: int, kind: str, action: str) -> None:
        """An abnormal event of bank ``port`` (§17 exception_info: one object)."""
        event = {"port": self.api_port(port), "type": kind, "action": action}
        self.outbox.append(("exception_info", [event] if self.switches.on(D_EXCEPTION_AS_ARRAY) else event))

    def _take_incoming(self, now: float) -> None:
        events: list[dict[str, Any]] = []
        while self.incoming and self.incoming[0][5] <= now:
            port, slot_no, sender, _recipient, text, at = self.incoming.popleft()
            slot = self.bank.slot(port, slot_no)
            smsc = f"+{self.network.smsc}" if self.network is not None else ""
            sms = self.inbox.add(port, slot_no, number=sender, smsc=smsc, at=at, text=text, imsi=slot.imsi)
            entry = sms_api.incoming_entry(self, sms)
            if self.switches.on(D_PUSH_SMS_ID_OFF):
                entry["incoming_sms_id"] += 1000
            events.append(entry)
        if events and not self.switches.on(D_SMS_NOT_PUSHED):
            self.outbox.append(("sms", events))

    def _register_events(self) -> None:
        changed = self.bank.take_changes()
        if not changed:
            return
        events: list[dict[str, Any]] = []
        for slot in changed:
            if not self.bank.is_active(slot):
                continue
            up = self.can_send(slot.port)
            if up == self.reg_up.get(slot.port):
                continue
            self.reg_up[slot.port] = up
            self.reg_seq += 1
            events.append(ports_api.register_entry(self, slot, up, self.reg_seq))
        if events and not self.switches.on(D_REGISTER_NOT_PUSHED):
            self.outbox.append(("register", events))

    def next_due(self) -> float:
        ussd = min((due for due, _, _ in self.ussd_pending), default=float("inf"))
        return min(self.board.next_due(), ussd)

    # -- control --------------------------------------------------------------------------------------
    def reboot(self) -> None:
        """Restart: the queue is lost, SIMs re-register; power_off then power_on are pushed."""
        now = self.clock.now()
        for record in list(self.board.pending) + list(self.board.sending.values()):
            record.status = FAILED
        self.board.clear()
        self.outbox.append(("device", self.device_event("power_off")))
        for port in self.powered:
            self.powered[port] = True
        self.bank.reboot(now)
        self.outbox.append(("device", self.device_event("power_on")))

    def reset_state(self) -> None:
        """Forget SMS records, received SMS and history (test isolation); SIMs are kept."""
        self.board = SmsBoard(send_time=self.board.send_time, report_delay=self.board.report_delay)
        self.inbox = SmsInbox()
        self.history.clear()
        self.outbox.clear()

    def state(self) -> dict[str, Any]:
        """Internal state for tests and the control API (no password)."""
        read, unread = self.inbox.counts()
        return {
            "profile": self.profile.name,
            "sn": self.sn,
            "username": self.config.username,
            "time": self.clock.now(),
            "mac": self.mac,
            "ports": self.n_ports,
            "slots": self.n_slots,
            "push_url": redact_url(self.push_url) if self.push_url else None,
            "auth": self.auth.state(),
            "in_queue": self.board.in_queue,
            "tasks": len(self.board.tasks),
            "inbox": {"read": read, "unread": unread},
            "requests": self.requests,
            "pushes": self.pushes_total,
            "switches": self.switches.active(),
            "faults": self.faults.as_dict(),
            "port_state": [
                {
                    "port": self.api_port(p.number),
                    "slot": p.active - 1,
                    "number": p.current.number,
                    "code": p.current.code,
                    "status": P.status_text(p.current.code),
                    "powered": self.powered[p.number],
                }
                for p in self.bank.ports
            ],
        }


def _error_code(body: bytes) -> int | None:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    code = payload.get("error_code") if isinstance(payload, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


class _BadJson(Exception):
    """A body that is not JSON, with the HTTP 500 defect on."""


__all__ = ["PROFILE", "DinstarDevice", "DinstarResponse"]
