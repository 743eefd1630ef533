"""Sensors: the livestream session wait (:mod:`.realtimekit`)."""
