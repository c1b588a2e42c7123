"""Read-only admin pages for this source."""
