-- Every table and view of the attached snapshot, whether it has the partner column, whether it has a
-- column of people's or partners' rows, and a view's definition (parameters: the partner column, the
-- people columns, then the snapshot's alias): a partner's view filters the first kind, exposes the
-- public relations (pipeline/reports/scope.py) whole, returns nothing of the others.
with relations as (
    select database_name, schema_name, table_name as name, null as definition from duckdb_tables()
    union all
    select database_name, schema_name, view_name, sql from duckdb_views() where not internal
)
select
    r.schema_name,
    r.name,
    exists (
        select 1 from duckdb_columns() c
        where c.database_name = r.database_name and c.schema_name = r.schema_name
          and c.table_name = r.name and c.column_name = $1
    ) as has_partner,
    exists (
        select 1 from duckdb_columns() c
        where c.database_name = r.database_name and c.schema_name = r.schema_name
          and c.table_name = r.name and list_contains($2::varchar[], c.column_name)
    ) as has_people,
    r.definition
from relations r
where r.database_name = $3
order by all
