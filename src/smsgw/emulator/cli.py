"""``smsgw emulate``: start emulated Ejoin or Dinstar devices on loopback and print their URLs."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("emulate")
    def emulate(  # noqa: PLR0917 (one option per parameter, typer style)
        devices: int = typer.Option(1, "--devices", "-n", min=1, max=256, help="How many devices."),
        profile: str = typer.Option(
            "gateway-2.4", help="gateway-2.4, router-2.2, proxy-gateway, simple-v2 (Ejoin) or dinstar-uc."
        ),
        ports: int = typer.Option(0, help="Ports per device (0: the profile's)."),
        slots: int = typer.Option(0, help="SIM slots per port (0: the profile's)."),
        host: str = typer.Option("127.0.0.1", help="Loopback address to listen on (127.0.0.0/8)."),
        http_port: int = typer.Option(0, "--http-port", help="First HTTP port (0: free ports)."),
        seed: int = typer.Option(0, help="Seed of every random choice (SIMs, outcomes, faults)."),
        time_scale: float = typer.Option(1.0, "--time-scale", help="Device seconds per real second."),
        virtual_time: bool = typer.Option(
            False, "--virtual-time", help="Time moves only by POST /_emu/advance (deterministic tests)."
        ),
        username: str = typer.Option("root", help="Device account."),
        password: str = typer.Option(
            "root", help="Device password (never printed).", envvar="SMSGW_EMU_PASSWORD"
        ),
        send_time: float = typer.Option(5.0, help="Device seconds one SMS takes to send."),
        status_url: str = typer.Option(
            "", help="Push URL for dev-status/port-status (as goip_get_status url=); dinstar-uc: every push."
        ),
        period: int = typer.Option(0, help="dev-status period in seconds (with --status-url)."),
        sr_url: str = typer.Option("", help="Status report URL."),
        sms_url: str = typer.Option("", help="Received SMS URL."),
        mms_url: str = typer.Option("", help="Received MMS URL."),
        max_tasks: int = typer.Option(10_000, help="Tasks a device holds before '16 Too Many Task'."),
        switch: list[str] = typer.Option(  # noqa: B008
            [], "--switch", "-s", help="Quirk or defect to switch on (repeat)."
        ),
        outcome: list[str] = typer.Option(  # noqa: B008
            [], "--outcome", help="Outcome rule for numbers outside the network: PREFIX:PROBABILITY[:REASON]."
        ),
        list_faults: bool = typer.Option(False, "--list-faults", help="List quirks and defects and exit."),
        tls: bool = typer.Option(
            False, "--tls", help="HTTPS with a generated self-signed certificate (its CA file is printed)."
        ),
    ) -> None:
        """Start emulated Ejoin or Dinstar devices on loopback; prints one URL per device. Ctrl-C stops."""
        import asyncio
        import contextlib
        import ipaddress

        from rich.console import Console

        from smsgw.emulator.faults import catalog

        console = Console()
        if list_faults:
            for sw in catalog().values():
                erratum = f" [{sw.erratum}]" if sw.erratum else ""
                default = " (on by default)" if sw.default else ""
                typer.echo(f"{sw.name:34} {sw.description}{default}{erratum}")
            return
        if not ipaddress.ip_address(host).is_loopback:
            raise typer.BadParameter(
                "the emulator listens on loopback only (127.0.0.0/8)", param_hint="--host"
            )
        from smsgw._http.server import free_port
        from smsgw.emulator.app import EmulatorApp
        from smsgw.emulator.clock import Clock, ScaledClock, VirtualClock
        from smsgw.emulator.device import DeviceConfig
        from smsgw.emulator.faults import UnknownSwitchError
        from smsgw.emulator.network import Network, OutcomeRule
        from smsgw.emulator.profiles import get_profile
        from smsgw.emulator.serve import (
            DINSTAR_PROFILES,
            build_devices,
            make_sink,
            serve_forever,
            tune_gc_for_serving,
        )

        try:
            if profile not in DINSTAR_PROFILES:
                get_profile(profile)
            rules = [OutcomeRule.parse(rule) for rule in outcome]
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        template = DeviceConfig(
            profile=profile,
            ports=ports or None,
            slots=slots or None,
            username=username,
            password=password,
            seed=seed,
            send_time=send_time,
            status_url=status_url or None,
            status_period=period,
            sr_url=sr_url or None,
            sms_url=sms_url or None,
            mms_url=mms_url or None,
            max_tasks=max_tasks,
            switches=tuple(switch),
        )
        clock: Clock = VirtualClock() if virtual_time else ScaledClock(time_scale)
        try:
            fleet = build_devices(devices, template, clock, Network(seed=seed, rules=rules))
        except UnknownSwitchError as exc:
            raise typer.BadParameter(f"unknown quirk or defect {exc.args[0]!r} (see --list-faults)") from exc
        apps = [EmulatorApp(device, make_sink()) for device in fleet]
        chosen = [http_port + i if http_port else free_port(host) for i in range(devices)]
        from smsgw.emulator.dinstar.tls import LoopbackCertificate

        certificate = LoopbackCertificate.create(host) if tls else None
        scheme = "https" if tls else "http"
        for device, port in zip(fleet, chosen, strict=True):
            numbers = ",".join(s.number for s in device.bank.all_slots()[:2])
            shape = f"{device.n_ports}x{device.n_slots}"
            console.print(  # one line whatever the console width: scripts read it through a pipe
                f"{scheme}://{host}:{port}  {device.profile.name}  {shape}  SIM numbers {numbers}...",
                soft_wrap=True,
            )
        if certificate is not None:
            console.print(f"CA certificate: {certificate.ca_path}", soft_wrap=True)
        console.print(
            "control API: /_emu/state, /_emu/faults, ... (/_emu/openapi.json); Ctrl-C stops", soft_wrap=True
        )
        console.file.flush()  # the URLs are read by scripts through a pipe
        tune_gc_for_serving()
        try:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(serve_forever(apps, host, chosen, certificate))
        finally:
            if certificate is not None:
                certificate.cleanup()


__all__ = ["register"]
