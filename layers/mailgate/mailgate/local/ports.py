"""Ports for local mode's servers and the tests' (mailgate.free_ports, which production code may import too)."""

from __future__ import annotations

from mailgate.free_ports import free_port

__all__ = ["free_port"]
