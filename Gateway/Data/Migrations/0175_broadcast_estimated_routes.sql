-- SMS_ROUTES (issue 19): a broadcast's estimate per route, kept at approval beside estimated_cost, from the same
-- preview (Broadcasts/PreviewBroadcast.cs): a JSON array of {Provider, Prefixes, Messages, Segments, PricePerSegment,
-- Cost, EstimatedDuration}. The broadcast's page shows it once the broadcast is approved. NULL before approval, and
-- for broadcasts approved before it was kept.
ALTER TABLE broadcasts ADD COLUMN estimated_routes jsonb;
