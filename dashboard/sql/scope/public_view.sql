-- A public table (pipeline/reports/scope.py: PUBLIC_RELATIONS, the fiche's public facts), as a partner
-- sees it: whole. A public view is defined again in the partner's schema instead (dashboard/scoping.py),
-- so that what it reads is the partner's.
create view {view} as select * from {source}
