-- The defects that need the whole flux (pipeline/load/sources/cdc.py): an idTechnique repeated further in
-- the flux (the last passage is kept), and, with a mapping file ($mapped), an idTechnique it does not list.
update cdc_parts as p
set id_repeated = p.passage_hash::varchar
from (
    select source_row from cdc_parts
    where passage_hash is not null
    qualify row_number() over (partition by passage_hash order by source_row desc) > 1
) as later
where p.source_row = later.source_row;

update cdc_parts
set reference_missing = passage_hash::varchar
where $mapped and passage_hash is not null
  and passage_hash not in (select id_hash from cdc_mapping);

update cdc_parts as p
set candidate_hash = m.ref_hash
from cdc_mapping as m
where $mapped and m.id_hash = p.passage_hash;
