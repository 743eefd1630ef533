"""Operators: the session fetch (:mod:`.realtimekit`) and the usage pull (the :mod:`.usage` package)."""
