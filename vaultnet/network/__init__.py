"""Questions asked of the index: names, cards, follow-ups, the ledger, topics, intro paths, the vault check."""
