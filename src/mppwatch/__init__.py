"""mppwatch: open data and models for the US "Remain in Mexico" policy (Migrant Protection Protocols)."""

__version__ = "0.1.0"
