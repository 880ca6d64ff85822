"""Escalation simulator."""
