"""One emulated Ejoin device: a pure state machine, ``handle(request) -> response`` and
``advance(now) -> pushes``.  No I/O, no threads, no sleeping: time comes from a :class:`Clock`.

The endpoints are those of the device's profile (gateway-2.4, router-2.2, proxy-gateway,
simple-v2).  State lives in the parts: :class:`PortBank` (ports, SIMs, status codes),
:class:`TaskBoard` (SMS tasks and queues, status reports), :class:`Inbox` (received SMS),
:class:`Statistics`, the eSIM bank, the secure sessions and the router configuration.

Answers when the documents are silent (read with the errata of ``schemas/errata.yaml``):

* success ``code`` is per endpoint (E-EJ-RESULT-CODE-PER-ENDPOINT): 200 for the SMS, statistics and
  eSIM endpoints, 0 for goip_send_cmd and goip_get_sms;
* bad credentials: HTTP 401 and the endpoint's answer shape with ``code`` 401 (200-family) or 1
  (0-family), ``reason`` "Invalid User"; goip_post_sms also gives every task "1 Invalid User";
* a request that cannot be read (malformed JSON, wrong types at the top level, bad port lists):
  HTTP 400, ``code`` 400 (200-family) or 15 "Invalid CMD" (goip_send_cmd), never a 5xx;
* an unknown path: HTTP 404; a body over the limit: HTTP 413; both with ``code``/``reason`` JSON.
"""

from __future__ import annotations

import base64
import hmac
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import orjson

from smsgw.emulator import ports as P
from smsgw.emulator import robustness
from smsgw.emulator.clock import Clock, VirtualClock
from smsgw.emulator.esim import EsimBank, EsimTimings
from smsgw.emulator.faults import Faults, Switches, defect, quirk
from smsgw.emulator.inbox import Inbox, Received, scts, with_version
from smsgw.emulator.messages import JSON_CT, Push, Request, Response
from smsgw.emulator.mms import MmsInbox, compose
from smsgw.emulator.network import Network
from smsgw.emulator.ports import PortBank, PortSpecError, parse_number_list
from smsgw.emulator.profiles import Profile, get_profile
from smsgw.emulator.routercfg import RouterConfig, SimplePorts
from smsgw.emulator.security import Rejected, SecurityManager, sealed
from smsgw.emulator.stats import RECEIVED, SENT_FAILED, SENT_OK, Statistics
from smsgw.emulator.tasks import STATUS_TEXT, Job, SendResult, TaskBoard
from smsgw.redact import redact_url

Q_MAX_SLOT_KEY = quirk(
    "quirk.max-slot-key",
    'dev-status sends "max-slot": 4 (the examples) instead of "max-slots"',
    erratum="E-EJ-DEVSTATUS-MAXSLOT-KEY",
)
Q_MAX_SLOTS_INT = quirk(
    "quirk.max-slots-int",
    "dev-status max-slots as an integer (the 2.4 sample)",
    erratum="E-EJ-DEVSTATUS-MAXSLOTS-INT",
)
Q_GET_TASKS_CODE_KEY = quirk(
    "quirk.get-tasks-code-key",
    'goip_get_tasks answers the key "code " with a trailing space (2.4 §6.3.6)',
    erratum="E-EJ-GETTASKS-CODE-KEY",
)
Q_RPT_NUM_INT = quirk(
    "quirk.rpt-num-int",
    "status-report rpt_num as an integer (the examples)",
    erratum="E-EJ-STATUSREPORT-RPTNUM-INT",
)
Q_ENBALE = quirk(
    "quirk.enbale-typo",
    'ip_white_list/ip_black_list answers spell "enbale" (the router-2.2 tables)',
    erratum="E-EJ-RT-IPLIST-ENBALE",
)
Q_SENT_SMS_EXAMPLE = quirk(
    "quirk.sent-sms-example-keys",
    'sent-sms as the simple-v2 example: "recver", bare status "0", no sim_src',
    erratum="E-EJ-SENTSMS-RECVER-KEY",
)

D_AUTH_IGNORED = defect("defect.auth-ignored", "any username/password is accepted")
D_500_ON_BAD_JSON = defect("defect.500-on-bad-json", "a body that is not JSON answers HTTP 500")
D_TRUNCATED_JSON = defect("defect.truncated-json", "answers are cut in the middle of the JSON")
D_STALL = defect("defect.stall-response", "answers are delayed by stall_seconds (30 s by default)")
D_WRONG_CONTENT_TYPE = defect("defect.wrong-content-type", "answers are sent as text/html")
D_HUGE_RESPONSE = defect("defect.huge-response", "answers carry 64 MiB of spaces after the JSON")
#: Size of the padding of ``defect.huge-response`` (far above any client's read limit).
HUGE_RESPONSE_BYTES = 64 * 1024 * 1024
D_WRONG_CODE = defect(
    "defect.wrong-code", "success code of the other family (0 from goip_post_sms, 200 from goip_send_cmd)"
)
D_MISSING_REASON = defect("defect.missing-reason", "answers lack the reason field")
D_TID_NOT_ECHOED = defect(
    "defect.tid-not-echoed", "task-status entries carry the batch position instead of the tid"
)
D_TID_STRING = defect("defect.tid-as-string", "task-status tid is a string (wrong type)")
D_STATUS_TEXT = defect("defect.status-text-wrong", 'task status "0 Success" instead of "0 OK"')
D_SEQ_NOT_INCREASING = defect("defect.seq-not-increasing", "dev-status seq stays at 1")
D_DEVSTATUS_NO_MAC = defect("defect.dev-status-missing-mac", "dev-status lacks the required mac field")
D_PORT_STATUS_SILENT = defect(
    "defect.port-status-not-pushed", "port status changes produce no port-status push"
)
D_PERIOD_MIN = defect("defect.period-min-ignored", "a dev-status period below 60 s is used as given")
D_PERIOD_ZERO = defect("defect.period-zero-ignored", "period=0 does not cancel the dev-status reports")
D_RPT_NUM_WRONG = defect("defect.rpt-num-wrong", "status-report rpt_num does not match the number of rpts")
D_TASK_NUM_WRONG = defect(
    "defect.task-num-wrong", "goip_get_tasks task_num is not the number of tasks returned"
)
D_DR_MISSING = defect("defect.dr-missing", "dr=1 produces no delivery report")
D_DR_DEFAULT_ON = defect("defect.dr-default-on", "every SMS gets a delivery report, dr=1 or not")
D_SR_URL_IGNORED = defect("defect.sr-url-ignored", "the sr_url of a send-sms request is ignored")
D_SMS_URL_IGNORED = defect("defect.sms-url-ignored", "the sms_url of a send-sms request is ignored")
D_SMS_CNT_DEFAULT_10 = defect("defect.sms-cnt-default-10", "sms_cnt is 10 until a request sets it (not 1)")
D_SMS_PRD_DEFAULT_5 = defect("defect.sms-prd-default-5", "sms_prd is 5 s until a request sets it (not 30)")
D_RECV_SWITCH_IGNORED = defect(
    "defect.recv-report-switch-ignored", "received SMS are pushed while the Receive SMS report is disabled"
)
D_USAGE_SWITCHES_IGNORED = defect(
    "defect.usage-report-switches-ignored", "call/SMS/traffic control data are reported with their report off"
)
D_PUSH_TEXT_PLAIN = defect("defect.push-content-type-text", "status-report/recv-sms pushes are text/plain")
D_SR_TYPE_WRONG = defect("defect.status-report-type-wrong", 'status-report type is "status_report"')
D_GET_SMS_DEFAULTS = defect(
    "defect.get-sms-defaults-wrong",
    "goip_get_sms without sms_id starts at the newest SMS; without sms_num, 1",
)
D_RESULTS_WITHOUT_TIDS = defect(
    "defect.results-without-tids", "pause/resume/remove without tids answer an empty results array"
)
D_GET_SMS_HTML = defect("defect.get-sms-html", "goip_get_sms answers the web page's HTML, not JSON")
D_TYPE_REQUIRED = defect("defect.send-sms-type-required", "a send-sms body without type is refused")
D_TASK_NUM_STRING_REFUSED = defect("defect.task-num-string-refused", 'a task_num string ("1") is refused')
D_MISSING_TASKS_OK = defect("defect.missing-tasks-ok", "a send-sms body without tasks is answered 200 OK")
D_GET_TASKS_NUM_DEFAULT_ALL = defect(
    "defect.get-tasks-num-default-all", "goip_get_tasks without num lists every task"
)
D_GET_TASKS_PORT_DEFAULT_1 = defect(
    "defect.get-tasks-port-default-1", "goip_get_tasks without port lists port 1"
)
# sent-sms pushes (simple-v2 §4.4)
D_SENT_NOT_PUSHED = defect("defect.sent-sms-not-pushed", "no sent-sms push although sent-SMS reporting is on")
D_SENT_STRINGS = defect("defect.sent-sms-numbers-as-strings", "sent-sms numbers (seq, time...) are strings")
D_SENT_SEQ_CONSTANT = defect("defect.sent-sms-seq-constant", "sent-sms seq stays at 1")
D_SENT_LOCAL_TIME = defect("defect.sent-sms-local-time", "sent-sms time is local time (UTC+8), not UTC")
D_SENT_SRC_TYPE_WEB = defect("defect.sent-sms-src-type-web", "an HTTP-submitted SMS has src_type 2")
D_SENT_TEXT_PLAIN = defect("defect.sent-sms-content-type-text", "sent-sms pushes are text/plain")
D_SENT_TYPE_WRONG = defect("defect.sent-sms-type-wrong", 'sent-sms type is "sent_sms"')
D_SENT_STATUS_WORD = defect("defect.sent-sms-status-word", 'sent-sms status is "SENT", not "code desc"')
D_SENT_NO_RECEIVER = defect("defect.sent-sms-receiver-missing", "sent-sms names no receiver")
D_SENT_PORT_BARE = defect("defect.sent-sms-port-bare", 'sent-sms port is the bare port ("2"), not port.slot')
D_SENT_CHARSET = defect("defect.sent-sms-charset-lowercase", 'sent-sms charset is "utf8", not "UTF-8"')
D_SENT_DATA_B64 = defect("defect.sent-sms-data-base64", "sent-sms data is base64 although charset says UTF-8")
D_SENT_SMC_NULL = defect("defect.sent-sms-smc-null", "sent-sms smc is null, not a string")
D_SDR_LETTER_SHIFTED = defect(
    "defect.sdr-port-letter-shifted", 'status-report sdr/fdr ports in letter form from .00 ("3B" for 3.01)'
)
D_SENT_B64_LINES = defect(
    "defect.sent-sms-base64-line-breaks", "sent-sms BASE64 data keeps MIME line breaks (every 76 characters)"
)
D_GET_SEND_REFUSED = defect("defect.get-send-refused", "goip_post_sms by GET (the previous API) is refused")
D_SR_CNT_STRING_IGNORED = defect("defect.sr-cnt-string-ignored", 'a send-sms sr_cnt string ("1") is ignored')
D_TIDS_FILTER_IGNORED = defect("defect.get-tasks-tids-ignored", 'goip_get_tasks ignores a {"tids"} body')
D_RPTS_OBJECT = defect("defect.rpts-object", "a status-report of one report sends rpts as an object")
D_PAR_SET_WRONG = defect("defect.par-set-wrong", "op=set answers par_set 0 although parameters were set")
D_IP_LIST_IGNORED = defect("defect.ip-list-ignored", "the device IP white/black lists are not enforced")
D_REDIAL_OPS_REFUSED = defect(
    "defect.redial-ops-refused", "redial in an op=multiple ops array is an invalid command"
)
D_SESSION_REPLY_ENCRYPTED = defect(
    "defect.session-reply-encrypted", "replies to ciphertext session requests are encrypted too"
)
D_DEV_STATUS_NOT_PUSHED = defect(
    "defect.dev-status-not-pushed", "the goip_get_status url is stored but no periodic dev-status is pushed"
)
D_ALL_SIMS_IGNORED = defect("defect.all-sims-ignored", "all_sims=1 reports only the active card of each port")
D_ALL_SLOTS_IGNORED = defect(
    "defect.all-slots-ignored", "all_slots=1 reports only the active card of each port"
)
D_PORT_MISSING = defect("defect.dev-status-port-missing", "dev-status leaves out the last port")
D_MAX_PORTS_WRONG = defect(
    "defect.max-ports-wrong", "dev-status max-ports is one less than the ports (counted from 0)"
)
D_TOTAL_NUM_PAGE = defect("defect.total-num-page", "goip_get_tasks total_num counts only the returned page")
D_POST_SMS_202 = defect(
    "defect.post-sms-http-202", "an accepted send-sms request is answered HTTP 202, not 200"
)
D_TASK_STATUS_TYPE = defect(
    "defect.task-status-type-echoed",
    'the send-sms answer has the request\'s type "send-sms", not "task-status"',
)
D_TASK_RESULTS_MISSING = defect(
    "defect.task-results-missing", "pause/resume/remove answers lack the results array"
)
D_DENIED_TASK_OP_APPLIED = defect(
    "defect.denied-task-op-applied",
    'pause/resume/remove with a wrong password answer "1 Invalid User" per tid but act on the tids',
)
D_STATUS_PUSH_GBK = defect(
    "defect.status-push-charset-gbk", "dev-status and port-status pushes declare charset=gbk, not utf-8"
)
D_GET_TASKS_PORT_IGNORED = defect(
    "defect.get-tasks-port-ignored", "goip_get_tasks lists the tasks of every port"
)
D_GET_TASKS_REVERSED = defect("defect.get-tasks-reversed", "goip_get_tasks lists the newest task first")
D_STATS_COUNT_WRONG = defect("defect.stats-count-wrong", "statistics count is not the number of stats items")
# goip_get_status and dev-status (§4.1)
D_SEQ_FROM_0 = defect("defect.dev-status-seq-from-0", "dev-status seq counts from 0")
D_DEVSTATUS_IP_EMPTY = defect("defect.dev-status-ip-empty", 'dev-status ip is ""')
D_EXPIRES_FIXED = defect("defect.expires-fixed-180", "dev-status expires is 180 whatever the period")
D_MAX_SLOTS_TOTAL = defect(
    "defect.max-slots-total", "max-slots counts every slot of the device (ports x slots)"
)
D_STATUS_OBJECT = defect(
    "defect.dev-status-status-object", "dev-status status is an object keyed by port name"
)
D_VER_EMPTY = defect("defect.ver-empty", 'dev-status ver is ""')
D_LISTS_EVERY_SLOT = defect(
    "defect.status-lists-every-slot", "goip_get_status lists every slot without all_sims/all_slots"
)
D_URL_CLEARED = defect(
    "defect.status-url-cleared-by-get", "a goip_get_status without url forgets the report URL"
)
D_URL_NOT_DECODED = defect(
    "defect.status-url-not-decoded", "the url parameter keeps its percent-escapes (%26)"
)
D_PERIOD_DEFAULT_180 = defect("defect.period-default-180", "a url without period reports every 180 s, not 60")
D_PERIOD_MINUTES = defect("defect.period-in-minutes", "period is read in minutes")
D_STATUS_PORT_IGNORED = defect("defect.status-port-ignored", "goip_get_status port=N lists every port")
D_PORT_STATUS_FIRST_ONLY = defect(
    "defect.port-status-first-only", "only the first status change of each port is pushed as port-status"
)
# goip_send_cmd (§5)
D_CMD_OP_UNCHECKED = defect("defect.cmd-op-unchecked", "an unknown or missing command op answers 0 OK")
D_CMD_QUERY_FORM_REFUSED = defect(
    "defect.cmd-query-form-refused", "a command given as URL parameters (op=lock&port=2.01) answers 15"
)
D_CMD_PORTS_OPTIONAL = defect("defect.cmd-ports-optional", "a port command without ports acts on every port")
D_MULTIPLE_FIRST_ONLY = defect("defect.multiple-first-only", "op=multiple runs only the first command of ops")
D_OPS_ALWAYS_RUN = defect("defect.ops-without-multiple-run", "ops next to another op are run too")
D_SAVE_REFUSED = defect("defect.save-refused", "op=save answers 15 Invalid CMD")
D_PORTS_CHECKED_ALWAYS = defect(
    "defect.ports-checked-for-save", "save and reboot with an invalid ports answer 2 Invalid Port"
)
D_REBOOT_IGNORED = defect("defect.reboot-ignored", "op=reboot answers OK but the device does not restart")
D_CMD_CHARSET_REFUSED = defect(
    "defect.cmd-charset-refused", "a command whose Content-Type names a charset answers 15 Invalid CMD"
)
D_SET_NOT_APPLIED = defect("defect.set-not-applied", "op=set answers OK but nothing changes")
D_SET_BODY_IGNORED = defect(
    "defect.set-body-ignored", "op=set reads only the query, not the name(n)=value body"
)
D_GET_EMPTY = defect("defect.cmd-get-empty", "op=get answers 0 OK without the values asked for")
# transport
D_BODY_CREDS_IGNORED = defect(
    "defect.body-credentials-ignored", "credentials in a POST's JSON body are not read"
)
D_POST_QUERY_CREDS_IGNORED = defect(
    "defect.post-query-credentials-ignored", "a POST reads credentials only from its JSON body"
)
D_VERSION_REQUIRED = defect("defect.version-required", "a request without version is refused")
D_VERSION_11_REFUSED = defect("defect.version-1-1-refused", "version=1.1 is refused as an unknown version")
# statistics (§9, §10)
D_STATS_PORTS_DEFAULT_1 = defect("defect.stats-ports-default-1", "statistics without ports count port 1 only")
D_STATS_PORT_LIST_FIRST = defect(
    "defect.stats-port-list-first-only", "statistics ports 1-2,4 count the first item only"
)
D_STATS_SLOTS_DEFAULT_ALL = defect(
    "defect.stats-slots-default-all", "statistics without slots list every slot"
)
D_STATS_SLOTS_ALL_IGNORED = defect(
    "defect.stats-slots-all-ignored", "statistics slots=all list the current card only"
)
D_STATS_TYPE_0_1_ONLY = defect("defect.stats-type-0-1-only", "statistics type 2 and 3 are refused")
D_STATS_WINDOWS_SWAPPED = defect(
    "defect.stats-windows-swapped", "statistics type 0 answers the cumulative counters and 3 the last hour"
)
D_STATS_FIELD_MISSING = defect("defect.stats-field-missing", "stats entries lack con_failed")
D_STATS_ZERO_BASED = defect("defect.stats-zero-based", "stats entries number ports and slots from 0")
D_SENT_OK_NOT_COUNTED = defect(
    "defect.stats-sent-ok-not-counted", "a successful SMS counts in sent, not in sent_ok"
)
D_RECEIVED_NOT_COUNTED = defect("defect.stats-received-not-counted", "received SMS are not counted")
D_NC_PERCENT = defect("defect.call-nc-percent", 'call statistics nc is a percentage ("43%"), not "n/m"')
D_ASR_FRACTION = defect(
    "defect.call-asr-fraction", "call statistics asr is a fraction (0.43), not a percentage"
)
D_TCD_SECONDS = defect("defect.call-tcd-seconds", "call statistics tcd is in seconds, not minutes")

PORT_STATUS_CT = JSON_CT
OK_200 = {"code": 200, "reason": "OK"}
#: endpoints whose success code is 0 (E-EJ-RESULT-CODE-PER-ENDPOINT); the others use 200
ZERO_FAMILY = frozenset({"goip_send_cmd", "goip_get_sms", "crypt_sess"})
MAX_BODY = 1 << 20
#: the longest dev-status period accepted (one year), so every value stays a JSON-safe integer
MAX_PERIOD = 365 * 86_400


#: highest task-status code of each document's table (E-EJ-CODE-TABLE-RANGES)
_TASK_STATUS_MAX = {"gateway-2.4": 20, "router-2.2": 16, "simple-v2": 12, "proxy-gateway": 12}


@dataclass(slots=True)
class DeviceConfig:
    """How to build a device. ``password`` never appears in answers, state or logs."""

    profile: str = "gateway-2.4"
    ports: int | None = None
    slots: int | None = None
    username: str = "root"
    password: str = field(default="root", repr=False)
    seed: int = 0
    index: int = 0
    ip: str = "127.0.0.1"
    mac: str | None = None
    #: seconds one SMS takes to send; seconds a SIM takes to register
    send_time: float = 5.0
    register_time: float = 3.0
    max_tasks: int = 10_000
    max_body: int = MAX_BODY
    #: push targets set by configuration (the API can change them)
    status_url: str | None = None
    status_period: int = 0
    sr_url: str | None = None
    sms_url: str | None = None
    mms_url: str | None = None
    sms_cnt: int = 1
    sms_prd: float = 30.0
    sr_cnt: int = 100
    sr_prd: float = 30.0
    sent_sms_push: bool | None = None
    empty_slots: float = 0.0
    stall_seconds: float = 30.0
    switches: tuple[str, ...] = ()


class Device:
    """An emulated Ejoin device."""

    def __init__(
        self, config: DeviceConfig | None = None, clock: Clock | None = None, network: Network | None = None
    ) -> None:
        self.config = config = replace(config) if config is not None else DeviceConfig()
        self.profile: Profile = get_profile(config.profile)
        self.clock: Clock = clock or VirtualClock()
        self.rng = random.Random(config.seed * 7919 + config.index)  # noqa: S311 (seeded emulation, not crypto)
        self.switches = Switches(config.switches)
        self.faults = Faults(seed=config.seed)
        n_ports = config.ports or self.profile.ports
        n_slots = config.slots or self.profile.slots
        self.bank = PortBank(
            n_ports,
            n_slots,
            device_index=config.index,
            rng=self.rng,
            register_time=config.register_time,
            empty_slots=config.empty_slots,
        )
        self.tasks = TaskBoard(
            self.bank,
            self.switches,
            self.rng,
            send_time=config.send_time,
            max_tasks=config.max_tasks,
            status_max=_TASK_STATUS_MAX.get(self.profile.name, 20),
        )
        self.inbox = Inbox(self._new_ssrc(), sim_src=self.profile.recv_sim_src)
        self.stats = Statistics(n_ports, n_slots)
        self.stats.seed_history(self.clock.now())
        for slot in (p.slots[0] for p in self.bank.ports[1:]):
            slot.call_minutes = int(self.stats.calls(slot.port, 1).summary(3, self.clock.now())["tcd"])
        self._esim: EsimBank | None = None  # made on first use (the esim property)
        self.security = SecurityManager({config.username: config.password}, switches=self.switches)
        self.router = _make_router(self)
        self._user, self._password = config.username.encode(), config.password.encode()
        self.mac = (
            config.mac
            or f"00-30-f1-{(config.index >> 8) & 0xFF:02x}-{config.index & 0xFF:02x}-{config.seed & 0xFF:02x}"
        )
        self.status_url = config.status_url
        self.period = config.status_period
        self.dev_seq = 0
        self.sent_seq = 0
        #: ports whose status change was pushed since the report URL was set (D_PORT_STATUS_FIRST_ONLY)
        self._pushed_ports: set[int] = set()
        self.next_dev_status = float("inf")
        if self.status_url and self.period > 0:
            self.next_dev_status = self.clock.now() + self.period
        self.sr_url, self.sms_url, self.mms_url = config.sr_url, config.sms_url, config.mms_url
        #: received MMS, pushed to mms_url while enabled (gateway-2.4 §11.1, the MMS Inbox page)
        self.mms_inbox = MmsInbox()
        self.sr_cnt, self.sr_prd = config.sr_cnt, config.sr_prd
        self.sms_cnt, self.sms_prd = config.sms_cnt, config.sms_prd
        self.sent_sms_push = (
            self.profile.sent_sms_push if config.sent_sms_push is None else config.sent_sms_push
        )
        self.incoming: deque[tuple[int, int, str, str, str, float, bool]] = deque()
        if self.switches.on(D_SMS_CNT_DEFAULT_10) and config.sms_cnt == 1:
            self.sms_cnt = 10
        if self.switches.on(D_SMS_PRD_DEFAULT_5) and config.sms_prd == 30.0:
            self.sms_prd = 5.0
        #: web-page reporting switches (simple-v2 §3 "Reporting Control", §4): Receive SMS, and the
        #: call/SMS/traffic control data of port-status and dev-status; the control API sets them
        self.recv_sms_report = True
        self.usage_reports = dict.fromkeys(USAGE_GROUPS, True)
        self.history: deque[dict[str, Any]] = deque(maxlen=500)
        self._sent_pushes: list[Push] = []
        self.pushes_total = 0
        self.requests = 0
        self.network = network
        if network is not None:
            network.attach(self)
        self._routes: dict[str, Callable[[Request, dict[str, Any] | None], Response]] = {}
        for op in self.profile.operations:
            handler = getattr(self, f"_op_{op}", None)
            if handler is not None:
                self._routes[f"/{op}.json" if op == "crypt_sess" else f"/{op}.html"] = handler
        for endpoint in self.profile.router_endpoints:
            self._routes[f"/{endpoint}"] = self._router_endpoint
        self.bank.changed.clear()

    # -- identity ----------------------------------------------------------------------------
    def _new_ssrc(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"

    @property
    def esim(self) -> EsimBank:
        """The eUICCs (gateway-2.4 §8), made on first use: a device that never touches eSIM (a
        fan-in load run holds 10,000) does without the ~50 KB of a 32-port bank."""
        if self._esim is None:
            # a profile download takes tens of seconds on a real eUICC; long enough here that a
            # client polling goip_get_esims on a loaded machine sees "submitted" and "in progress"
            self._esim = EsimBank(self.n_ports, switches=self.switches, timings=EsimTimings(1.0, 16.0, 10.0))
        return self._esim

    @property
    def n_ports(self) -> int:
        return self.bank.n_ports

    @property
    def n_slots(self) -> int:
        return self.bank.n_slots

    # -- request handling ---------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Answer one API request (never raises; an unexpected error is a 500 with a reason)."""
        self.requests += 1
        handler = self._routes.get(request.path)
        if handler is None:
            return self._finish(Response.json({"code": 404, "reason": "Not Found"}, 404))
        on = self.switches.enabled  # the live set: no defect on -> the defect hooks are skipped
        if (
            self.router is not None
            and D_IP_LIST_IGNORED not in on
            and not self.router.ip_allowed(request.source_ip)
        ):
            return self._finish(Response.json({"code": 403, "reason": "Forbidden"}, 403))
        response: Response | None = None
        if on:
            request, response = robustness.before(self.switches, request, self.config)
        try:
            response = handler(request, None) if response is None else response
        except Exception as exc:  # a bug of the emulator, reported without secrets
            response = Response.json({"code": 500, "reason": f"emulator error: {type(exc).__name__}"}, 500)
        if on:
            response = robustness.after(self.switches, request, response)
            if D_SESSION_REPLY_ENCRYPTED in on and "session" in request.query and request.body:
                response.body = sealed(response.body)
        return self._finish(response)

    def _finish(self, response: Response) -> Response:
        sw = self.switches
        if sw.enabled:
            if sw.on(D_TRUNCATED_JSON):
                response.body = response.body[: max(1, len(response.body) // 2)]
            if sw.on(D_STALL):
                response.delay += self.config.stall_seconds
            if sw.on(D_WRONG_CONTENT_TYPE):
                response.content_type = "text/html"
            if sw.on(D_HUGE_RESPONSE):
                response.body += b" " * HUGE_RESPONSE_BYTES
        faults = self.faults
        if faults.active:
            if faults.drop():
                response.drop = True
            elif faults.error():
                response.status, response.body = (
                    503,
                    orjson.dumps({"code": 503, "reason": "Service Unavailable"}),
                )
            response.delay += faults.delay()
        return response

    def _json_body(self, request: Request) -> tuple[Any, Response | None]:
        """The parsed JSON body, or the answer to a body that is not JSON."""
        try:
            return orjson.loads(request.body), None
        except orjson.JSONDecodeError:
            if self.switches.on(D_500_ON_BAD_JSON):
                return None, Response(500, b"Internal Server Error", "text/plain")
            return None, None

    def _check_auth(self, request: Request, body: Any) -> tuple[bool, Request]:
        """(authorized, request with the decrypted body for a crypt_sess session)."""
        on = self.switches.enabled
        if D_AUTH_IGNORED in on:
            return True, request
        query = request.query
        if "session" in query and "password" not in query:
            verdict = self.security.verify(request.path, query, request.body, self.clock.now())
            if isinstance(verdict, Rejected):
                return False, request
            return True, replace(request, body=verdict.body or b"")
        user = query.get("username")
        password = query.get("password")
        if on and request.method == "POST" and D_POST_QUERY_CREDS_IGNORED in on:
            user = password = None
        if (user is None or password is None) and isinstance(body, dict) and D_BODY_CREDS_IGNORED not in on:
            user = _str_key(body, "username")
            password = _str_key(body, "password")
        if user is None or password is None:
            return False, request
        ok = hmac.compare_digest(user.encode(), self._user) & hmac.compare_digest(
            password.encode(), self._password
        )
        return bool(ok), request

    def _code(self, op: str, ok: bool = True) -> int:
        zero = op in ZERO_FAMILY
        if ok and D_WRONG_CODE in self.switches.enabled:
            zero = not zero
        if ok:
            return 0 if zero else 200
        return 1 if zero else 401

    def _answer(self, op: str, payload: dict[str, Any], status: int = 200) -> Response:
        if D_MISSING_REASON in self.switches.enabled:
            payload.pop("reason", None)
        return Response(status, orjson.dumps(payload))

    def _denied(self, op: str, extra: dict[str, Any] | None = None) -> Response:
        payload: dict[str, Any] = {"code": self._code(op, ok=False), "reason": "Invalid User"}
        payload.update(extra or {})
        return self._answer(op, payload, 401)

    def _bad(self, op: str, reason: str, extra: dict[str, Any] | None = None) -> Response:
        payload: dict[str, Any] = {"code": 15 if op == "goip_send_cmd" else 400, "reason": reason}
        payload.update(extra or {})
        return self._answer(op, payload, 400)

    # -- goip_get_status (gateway-2.4 §4.1) -----------------------------------------------------
    def _op_goip_get_status(self, request: Request, _: Any) -> Response:
        ok, request = self._check_auth(request, None)
        if not ok:
            return self._denied("goip_get_status")
        q = request.query
        now = self.clock.now()
        url = q.get("url")
        if url:
            if self.switches.on(D_URL_NOT_DECODED):
                url = quote(url, safe=":/?=@")
            self.status_url = url if "://" in url else f"http://{url}"
            self._pushed_ports.clear()
            if "period" not in q and self.period <= 0:
                self._set_period(180 if self.switches.on(D_PERIOD_DEFAULT_180) else 60, now)
        elif self.switches.on(D_URL_CLEARED):
            self.status_url = None
        if "period" in q:
            try:
                period = int(q["period"])
            except ValueError:
                return self._bad("goip_get_status", "period must be an integer")
            if not 0 <= period <= MAX_PERIOD:
                return self._bad("goip_get_status", f"period must be 0..{MAX_PERIOD}")
            self._set_period(period, now)
        try:
            only = int(q["port"]) if q.get("port") else None
        except ValueError:
            only = -1
        if only is not None and not 1 <= only <= self.n_ports:
            return self._bad("goip_get_status", "invalid port")
        if self.switches.on(D_STATUS_PORT_IGNORED):
            only = None
        payload = self.dev_status(
            all_sims=q.get("all_sims") == "1", all_slots=q.get("all_slots") == "1", port=only
        )
        return Response(200, orjson.dumps(payload))

    def _set_period(self, period: int, now: float) -> None:
        if period == 0:
            if not self.switches.on(D_PERIOD_ZERO):
                self.period = 0
                self.next_dev_status = float("inf")
            return
        if self.switches.on(D_PERIOD_MINUTES):
            period *= 60
        if period < 60 and not self.switches.on(D_PERIOD_MIN):
            period = 60
        self.period = period
        self.next_dev_status = now + period

    def dev_status(
        self, *, all_sims: bool = False, all_slots: bool = False, port: int | None = None
    ) -> dict[str, Any]:
        """A dev-status message (§4.1.3); ``seq`` counts from 1 (every one sent or answered)."""
        sw = self.switches
        if not sw.on(D_SEQ_NOT_INCREASING):
            self.dev_seq += 1
        else:
            self.dev_seq = 1
        entries = []
        all_sims = all_sims and not sw.on(D_ALL_SIMS_IGNORED)
        all_slots = (all_slots and not sw.on(D_ALL_SLOTS_IGNORED)) or sw.on(D_LISTS_EVERY_SLOT)
        for p in self.bank.ports:
            if (port is not None and p.number != port) or (
                p.number == self.n_ports and sw.on(D_PORT_MISSING)
            ):
                continue
            for s in p.slots:
                if all_slots or (all_sims and s.present) or p.active == s.slot:
                    entries.append(self._usage(self.bank.entry(s, sw, counters=self.profile.usage_counters)))
        payload: dict[str, Any] = {
            "type": "dev-status",
            "seq": self.dev_seq - (1 if sw.on(D_SEQ_FROM_0) else 0),
            "expires": 180 if sw.on(D_EXPIRES_FIXED) else self.period or 180,
        }
        if not sw.on(D_DEVSTATUS_NO_MAC):
            payload["mac"] = self.mac
        payload["ip"] = "" if sw.on(D_DEVSTATUS_IP_EMPTY) else self.config.ip
        payload["ver"] = "" if sw.on(D_VER_EMPTY) else self.profile.ver
        payload["max-ports"] = self.n_ports - (1 if sw.on(D_MAX_PORTS_WRONG) else 0)
        if sw.on(Q_MAX_SLOT_KEY):
            payload["max-slot"] = self.n_slots
        elif sw.on(Q_MAX_SLOTS_INT):
            payload["max-slots"] = self.n_slots
        else:
            payload["max-slots"] = str(self.n_slots)
        if sw.on(D_MAX_SLOTS_TOTAL):
            payload["max-slots"] = str(self.n_slots * self.n_ports)
        payload["status"] = {e["port"]: e for e in entries} if sw.on(D_STATUS_OBJECT) else entries
        return payload

    # -- goip_send_cmd (gateway-2.4 §5, §6.4.2-§6.4.4) --------------------------------------------
    def _op_goip_send_cmd(self, request: Request, _: Any) -> Response:
        op_name = "goip_send_cmd"
        body: Any = None
        q = request.query
        is_set_text = q.get("op") == "set" and request.body and not request.body.lstrip().startswith(b"{")
        if request.body and not is_set_text:
            body, error = self._json_body(request)
            if error is not None:
                return error
            if body is None:
                ok, request = self._check_auth(request, None)
                return self._bad(op_name, "Invalid CMD") if ok else self._denied(op_name)
        ok, request = self._check_auth(request, body)
        if not ok:
            return self._denied(op_name)
        sw = self.switches
        if q.get("version") == "1.1" and sw.on(D_VERSION_11_REFUSED):
            return self._bad(op_name, "Invalid Version")
        if sw.on(D_CMD_CHARSET_REFUSED) and "charset" in request.headers.get("content-type", "").lower():
            return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
        now = self.clock.now()
        if q.get("op") == "redial" and self.router is not None and "redial" in self._cmd_ops():
            return self._redial(q, now)
        if is_set_text or (q.get("op") == "set" and not body):
            return self._cmd_set(q, request.body)
        if q.get("op") == "get":
            return self._cmd_get(q)
        if isinstance(body, dict) and body:
            op = body.get("op")
            commands: list[tuple[Any, Any]]
            if op == "multiple":
                ops = body.get("ops")
                if not isinstance(ops, list) or not ops:
                    return self._bad(op_name, "Invalid CMD")
                commands = [
                    (c.get("op"), c.get("ports")) if isinstance(c, dict) else (None, None) for c in ops
                ]
                if sw.on(D_MULTIPLE_FIRST_ONLY):
                    commands = commands[:1]
            else:
                commands = [(op, body.get("ports"))]
                if sw.on(D_OPS_ALWAYS_RUN) and isinstance(body.get("ops"), list):
                    commands += [(c.get("op"), c.get("ports")) for c in body["ops"] if isinstance(c, dict)]
        elif body is not None and not isinstance(body, dict):
            return self._bad(op_name, "Invalid CMD")
        else:
            op = q.get("op")
            if sw.on(D_CMD_QUERY_FORM_REFUSED):
                return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
            commands = [(op, q.get("ports", q.get("port")))]
        # check everything before acting: a command either applies whole or not at all
        plan: list[tuple[str, list[tuple[int, int | None]], dict[str, str]]] = []
        for cmd, given in commands:
            spec = "all" if given is None and sw.on(D_CMD_PORTS_OPTIONAL) else given
            if not isinstance(cmd, str) or cmd not in self._cmd_ops():
                if sw.on(D_CMD_OP_UNCHECKED):
                    continue
                return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
            if cmd == "save" and sw.on(D_SAVE_REFUSED):
                return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
            if cmd == "redial" and op == "multiple" and sw.on(D_REDIAL_OPS_REFUSED):
                return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
            targets: list[tuple[int, int | None]] = []
            if cmd not in ("save", "reboot") or (sw.on(D_PORTS_CHECKED_ALWAYS) and spec is not None):
                if not isinstance(spec, str):
                    return self._answer(op_name, {"code": 2, "reason": "Invalid Port"})
                try:
                    targets = P.parse_command_ports(spec, self.n_ports, self.n_slots, sw)
                except PortSpecError:
                    return self._answer(op_name, {"code": 2, "reason": "Invalid Port"})
            plan.append((cmd, targets, dict(q)))
        for cmd, targets, params in plan:
            self._apply(cmd, targets, params, now)
        return self._answer(op_name, {"code": self._code(op_name), "reason": "OK"})

    def _redial(self, q: Any, now: float) -> Response:
        """router-2.2 §4.1.2 / proxy-gateway §4.2 ``op=redial``: flight mode (0) re-registers the SIM."""
        assert self.router is not None
        status, payload = self.router.handle_goip_send_cmd(q, None, now)
        if payload.get("code") == 0 and self.router.reregisters(q.get("mode")):
            for port in parse_number_list(q.get("port", ""), self.n_ports):
                self.bank.reset(port, now)
        return self._answer("goip_send_cmd", payload, status)

    def _cmd_ops(self) -> frozenset[str]:
        return frozenset({"lock", "unlock", "switch", "reset", "save", "reboot"}) | self.profile.extra_ops

    def _apply(
        self, cmd: str, targets: list[tuple[int, int | None]], params: dict[str, str], now: float
    ) -> None:
        bank = self.bank
        sw = self.switches
        if cmd == "reboot":
            if not sw.on(D_REBOOT_IGNORED):
                self.reboot()
            return
        if cmd == "save":
            return
        seen: set[int] = set()
        for port, named in targets:
            bare = named is None and cmd in ("lock", "unlock") and sw.on(P.D_BARE_PORT_CURRENT)
            slot = bank.port(port).active if bare else named
            if cmd == "lock":
                if not sw.on(P.D_LOCK_IGNORED):
                    bank.lock(port, slot, now)
            elif cmd == "unlock":
                if not sw.on(P.D_UNLOCK_IGNORED):
                    bank.unlock(port, slot, now)
            elif cmd == "switch":
                if not sw.on(P.D_SWITCH_IGNORED):
                    bank.switch(port, slot, now)
            elif cmd in ("reset", "redial") and port not in seen:
                seen.add(port)
                if cmd == "redial" and params.get("mode") == "1":
                    continue  # fast mode: the SIM does not re-register
                if cmd == "reset" and slot is not None and sw.on(P.D_RESET_USES_SLOT):
                    bank.switch(port, slot, now)
                bank.reset(port, now)
            elif cmd in ("ledon", "ledoff") and not sw.on(P.D_LED_IGNORED):
                bank.set_led(port, cmd == "ledon")
        if cmd in ("switch", "lock", "unlock") and self.network is not None:
            self.network.invalidate()

    def _cmd_set(self, q: dict[str, str] | Any, body: bytes) -> Response:
        """``sim_imei(n)=...&sim_number(n)=...`` (§6.4.3, §6.4.4); ``n = (port-1)*slots + (slot-1)``."""
        op_name = "goip_send_cmd"
        from smsgw.emulator.messages import parse_query

        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self._bad(op_name, "Invalid CMD")
        params = parse_query("" if self.switches.on(D_SET_BODY_IGNORED) else text)
        for key, value in q.items():
            if "(" in key or key in ("sms_url", "ttl", "data_service_enable"):
                params.setdefault(key, value)
        changes: list[tuple[str, P.Slot | None, str]] = []
        for key, value in params.items():
            name, _, rest = key.partition("(")
            if name in ("sim_imei", "sim_number"):
                index = rest.rstrip(")")
                if not index.isdigit():
                    return self._answer(op_name, {"code": 2, "reason": "Invalid Port"})
                slot = self.bank.by_index(int(index), self.switches)
                if slot is None:
                    return self._answer(op_name, {"code": 2, "reason": "Invalid Port"})
                if name == "sim_imei" and not (value.isdigit() and 14 <= len(value) <= 16):
                    return self._bad(op_name, f"bad IMEI for {key}")
                if name == "sim_number" and value and not value.lstrip("+").isdigit():
                    return self._bad(op_name, f"bad number for {key}")
                changes.append((name, slot, value))
            elif name == "sms_url":
                changes.append((name, None, value))
            elif self.router is not None and self.router.get_parameter(key) is not None:
                changes.append((key, None, value))
            else:
                return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
        router_params = {name: value for name, slot, value in changes if slot is None and name != "sms_url"}
        if router_params and self.router is not None:
            status, payload = self.router.set_parameters(router_params)
            if payload.get("code") != 0:
                return self._answer(op_name, payload, status)
        for name, slot, value in [] if self.switches.on(D_SET_NOT_APPLIED) else changes:
            if slot is not None:
                if name == "sim_imei":
                    slot.imei = value
                else:
                    slot.number = value
                self.bank.ports[slot.port - 1].seq += 1
                self.bank.changed.append(slot)
            elif name == "sms_url":
                self.sms_url = value or None
        if self.network is not None:
            self.network.invalidate()
        par_set = 0 if self.switches.on(D_PAR_SET_WRONG) else len(changes)
        return self._answer(op_name, {"code": self._code(op_name), "reason": "OK", "par_set": par_set})

    def _cmd_get(self, q: dict[str, str] | Any) -> Response:
        op_name = "goip_send_cmd"
        payload: dict[str, Any] = {"code": self._code(op_name), "reason": "OK"}
        if self.switches.on(D_GET_EMPTY):
            return self._answer(op_name, payload)
        for key in q:
            if key in ("username", "password", "op", "version", "session", "seq", "auth", "expires"):
                continue
            name, _, rest = key.partition("(")
            if name in ("sim_imei", "sim_number"):
                index = rest.rstrip(")")
                slot = self.bank.by_index(int(index), self.switches) if index.isdigit() else None
                if slot is None:
                    return self._answer(op_name, {"code": 2, "reason": "Invalid Port"})
                payload[key] = slot.imei if name == "sim_imei" else slot.number
            elif name == "sms_url":
                payload[key] = self.sms_url or ""
            elif self.router is not None:
                value = self.router.get_parameter(key)
                if value is None:
                    return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
                payload[key] = value
            else:
                return self._answer(op_name, {"code": 15, "reason": "Invalid CMD"})
        return self._answer(op_name, payload)

    # -- goip_post_sms (gateway-2.4 §6.3.1) --------------------------------------------------------
    def _op_goip_post_sms(self, request: Request, _: Any) -> Response:
        op_name = "goip_post_sms"
        if request.method == "GET" and not request.body:
            if self.switches.on(D_GET_SEND_REFUSED):
                return self._bad(op_name, "POST expected", {"type": "task-status", "status": []})
            body: Any = _task_from_query(request.query)
        else:
            body, error = self._json_body(request)
            if error is not None:
                return error
        ok, request = self._check_auth(request, body)
        if ok and request.body and "session" in request.query:
            body, error = self._json_body(request)
            if error is not None:
                return error
        sw = self.switches
        if sw.enabled and isinstance(body, dict) and ok:
            if sw.on(D_TYPE_REQUIRED) and body.get("type") != "send-sms":
                return self._bad(op_name, "type expected", {"type": "task-status", "status": []})
            if sw.on(D_TASK_NUM_STRING_REFUSED) and isinstance(body.get("task_num"), str):
                return self._bad(op_name, "Invalid task_num", {"type": "task-status", "status": []})
            if sw.on(D_MISSING_TASKS_OK) and "tasks" not in body:
                body = {**body, "tasks": []}
        if not isinstance(body, dict) or not isinstance(body.get("tasks"), list):
            if not ok:
                return self._denied(op_name, {"type": "task-status", "status": []})
            reason = "Invalid JSON" if body is None else "tasks expected"
            return self._bad(op_name, reason, {"type": "task-status", "status": []})
        tasks = body["tasks"]
        if not ok:
            denied = [{"tid": _tid_of(t), "status": STATUS_TEXT[1]} for t in tasks]
            return self._denied(op_name, {"type": "task-status", "status": denied})
        self._take_report_settings(body)
        now = self.clock.now()
        board = self.tasks
        board.src_ip = request.source_ip
        statuses = board.create_all(tasks, now)
        on = self.switches.enabled
        if on:
            for i, entry in enumerate(statuses):
                if sw.on(D_TID_NOT_ECHOED):
                    entry["tid"] = i
                if sw.on(D_TID_STRING):
                    entry["tid"] = str(entry["tid"])
                if sw.on(D_STATUS_TEXT) and entry["status"] == "0 OK":
                    entry["status"] = "0 Success"
        answer_type = "send-sms" if D_TASK_STATUS_TYPE in on else "task-status"
        return self._answer(
            op_name,
            {"code": self._code(op_name), "reason": "OK", "type": answer_type, "status": statuses},
            202 if D_POST_SMS_202 in on else 200,
        )

    def _take_report_settings(self, body: dict[str, Any]) -> None:
        """Top-level send-sms attributes that configure the device (§6.3.1.3, first table)."""
        if _REPORT_SETTINGS_KEYS.isdisjoint(body):
            return
        url = body.get("sr_url")
        if isinstance(url, str) and url and not self.switches.on(D_SR_URL_IGNORED):
            self.sr_url = url
        url = body.get("sms_url")
        if isinstance(url, str) and url and not self.switches.on(D_SMS_URL_IGNORED):
            self.sms_url = url
        for key, low in (("sr_cnt", 1), ("sr_prd", 1), ("sms_cnt", 1), ("sms_prd", 1)):
            if (
                key == "sr_cnt"
                and isinstance(body.get(key), str)
                and self.switches.on(D_SR_CNT_STRING_IGNORED)
            ):
                continue
            value = _as_int(body.get(key))
            if value is not None and value >= low:
                setattr(self, key, value)

    # -- pause / resume / remove / get_tasks (§6.3.3-§6.3.6) ----------------------------------------
    def _task_op(self, request: Request, op_name: str) -> Response:
        body: Any = {}
        if request.body.strip():
            body, error = self._json_body(request)
            if error is not None:
                return error
        ok, request = self._check_auth(request, body)
        if ok and request.body.strip() and "session" in request.query:
            body, error = self._json_body(request)
            if error is not None:
                return error
        if not ok:
            tids = body.get("tids") if isinstance(body, dict) else None
            if isinstance(tids, list) and self.switches.on(D_DENIED_TASK_OP_APPLIED):
                if op_name == "goip_pause_sms":
                    self.tasks.pause(tids)
                elif op_name == "goip_resume_sms":
                    self.tasks.resume(tids)
                else:
                    self.tasks.remove(tids, self.clock.now())
            extra = (
                {"results": [{"tid": _tid_of({"tid": t}), "status": STATUS_TEXT[1]} for t in tids]}
                if isinstance(tids, list)
                else None
            )
            return self._denied(op_name, extra)
        if not isinstance(body, dict):
            return self._bad(op_name, "Invalid JSON" if body is None else "an object expected")
        tids = body.get("tids")
        if tids is not None and not isinstance(tids, list):
            return self._bad(op_name, "tids must be an array")
        now = self.clock.now()
        if op_name == "goip_pause_sms":
            results = self.tasks.pause(tids)
        elif op_name == "goip_resume_sms":
            results = self.tasks.resume(tids)
        else:
            results = self.tasks.remove(tids, now)
        payload: dict[str, Any] = {"code": self._code(op_name), "reason": "OK"}
        if tids is not None and not self.switches.on(D_TASK_RESULTS_MISSING):
            payload["results"] = results
        elif tids is None and self.switches.on(D_RESULTS_WITHOUT_TIDS):
            payload["results"] = []
        return self._answer(op_name, payload)

    def _op_goip_pause_sms(self, request: Request, _: Any) -> Response:
        return self._task_op(request, "goip_pause_sms")

    def _op_goip_resume_sms(self, request: Request, _: Any) -> Response:
        return self._task_op(request, "goip_resume_sms")

    def _op_goip_remove_sms(self, request: Request, _: Any) -> Response:
        return self._task_op(request, "goip_remove_sms")

    def _op_goip_get_tasks(self, request: Request, _: Any) -> Response:
        op_name = "goip_get_tasks"
        empty = {"total_num": 0, "task_num": 0, "tasks": []}
        ok, request = self._check_auth(request, None)
        if not ok:
            return self._denied(op_name, empty)
        q = request.query
        if q.get("version") == "1.1" and self.switches.on(D_VERSION_11_REFUSED):
            return self._bad(op_name, "Invalid Version", empty)
        port = _as_int(q.get("port", "1" if self.switches.on(D_GET_TASKS_PORT_DEFAULT_1) else None))
        pos = _as_int(q.get("pos"))
        num = _as_int(q.get("num", "10000" if self.switches.on(D_GET_TASKS_NUM_DEFAULT_ALL) else "10"))
        if port is None or not 1 <= port <= self.n_ports:
            return self._bad(op_name, "Invalid Port", empty)
        if pos is None or pos < 0 or num is None or num < 0:
            return self._bad(op_name, "pos and num must be integers >= 0", empty)
        if self.switches.on(D_GET_TASKS_PORT_IGNORED):
            waiting = [t for p in range(1, self.n_ports + 1) for t in self.tasks.waiting(p)]
        else:
            waiting = self.tasks.waiting(port)
        if self.switches.on(D_GET_TASKS_REVERSED):
            waiting.reverse()
        tids = None if self.switches.on(D_TIDS_FILTER_IGNORED) else _tids_filter(request.body)
        if tids is not None:  # the optional {"tids": [...]} of §6.3.6.2 (E-EJ-GETTASKS-TIDS-BODY)
            waiting = [t for t in waiting if t.tid in tids]
        picked = waiting[pos : pos + num]
        content = q.get("has_content") == "1"
        items = [self.tasks.describe(t, content) for t in picked]
        task_num = len(items) + (1 if self.switches.on(D_TASK_NUM_WRONG) else 0)
        code_key = "code " if self.switches.on(Q_GET_TASKS_CODE_KEY) else "code"
        payload = {
            code_key: self._code(op_name),
            "reason": "OK",
            "total_num": len(items) if self.switches.on(D_TOTAL_NUM_PAGE) else len(waiting),
            "task_num": task_num,
            "tasks": items,
        }
        return self._answer(op_name, payload)

    # -- goip_get_sms (§8) ------------------------------------------------------------------------
    def _op_goip_get_sms(self, request: Request, _: Any) -> Response:
        op_name = "goip_get_sms"
        body: Any = None
        if request.method == "POST" and request.body.strip():
            body, error = self._json_body(request)
            if error is not None:
                return error
        ok, request = self._check_auth(request, body)
        empty = {"ssrc": self.inbox.ssrc, "sms_num": 0, "next_sms": 1, "data": []}
        if not ok:
            return self._denied(op_name, empty)
        if self.switches.on(D_GET_SMS_HTML):
            return Response(200, b"<html><body>SMS inbox</body></html>", "text/html")
        params: dict[str, Any] = dict(request.query)
        if isinstance(body, dict):
            params.update({k.lower(): v for k, v in body.items()})
        sms_id = _as_int(params.get("sms_id", 1))
        sms_num = _as_int(params.get("sms_num", 0))
        if self.switches.on(D_GET_SMS_DEFAULTS):
            sms_id = sms_id if "sms_id" in params else max(1, self.inbox.next_id - 1)
            sms_num = sms_num if "sms_num" in params else 1
        sms_del = _as_int(params.get("sms_del", 0))
        if sms_id is None or sms_id < 1 or sms_num is None or sms_num < 0 or sms_del not in (0, 1):
            return self._answer(op_name, {"code": 2, "reason": "Invalid parameter", **empty}, 400)
        payload = self.inbox.query(sms_id, sms_num, sms_del == 1, self.switches)
        payload["code"] = self._code(op_name)
        return self._answer(op_name, payload)

    # -- statistics (§9, §10) ---------------------------------------------------------------------
    def _stat_targets(self, q: Any) -> list[tuple[int, int]] | str:
        sw = self.switches
        ports_raw = q.get("ports", "1" if sw.on(D_STATS_PORTS_DEFAULT_1) else "all")
        if sw.on(D_STATS_PORT_LIST_FIRST):
            ports_raw = ports_raw.replace("-", ",").split(",")[0]
        slots_raw = q.get("slots")
        if sw.on(D_STATS_SLOTS_DEFAULT_ALL) and slots_raw in (None, ""):
            slots_raw = "all"
        if sw.on(D_STATS_SLOTS_ALL_IGNORED) and (slots_raw or "").lower() == "all":
            slots_raw = None
        try:
            ports = parse_number_list(ports_raw, self.n_ports)
            slots = None if slots_raw in (None, "") else parse_number_list(slots_raw, self.n_slots)
        except PortSpecError as exc:
            return str(exc)
        if "version" not in q and sw.on(D_VERSION_REQUIRED):
            return "version required"
        kind = q.get("type", "0")
        if kind not in ("0", "1", "2", "3") or (kind in ("2", "3") and sw.on(D_STATS_TYPE_0_1_ONLY)):
            return "type must be 0..3"
        return [(p, s) for p in ports for s in (slots if slots is not None else [self.bank.port(p).active])]

    def _op_goip_get_sms_stat(self, request: Request, _: Any) -> Response:
        op_name = "goip_get_sms_stat"
        empty = {"count": 0, "stats": []}
        ok, request = self._check_auth(request, None)
        if not ok:
            return self._denied(op_name, empty)
        targets = self._stat_targets(request.query)
        if isinstance(targets, str):
            return self._bad(op_name, targets, empty)
        kind = self._stat_kind(request.query)
        now = self.clock.now()
        stats = []
        for port, slot in targets:
            received, ok_n, failed_n = self.stats.of(port, slot).counts(kind, now)
            active = self.bank.port(port).active == slot
            stats.append(
                {
                    "port": port,
                    "slot": slot,
                    "received": received,
                    "sent": ok_n + failed_n,
                    "sent_ok": ok_n,
                    "sent_failed": failed_n,
                    "con_failed": self.stats.of(port, slot).con_failed,
                    "unsent": self.tasks.unsent_on(port) if active else 0,
                    "sending": self.tasks.sending_on(port) if active else 0,
                }
            )
        self._stats_defects(stats)
        count = len(stats) + (1 if self.switches.on(D_STATS_COUNT_WRONG) else 0)
        return self._answer(
            op_name, {"code": self._code(op_name), "reason": "OK", "count": count, "stats": stats}
        )

    def _op_goip_get_call_stat(self, request: Request, _: Any) -> Response:
        """§10: counters of the calls injected through the control API (``POST /_emu/call``)."""
        op_name = "goip_get_call_stat"
        empty = {"count": 0, "stats": []}
        ok, request = self._check_auth(request, None)
        if not ok:
            return self._denied(op_name, empty)
        targets = self._stat_targets(request.query)
        if isinstance(targets, str):
            return self._bad(op_name, targets, empty)
        kind = self._stat_kind(request.query)
        now = self.clock.now()
        stats = [
            {"port": port, "slot": slot, **self.stats.calls(port, slot).summary(kind, now)}
            for port, slot in targets
        ]
        self._stats_defects(stats)
        count = len(stats) + (1 if self.switches.on(D_STATS_COUNT_WRONG) else 0)
        return self._answer(
            op_name, {"code": self._code(op_name), "reason": "OK", "count": count, "stats": stats}
        )

    def _stat_kind(self, q: Any) -> int:
        kind = int(q.get("type", "0"))
        return {0: 3, 3: 0}.get(kind, kind) if self.switches.on(D_STATS_WINDOWS_SWAPPED) else kind

    def _stats_defects(self, stats: list[dict[str, Any]]) -> None:
        sw = self.switches
        if not sw:
            return
        for s in stats:
            if sw.on(D_STATS_FIELD_MISSING):
                s.pop("con_failed", None)
            if sw.on(D_STATS_ZERO_BASED):
                s["port"] -= 1
                s["slot"] -= 1
            if sw.on(D_SENT_OK_NOT_COUNTED) and "sent_ok" in s:
                s["sent_ok"] = 0
            if "nc" in s:
                if sw.on(D_NC_PERCENT):
                    s["nc"] = f"{s['asr']}%"
                if sw.on(D_ASR_FRACTION):
                    s["asr"] = round(s["connected"] / s["calls"], 2) if s["calls"] else 0.0
                if sw.on(D_TCD_SECONDS):
                    s["tcd"] = s["act_tcd"]

    # -- eSIM (§12), crypt_sess (§3), router endpoints: the peripheral modules --------------------------
    def _component(self, request: Request, op_name: str, component: Any, *, auth: bool = True) -> Response:
        body: bytes | None = request.body or None
        if auth:
            parsed: Any = None
            if body and request.method == "POST":
                try:
                    parsed = orjson.loads(body)
                except orjson.JSONDecodeError:
                    parsed = None
            ok, request = self._check_auth(request, parsed)
            if not ok:
                extra = {"count": 0, "ports": []} if "esims" in op_name else None
                return self._denied(op_name, extra)
            body = request.body or None
        handler = getattr(component, f"handle_{op_name}")
        if component is self.router:
            status, payload = handler(request.query, body, self.clock.now(), request.method)
        else:
            status, payload = handler(request.query, body, self.clock.now())
        if payload.get("code") == 200 and self.switches.on(D_WRONG_CODE):
            payload["code"] = 0
        return self._answer(op_name, payload, status)

    def _op_goip_get_esims(self, request: Request, _: Any) -> Response:
        return self._component(request, "goip_get_esims", self.esim)

    def _op_goip_write_esims(self, request: Request, _: Any) -> Response:
        return self._component(request, "goip_write_esims", self.esim)

    def _op_goip_delete_esims(self, request: Request, _: Any) -> Response:
        return self._component(request, "goip_delete_esims", self.esim)

    def _op_crypt_sess(self, request: Request, _: Any) -> Response:
        status, payload = self.security.handle_crypt_sess(
            request.query, request.body or None, self.clock.now()
        )
        return Response(status, orjson.dumps(payload))

    def _router_endpoint(self, request: Request, _: Any) -> Response:
        if self.router is None:
            return Response.json({"code": 404, "reason": "Not Found"}, 404)
        return self._component(request, request.path.lstrip("/"), self.router)

    # -- time -----------------------------------------------------------------------------------------
    def advance(self, now: float | None = None) -> list[Push]:
        """Everything that became due up to ``now`` (default: the clock), as pushes to send."""
        if now is None:
            now = self.clock.now()
        pushes: list[Push] = []
        self._take_incoming(now)
        self.bank.advance(now)
        self.tasks.advance(now, self._send, self._sent)
        self.tasks.due_reports(now)
        self._take_incoming(now)
        rpts = self.tasks.take_cache(now, self.sr_cnt, self.sr_prd)
        if rpts and self.sr_url:
            pushes.append(self._status_report(rpts))
        sms_url = self.sms_url if self.recv_sms_report or self.switches.on(D_RECV_SWITCH_IGNORED) else None
        if self.mms_inbox.arrived:
            pushes.extend(self.mms_inbox.take_pushes(now, self.mms_url, self.switches))
        pushes.extend(self.inbox.take_pushes(now, sms_url, self.sms_cnt, self.sms_prd, self.switches))
        if self.switches.on(D_PUSH_TEXT_PLAIN):
            kinds = ("status-report", "recv-sms")
            pushes = [replace(p, content_type="text/plain") if p.kind in kinds else p for p in pushes]
        changed = self.bank.take_changes()
        if changed and self.status_url and not self.switches.on(D_PORT_STATUS_SILENT):
            for slot in changed:
                if self.switches.on(D_PORT_STATUS_FIRST_ONLY):
                    if slot.port in self._pushed_ports:
                        continue
                    self._pushed_ports.add(slot.port)
                entry = self.bank.entry(slot, self.switches, counters=self.profile.usage_counters)
                entry = self._usage(entry)
                pushes.append(self._status_push("port-status", {"type": "port-status", **entry}))
        if (
            self.status_url
            and now >= self.next_dev_status
            and self.period > 0
            and not self.switches.on(D_DEV_STATUS_NOT_PUSHED)
        ):
            pushes.append(self._status_push("dev-status", self.dev_status()))
            self.next_dev_status = now + self.period
        pushes.extend(self._sent_pushes)
        self._sent_pushes.clear()
        self.security.advance(now)
        if self._esim is not None:  # a bank never used has no operation to move
            self._esim.advance(now)
        if self.router is not None and isinstance(self.router.ports, SimplePorts):
            self.router.ports.advance(now)
        if pushes:
            self.pushes_total += len(pushes)
            for push in pushes:
                self.history.append({"kind": push.kind, "url": redact_url(push.url), "payload": push.payload})
        return pushes

    def _usage(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Leave out the usage counters whose report switch is off (simple-v2 §4: "Call control data:
        need enable call control data report", "SMS control data ...", "Traffic control data ...")."""
        if all(self.usage_reports.values()) or self.switches.on(D_USAGE_SWITCHES_IGNORED):
            return entry
        off = tuple(p for group, on in self.usage_reports.items() if not on for p in USAGE_GROUPS[group])
        return {k: v for k, v in entry.items() if not k.startswith(off)}

    def _status_push(self, kind: str, payload: dict[str, Any]) -> Push:
        push = Push.json(kind, self.status_url or "", payload)
        if self.switches.on(D_STATUS_PUSH_GBK):
            return replace(push, content_type="application/json; charset=gbk")
        return push

    def next_due(self) -> float:
        """Earliest device time at which :meth:`advance` has something to do (a hint for tickers)."""
        return min(self.tasks.next_due(), self.next_dev_status)

    def _status_report(self, rpts: list[dict[str, Any]]) -> Push:
        if self.switches.on(D_SDR_LETTER_SHIFTED):
            rpts = [_letter_shifted(r) for r in rpts]
        n = len(rpts) + (1 if self.switches.on(D_RPT_NUM_WRONG) else 0)
        payload = {
            "type": "status_report" if self.switches.on(D_SR_TYPE_WRONG) else "status-report",
            "rpt_num": n if self.switches.on(Q_RPT_NUM_INT) else str(n),
            "rpts": rpts[0] if len(rpts) == 1 and self.switches.on(D_RPTS_OBJECT) else rpts,
        }
        return Push.json("status-report", with_version(self.sr_url or "", self.switches), payload)

    def _send(self, job: Job, slot_no: int, at: float) -> SendResult:
        """One SMS leaves ``job.port``: through the virtual network, or by the outcome rules."""
        task = job.task
        slot = self.bank.slot(job.port, slot_no)
        if slot.sms_limit >= 0 and slot.sms_sent >= slot.sms_limit:
            return SendResult(False, "", "5 SIM Unregistered")
        network = self.network
        route = network.lookup(job.number) if network is not None else None
        if route is not None and task.mms is not None and isinstance(route.device, Device):
            attachments, titles = task.mms
            subject = titles.get(job.number, task.title)
            sender = slot.number or "0"
            mms = compose(sender, job.number, subject, attachments, task.text(), at, self.switches)
            route.device.mms_inbox.deliver(mms)
            delivered, reason = True, ""
        elif route is not None:
            route.device.deliver(route.port, route.slot, slot.number or "0", job.number, task.text(), at)
            delivered = True
            reason = ""
        elif network is not None:
            delivered, reason = network.external_outcome(job.number)
        else:
            delivered, reason = True, ""
        if not delivered:
            return SendResult(False, reason, "1 Send Failed")
        if (task.dr or self.switches.on(D_DR_DEFAULT_ON)) and not self.switches.on(D_DR_MISSING):
            smsc = network.smsc if network is not None else "8613800000000"
            self.incoming.append((job.port, slot_no, smsc, job.number, f"0 {scts(at)}", at + 1.0, True))
        return SendResult(True)

    def _sent(self, job: Job, slot_no: int, at: float, result: SendResult) -> None:
        slot = self.bank.slot(job.port, slot_no)
        if result.ok:
            slot.sms_sent += 1
        self.stats.add(job.port, slot_no, at, SENT_OK if result.ok else SENT_FAILED)
        if self.sent_sms_push and self.status_url:
            self.sent_seq += 1
            sample = self.switches.on(Q_SENT_SMS_EXAMPLE)
            status = "0 OK" if result.ok else result.progress
            payload: dict[str, Any] = {"type": "sent-sms"}
            if not sample:
                payload["sim_src"] = 1 if slot.pool else 0
            payload.update(
                {
                    "port": self.bank.name(slot, self.switches),
                    "seq": self.sent_seq,
                    "sms_tid": job.task.tid,
                    "src_type": 3,
                    "src_ip": getattr(job.task, "src_ip", ""),
                    "src_port": 0,
                    "status": status.split(" ", 1)[0] if sample else status,
                    "time": int(at),
                    "dur": int(self.tasks.send_time * 1000),
                    ("recver" if sample else "receiver"): job.number,
                    "smc": "",
                    **self._sent_data(job.task.text()),
                }
            )
            if self.switches:
                payload = self._sent_defects(payload)
            if not self.switches.on(D_SENT_NOT_PUSHED):
                push = Push.json("sent-sms", self.status_url, payload)
                if self.switches.on(D_SENT_TEXT_PLAIN):
                    push = replace(push, content_type="text/plain")
                self._sent_pushes.append(push)

    def _sent_data(self, text: str) -> dict[str, str]:
        """sent-sms ``charset`` and ``data``: a text with line breaks goes as BASE64 (simple-v2 §4.4:
        "BASE64: Base64 encodes the Unicode source and removes the newline"), any other as UTF-8."""
        if "\n" not in text and "\r" not in text:
            return {"charset": "UTF-8", "data": text}
        if self.switches.on(D_SENT_B64_LINES):
            return {"charset": "BASE64", "data": base64.encodebytes(text.encode()).decode()}
        return {"charset": "BASE64", "data": base64.b64encode(text.encode()).decode()}

    def _sent_defects(self, payload: dict[str, Any]) -> dict[str, Any]:
        on = self.switches.on
        if on(D_SENT_SEQ_CONSTANT):
            payload["seq"] = 1
        if on(D_SENT_LOCAL_TIME):
            payload["time"] += 8 * 3600
        if on(D_SENT_SRC_TYPE_WEB):
            payload["src_type"] = 2
        if on(D_SENT_TYPE_WRONG):
            payload["type"] = "sent_sms"
        if on(D_SENT_STATUS_WORD):
            payload["status"] = "SENT"
        if on(D_SENT_NO_RECEIVER):
            payload.pop("receiver", None)
            payload.pop("recver", None)
        if on(D_SENT_PORT_BARE):
            payload["port"] = str(payload["port"]).split(".", 1)[0]
        if on(D_SENT_CHARSET):
            payload["charset"] = "utf8"
        if on(D_SENT_DATA_B64):
            payload["data"] = base64.b64encode(str(payload["data"]).encode()).decode()
        if on(D_SENT_SMC_NULL):
            payload["smc"] = None
        if on(D_SENT_STRINGS):
            payload = {k: str(v) if v.__class__ is int else v for k, v in payload.items()}
        return payload

    def deliver(  # noqa: PLR0917
        self, port: int, slot: int, sender: str, recipient: str, text: str, at: float, report: bool = False
    ) -> None:
        """An SMS (or delivery report) arrives at ``port``/``slot`` (thread-safe)."""
        self.incoming.append((port, slot, sender, recipient, text, at, report))

    def _take_incoming(self, now: float) -> None:
        incoming = self.incoming
        while incoming and incoming[0][5] <= now:
            port, slot_no, sender, recipient, text, at, report = incoming.popleft()
            slot = self.bank.slot(port, slot_no)
            received = Received(
                report,
                self.bank.name(slot, self.switches),
                at,
                sender,
                recipient,
                text,
                smsc=self.network.smsc if self.network is not None else "",
                pool=slot.pool is not None,
            )
            self.inbox.add(received, now)
            if not report and not self.switches.on(D_RECEIVED_NOT_COUNTED):
                self.stats.add(port, slot_no, at, RECEIVED)

    # -- control ----------------------------------------------------------------------------------
    def reboot(self) -> None:
        """Restart: queued tasks are lost, SIMs re-register, a new ``ssrc`` (§8.1 step 3), dev-status
        ``seq`` starts from 1 again; configuration (URLs, period) is kept."""
        now = self.clock.now()
        self.tasks.clear()
        self.inbox.restart(self._new_ssrc(), self.switches)
        self.bank.reboot(now)
        self.dev_seq = 0  # a restarted device counts dev-status from 1 again

    def reset_state(self) -> None:
        """Forget tasks, reports and received SMS (benchmarks, test isolation); SIMs are kept."""
        self.tasks.clear()
        self.tasks.accepted = 0
        self.inbox.messages.clear()
        self.inbox.pending.clear()
        self.history.clear()

    def state(self) -> dict[str, Any]:
        """Internal state for tests and the control API (no password)."""
        return {
            "profile": self.profile.name,
            "username": self.config.username,
            "time": self.clock.now(),
            "mac": self.mac,
            "ports": self.n_ports,
            "slots": self.n_slots,
            "status_url": _redacted(self.status_url),
            "period": self.period,
            "dev_seq": self.dev_seq,
            "sr_url": _redacted(self.sr_url),
            "sms_url": _redacted(self.sms_url),
            "mms_url": _redacted(self.mms_url),
            "mms_enable": self.mms_inbox.enabled,
            "mms_received": self.mms_inbox.received,
            "mms_inbox": self.mms_inbox.recent(),
            "sr_cnt": self.sr_cnt,
            "sr_prd": self.sr_prd,
            "sms_cnt": self.sms_cnt,
            "sms_prd": self.sms_prd,
            "ssrc": self.inbox.ssrc,
            "inbox": len(self.inbox.messages),
            "inbox_dropped": self.inbox.dropped,
            "recv_sms_report": self.recv_sms_report,
            "usage_reports": dict(self.usage_reports),
            "requests": self.requests,
            "pushes": self.pushes_total,
            "switches": self.switches.active(),
            "faults": self.faults.as_dict(),
            "tasks": self.tasks.state(),
            "port_state": self.bank.state(),
        }


#: usage-counter groups of simple-v2 §4.1 and the key prefixes each reporting switch controls
USAGE_GROUPS: dict[str, tuple[str, ...]] = {
    "call": ("mcn_", "mtn_"),
    "sms": ("smsctl_",),
    "traffic": ("dataflow_",),
}
_REPORT_SETTINGS_KEYS = frozenset(("sr_url", "sr_cnt", "sr_prd", "sms_url", "sms_cnt", "sms_prd"))


def _make_router(device: Device) -> RouterConfig | None:
    """Router/proxy-gateway configuration (redial, public IP, proxies, IP lists), if the profile has it."""
    if not (device.profile.router_endpoints or "redial" in device.profile.extra_ops):
        return None
    ips = [f"100.64.{device.config.index % 256}.{p}" for p in range(1, device.n_ports + 1)]
    return RouterConfig(SimplePorts(ips), quirks=device.switches.enabled)


def _letter_shifted(rpt: dict[str, Any]) -> dict[str, Any]:
    """A status-report entry whose sdr/fdr ports ("3.01") are letters counted from .00 ("3B")."""
    out = dict(rpt)
    for key in ("sdr", "fdr"):
        records = rpt.get(key)
        if isinstance(records, list):
            out[key] = [[*r[:2], _shifted_name(r[2]), *r[3:]] if len(r) > 2 else r for r in records]
    return out


def _shifted_name(name: Any) -> Any:
    port, _, slot = str(name).partition(".")
    return f"{port}{chr(ord('A') + int(slot))}" if slot.isdigit() and int(slot) < 26 else name


def _redacted(url: str | None) -> str | None:
    return redact_url(url) if url else url


def _tids_filter(body: bytes) -> set[int] | None:
    """The tids of an optional ``{"tids": [...]}`` body, None when there is none (or it is unreadable)."""
    if not body.strip():
        return None
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    tids = parsed.get("tids") if isinstance(parsed, dict) else None
    if not isinstance(tids, list):
        return None
    return {t for t in tids if isinstance(t, int) and not isinstance(t, bool)}


def _str_key(body: dict[str, Any], key: str) -> str | None:
    for k, v in body.items():
        if isinstance(k, str) and k.lower() == key and isinstance(v, str):
            return v
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _tid_of(task: Any) -> int:
    if isinstance(task, dict):
        tid = task.get("tid")
        if isinstance(tid, int) and not isinstance(tid, bool) and 0 <= tid <= 0xFFFFFFFF:
            return tid
    return 0


def _task_from_query(q: Any) -> dict[str, Any]:
    """The GET form of goip_post_sms: one task from the query parameters."""
    task: dict[str, Any] = {}
    for key in ("tid", "to", "sms", "from", "chs", "coding", "smstype", "sdr", "fdr", "dr", "tmo", "intvl"):
        if key in q:
            value = q[key]
            task[key] = (
                int(value)
                if key in ("tid", "coding", "smstype", "sdr", "fdr", "dr", "tmo") and value.isdigit()
                else value
            )
    return {"type": "send-sms", "task_num": 1, "tasks": [task]}


__all__ = ["MAX_BODY", "Device", "DeviceConfig"]
