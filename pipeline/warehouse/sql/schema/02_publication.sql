-- What was committed but not yet published in the read-only snapshot (issue #24): a declaration writes
-- its mark in its own transaction, the publication of the snapshot clears every mark
-- (pipeline/warehouse/db.py, publish_snapshot). A command killed between the two leaves its mark, and the
-- next command publishes first (pipeline/cli/common.py, settle_pending), as pending_refresh does for loads.
create table if not exists pending_publication (
    what       varchar not null,                   -- declaration
    object_id  integer,                            -- its id (declarations.declaration_id)
    marked_at  timestamp not null
);
