-- Issue 18's speed: the import job writes an import's staged rows on several connections at once (IMPORT_CONNECTIONS),
-- each a "lane" taking the next chunk nobody holds. The chunks are planned once, by the job's first run, over the
-- staged rows after cursor_row (the last line written by a run before lanes; 0 for an import begun since): chunk
-- (import_id, first_row) holds the staged lines first_row..last_row, rows of them. A lane locks its chunk's row
-- (FOR UPDATE SKIP LOCKED) in the chunk's transaction and marks it done in the same commit as the chunk's writes and
-- the import's progress, so a killed run or a second run never writes a chunk twice. Logged (unlike import_rows): a
-- chunk's done flag must survive whatever its writes survive. Deleted when the import ends.
CREATE TABLE import_chunks (
    import_id  bigint  NOT NULL REFERENCES imports (id),
    first_row  int     NOT NULL,
    last_row   int     NOT NULL CHECK (last_row >= first_row),
    rows       int     NOT NULL CHECK (rows > 0),
    done       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (import_id, first_row)
);

COMMENT ON COLUMN imports.cursor_row IS
    'the last line written by a run before lanes (0190); import_chunks then hold the progress';
