-- The endpoints list shows each endpoint's newest delivery: found by endpoint without reading the
-- tenant's whole delivery history.
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC);
