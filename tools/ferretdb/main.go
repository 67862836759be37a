// Command ferretdb runs FerretDB 1.24 embedded as a library.
//
// Why embedded: `go install github.com/FerretDB/FerretDB/cmd/ferretdb` panics at start-up
// (upstream issue #2982: build/version/version.txt is missing from module builds). The
// library package skips that check and sends no telemetry. This binary is only for local
// runs and tests; production uses a real MongoDB.
//
// With the SQLite handler it also keeps an index that lets FerretDB answer `_id` equality
// without scanning (idindex.go); -id-index-interval=0 turns that off.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend handler: sqlite or postgresql")
	dataDir := flag.String("sqlite-dir", "", "directory for the SQLite handler's files")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL for the postgresql handler")
	idIndexEvery := flag.Duration("id-index-interval", 500*time.Millisecond,
		"sqlite: how often to look for collections without the _id lookup index (0: never)")
	flag.Parse()

	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Handler:  *handler,
	}
	switch *handler {
	case "sqlite":
		if *dataDir == "" {
			log.Fatal("-sqlite-dir is required for the sqlite handler")
		}
		if err := os.MkdirAll(*dataDir, 0o755); err != nil {
			log.Fatal(err)
		}
		abs, err := filepath.Abs(*dataDir)
		if err != nil {
			log.Fatal(err)
		}
		*dataDir = abs
		cfg.SQLiteURL = "file:" + *dataDir + "/"
	case "postgresql":
		cfg.PostgreSQLURL = *pgURL
	default:
		log.Fatalf("unknown handler %q", *handler)
	}

	f, err := ferretdb.New(cfg)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// New has opened the existing databases; the indexer runs beside FerretDB from here on and
	// finishes its statement before the process exits.
	var indexer sync.WaitGroup
	if *handler == "sqlite" && *idIndexEvery > 0 {
		indexer.Add(1)
		go func() {
			defer indexer.Done()
			runIDIndexer(ctx, *dataDir, *idIndexEvery)
		}()
	}

	fmt.Fprintf(os.Stderr, "ferretdb listening on %s (%s)\n", *listen, *handler)
	err = f.Run(ctx)
	interrupted := ctx.Err() != nil
	stop()
	indexer.Wait()
	if err != nil && !interrupted {
		log.Fatal(err)
	}
}
