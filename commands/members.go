package commands

import (
	"context"
	"encoding/json"
)

// Members tells whether a user belongs to an organization. Modules that name users
// (an owner, an assignee) consult it before appending, so a record never points at
// someone outside its organization.
type Members interface {
	IsMember(ctx context.Context, orgID, userID int64) (bool, error)
}

// CheckMember refuses a user id that is not a member of orgID, as a field error on
// field. A nil id (the field is cleared or absent) and a nil Members pass.
func CheckMember(ctx context.Context, m Members, orgID int64, field string, userID *int64) error {
	if m == nil || userID == nil {
		return nil
	}
	ok, err := m.IsMember(ctx, orgID, *userID)
	if err != nil {
		return err
	}
	if !ok {
		return FieldError(field, "is not a member of this organization")
	}
	return nil
}

// SetID reads the id (a user's, a linked record's) an update event's Set assigns to
// key: nil when the update leaves key alone or clears it. Update events carry only
// what changed, so a record that keeps a former member as its owner can still be
// edited otherwise.
func SetID(set json.RawMessage, key string) *int64 {
	var raw map[string]json.RawMessage
	if json.Unmarshal(set, &raw) != nil || len(raw[key]) == 0 {
		return nil
	}
	var id *int64
	if json.Unmarshal(raw[key], &id) != nil {
		return nil
	}
	return id
}
