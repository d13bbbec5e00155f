"""Device profiles: one per Ejoin document, with its port count, slots and capabilities."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    title: str
    ports: int
    slots: int
    http_port: int
    #: the API operations (``goip_*.html`` stems, ``crypt_sess``) the document defines
    operations: frozenset[str]
    #: router/proxy configuration endpoints (``/proxy``, ``/ip_white_list``...)
    router_endpoints: frozenset[str] = frozenset()
    #: goip_send_cmd ops beyond lock/unlock/switch/reset/save/reboot/get/set
    extra_ops: frozenset[str] = frozenset()
    sent_sms_push: bool = False
    usage_counters: bool = False
    #: recv-sms carries ``sim_src`` (simple-v2 §4.3; E-EJ-RECVSMS-SIMSRC)
    recv_sim_src: bool = False
    ver: str = "532-604-924-041-100-000"


_SMS_CORE = frozenset(
    {
        "goip_get_status",
        "goip_send_cmd",
        "goip_post_sms",
        "goip_pause_sms",
        "goip_resume_sms",
        "goip_remove_sms",
        "goip_get_tasks",
        "goip_get_sms",
    }
)
_ROUTER = frozenset(
    {
        "proxy",
        "proxy_user",
        "proxy_white_list",
        "proxy_black_list",
        "proxy_access_log",
        "ip_white_list",
        "ip_black_list",
    }
)

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "gateway-2.4",
            "Ejoin HTTP API Development Spec 2.4.0",
            ports=32,
            slots=4,
            http_port=80,
            operations=_SMS_CORE
            | {
                "goip_get_sms_stat",
                "goip_get_call_stat",
                "goip_get_esims",
                "goip_write_esims",
                "goip_delete_esims",
                "crypt_sess",
            },
            extra_ops=frozenset({"ledon", "ledoff"}),
        ),
        Profile(
            "router-2.2",
            "Ejoin MultiWan Router HTTP API 2.2",
            ports=8,
            slots=1,
            http_port=80,
            operations=_SMS_CORE,
            router_endpoints=_ROUTER,
            extra_ops=frozenset({"redial"}),
            ver="R-2.2",
        ),
        Profile(
            "proxy-gateway",
            "Ejoin proxy gateway HTTP API",
            ports=16,
            slots=1,
            http_port=8080,
            operations=frozenset({"goip_get_status", "goip_send_cmd"}),
            extra_ops=frozenset({"redial"}),
            ver="P-1.0",
        ),
        Profile(
            "simple-v2",
            "Ejoin SMS HTTP API Simple Doc v2",
            ports=32,
            slots=4,
            http_port=80,
            operations=_SMS_CORE,
            sent_sms_push=True,
            usage_counters=True,
            recv_sim_src=True,
            ver="532-600-999-041-100-000",
        ),
    )
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None


__all__ = ["PROFILES", "Profile", "get_profile"]
