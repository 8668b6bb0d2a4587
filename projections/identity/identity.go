// Package identity projects users, organizations and memberships into the lookup
// tables that login and authorization read.
package identity

import (
	"context"

	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/identity"
	"github.com/strata-grc/strata/projections"
)

// Name is the projection's durable name.
const Name = "identity"

// AccessChannel is where the projection announces that a user's access changed:
// the channel of package api/authcache, which holds the same name.
const AccessChannel = "strata_auth"

// Projector builds the identity read models.
type Projector struct{ reg *events.Registry }

// New returns the projector; reg decodes events.
func New(reg *events.Registry) *Projector { return &Projector{reg: reg} }

// Name implements projections.Projector.
func (*Projector) Name() string { return Name }

// Tables implements projections.Projector.
func (*Projector) Tables() []string { return []string{"users", "organizations", "memberships"} }

// Handle implements projections.Projector.
func (p *Projector) Handle(_ context.Context, w *projections.Writer, e events.Event) error {
	switch e.Type {
	case "UserRegistered", "UserDisabled", "UserEnabled", "OrganizationCreated", "MemberAdded", "MemberRoleChanged", "MemberRemoved":
	default:
		return nil // security events and other modules' events have no lookup to keep
	}
	payload, err := p.reg.Decode(e)
	if err != nil {
		return err
	}
	at, v := e.RecordedAt, e.StreamVersion
	switch x := payload.(type) {
	case ev.UserRegistered:
		w.Exec(`insert into {users} (id, email, name, created_at, updated_at, version) values ($1, $2, $3, $4, $4, $5)`,
			x.UserID, x.Email, x.Name, at, v)
	case ev.UserDisabled:
		w.Exec(`update {users} set disabled = true, updated_at = $2, version = $3 where id = $1`, x.UserID, at, v)
	case ev.UserEnabled:
		w.Exec(`update {users} set disabled = false, updated_at = $2, version = $3 where id = $1`, x.UserID, at, v)
	case ev.OrganizationCreated:
		w.Exec(`insert into {organizations} (id, name, created_at, version) values ($1, $2, $3, $4)`, x.OrgID, x.Name, at, v)
	case ev.MemberAdded:
		w.Exec(`insert into {memberships} (org_id, user_id, role, added_at) values ($1, $2, $3, $4)`, x.OrgID, x.UserID, x.Role, at)
	case ev.MemberRoleChanged:
		w.Exec(`update {memberships} set role = $3 where org_id = $1 and user_id = $2`, x.OrgID, x.UserID, x.To)
	case ev.MemberRemoved:
		w.Exec(`delete from {memberships} where org_id = $1 and user_id = $2`, x.OrgID, x.UserID)
	}
	switch payload.(type) {
	case ev.UserDisabled, ev.UserEnabled, ev.MemberRoleChanged, ev.MemberRemoved:
		// Servers remember who may do what (api/authcache); the notification is sent
		// when this batch commits, the moment the tables say otherwise. PostgreSQL
		// folds a batch's identical notifications into one.
		w.Exec(`select pg_notify($1, 'a')`, AccessChannel)
	}
	return nil
}
