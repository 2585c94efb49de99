"""ijw-hub: validation, retourberichten and event streams for iJw 3.2 berichtenverkeer."""

__version__ = "0.1.0"
