"""Reliability under load and faults (issue 7): loopback only, bounded in count and time."""
