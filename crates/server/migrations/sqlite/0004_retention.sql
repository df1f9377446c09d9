-- when the private fields of a withdrawn or rejected entry (its contact
-- address, its exact point, and both in the json of its revisions) were
-- scrubbed: null while they are still kept, or new ones were written since
alter table organizations add column scrubbed_at text;
