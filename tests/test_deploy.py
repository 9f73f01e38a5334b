"""The systemd unit in deploy/ is valid for `systemd-analyze verify`, and says what we promise:
a dedicated user, restart on failure, the database outside the code, a hardened sandbox."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "ouderstem.service"
INSTALLED = "/opt/ouderstem/venv/bin/ouderstem"  # where deploy/README.md installs it


def settings_of(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_says_what_the_readme_promises() -> None:
    unit = settings_of(UNIT.read_text(encoding="utf-8"))
    assert unit["User"] == ["ouderstem"] and unit["Group"] == ["ouderstem"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == ["2"]  # a setting to fix: no restart loop
    assert unit["EnvironmentFile"] == ["/etc/ouderstem/env"]
    assert "OUDERSTEM_DB=/var/lib/ouderstem/ouderstem.db" in unit["Environment"]
    assert unit["ReadWritePaths"] == ["/var/lib/ouderstem"]
    for key, value in {
        "ProtectSystem": "strict",
        "NoNewPrivileges": "yes",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
    }.items():
        assert unit[key] == [value], key
    assert unit["ExecStart"] == [f"{INSTALLED} run"]


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    # verify checks that ExecStart exists: point it at this checkout's command
    here = Path(sys.executable).parent / "ouderstem"
    if not here.exists():
        pytest.skip("no `ouderstem` command beside this Python (pip install -e . first)")
    unit = tmp_path / "ouderstem.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(here)), "utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines() if "ouderstem" in line
    ]
    assert result.returncode == 0 and complaints == [], result.stdout + result.stderr


def test_env_example_names_every_setting() -> None:
    from bot.config import Settings

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = {line.lstrip("#").split("=", 1)[0] for line in example.splitlines() if "=" in line}
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert aliases <= names, aliases - names


def test_the_city_scale_units_migrate_once_before_the_workers() -> None:
    migrate = settings_of((ROOT / "deploy" / "ouderstem-migrate.service").read_text("utf-8"))
    worker = settings_of((ROOT / "deploy" / "ouderstem-serve@.service").read_text("utf-8"))
    assert migrate["Type"] == ["oneshot"]
    assert migrate["ExecStart"] == [f"{INSTALLED} db migrate"]
    assert "ouderstem-migrate.service" in worker["Requires"]
    assert "ouderstem-migrate.service" in worker["After"][0]
    assert worker["ExecStart"] == [f"{INSTALLED} serve --host 127.0.0.1 --port %i"]
    assert worker["User"] == ["ouderstem"] and worker["ProtectSystem"] == ["strict"]


def test_the_compose_file_runs_the_migration_before_two_workers_behind_nginx() -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert {"db", "migrate", "worker1", "worker2", "nginx"} <= set(services)
    assert services["migrate"]["command"] == ["ouderstem", "db", "migrate"]
    for worker in ("worker1", "worker2"):
        needs = services[worker]["depends_on"]["migrate"]
        assert needs == {"condition": "service_completed_successfully"}
    nginx = (ROOT / "deploy" / "nginx.conf").read_text("utf-8")
    assert "worker1:8080" in nginx and "worker2:8080" in nginx
    assert "non_idempotent" in nginx  # a dead worker's update goes to the other one
