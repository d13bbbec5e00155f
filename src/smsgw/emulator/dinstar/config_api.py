"""Device and configuration endpoints of the Dinstar gateway: get_status (§16), get_config (§19),
set_config (§20), MMS configuration, upload, sending and status (§21-§24), socks5_proxy (§25)
and the DRP server's login and device selection (§26.3)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from smsgw.emulator.dinstar.common import BadRequest, as_int
from smsgw.emulator.faults import defect, quirk
from smsgw.emulator.messages import Request, Response

if TYPE_CHECKING:
    from smsgw.emulator.dinstar.device import DinstarDevice

Q_SEND_MMS_200 = quirk(
    "quirk.dinstar-send-mms-200",
    "send_mms answers error_code 200 (the §23.4 example), not 202",
    erratum="E-DS-SEND-MMS-200",
)
D_STATUS_NUMBERS = defect(
    "defect.dinstar-status-numbers", "get_status performance values are numbers, not strings"
)
D_SET_CONFIG_NOT_STORED = defect(
    "defect.dinstar-set-config-not-stored", "set_config answers success but get_config returns the old values"
)
# defects the conformance checks kill (conformance/kills/dinstar.yaml)
D_STATUS_USED_OVER_TOTAL = defect(
    "defect.dinstar-status-used-over-total", "get_status reports more flash and memory used than there is"
)
D_CONFIG_EMPTY_INDEX_NONE = defect(
    "defect.dinstar-config-empty-index-none", "get_config answers no entry for an empty index array"
)
D_CONFIG_INDEX_IGNORED = defect(
    "defect.dinstar-config-index-ignored", "get_config ignores the listed indexes"
)
D_CONFIG_ALL_GROUPS = defect(
    "defect.dinstar-config-all-groups", "get_config answers every group, also when none is asked for"
)
D_CONFIG_VALUES_OFF_SPEC = defect(
    "defect.dinstar-config-values-off-spec",
    'get_config answers enable "1", port_map as an array and the default routes as index 0',
)
D_SET_CONFIG_OUTCOME_OFF_SPEC = defect(
    "defect.dinstar-set-config-outcome-off-spec",
    'set_config answers {"result": "ok"} instead of the outcomes',
)
D_MMS_FILE_NOT_STORED = defect("defect.dinstar-mms-file-not-stored", "mms_file answers 200 but keeps no file")
D_MMS_UNKNOWN_FILE_SENT = defect(
    "defect.dinstar-mms-unknown-file-sent", "send_mms accepts a file_id that was never uploaded"
)
D_MMS_STATUS_OFF_SPEC = defect(
    "defect.dinstar-mms-status-off-spec",
    "query_mms_sending_status answers 500 for known and 200 for unknown ids",
)
D_MMS_CONFIG_ANY_PORT = defect(
    "defect.dinstar-mms-config-any-port", "mms_configuration of a port the gateway lacks answers 200"
)
D_MMS_CONFIG_NEEDS_STATUS = defect(
    "defect.dinstar-mms-config-needs-status",
    "mms_configuration refuses a request without the §21.4 example's status (400)",
)
D_SOCKS_NO_PORT = defect("defect.dinstar-socks5-no-port", "socks5_proxy on answers without socks_port")
D_SOCKS_OFF_500 = defect("defect.dinstar-socks5-off-500", "socks5_proxy off answers 500")

CONFIG_SECTIONS = ("sip_proxy", "sip_trunk", "ip_to_tel_routing", "tel_to_ip_routing", "port_group")
MMS_KEYS = ("APN", "username", "password", "MMSC", "MMS_proxy", "MMS_port")
MMS_FILES = 32
MMS_SEND_TIME = 5.0
#: sent MMS the gateway remembers for query_mms_sending_status (the oldest are forgotten)
MAX_MMS = 10_000


def _route(index: int, src_mode: str, dst_mode: str, reserve: int) -> dict[str, Any]:
    return {
        "index": index,
        "enable": "on",
        "description": "default",
        "operation": "Allow",
        "src_mode": src_mode,
        "dst_mode": dst_mode,
        "src_id": 0,
        "dst_id": 0,
        "src_prefix": "",
        "dst_prefix": "",
        "prefix_to_be_added": "",
        "suffix_to_be_added": "",
        "del_digit": 0,
        "reserve_digit": reserve,
    }


@dataclass(slots=True)
class Mms:
    mms_id: int
    port: int
    number: str
    title: str
    file_id: int
    due: float
    ok: bool


@dataclass(slots=True)
class Settings:
    """SIP configuration (§19.3 shapes), MMS settings, uploaded files and sent MMS, SOCKS5 state."""

    ports: int
    config: dict[str, Any] = field(default_factory=dict)
    mms_config: dict[int, dict[str, str]] = field(default_factory=dict)
    files: dict[int, int] = field(default_factory=dict)
    mms: dict[int, Mms] = field(default_factory=dict)
    next_mms: int = 1
    socks: dict[int, bool] = field(default_factory=dict)
    drp_logged_in: bool = False

    def __post_init__(self) -> None:
        self.config = {
            "sip_proxy": {"domain": "", "port": 5060, "check_network_status": "off"},
            "sip_trunk": [
                {
                    "index": 0,
                    "enable": "on",
                    "domain": "127.0.0.1",
                    "port": 5060,
                    "description": "trunk0",
                    "check_network_status": "off",
                }
            ],
            "ip_to_tel_routing": [_route(63, "sip_trunk", "port_group", 255)],
            "tel_to_ip_routing": [_route(63, "port_group", "sip_trunk_group", 0)],
            "port_group": [
                {
                    "index": 0,
                    "enable": "on",
                    "description": "all",
                    "sip_account": "",
                    "sip_authid": "",
                    "sip_authpswd": "",
                    "port_map": str(list(range(self.ports))).replace(" ", ""),
                    "reg_type": "no_register",
                    "select_type": "cyclicAscending",
                    "tel_to_ip_hot_line": "",
                    "ip_to_tel_hot_line": "",
                }
            ],
        }


# -- get_status (§16) ------------------------------------------------------------------------------
def get_status(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    wanted = params.get("_body")
    if wanted is None and isinstance(params.get("performance"), list | dict):
        wanted = ["performance"]
    if not isinstance(wanted, list) or "performance" not in wanted:
        raise BadRequest('the body must be ["performance"]')
    load = 10 + min(80, dev.board.in_queue * 5)
    values = {
        "cpu_used": load,
        "flash_total": 27648,
        "flash_used": 17428,
        "memory_total": 109448,
        "memory_cached": 34192,
        "memory_buffers": 0,
        "memory_free": 58928 - len(dev.inbox.messages) // 10,
        "memory_used": 50520 + len(dev.inbox.messages) // 10,
    }
    if dev.switches.on(D_STATUS_USED_OVER_TOTAL):
        values["flash_used"], values["memory_used"] = values["flash_total"] + 1, values["memory_total"] + 1
    strings = not dev.switches.on(D_STATUS_NUMBERS)
    return Response.json({"performance": {k: str(v) if strings else v for k, v in values.items()}})


# -- get_config / set_config (§19, §20) ------------------------------------------------------------------
def _indexes(value: Any, key: str) -> list[int] | None:
    if not isinstance(value, list):
        raise BadRequest(f"{key} must be an array")
    if key == "sip_proxy":
        if value:
            raise BadRequest("sip_proxy must be an empty array")
        return None
    return [as_int(v, key, high=63) for v in value]


def get_config(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    sw = dev.switches
    asked = {k: _indexes(params[k], k) for k in CONFIG_SECTIONS if k in params}
    if sw.on(D_CONFIG_ALL_GROUPS):
        asked = {k: asked.get(k) or ([] if k != "sip_proxy" else None) for k in CONFIG_SECTIONS}
    if not asked:
        raise BadRequest(f"select at least one of {', '.join(CONFIG_SECTIONS)}")
    config = dev.settings.config
    answer: dict[str, Any] = {}
    for key, indexes in asked.items():
        if key == "sip_proxy":
            answer[key] = copy.deepcopy(config[key])
        elif not indexes and sw.on(D_CONFIG_EMPTY_INDEX_NONE):
            answer[key] = []
        else:
            every = not indexes or sw.on(D_CONFIG_INDEX_IGNORED)
            answer[key] = [copy.deepcopy(e) for e in config[key] if every or e["index"] in (indexes or [])]
            if not answer[key] and indexes:
                # §19.3: each group 'contains at least one object'; none of the asked indexes exists
                # (E-DS-UNDOCUMENTED-ERROR-FORM: the common {error_code, sn} answer)
                raise BadRequest(f"{key}: no entry with index {indexes}", 404)
    if sw.on(D_CONFIG_VALUES_OFF_SPEC):
        for entries in answer.values():
            for entry in entries if isinstance(entries, list) else []:
                entry["enable"] = "1"
                if "port_map" in entry:
                    entry["port_map"] = list(range(dev.n_ports))
                if entry.get("index") == 63:
                    entry["index"] = 0
    return Response.json(answer)


def set_config(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    sections = [k for k in CONFIG_SECTIONS if k in params]
    if not sections:
        raise BadRequest(f"set at least one of {', '.join(CONFIG_SECTIONS)}")
    plan: list[tuple[str, list[dict[str, Any]]]] = []
    for key in sections:
        value = params[key]
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            raise BadRequest(f"{key} must be an array of objects")
        if key == "sip_proxy":
            if len(value) > 1:
                raise BadRequest("sip_proxy contains only one object")
        else:
            # JSON has one number type: 3.0 is index 3 (answered "3_success")
            value = [{**e, "index": as_int(e.get("index"), f"{key} index", high=63)} for e in value]
        plan.append((key, value))
    answer: list[dict[str, Any]] = []
    store = not dev.switches.on(D_SET_CONFIG_NOT_STORED)
    config = dev.settings.config
    for key, entries in plan:
        if key == "sip_proxy":
            if entries and store:
                config[key] = {**config[key], **copy.deepcopy(entries[0])}
            answer.append({key: "success"})
            continue
        done = []
        for entry in entries:
            if store:
                existing = {e["index"]: e for e in config[key]}
                existing[entry["index"]] = {**existing.get(entry["index"], {}), **copy.deepcopy(entry)}
                config[key] = [existing[i] for i in sorted(existing)]
            done.append(f"{entry['index']}_success")
        answer.append({key: done})
    if dev.switches.on(D_SET_CONFIG_OUTCOME_OFF_SPEC):
        return Response.json({"result": "ok"})
    return Response.json(answer)


# -- MMS (§21-§24) -------------------------------------------------------------------------------------
def mms_configuration(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    if "port" not in params:
        raise BadRequest("port is required")
    raw = as_int(params["port"], "port", low=-1)
    configuration = params.get("configuration")
    if not isinstance(configuration, dict) or not all(
        isinstance(configuration.get(k), str) for k in MMS_KEYS
    ):
        raise BadRequest(f"configuration needs the strings {', '.join(MMS_KEYS)}")
    if "status" not in params and dev.switches.on(D_MMS_CONFIG_NEEDS_STATUS):
        raise BadRequest("status is required")
    try:
        port = dev.bank_port(raw)
    except BadRequest:
        if dev.switches.on(D_MMS_CONFIG_ANY_PORT):
            return dev.reply(200)
        return dev.reply(404)
    dev.settings.mms_config[port] = {k: configuration[k] for k in MMS_KEYS}
    return dev.reply(200)


def mms_file(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    file_id = int(request.path.rsplit("file", 1)[1])
    if request.method != "POST" or not request.body:
        raise BadRequest("POST the file as multipart/form-data")
    if not dev.switches.on(D_MMS_FILE_NOT_STORED):
        dev.settings.files[file_id] = len(request.body)
    return dev.reply(200)


def send_mms(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    for key in ("port", "title", "number", "file_id"):
        if key not in params:
            raise BadRequest(f"{key} is required")
    port = dev.bank_port(as_int(params["port"], "port", low=-1))
    title, number = params["title"], params["number"]
    if not isinstance(title, str) or not isinstance(number, str) or not number.removeprefix("+").isdigit():
        raise BadRequest("title and number must be strings (number: digits)")
    file_id = as_int(params["file_id"], "file_id", high=MMS_FILES - 1)
    if file_id not in dev.settings.files and not dev.switches.on(D_MMS_UNKNOWN_FILE_SENT):
        return dev.reply(404)
    settings = dev.settings
    mms_id = settings.next_mms
    settings.next_mms += 1
    ok = port in settings.mms_config and dev.can_send(port)
    settings.mms[mms_id] = Mms(mms_id, port, number, title, file_id, dev.clock.now() + MMS_SEND_TIME, ok)
    if len(settings.mms) > MAX_MMS:
        settings.mms.pop(next(iter(settings.mms)))
    return dev.reply(200 if dev.switches.on(Q_SEND_MMS_200) else 202, mms_id=mms_id)


def query_mms_sending_status(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    if "mms_id" not in params:
        raise BadRequest("mms_id is required")
    mms_id = as_int(params["mms_id"], "mms_id")
    mms = dev.settings.mms.get(mms_id)
    if dev.switches.on(D_MMS_STATUS_OFF_SPEC):
        return dev.reply(200 if mms is None else 500, mms_id=mms_id)
    if mms is None:
        return dev.reply(404, mms_id=mms_id)
    if dev.clock.now() < mms.due:
        return dev.reply(202, mms_id=mms_id)
    return dev.reply(200 if mms.ok else 503, mms_id=mms_id)


# -- SOCKS5 (§25) ------------------------------------------------------------------------------------
def socks5_proxy(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    if "port" not in params or "state" not in params:
        raise BadRequest("port and state are required")
    port = dev.bank_port(as_int(params["port"], "port", low=-1))
    state = params["state"]
    if state not in ("on", "off"):
        raise BadRequest("state must be on or off")
    if state == "on" and not dev.can_send(port):
        return dev.reply(503)
    dev.settings.socks[port] = state == "on"
    if state == "off" and dev.switches.on(D_SOCKS_OFF_500):
        return dev.reply(500)
    if dev.switches.on(D_SOCKS_NO_PORT):
        return dev.reply(200)
    return dev.reply(200, socks_port=1080 + port - 1)


# -- DRP server (§26.3) ---------------------------------------------------------------------------------
def drp_login(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    user, password = params.get("username"), params.get("password")
    if not isinstance(user, str) or not isinstance(password, str):
        raise BadRequest("Username and password are required")
    if not dev.auth.login(user, password, dev.clock.now()):
        return Response.json(dev.answer(401), 401)
    dev.settings.drp_logged_in = True
    return dev.reply(200)


def drp_remote_web(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    if not dev.settings.drp_logged_in:
        return Response.json(dev.answer(401), 401)
    sns = params.get("product_sns")
    if not isinstance(sns, str) or not sns.strip():
        raise BadRequest("Product_sns is required")
    if sns.strip().lower() != dev.sn.lower():
        return Response.json(dev.answer(404), 404)
    return dev.reply(200)


ROUTES: dict[str, Callable[[DinstarDevice, dict[str, Any], Request], Response]] = {
    "/api/get_status": get_status,
    "/api/get_config": get_config,
    "/api/set_config": set_config,
    "/api/mms_configuration": mms_configuration,
    **{f"/api/mms_file/file{i}": mms_file for i in range(MMS_FILES)},
    "/api/send_mms": send_mms,
    "/api/query_mms_sending_status": query_mms_sending_status,
    "/api/socks5_proxy": socks5_proxy,
    "/doLogin": drp_login,
    "/remoteWeb": drp_remote_web,
}

__all__ = ["ROUTES", "Settings"]
