package identity

import (
	"maps"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/identity"
)

// User is the user aggregate's state.
type User struct {
	ID       int64
	Email    string
	Name     string
	Disabled bool
	// HomeOrgID is the organization the account was registered in; security events of
	// an account with no membership left are filed there.
	HomeOrgID int64
}

// EvolveUser applies an event to a user.
func EvolveUser(u User, p events.Payload, e events.Event) User {
	switch x := p.(type) {
	case ev.UserRegistered:
		u.ID, u.Email, u.Name, u.HomeOrgID = x.UserID, x.Email, x.Name, e.Metadata.OrgID
	case ev.UserDisabled:
		u.Disabled = true
	case ev.UserEnabled:
		u.Disabled = false
	}
	return u
}

// Organization is the organization aggregate's state.
type Organization struct {
	ID      int64
	Name    string
	Members map[int64]string // user id -> role
}

// EvolveOrganization applies an event to an organization. Maps are copied on write
// so earlier states stay as they were.
func EvolveOrganization(o Organization, p events.Payload, _ events.Event) Organization {
	switch x := p.(type) {
	case ev.OrganizationCreated:
		o.ID, o.Name = x.OrgID, x.Name
	case ev.MemberAdded:
		o.Members = withMember(o.Members, x.UserID, x.Role)
	case ev.MemberRoleChanged:
		o.Members = withMember(o.Members, x.UserID, x.To)
	case ev.MemberRemoved:
		o.Members = maps.Clone(o.Members)
		delete(o.Members, x.UserID)
	}
	return o
}

func withMember(m map[int64]string, user int64, role string) map[int64]string {
	m = maps.Clone(m)
	if m == nil {
		m = map[int64]string{}
	}
	m[user] = role
	return m
}

func (o Organization) admins() int {
	n := 0
	for _, r := range o.Members {
		if r == Admin {
			n++
		}
	}
	return n
}

// DecideMember returns the events of a membership change, or why it is refused.
// role is "" for a removal.
func DecideMember(o Organization, userID int64, role string) ([]events.Payload, error) {
	current, member := o.Members[userID]
	switch {
	case role == "" && !member:
		return nil, strata.Errorf(strata.NotFound, "user %d is not a member", userID)
	case role == "":
		if current == Admin && o.admins() == 1 {
			return nil, strata.Errorf(strata.Invalid, "the last admin of an organization cannot be removed")
		}
		return []events.Payload{ev.MemberRemoved{OrgID: o.ID, UserID: userID}}, nil
	case !ValidRole(role):
		return nil, fieldError("role", "must be one of "+strings.Join(Roles, ", "))
	case !member:
		return []events.Payload{ev.MemberAdded{OrgID: o.ID, UserID: userID, Role: role}}, nil
	case current == role:
		return nil, nil
	case current == Admin && o.admins() == 1:
		return nil, strata.Errorf(strata.Invalid, "the last admin of an organization cannot lose the admin role")
	}
	return []events.Payload{ev.MemberRoleChanged{OrgID: o.ID, UserID: userID, From: current, To: role}}, nil
}

// ValidateAccount checks what a new account needs, email and name as they will be
// stored (trimmed). Callers that look the email up first check it here before, so a
// value PostgreSQL would refuse never reaches a query.
func ValidateAccount(email, name, password string) error {
	errs := strata.FieldErrors{}
	text.Address(errs, "email", email)
	text.Require(errs, "name", name, text.Name)
	text.NewPassword(errs, "password", password)
	return errs.Err()
}

func fieldError(field, problem string) error {
	errs := strata.FieldErrors{}
	errs.Add(field, problem)
	return errs.Err()
}
