"""``python -m airflow_provider_realtimekit.testing``: the same as the ``realtimekit-emulator`` command."""

from __future__ import annotations

from airflow_provider_realtimekit.testing.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
