-- The certified people counted in the figures of one certification and its promotions ($code, $years).
select candidate_hash, certification_code, year, jury_date, access_route, site
from fct_certified
where certification_code = $code and list_contains($years, year)
