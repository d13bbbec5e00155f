"""Prism (``@stoplight/prism-cli``) as a benchmark contender: install, bundle, start, stop.

Prism 5 is a node program; it is installed on first use with npm into a cache directory outside the
checkout (``~/.cache/smsgw-bench/prism``, ``SMSGW_BENCH_CACHE`` moves it), never into the repository.

The project's OpenAPI documents ``$ref`` the JSON schemas next to them (``../goip_post_sms.request.json``),
and those schemas ``$ref`` each other (``defs.json#/$defs/port``) and themselves (``#/$defs/entry``).
Prism 5.14 resolves the first hop and then reads the schemas' own ``#/...`` refs against the OpenAPI
document (``MissingPointerError: ... token "paths" ... does not exist``), so it cannot serve them as
they are. :func:`bundle` writes a single-file copy for it (into a temporary directory, never into
``schemas/``): every referenced schema file becomes ``components/schemas/<file stem>`` and every
``$ref`` is rewritten to point into it (``defs.json#/$defs/port`` ->
``#/components/schemas/ejoin_defs/$defs/port``); ``$id``/``$schema`` are dropped (their base URIs
would send the resolver back to the files). Nothing else changes: same paths, operations,
parameters, security schemes and examples.

Prism runs with ``-v fatal``: no line logged per request (its default ``info`` logs several), the
setting most favourable to it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

PRISM_PACKAGE = "@stoplight/prism-cli@5"


def cache_dir() -> Path:
    base = os.environ.get("SMSGW_BENCH_CACHE") or Path.home() / ".cache" / "smsgw-bench"
    return Path(base) / "prism"


def prism_bin() -> Path | None:
    """The installed ``prism`` executable in the cache, or None."""
    path = cache_dir() / "node_modules" / ".bin" / "prism"
    return path if path.is_file() else None


def install(timeout: float = 300.0) -> Path:
    """``npm install --prefix <cache> @stoplight/prism-cli@5`` (~45 s the first time)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: Prism needs node and npm")
    target = cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(target),
            PRISM_PACKAGE,
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ],
        check=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    found = prism_bin()
    if found is None:
        raise RuntimeError(f"npm install finished but {target}/node_modules/.bin/prism is missing")
    return found


def version(binary: Path) -> str:
    try:
        out = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


# -- bundling ----------------------------------------------------------------------------------
def _component(path: Path) -> str:
    """``schemas/ejoin/defs.json`` -> ``ejoin_defs`` (vendor + stem: unique across the tree)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{path.parent.name}_{path.name.removesuffix('.json')}")


def bundle(document: Path, out: Path) -> Path:
    """Write ``document`` (an OpenAPI YAML with relative file refs) as one self-contained JSON file."""
    root = yaml.safe_load(document.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = {}
    pending: list[Path] = []

    def target(ref: str, base: Path) -> str:
        file_part, _, fragment = ref.partition("#")
        if fragment and not fragment.startswith("/"):
            raise ValueError(f"only JSON-pointer fragments are bundled: {ref!r} in {base}")
        if not file_part:
            if base == document:
                return ref
            file = base
        else:
            file = (base.parent / file_part).resolve()
        name = _component(file)
        if name not in schemas:
            schemas[name] = None
            pending.append(file)
        return f"#/components/schemas/{name}{fragment}"

    def rewrite(node: Any, base: Path) -> Any:
        if isinstance(node, dict):
            result = {}
            for key, value in node.items():
                if key == "$ref" and isinstance(value, str):
                    result[key] = target(value, base)
                elif key in ("$id", "$schema") and base != document:
                    continue
                else:
                    result[key] = rewrite(value, base)
            return result
        if isinstance(node, list):
            return [rewrite(item, base) for item in node]
        return node

    bundled = rewrite(root, document)
    while pending:
        file = pending.pop()
        schemas[_component(file)] = rewrite(json.loads(file.read_text(encoding="utf-8")), file)
    components = bundled.setdefault("components", {})
    components.setdefault("schemas", {}).update(schemas)
    out.write_text(json.dumps(bundled, indent=1), encoding="utf-8")
    return out


# -- the server --------------------------------------------------------------------------------
def start(
    binary: Path, spec: Path, port: int, cpu: int | None, log: Path, *, timeout: float = 90.0
) -> subprocess.Popen[bytes]:
    """``prism mock`` in its own process group (pinned to ``cpu``); waits until it answers HTTP."""

    def pin() -> None:  # in the child, before exec: node and its threads inherit the affinity
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    handle = log.open("wb")
    process = subprocess.Popen(
        [str(binary), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port), "-v", "fatal"],
        stdin=subprocess.DEVNULL,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=pin,  # noqa: PLW1509 (no threads in this process yet that could hold a lock)
    )
    handle.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prism mock exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except urllib.error.HTTPError:
            return process  # any HTTP answer (404, 405) means it is listening
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"prism mock did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate Prism's whole process group (node may fork workers)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
