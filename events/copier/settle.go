package copier

import (
	"context"

	"github.com/strata-grc/strata/events"
)

// Settler is a store whose ReadAll can lag behind what is committed, with a way to
// catch up. The PostgreSQL store's ReadAll shows only transactions older than the
// oldest one still running anywhere on the server, so that no later read finds an
// event before one already returned; a long transaction elsewhere (a migration in
// another database, say) hides events committed after it began. Copy settles the
// source before it concludes that it has read everything, and Verify settles both
// logs before reading them. The PostgreSQL store is a Settler; a store that is not is
// taken to show everything committed, as the ESDB store does.
type Settler interface {
	events.Store
	// Settle returns once ReadAll shows every event committed before the call.
	Settle(ctx context.Context) error
}

// settle lets s catch up when it can.
func settle(ctx context.Context, s events.Store) error {
	if x, ok := s.(Settler); ok {
		return x.Settle(ctx)
	}
	return nil
}
