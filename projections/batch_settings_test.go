package projections_test

import (
	"context"
	"sync"
	"testing"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/projections"
	"github.com/strata-grc/strata/schema/testdb"
)

// settingsProbe reads, from inside the batch's transaction, the settings that batch
// runs under.
type settingsProbe struct {
	mu   sync.Mutex
	seen [][2]string
}

func (p *settingsProbe) Name() string     { return "settings_probe" }
func (p *settingsProbe) Tables() []string { return nil }

func (p *settingsProbe) Handle(ctx context.Context, w *projections.Writer, _ events.Event) error {
	rows, err := w.Query(ctx, `select current_setting('synchronous_commit'), current_setting('gin_pending_list_limit')`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s [2]string
		if err := rows.Scan(&s[0], &s[1]); err != nil {
			return err
		}
		p.mu.Lock()
		p.seen = append(p.seen, s)
		p.mu.Unlock()
	}
	return rows.Err()
}

// A projection's batch commits without waiting for the disk and keeps GIN pending
// lists short, so its transaction id is open briefly; the settings end with the batch
// and leave the pooled connection as it was.
func TestBatchTransactionSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	store := postgres.New(db.Pool)
	p := &settingsProbe{}
	r := startRunner(t, db, store, p, make(chan error, 10))
	res, err := store.Append(ctx, "thing-1", events.NoStream(), meta, newEvents(3)...)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, p.Name(), res.Position)
	p.mu.Lock()
	seen := append([][2]string(nil), p.seen...)
	p.mu.Unlock()
	if len(seen) != 3 {
		t.Fatalf("the probe ran %d times, want 3", len(seen))
	}
	for _, s := range seen {
		if s != [2]string{"off", "128kB"} {
			t.Errorf("inside the batch synchronous_commit = %s and gin_pending_list_limit = %s; want off and 128kB", s[0], s[1])
		}
	}
	// The pool's connections are back to the server's defaults outside a batch.
	for range 4 {
		var sc, gin string
		if err := db.Pool.QueryRow(ctx, `select current_setting('synchronous_commit'), current_setting('gin_pending_list_limit')`).Scan(&sc, &gin); err != nil {
			t.Fatal(err)
		}
		if sc != "on" || gin != "4MB" {
			t.Errorf("outside a batch synchronous_commit = %s and gin_pending_list_limit = %s; want the defaults on and 4MB", sc, gin)
		}
	}
}
