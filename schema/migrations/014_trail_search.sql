-- Trail search (docs/trail.md, "Search and export"), second version.
--
-- q is a substring of the lower-cased search column. pg_trgm cuts text into words
-- at every space and indexes the trigrams of each word, so a phrase such as
-- "person 7" was found by "has the word person and a word starting with 7": most of
-- a large trail, every candidate then read from the table to be checked. Indexed
-- with its spaces turned into 'Q', the column is one run of letters to pg_trgm, whose
-- trigrams cross the words ("nq7"), and a phrase finds about the rows that hold it.
-- The column is lower-cased, so it holds no 'Q' and the trail reader compares the
-- same expression with the pattern turned the same way: the match is exact.
--
-- The index also carries the organization and the event type (btree_gin), so q with
-- an event type is one index scan that finds about the matching rows of that type,
-- instead of intersecting the text's candidates with every event of the type.
create extension if not exists btree_gin schema public;

create index trail_words on trail using gin (org_id, type, (replace(search, ' ', 'Q')) gin_trgm_ops);

-- The plain text index serves no query now. A rebuild names its indexes anew, so it
-- is found by what it indexes rather than by name.
do $$
declare
    old regclass;
begin
    for old in
        select i.indexrelid::regclass
        from pg_index i
        join pg_class c on c.oid = i.indexrelid
        join pg_am am on am.oid = c.relam
        where i.indrelid = 'trail'::regclass and am.amname = 'gin' and i.indnatts = 1
          and i.indkey[0] = (select attnum from pg_attribute where attrelid = 'trail'::regclass and attname = 'search')
    loop
        execute 'drop index ' || old;
    end loop;
end $$;

-- An event type and an actor together: the count of a first page reads this index
-- alone (with the record each row is about, for the confidentiality rule) instead of
-- visiting every one of the actor's rows in the table to look at its type.
create index trail_actor_type on trail (org_id, actor_id, type, position) include (entity_type, entity_id);
