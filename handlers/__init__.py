"""Thin chat adapters, one module per feature; each exposes COMMANDS and handlers()."""
