// Package identity holds the events of users, organizations, memberships and the
// security audit trail (logins, logouts). No event ever carries a password or a hash.
package identity

import (
	"strconv"

	"github.com/strata-grc/strata/events"
)

// Stream prefixes of the identity streams: user-7, organization-2.
const (
	UserPrefix         = "user-"
	OrganizationPrefix = "organization-"
)

// UserStream names a user's stream.
func UserStream(id int64) string { return UserPrefix + strconv.FormatInt(id, 10) }

// OrganizationStream names an organization's stream.
func OrganizationStream(id int64) string { return OrganizationPrefix + strconv.FormatInt(id, 10) }

// UserRegistered: a person got an account.
type UserRegistered struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// PasswordChanged: the account's password was set anew (what it became is not recorded).
type PasswordChanged struct {
	UserID int64 `json:"user_id"`
}

// UserDisabled: the account may no longer log in; its sessions end.
type UserDisabled struct {
	UserID int64  `json:"user_id"`
	Reason string `json:"reason,omitempty"`
}

// UserEnabled: a disabled account may log in again.
type UserEnabled struct {
	UserID int64 `json:"user_id"`
}

// LoginSucceeded: the user proved who they are and started a session.
type LoginSucceeded struct {
	UserID int64 `json:"user_id"`
	OrgID  int64 `json:"org_id"`
	// Session is the session's public id (never its token).
	Session string `json:"session"`
}

// LoginFailed: someone gave this account's email with a wrong password, or the
// account could not log in.
type LoginFailed struct {
	UserID int64  `json:"user_id"`
	Reason string `json:"reason"` // bad_password, disabled, no_membership, not_member, throttled
}

// LoggedOut: a session ended by the user, by revocation, because the account was disabled
// or because a newer login pushed it past the per-user session cap.
type LoggedOut struct {
	UserID  int64  `json:"user_id"`
	Session string `json:"session"`
	Reason  string `json:"reason"` // logout, revoked, session_limit
}

// OrganizationSwitched: the user moved their session to another organization.
type OrganizationSwitched struct {
	UserID int64 `json:"user_id"`
	From   int64 `json:"from"`
	To     int64 `json:"to"`
}

// OrganizationCreated: a tenant exists.
type OrganizationCreated struct {
	OrgID int64  `json:"org_id"`
	Name  string `json:"name"`
}

// MemberAdded: a user joined an organization with a role.
type MemberAdded struct {
	OrgID  int64  `json:"org_id"`
	UserID int64  `json:"user_id"`
	Role   string `json:"role"`
}

// MemberRoleChanged: a member's role changed.
type MemberRoleChanged struct {
	OrgID  int64  `json:"org_id"`
	UserID int64  `json:"user_id"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// MemberRemoved: a user left an organization.
type MemberRemoved struct {
	OrgID  int64 `json:"org_id"`
	UserID int64 `json:"user_id"`
}

func (UserRegistered) EventType() string       { return "UserRegistered" }
func (PasswordChanged) EventType() string      { return "PasswordChanged" }
func (UserDisabled) EventType() string         { return "UserDisabled" }
func (UserEnabled) EventType() string          { return "UserEnabled" }
func (LoginSucceeded) EventType() string       { return "LoginSucceeded" }
func (LoginFailed) EventType() string          { return "LoginFailed" }
func (LoggedOut) EventType() string            { return "LoggedOut" }
func (OrganizationSwitched) EventType() string { return "OrganizationSwitched" }
func (OrganizationCreated) EventType() string  { return "OrganizationCreated" }
func (MemberAdded) EventType() string          { return "MemberAdded" }
func (MemberRoleChanged) EventType() string    { return "MemberRoleChanged" }
func (MemberRemoved) EventType() string        { return "MemberRemoved" }

// Register adds the module's events to r.
func Register(r *events.Registry) {
	events.Register[UserRegistered](r, 1)
	events.Register[PasswordChanged](r, 1)
	events.Register[UserDisabled](r, 1)
	events.Register[UserEnabled](r, 1)
	events.Register[LoginSucceeded](r, 1)
	events.Register[LoginFailed](r, 1)
	events.Register[LoggedOut](r, 1)
	events.Register[OrganizationSwitched](r, 1)
	events.Register[OrganizationCreated](r, 1)
	events.Register[MemberAdded](r, 1)
	events.Register[MemberRoleChanged](r, 1)
	events.Register[MemberRemoved](r, 1)
}
