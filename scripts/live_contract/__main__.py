"""``python -m scripts.live_contract``: run the live contract suite (see :mod:`.cli`)."""

from __future__ import annotations

import sys

from scripts.live_contract.cli import main

sys.exit(main())
