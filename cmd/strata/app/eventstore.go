package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/events/esdb"
	evidentity "github.com/strata-grc/strata/events/identity"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema"
)

// IsESDB reports whether an event store URL names EventStoreDB/KurrentDB rather than
// PostgreSQL.
func IsESDB(url string) bool {
	for _, scheme := range []string{"esdb://", "esdb+discover://", "kurrentdb://", "kurrentdb+discover://", "kurrent://", "kurrent+discover://"} {
		if strings.HasPrefix(url, scheme) {
			return true
		}
	}
	return false
}

// StreamKinds are the prefixes of every stream Strata writes: the core's and each
// module's. An EventStoreDB/KurrentDB log is read for these only, so a server shared
// with other applications is safe.
func StreamKinds() []string {
	kinds := []string{evidentity.UserPrefix, evidentity.OrganizationPrefix}
	for _, m := range Modules {
		kinds = append(kinds, m.StreamKinds...)
	}
	return kinds
}

// OpenEventStore opens the event log a URL names on its own: a PostgreSQL database
// (created and migrated when needed and the role may) or an EventStoreDB/KurrentDB server. close
// releases what it opened.
func OpenEventStore(ctx context.Context, url string) (store events.Store, close func(), err error) {
	if IsESDB(url) {
		s, err := esdb.Open(ctx, esdbURL(url), esdb.Options{StreamKinds: StreamKinds()})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	}
	if err := schema.EnsureDatabase(ctx, url); err != nil {
		return nil, nil, fmt.Errorf("database: %w", err)
	}
	pool, err := schema.NewPool(ctx, url, schema.PoolSettings{})
	if err != nil {
		return nil, nil, fmt.Errorf("database: %w", err)
	}
	if _, err := schema.EnsureCurrent(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return postgres.New(pool), pool.Close, nil
}

// esdbURL accepts KurrentDB's scheme names for the client, which knows only esdb://.
func esdbURL(url string) string {
	for _, scheme := range []string{"kurrentdb", "kurrent"} {
		if rest, ok := strings.CutPrefix(url, scheme+"+discover://"); ok {
			return "esdb+discover://" + rest
		}
		if rest, ok := strings.CutPrefix(url, scheme+"://"); ok {
			return "esdb://" + rest
		}
	}
	return url
}
