"""State the stateful rules judge against: the snapshot contract between store and rules."""
