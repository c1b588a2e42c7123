"""Unmanaged models mirroring the source tables (see fixtures/schema)."""
