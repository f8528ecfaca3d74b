"""Detectors: pure functions from positions to events."""
