-- A relation without the partner column, as a partner sees it: its columns, no row (deny by default).
create view {view} as select * from {source} where false
