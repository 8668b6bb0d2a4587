package trail

import (
	"strconv"

	"github.com/strata-grc/strata/events"
	evevidence "github.com/strata-grc/strata/events/evidence"
	evidentity "github.com/strata-grc/strata/events/identity"
	evtrail "github.com/strata-grc/strata/events/trail"
	"github.com/strata-grc/strata/queries"
)

// Core describes the core's own streams: users (accounts and the security events of
// logins and logouts) and organizations (memberships, and exports of this trail).
// Their events carry no password or hash (events/identity says so of every one), and
// the session ids that logins and logouts name are left out here as well.
var Core = Part{Streams: map[string]Stream{
	evidentity.UserPrefix:         Each(func(_ struct{}, p events.Payload) []queries.Change { return identityChanges(p) }),
	evidentity.OrganizationPrefix: Each(func(_ struct{}, p events.Payload) []queries.Change { return identityChanges(p) }),
}}

func memberField(id int64) string { return "members." + strconv.FormatInt(id, 10) }

func identityChanges(p events.Payload) []queries.Change {
	switch e := p.(type) {
	case evidentity.UserRegistered:
		return []queries.Change{queries.Field("email", nil, e.Email), queries.Field("name", nil, e.Name)}
	case evidentity.PasswordChanged:
		return []queries.Change{queries.Field("password", nil, "changed")}
	case evidentity.UserDisabled:
		out := []queries.Change{queries.Field("disabled", false, true)}
		if e.Reason != "" {
			out = append(out, queries.Field("reason", nil, e.Reason))
		}
		return out
	case evidentity.UserEnabled:
		return []queries.Change{queries.Field("disabled", true, false)}
	case evidentity.LoginFailed:
		return []queries.Change{queries.Field("reason", nil, e.Reason)}
	case evidentity.LoggedOut:
		return []queries.Change{queries.Field("reason", nil, e.Reason)}
	case evidentity.OrganizationSwitched:
		return []queries.Change{queries.Field("organization_id", e.From, e.To)}
	case evidentity.OrganizationCreated:
		return []queries.Change{queries.Field("name", nil, e.Name)}
	case evidentity.MemberAdded:
		return []queries.Change{queries.Field(memberField(e.UserID), nil, e.Role)}
	case evidentity.MemberRoleChanged:
		return []queries.Change{queries.Field(memberField(e.UserID), e.From, e.To)}
	case evidentity.MemberRemoved:
		return []queries.Change{queries.Field(memberField(e.UserID)+".removed", nil, true)}
	case evtrail.AuditTrailExported:
		return []queries.Change{queries.Field("export.format", nil, e.Format), queries.Field("export.filter", nil, e.Filter),
			queries.Field("export.rows", nil, e.Rows), queries.Field("export.complete", nil, e.Complete)}
	}
	return nil
}

// owned names the record a file event is about: files attach to their owner, and a
// procedure's files to the engagement the procedure belongs to (the stream's record).
func owned(p events.Payload) (evevidence.Owner, bool) {
	switch e := p.(type) {
	case evevidence.EvidenceUploaded:
		return e.Owner, true
	case evevidence.EvidenceDownloaded:
		return e.Owner, true
	case evevidence.EvidenceVerified:
		return e.Owner, true
	}
	return evevidence.Owner{}, false
}

// fileChanges describes a file event of a stream whose module leaves files out of
// its history: the upload's fields, the download's reason, the check's result.
func fileChanges(p events.Payload) []queries.Change {
	switch e := p.(type) {
	case evevidence.EvidenceUploaded:
		return queries.Created(filePrefix(e.EvidenceID), e.File)
	case evevidence.EvidenceDownloaded:
		out := []queries.Change{queries.Field(filePrefix(e.EvidenceID)+"downloaded", nil, true)}
		if e.Reason != "" {
			out = append(out, queries.Field(filePrefix(e.EvidenceID)+"reason", nil, e.Reason))
		}
		return out
	case evevidence.EvidenceVerified:
		out := []queries.Change{queries.Field(filePrefix(e.EvidenceID)+"integrity", nil, e.Result)}
		if e.Result != evevidence.Match && e.Actual != "" {
			out = append(out, queries.Field(filePrefix(e.EvidenceID)+"actual", nil, e.Actual))
		}
		return out
	}
	return nil
}

func filePrefix(id int64) string { return "evidence " + strconv.FormatInt(id, 10) + ": " }
