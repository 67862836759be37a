package main

// Owns the `_id` lookup index: one plain SQLite index per collection table, on the expression
// FerretDB 1.24's SQLite backend puts in its `_id` equality WHERE clauses.
//
// Why: the backend filters `{_id: <string|ObjectId>}` (find, update, delete) with
// `_ferretdb_sjson->'$._id' = ?` (metadata.IDColumn), but indexes `_id` on
// `_ferretdb_sjson->"_id"` (registry.indexesCreate). SQLite uses an expression index only for
// the same expression, so without this index every keyed lookup scans the whole table.
//
// This file is the only code that knows FerretDB's private table layout (the
// `_ferretdb_collections` metadata table, the `_ferretdb_sjson` column, `<db>.sqlite` files),
// which is why go.mod pins FerretDB at exactly v1.24.2. The index is invisible to clients:
// FerretDB lists, drops and sizes indexes from the metadata table's `settings`, never from
// sqlite_master, and a DROP TABLE (drop, dropDatabase) removes it with its table.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the driver FerretDB itself registers and uses
)

const (
	// The expression of metadata.IDColumn, character for character where it matters: SQLite
	// matches an index expression to a query's by structure, and '$._id' is not "_id".
	idExpression = `_ferretdb_sjson->'$._id'`

	// The reserved prefix keeps the name apart from FerretDB's own `<table>_<index name>`, which
	// a client's index name could otherwise reach.
	idIndexPrefix = "_ferretdb_id_lookup_"

	// FerretDB's own writers wait up to 10 s (its default busy_timeout); a pass that cannot get
	// the lock within this gives up and the next one tries again.
	idIndexBusyTimeout = 5 * time.Second
)

// fileState is what a pass saw of a database file: when neither it nor its WAL changed, no
// collection can have been created, and the pass does not open it.
type fileState struct {
	size, walSize   int64
	mtime, walMtime time.Time
}

func statFile(path string) (fileState, error) {
	main, err := os.Stat(path)
	if err != nil {
		return fileState{}, err
	}
	s := fileState{size: main.Size(), mtime: main.ModTime()}
	if wal, err := os.Stat(path + "-wal"); err == nil {
		s.walSize, s.walMtime = wal.Size(), wal.ModTime()
	}
	return s, nil
}

// runIDIndexer indexes every collection table of every database in dir now, then every
// interval until ctx ends. Failures are logged and retried on the next pass; none stops FerretDB.
func runIDIndexer(ctx context.Context, dir string, interval time.Duration) {
	seen := map[string]fileState{}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		indexPass(ctx, dir, seen)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func indexPass(ctx context.Context, dir string, seen map[string]fileState) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		log.Printf("id index: listing %s: %v", dir, err)
		return
	}
	present := make(map[string]bool, len(files))
	for _, path := range files {
		present[path] = true
		// Taken before reading: a change made while the pass reads shows on the next pass.
		state, err := statFile(path)
		if err != nil {
			continue // dropped since the listing
		}
		if prev, ok := seen[path]; ok && prev == state {
			continue
		}
		created, err := indexDatabase(ctx, path)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			log.Printf("id index: %s: %v (retrying on the next pass)", filepath.Base(path), err)
			delete(seen, path)
			continue
		}
		for _, table := range created {
			log.Printf("id index: created %s%s on %s", idIndexPrefix, table, filepath.Base(path))
		}
		seen[path] = state
	}
	for path := range seen {
		if !present[path] {
			delete(seen, path)
		}
	}
}

// indexDatabase creates the missing `_id` lookup indexes of one database file and returns the
// tables it indexed. The connection lives only for this call, so that FerretDB's
// dropDatabase (which closes its own connections and deletes the file) finds the file unused.
func indexDatabase(ctx context.Context, path string) ([]string, error) {
	// mode=rw: a file dropped since the listing must not be created again, empty (FerretDB would
	// then refuse to start on it: it has no metadata table).
	dsn := (&url.URL{
		Scheme:   "file",
		Path:     path,
		RawQuery: fmt.Sprintf("mode=rw&_pragma=busy_timeout(%d)", idIndexBusyTimeout.Milliseconds()),
	}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	tables, err := tablesWithoutIDIndex(ctx, db)
	if err != nil {
		if isNoSuchTable(err) {
			return nil, nil // a database FerretDB is creating right now: the next pass sees it
		}
		return nil, err
	}

	var created []string
	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, idIndexPrefix+table, table, idExpression)
		if _, err := db.ExecContext(ctx, q); err != nil {
			if isNoSuchTable(err) {
				continue // the collection was dropped since the listing
			}
			return created, fmt.Errorf("indexing %s: %w", table, err)
		}
		created = append(created, table)
	}
	return created, nil
}

func tablesWithoutIDIndex(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT c.table_name
		FROM _ferretdb_collections AS c
		WHERE NOT EXISTS (
			SELECT 1 FROM sqlite_master AS m
			WHERE m.type = 'index' AND m.tbl_name = c.table_name AND m.name = ? || c.table_name
		)`, idIndexPrefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			return nil, err
		}
		tables = append(tables, table)
	}
	return tables, rows.Err()
}

func isNoSuchTable(err error) bool {
	return err != nil && !errors.Is(err, context.Canceled) && strings.Contains(err.Error(), "no such table")
}
