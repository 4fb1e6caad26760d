-- A relation that carries the partner's SIRET, as a partner sees it: only the rows of its SIRET (the
-- SIRET are rows of {sirets}, inserted with bound parameters).
create view {view} as select * from {source} where partner_siret in (select siret from {sirets})
