package events

import (
	"context"
	"time"
)

// OrgReader is a log that can read one organization's events without reading every
// other organization's. It is optional: ReadOrg serves any Store, and uses this when
// the store offers it.
type OrgReader interface {
	// ReadOrg calls fn with the organization's events recorded at or before asOf, in
	// subscriber order, at most batch at a time. fn runs while no statement of the
	// read is open, so it may use the connection the context carries
	// (schema.WithConn). An error from fn ends the read and is returned.
	ReadOrg(ctx context.Context, orgID int64, asOf time.Time, batch int, fn func([]Event) error) error
}

// ReadOrg calls fn with orgID's events recorded at or before asOf, in subscriber
// order, at most batch at a time. A store without an index by organization (a log on
// EventStoreDB) is read whole through ReadAll and filtered here: correct, but its cost
// grows with the whole log rather than with the organization's part of it.
func ReadOrg(ctx context.Context, s Store, orgID int64, asOf time.Time, batch int, fn func([]Event) error) error {
	if batch <= 0 {
		batch = 1000
	}
	if r, ok := s.(OrgReader); ok {
		return r.ReadOrg(ctx, orgID, asOf, batch, fn)
	}
	var from Position
	var pending []Event
	for {
		page, err := s.ReadAll(ctx, from, batch)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			if e.Metadata.OrgID == orgID && !e.RecordedAt.After(asOf) {
				pending = append(pending, e)
			}
		}
		from = page[len(page)-1].Position()
		for len(pending) >= batch {
			if err := fn(pending[:batch:batch]); err != nil {
				return err
			}
			pending = pending[batch:]
		}
	}
	if len(pending) > 0 {
		return fn(pending)
	}
	return nil
}
