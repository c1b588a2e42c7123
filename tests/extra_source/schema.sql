-- A sixth source for tests/test_extra_source.py: one table, as its (imaginary) service creates it.
CREATE TABLE parcels (
    id              bigserial PRIMARY KEY,
    tracking_number varchar(64) NOT NULL,
    status          varchar(20) NOT NULL DEFAULT 'waiting',
    tracking_secret text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX parcels_tracking_number_key ON parcels (tracking_number);
CREATE INDEX parcels_created_at ON parcels (created_at DESC);
