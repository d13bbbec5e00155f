"""``smsgw load send-sms|status-fanin|report``: headless, bounded Locust runs with capacity reports.

Declared here, imported lazily (``smsgw --help`` stays fast; nothing imports ``locust``).
Options after ``--`` go to Locust unchanged (e.g. ``-- --loglevel DEBUG``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

_EXTRA = {"allow_extra_args": True, "ignore_unknown_options": True}


def _default_out(profile: str) -> Path:
    return Path("reports") / "load" / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{profile}"


def _duration(text: str) -> float:
    """``30``, ``30s``, ``2m``, ``1h`` -> seconds."""
    text = text.strip().lower()
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    try:
        if text and text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r}: seconds, or a number with s/m/h") from exc


def register(app: typer.Typer) -> None:
    load_app = typer.Typer(
        help="Locust load profiles (send-sms throughput, status fan-in) with capacity reports.",
        no_args_is_help=True,
    )
    app.add_typer(load_app, name="load")

    @load_app.command("send-sms", context_settings=_EXTRA)
    def send_sms(  # noqa: PLR0917 - one parameter per CLI option
        ctx: typer.Context,
        users: int = typer.Option(10, "--users", "-u", min=0, help="Users (SMS servers); steady/spike base."),
        spawn_rate: float = typer.Option(10.0, "--spawn-rate", "-r", help="Users started per second."),
        run_time: str = typer.Option("30s", "--run-time", "-t", help="Run time (steady/spike): 30s, 2m."),
        workers: int = typer.Option(0, "--workers", min=0, help="Locust workers (0: one local process)."),
        shape: str = typer.Option("steady", help="steady, step or spike."),
        step_users: int = typer.Option(10, help="Users added per step (step shape)."),
        step_time: float = typer.Option(20.0, help="Seconds per step (step shape)."),
        steps: int = typer.Option(5, help="Number of steps (step shape)."),
        spike_users: int = typer.Option(100, help="Users during the spike (spike shape)."),
        spike_at: float = typer.Option(10.0, help="Seconds into the run the spike starts (spike shape)."),
        spike_time: float = typer.Option(10.0, help="Seconds the spike lasts (spike shape)."),
        max_requests: int = typer.Option(0, help="Stop after this many requests (0: no limit)."),
        target: list[str] = typer.Option(  # noqa: B008
            [], "--target", help="Gateway base URL (repeat; default: start `smsgw emulate`)."
        ),
        receiver: str = typer.Option(
            "",
            help="Receiver base URL for the status reports ('' starts one, 'none': no completion metric; "
            "--vendor dinstar with --target: none unless given, the gateway's own push URL must point "
            "at <receiver>/push/load-sr).",
        ),
        report_push_url: str = typer.Option(
            "", help="sr_url the gateways push to, when they see the receiver under another address."
        ),
        password: str = typer.Option(
            "root",
            envvar="SMSGW_LOAD_PASSWORD",
            help="Gateway password (env SMSGW_LOAD_PASSWORD; never shown).",
        ),
        gateway_user: str = typer.Option("root", help="Gateway account."),
        tasks: int = typer.Option(1, min=1, help="Tasks per goip_post_sms request."),
        recipients: int = typer.Option(1, min=1, help="Recipients per task."),
        port_mode: str = typer.Option("any", help="Sending port per task: any, round-robin, random."),
        weight_get_tasks: int = typer.Option(0, min=0, help="Weight of goip_get_tasks (post is 100)."),
        weight_pause_resume: int = typer.Option(0, min=0, help="Weight of pause+resume (post is 100)."),
        user_rate: float = typer.Option(0.0, help="Requests/s per user (0: as fast as answers come)."),
        vendor: str = typer.Option("ejoin", help="ejoin (goip_post_sms) or dinstar (/api/send_sms)."),
        devices: int = typer.Option(1, min=1, max=64, help="Emulated gateways to start (no --target)."),
        send_time: float = typer.Option(0.01, help="Emulated seconds per SMS (no --target)."),
        switch: list[str] = typer.Option(  # noqa: B008
            [],
            "--switch",
            help="Emulator quirk/defect to switch on (repeat; see smsgw emulate --list-faults).",
        ),
        out: Path | None = typer.Option(  # noqa: B008
            None, help="Output directory (default reports/load/<time>-send-sms)."
        ),
    ) -> None:
        """send-sms throughput against Ejoin (or Dinstar) gateways (default: emulated), with a capacity
        report."""
        from smsgw.load.run import LoadOptions

        remote = target and not all(_loopback(t) for t in target)
        if vendor == "ejoin" and remote and not receiver and not report_push_url:
            typer.echo(
                "smsgw load: the receiver started for the status reports listens on 127.0.0.1; a remote "
                "gateway cannot reach it (use --receiver/--report-push-url, or --receiver none)",
                err=True,
            )

        options = LoadOptions(
            profile="send-sms",
            out_dir=out or _default_out("send-sms"),
            users=users, spawn_rate=spawn_rate, run_time=_duration(run_time), workers=workers, shape=shape,
            step_users=step_users, step_time=step_time, steps=steps, spike_users=spike_users,
            spike_at=spike_at, spike_time=spike_time,
            max_requests=max_requests, targets=target, receiver=receiver, password=password,
            devices=devices, vendor=vendor, send_time=send_time, switches=switch,
            profile_args={
                "gateway-user": gateway_user, "report-push-url": report_push_url, "tasks": tasks,
                "recipients": recipients,
                "port-mode": port_mode, "weight-get-tasks": weight_get_tasks,
                "weight-pause-resume": weight_pause_resume, "user-rate": user_rate,
            },
            locust_args=list(ctx.args),
        )  # fmt: skip
        _run(options)

    @load_app.command("status-fanin", context_settings=_EXTRA)
    def status_fanin(  # noqa: PLR0917 - one parameter per CLI option
        ctx: typer.Context,
        users: int = typer.Option(100, "--users", "-u", min=0, help="Devices (one user each)."),
        spawn_rate: float = typer.Option(50.0, "--spawn-rate", "-r", help="Devices started per second."),
        run_time: str = typer.Option("30s", "--run-time", "-t", help="Run time (steady/spike): 30s, 2m."),
        workers: int = typer.Option(0, "--workers", min=0, help="Locust workers (0: one local process)."),
        shape: str = typer.Option("steady", help="steady, step or spike."),
        step_users: int = typer.Option(100, help="Devices added per step (step shape)."),
        step_time: float = typer.Option(20.0, help="Seconds per step (step shape)."),
        steps: int = typer.Option(5, help="Number of steps (step shape)."),
        spike_users: int = typer.Option(1000, help="Devices during the spike (spike shape)."),
        spike_at: float = typer.Option(10.0, help="Seconds into the run the spike starts (spike shape)."),
        spike_time: float = typer.Option(10.0, help="Seconds the spike lasts (spike shape)."),
        max_requests: int = typer.Option(0, help="Stop after this many pushes (0: no limit)."),
        target: str = typer.Option(
            "", "--target", help="SMS server base URL (default: start `smsgw receive`)."
        ),
        push_path: str = typer.Option("/push/{device}", help="Push path; {device} is the device's name."),
        device_ports: int = typer.Option(32, min=1, help="Ports per device."),
        device_slots: int = typer.Option(4, min=1, help="SIM slots per port."),
        period: int = typer.Option(60, min=1, help="dev-status period (device seconds)."),
        churn_interval: float = typer.Option(
            300.0, help="Mean seconds between SIM re-registrations; 0: off."
        ),
        report_interval: float = typer.Option(0.0, help="Mean seconds between status reports; 0: off."),
        sms_interval: float = typer.Option(0.0, help="Mean seconds between received SMS; 0: off."),
        time_scale: float = typer.Option(1.0, help="Device seconds per real second."),
        out: Path | None = typer.Option(  # noqa: B008
            None, help="Output directory (default reports/load/<time>-status-fanin)."
        ),
    ) -> None:
        """Status fan-in: emulated gateways push to an SMS server (default: a started receiver)."""
        from smsgw.load.run import LoadOptions

        options = LoadOptions(
            profile="status-fanin",
            out_dir=out or _default_out("status-fanin"),
            users=users, spawn_rate=spawn_rate, run_time=_duration(run_time), workers=workers, shape=shape,
            step_users=step_users, step_time=step_time, steps=steps, spike_users=spike_users,
            spike_at=spike_at, spike_time=spike_time,
            max_requests=max_requests, targets=[target] if target else [],
            profile_args={
                "push-path": push_path, "device-ports": device_ports, "device-slots": device_slots,
                "period": period, "churn-interval": churn_interval, "report-interval": report_interval,
                "sms-interval": sms_interval, "time-scale": time_scale,
            },
            locust_args=list(ctx.args),
        )  # fmt: skip
        _run(options)

    @load_app.command("report")
    def report(
        csv_base: Path = typer.Argument(  # noqa: B008
            ..., help="The --csv prefix of a Locust run (e.g. reports/load/x/locust)."
        ),
        profile: str = typer.Option("send-sms", help="Profile name shown in the report."),
        out: Path | None = typer.Option(None, help="Output directory (default: the CSVs' dir)."),  # noqa: B008
    ) -> None:
        """Build capacity.html/capacity.json from the CSVs of any Locust run (--csv-full-history)."""
        from smsgw.load.capacity import build_report, write_report

        if not Path(f"{csv_base}_stats_history.csv").is_file():
            raise typer.BadParameter(f"{csv_base}_stats_history.csv does not exist", param_hint="CSV_BASE")
        capacity = build_report(csv_base, profile)
        paths = write_report(capacity, out or csv_base.parent)
        typer.echo(_summary(capacity.to_json()))
        for path in paths:
            typer.echo(f"  {path}")


def _loopback(url: str) -> bool:
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _summary(data: dict[str, Any]) -> str:
    knee = data.get("knee")
    if knee:
        return f"knee at {knee['users']} users: {knee['throughput']:.1f} req/s (p95 {knee['p95']} ms)"
    return f"no knee within the run; best throughput {data['best_throughput']:.1f} req/s"


def _run(options: Any) -> None:
    from smsgw.load.run import run_load

    try:
        result = run_load(options)
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"smsgw load: {exc}", err=True)
        raise typer.Exit(2) from exc
    data = result.capacity.to_json()
    for entry in data["totals"]:
        if entry["name"] != "Aggregated":
            typer.echo(
                f"{entry['type']:7} {entry['name']:24} {entry['requests']:>9} req "
                f"{entry['failures']:>7} fail "
                f"{entry['rps']:>9.1f}/s  p50 {entry['p50']} p95 {entry['p95']} p99 {entry['p99']} ms"
            )
    typer.echo(_summary(data))
    typer.echo(f"reports: {result.out_dir} (capacity.html, capacity.json, locust.html, locust_stats*.csv)")
    if result.timed_out:
        typer.echo("smsgw load: Locust did not stop in time and was killed", err=True)
        raise typer.Exit(3)
    # Locust's convention: 1 when any request failed
    raise typer.Exit(result.exit_code if result.exit_code in (0, 1) else 2)


__all__ = ["register"]
