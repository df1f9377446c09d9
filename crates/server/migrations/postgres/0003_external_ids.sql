-- organisations imported from another source (a spreadsheet, another map)
-- keep that source's name and their id there, so importing the same file
-- again updates them instead of adding them twice
alter table organizations add column external_source text;
alter table organizations add column external_id text;
-- one entry per id of a source; entries that joined here have neither
-- (nulls are never equal, so they do not collide)
create unique index organizations_external on organizations (external_source, external_id);
