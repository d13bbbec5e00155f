"""``smsgw receive``: run the push receiver in the foreground (declared here, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("receive")(receive)


def receive(  # noqa: PLR0917 - one parameter per CLI option
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 for a device on the LAN).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one.")] = 8899,
    db: Annotated[Path, typer.Option(help="SQLite database (WAL); reused across restarts.")] = Path(
        "smsgw-receiver.db"
    ),
    public_url: Annotated[str, typer.Option(help="Base URL devices reach this receiver at.")] = "",
    path: Annotated[
        list[str] | None,
        typer.Option(
            "--path",
            help="Also take pushes on PATH (repeatable); PATH=DEVICE names the device. "
            "Without --path, a POST to any path outside /_api and /_ui is a push.",
        ),
    ] = None,
    synchronous: str = typer.Option(
        "full",
        help="full: fsync each group commit (survives power loss); normal: survives process crash only.",
    ),
    max_body: Annotated[int, typer.Option(help="Largest push body in bytes (413 above).")] = 8 * 1024 * 1024,
    body_timeout: Annotated[float, typer.Option(help="Seconds to receive a whole body (408 after).")] = 10.0,
    ready_file: Annotated[
        Path | None, typer.Option(help="Write {url, pid, db} JSON here once listening.")
    ] = None,
    cpu: Annotated[int | None, typer.Option(help="Pin the process to this CPU (benchmarks).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Do not print the URLs on start.")] = False,
) -> None:
    """Receive device pushes (Ejoin and Dinstar), grade them, store them, show them on /_ui."""
    from smsgw.receiver.core import ReceiverConfig
    from smsgw.receiver.server import serve

    if synchronous not in ("full", "normal"):
        raise typer.BadParameter("--synchronous is full or normal")
    extra: list[str] = []
    devices: dict[str, str] = {}
    path = path or []
    for item in path:
        name, eq, device = item.partition("=")
        if not name.startswith("/") or name.startswith(("/_api", "/_ui")):
            raise typer.BadParameter(f"--path {item!r}: an absolute path outside /_api and /_ui")
        if eq:
            devices[name] = device
        else:
            extra.append(name)
    config = ReceiverConfig(
        db=db,
        synchronous="full" if synchronous == "full" else "normal",
        max_body=max_body,
        body_timeout=body_timeout,
        paths=tuple(extra) if path else None,
        path_devices=devices,
    )

    def announce(url: str) -> None:
        if quiet:
            return
        base = public_url.rstrip("/") or url
        typer.echo(f"smsgw receiver on {url} (db {db}, synchronous={synchronous})")
        typer.echo(f"  push URL:  {base}/   or per device {base}/push/<device>")
        typer.echo(f"  watch:     {url}/_ui   API: {url}/_api/messages, /_api/wait, /_api/counters")

    serve(config, host, port, ready_file=ready_file, cpu=cpu, on_ready=announce)
