"""Normalised events: the versioned, pseudonymised facts the hub publishes (transport-free)."""
