"""What the analysts' SQL may call (:mod:`pipeline.reports.usersql`): the table functions allowed, the
scalar functions and system views refused."""

# Table functions an analyst may call (anything else is refused): generators, JSON and the catalog
# functions that show no path or setting.
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "repeat",
        "repeat_row",
        "json_each",
        "json_tree",
        "summary",
        "histogram",
        "histogram_values",
        "pragma_table_info",
        "pragma_show",
        "duckdb_tables",
        "duckdb_views",
        "duckdb_columns",
        "duckdb_schemas",
        "duckdb_types",
        "duckdb_constraints",
        "duckdb_indexes",
        "duckdb_sequences",
        "duckdb_dependencies",
        "duckdb_functions",
        "duckdb_keywords",
        "duckdb_optimizers",
        "icu_calendar_names",
        "pg_timezone_names",
    }
)
# Scalar functions refused: they reveal settings, environment or variables, or run SQL given as text.
REFUSED_FUNCTIONS = frozenset(
    {
        "current_setting",
        "getenv",
        "getvariable",
        "json_execute_serialized_sql",
        "query",
        "query_table",
        "read_text",
        "read_blob",
        "checkpoint",
        "force_checkpoint",
        "enable_logging",
        "disable_logging",
        "enable_profiling",
        "disable_profiling",
    }
)
# System views refused (``select * from duckdb_databases`` needs no parentheses): paths and settings.
REFUSED_VIEWS = frozenset(
    {
        "duckdb_databases",
        "pragma_database_list",
        "duckdb_settings",
        "pg_settings",
        "duckdb_logs",
        "duckdb_temporary_files",
        "duckdb_extensions",
        "duckdb_secrets",
        "duckdb_memory",
        "duckdb_variables",
    }
)
