"""`pip install .` (non-editable) gives a working `smsgw` that carries its data, from any directory."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_in_a_fresh_venv_and_loads_every_schema(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = dist.glob("smsgw_suite-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "import smsgw._data as d; print(d.data_root())"],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    assert Path(where).is_relative_to(env_dir), f"data must come from the wheel, not {where}"
    check = subprocess.run(
        [str(bin_dir / "smsgw"), "spec", "check"],
        check=False,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "check out" in check.stdout
    # without the fuzz extra, the fuzz commands say what to install instead of failing to import
    fuzz = subprocess.run(
        [str(bin_dir / "smsgw"), "fuzz-server", "--target", "http://127.0.0.1:9/push"],
        check=False,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert fuzz.returncode == 2, fuzz.stdout + fuzz.stderr
    assert "smsgw-suite[fuzz]" in fuzz.stderr
