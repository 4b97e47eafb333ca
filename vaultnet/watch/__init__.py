"""`vaultnet watch`: file events coalesced into index batches."""
