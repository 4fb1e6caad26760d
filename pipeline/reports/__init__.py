"""THE read model: every query a face (the CLI, the dashboard, the pack) runs. Each module takes a
connection (and, where people are read, a scope) and returns frames or values; nothing here writes."""

from pathlib import Path

# the filtered pages' queries (their @counts/@derived markers expanded by pipeline.indicators)
DASHBOARD_QUERIES = Path(__file__).parent / "sql" / "dashboard"
