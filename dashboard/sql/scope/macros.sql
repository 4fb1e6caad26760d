-- The snapshot's macros (? : its alias), recreated in each scoped schema so its views' SQL runs unchanged.
select function_name, function_type, parameters, macro_definition
from duckdb_functions()
where database_name = ? and function_type in ('macro', 'table_macro')
order by function_name
