"""Visma e-conomic for ledgerlink: the emulator of its REST API (the connector comes later)."""
