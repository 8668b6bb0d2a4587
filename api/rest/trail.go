package rest

import (
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/queries"
)

// withoutOrigins blanks the client address and user agent of history entries for a
// caller who may not read the audit trail: where a person was and which browser they
// used is the trail's to show, not every reader's of the record. Every entity's
// history is answered through RespondPage, so this is the one place it is decided.
func withoutOrigins[T any](c *gin.Context, items []T) {
	entries, ok := any(items).([]queries.Entry)
	if !ok || slices.Contains(Caller(c).Permissions, identity.AuditTrailRead) {
		return
	}
	for i := range entries {
		entries[i].IP, entries[i].UserAgent = "", ""
	}
}
