"""get_config and set_config (dinstar-uc-1.2 §19, §20): the SIP groups asked for, index filters, the
documented values, and set_config's per-entry outcomes. set_config runs only with --allow-destructive
and writes back what it changed (the description of one SIP trunk)."""

from __future__ import annotations

import pytest

from dinstar.dinstar_support import describe

GROUPS = ("sip_proxy", "sip_trunk", "ip_to_tel_routing", "tel_to_ip_routing", "port_group")
MODES = (
    "SIP Trunk",
    "SIP Trunk Group",
    "SIP Server",
    "Port",
    "Port Group",
    "sip_trunk",
    "sip_trunk_group",
    "sip_server",
    "port",
    "port_group",
)
SELECT = ("ascending", "cyclicAscending", "descending", "cyclicDescending", "unknown")


def _config(dinstar, **groups) -> dict:
    data = dinstar.get_config(**groups).data
    return data if isinstance(data, dict) else {}


@pytest.mark.requirement("DS-CONFIG-GET-SCHEMA", "DS-CONFIG-GET-EMPTY-MEANS-ALL")
def test_get_config_answers_every_group(check, dinstar):
    """§19.2/§19.3: "Content is plastic, the value is 0-31, empty means all"; sip_proxy Object; the
    other groups arrays with at least one object."""
    resp = dinstar.get_config(**{g: [] for g in GROUPS})
    check.attach_json("get_config", resp.data)
    check.schema("dinstar/get_config.response", resp, requirement="DS-CONFIG-GET-SCHEMA")
    data = resp.data if isinstance(resp.data, dict) else {}
    for group in GROUPS[1:]:
        check.expect(
            isinstance(data.get(group), list) and bool(data[group]),
            f"{group}: [] answered {data.get(group)!r}",
            requirement="DS-CONFIG-GET-EMPTY-MEANS-ALL",
        )


@pytest.mark.requirement("DS-CONFIG-GET-INDEX-FILTER", "DS-CONFIG-GET-ONLY-ASKED")
def test_get_config_answers_only_what_is_asked(check, dinstar):
    """§19.2: listed indexes select those entries; "select at least one" group: the answer holds the
    groups asked for."""
    every = _config(dinstar, sip_trunk=[])
    trunks = [t.get("index") for t in every.get("sip_trunk") or [] if isinstance(t, dict)]
    if not trunks:
        check.fail(f"no sip_trunk entry: {every!r}")
        return
    data = _config(dinstar, sip_trunk=[trunks[0]], tel_to_ip_routing=[63, 62])
    got = [t.get("index") for t in data.get("sip_trunk") or []]
    check.expect(
        got == [trunks[0]],
        f"sip_trunk [{trunks[0]}] answered indexes {got}",
        requirement="DS-CONFIG-GET-INDEX-FILTER",
    )
    routes = [r.get("index") for r in data.get("tel_to_ip_routing") or []]
    check.expect(
        set(routes) <= {62, 63},
        f"tel_to_ip_routing [63, 62] answered {routes}",
        requirement="DS-CONFIG-GET-INDEX-FILTER",
    )
    absent = next(i for i in range(32) if i not in trunks)
    none = _config(dinstar, sip_trunk=[absent]).get("sip_trunk") or []
    check.expect(
        all(isinstance(t, dict) and t.get("index") == absent for t in none),
        f"sip_trunk [{absent}] (no such trunk) answered indexes {[t.get('index') for t in none]}",
        requirement="DS-CONFIG-GET-INDEX-FILTER",
    )
    check.expect(
        set(data) <= {"sip_trunk", "tel_to_ip_routing"},
        f"groups not asked for: {sorted(set(data))}",
        requirement="DS-CONFIG-GET-ONLY-ASKED",
    )


@pytest.mark.requirement("DS-CONFIG-GET-SELECT-ONE")
def test_get_config_without_group_is_refused(check, dinstar):
    """§19.2: "The following are the parameters included in the object, select at least one"."""
    resp = dinstar.post("api/get_config", {})
    data = resp.data if isinstance(resp.data, dict) else {}
    check.expect(
        not any(g in data for g in GROUPS)
        and (resp.status >= 400 or data.get("error_code") not in (None, 200)),
        f"get_config {{}}: {describe(resp)}",
    )


@pytest.mark.requirement(
    "DS-CONFIG-ROUTING-DEFAULT-63", "DS-CONFIG-FIELD-VALUES", "DS-CONFIG-PORT-MAP-STRING"
)
def test_config_values_are_documented(check, dinstar):
    """§19.3/§19.4: the default routing rules have index 63; enable on/off, operation Allow/Forbid,
    src/dst modes, reg_type, select_type; "port_map":"[0,1,2,3,4,5,6,7]" a string."""
    data = _config(dinstar, **{g: [] for g in GROUPS})
    for group in ("ip_to_tel_routing", "tel_to_ip_routing"):
        routes = [r for r in data.get(group) or [] if isinstance(r, dict)]
        check.expect(
            any(r.get("index") == 63 for r in routes),
            f"{group} has no index 63: {[r.get('index') for r in routes]}",
            requirement="DS-CONFIG-ROUTING-DEFAULT-63",
        )
        for r in routes:
            check.expect(
                r.get("enable") in ("on", "off") and r.get("operation") in ("Allow", "Forbid"),
                f"{group} {r.get('index')}: enable {r.get('enable')!r} operation {r.get('operation')!r}",
                requirement="DS-CONFIG-FIELD-VALUES",
            )
    for g in data.get("port_group") or []:
        if not isinstance(g, dict):
            continue
        check.expect(
            g.get("enable") in ("on", "off") and g.get("select_type") in SELECT,
            f"port_group {g.get('index')}: enable {g.get('enable')!r} select_type {g.get('select_type')!r}",
            requirement="DS-CONFIG-FIELD-VALUES",
        )
        check.expect(
            isinstance(g.get("port_map"), str) and g["port_map"].strip().startswith("["),
            f"port_group {g.get('index')} port_map {g.get('port_map')!r}",
            requirement="DS-CONFIG-PORT-MAP-STRING",
        )
    for t in data.get("sip_trunk") or []:
        check.expect(
            isinstance(t, dict) and t.get("enable") in ("on", "off"),
            f"sip_trunk {t!r}",
            requirement="DS-CONFIG-FIELD-VALUES",
        )


@pytest.mark.requirement(
    "DS-CONFIG-SET-SCHEMA",
    "DS-CONFIG-SET-OUTCOME-PER-INDEX",
    "DS-CONFIG-SET-READ-BACK",
    "DS-CONFIG-SET-SIP-PROXY-ONE",
)
def test_set_config_writes_and_reports_each_entry(check, dinstar, restore):
    """§20.2/§20.3: "The return is an array in JSON format"; "1_success, means that the SIP Trunk(index
    1) is successfully set"; sip_proxy "contains only one object", answered {"sip_proxy": "success"};
    get_config returns what set_config wrote. Changes one trunk's description and writes it back."""
    data = _config(dinstar, sip_trunk=[], sip_proxy=[])
    trunks = [t for t in data.get("sip_trunk") or [] if isinstance(t, dict)]
    proxy = data.get("sip_proxy")
    if not trunks or not isinstance(proxy, dict):
        check.fail(f"get_config sip_trunk/sip_proxy: {data!r}")
        return
    trunk = trunks[0]
    restore.push(f"sip_trunk {trunk.get('index')}", lambda: dinstar.set_config({"sip_trunk": [trunk]}))
    changed = {**trunk, "description": "smsgw-check"}
    resp = dinstar.set_config({"sip_trunk": [changed], "sip_proxy": [proxy]})
    check.attach_json("set_config", resp.data)
    check.schema("dinstar/set_config.response", resp, requirement="DS-CONFIG-SET-SCHEMA")
    outcomes = resp.data if isinstance(resp.data, list) else []
    merged = {k: v for o in outcomes if isinstance(o, dict) for k, v in o.items()}
    check.expect(
        merged.get("sip_trunk") == [f"{trunk.get('index')}_success"],
        f"set_config answered {resp.data!r}",
        requirement="DS-CONFIG-SET-OUTCOME-PER-INDEX",
    )
    check.expect(
        merged.get("sip_proxy") == "success",
        f"sip_proxy outcome {merged.get('sip_proxy')!r}",
        requirement="DS-CONFIG-SET-SIP-PROXY-ONE",
    )
    after = _config(dinstar, sip_trunk=[trunk.get("index")]).get("sip_trunk") or [{}]
    check.expect(
        after[0].get("description") == "smsgw-check",
        f"get_config after set_config: {after!r}",
        requirement="DS-CONFIG-SET-READ-BACK",
    )
