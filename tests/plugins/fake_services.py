"""Fixtures that run the fake owning services on loopback (filled in by the actions work)."""
