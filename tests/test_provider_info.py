"""The provider's identity card: get_provider_info() as data, and as the real `airflow` CLI sees it.

A broken get_provider_info() breaks every `airflow` command, so the CLI checks run the real binary.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import airflow_provider_realtimekit
from airflow_provider_realtimekit import __version__, get_provider_info
from airflow_provider_realtimekit.hooks.realtimekit import RealtimeKitHook

AIRFLOW = Path(sys.executable).with_name("airflow")
HOOK_CLASS = "airflow_provider_realtimekit.hooks.realtimekit.RealtimeKitHook"


@pytest.fixture(scope="module")
def info() -> dict[str, Any]:
    return get_provider_info()


@pytest.fixture(scope="module")
def connection_type(info) -> dict[str, Any]:
    [entry] = [c for c in info["connection-types"] if c["connection-type"] == "realtimekit"]
    return entry


def test_provider_info_identifies_the_package(info):
    assert info["package-name"] == "airflow-provider-realtimekit"
    assert info["name"] == "Cloudflare RealtimeKit"
    assert "RealtimeKit" in info["description"]
    assert info["versions"] == [__version__]


def test_provider_info_is_plain_json_data(info):
    assert json.loads(json.dumps(info)) == info


def test_provider_info_is_a_fresh_dict_each_call(info):
    get_provider_info()["name"] = "changed"

    assert get_provider_info()["name"] == info["name"]


def test_provider_is_registered_under_the_airflow_entry_point():
    from importlib.metadata import entry_points

    [entry] = [e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("airflow_provider_")]

    assert entry.value == "airflow_provider_realtimekit:get_provider_info"
    assert entry.load() is get_provider_info


def test_connection_type_points_at_the_importable_hook(connection_type):
    module_name, _, class_name = connection_type["hook-class-name"].rpartition(".")

    hook_class = getattr(importlib.import_module(module_name), class_name)

    assert connection_type["hook-class-name"] == HOOK_CLASS
    assert hook_class is RealtimeKitHook
    assert connection_type["hook-name"] == RealtimeKitHook.hook_name
    assert RealtimeKitHook.conn_type == "realtimekit"


def test_connection_form_asks_for_account_id_and_app_id(connection_type):
    fields = connection_type["conn-fields"]

    assert set(fields) == {"account_id", "app_id"}
    assert fields["account_id"]["label"] == "Account ID"
    assert fields["app_id"]["label"] == "App ID"
    assert all("string" in field["schema"]["type"] for field in fields.values())


def test_connection_form_relabels_password_and_host(connection_type):
    behaviour = connection_type["ui-field-behaviour"]

    assert behaviour["relabeling"] == {"password": "API token", "host": "API base URL"}
    assert "password" not in behaviour["hidden-fields"]
    assert "host" not in behaviour["hidden-fields"]
    assert set(behaviour["hidden-fields"]) <= {"description", "host", "port", "login", "password", "schema", "extra"}


def listed_modules(info: dict[str, Any], kind: str) -> list[str]:
    return [module for group in info.get(kind, []) for module in group["python-modules"]]


def test_every_listed_hook_module_imports(info):
    modules = listed_modules(info, "hooks")

    assert modules
    for module in modules:
        importlib.import_module(module)


@pytest.mark.parametrize("kind", ["operators", "sensors", "triggers"])
def test_every_listed_operator_sensor_and_trigger_module_is_a_file_of_this_package(info, kind):
    package_dir = Path(airflow_provider_realtimekit.__file__).parent

    for module in listed_modules(info, kind):
        assert module.startswith("airflow_provider_realtimekit.")
        relative = Path(*module.split(".")[1:])
        module_file = package_dir / relative.with_suffix(".py")
        package_init = package_dir / relative / "__init__.py"
        assert module_file.is_file() or package_init.is_file(), f"{module} is listed in provider info but has no file"


def test_listed_integrations_match_the_integration_entries(info):
    names = {integration["integration-name"] for integration in info["integrations"]}

    for kind in ("hooks", "operators", "sensors", "triggers"):
        assert {group["integration-name"] for group in info.get(kind, [])} <= names


# -- the real CLI ---------------------------------------------------------------------------------------------------

CLI_COMMANDS = {
    "version": ["version"],
    "providers list": ["providers", "list", "-o", "json"],
    "providers hooks": ["providers", "hooks", "-o", "json"],
}


@pytest.fixture(scope="module")
def cli() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    """Run the CLI commands in parallel (about 3 s each), with this session's AIRFLOW_HOME; no DB needed."""
    env = {**os.environ, "AIRFLOW_HOME": os.environ["AIRFLOW_HOME"]}
    running = {
        name: subprocess.Popen(
            [str(AIRFLOW), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, args in CLI_COMMANDS.items()
    }
    results = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    yield results


def json_output(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout[result.stdout.index("[") :])


def test_airflow_version_runs_with_the_provider_installed(cli):
    result = cli["version"]

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()


def test_airflow_providers_list_shows_the_provider(cli):
    providers = {p["package_name"]: p for p in json_output(cli["providers list"])}

    assert providers["airflow-provider-realtimekit"]["version"] == __version__


def test_airflow_providers_hooks_shows_the_realtimekit_connection_type(cli):
    [hook] = [h for h in json_output(cli["providers hooks"]) if h["connection_type"] == "realtimekit"]

    assert hook["class"] == HOOK_CLASS
    assert hook["package_name"] == "airflow-provider-realtimekit"
    assert hook["conn_id_attribute_name"] == "realtimekit_conn_id"
    assert hook["hook_name"] == "Cloudflare RealtimeKit"
