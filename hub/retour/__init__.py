"""Retourberichten: built in one place."""
