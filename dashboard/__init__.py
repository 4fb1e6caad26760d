"""Dash dashboard (read-only over the warehouse snapshot)."""
