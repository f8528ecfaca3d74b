"""Readers for every AIS format darkfleet accepts."""
