-- Every table and view of the attached snapshot and whether it has the partner column (parameters: the
-- column, then the snapshot's alias): a partner's view filters the first, returns nothing of the others.
with relations as (
    select database_name, schema_name, table_name as name from duckdb_tables()
    union all
    select database_name, schema_name, view_name from duckdb_views() where not internal
)
select
    r.schema_name,
    r.name,
    exists (
        select 1 from duckdb_columns() c
        where c.database_name = r.database_name and c.schema_name = r.schema_name
          and c.table_name = r.name and c.column_name = ?
    ) as has_partner
from relations r
where r.database_name = ?
order by all
