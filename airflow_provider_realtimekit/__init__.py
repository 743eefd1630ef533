"""Apache Airflow provider for Cloudflare RealtimeKit livestreams."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "get_provider_info"]


def get_provider_info() -> dict:
    """The provider's identity card for Airflow's ProvidersManager: data only, no imports, no I/O.

    A broken return value here breaks every ``airflow`` command, so tests check it against the
    ``airflow providers`` CLI.
    """
    return {
        "package-name": "airflow-provider-realtimekit",
        "name": "Cloudflare RealtimeKit",
        "description": "Hooks, operators, sensors and triggers for Cloudflare RealtimeKit livestreams.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Cloudflare RealtimeKit",
                "external-doc-url": "https://developers.cloudflare.com/realtime/realtimekit/",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "Cloudflare RealtimeKit",
                "python-modules": [
                    "airflow_provider_realtimekit.hooks.realtimekit",
                    "airflow_provider_realtimekit.hooks.realtimekit_async",
                ],
            }
        ],
        "operators": [
            {
                "integration-name": "Cloudflare RealtimeKit",
                "python-modules": [
                    "airflow_provider_realtimekit.operators.realtimekit",
                    "airflow_provider_realtimekit.operators.usage.operator",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": "Cloudflare RealtimeKit",
                "python-modules": ["airflow_provider_realtimekit.sensors.realtimekit"],
            }
        ],
        "triggers": [
            {
                "integration-name": "Cloudflare RealtimeKit",
                "python-modules": [
                    "airflow_provider_realtimekit.triggers.realtimekit",
                    "airflow_provider_realtimekit.triggers.session_ended",
                ],
            }
        ],
        "connection-types": [
            {
                "connection-type": "realtimekit",
                "hook-class-name": "airflow_provider_realtimekit.hooks.realtimekit.RealtimeKitHook",
                "hook-name": "Cloudflare RealtimeKit",
                "conn-fields": {
                    "account_id": {
                        "label": "Account ID",
                        "description": "Cloudflare account id (32 hex characters).",
                        "schema": {"type": ["string", "null"]},
                    },
                    "app_id": {
                        "label": "App ID",
                        "description": "RealtimeKit app id, from Realtime > RealtimeKit in the dashboard.",
                        "schema": {"type": ["string", "null"]},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "login", "extra"],
                    "relabeling": {"password": "API token", "host": "API base URL"},
                    "placeholders": {
                        "host": "https://api.cloudflare.com/client/v4",
                        "password": "Cloudflare API token with the Realtime permission",
                        "account_id": "0123456789abcdef0123456789abcdef",
                        "app_id": "your RealtimeKit app id",
                    },
                },
            }
        ],
    }
