-- what a moderator corrected when approving: json, a list of
-- {field, before, after} (private values left out); null when nothing was
alter table audit_log add column changes text;
