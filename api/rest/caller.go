package rest

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
)

// Principal is who is acting, for which organization, with which role.
type Principal struct {
	OrgID       int64
	OrgName     string
	UserID      int64
	Name        string
	Email       string
	Role        string
	Permissions []identity.Permission
}

const (
	principalKey = "strata.principal"
	requestIDKey = "strata.request_id"
)

// SetCaller records who a request acts as, once its session has been checked.
func SetCaller(c *gin.Context, p Principal) { c.Set(principalKey, p) }

// Caller is who the request acts as; the zero Principal before authentication.
func Caller(c *gin.Context) Principal {
	p, _ := c.Get(principalKey)
	pr, _ := p.(Principal)
	return pr
}

// SetRequestID records the request's correlation id.
func SetRequestID(c *gin.Context, id string) { c.Set(requestIDKey, id) }

// RequestID is the request's correlation id, echoed in X-Request-ID.
func RequestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// Metadata is what every event appended for this request carries.
func Metadata(c *gin.Context) events.Metadata {
	p := Caller(c)
	return MetadataAs(c, p.OrgID, p.UserID, p.Name)
}

// MetadataAs is Metadata for an actor the session does not name yet (a login, a
// logout, someone anonymous).
func MetadataAs(c *gin.Context, orgID, actorID int64, actorName string) events.Metadata {
	return events.Metadata{
		OrgID: orgID, ActorID: actorID, ActorName: actorName, CorrelationID: RequestID(c),
		IP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 256),
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

const writesKey = "strata.writes"

// SetWriteRecorder installs what Wrote tells of each write: the server remembers the
// write for the session's read-your-writes and answers its X-Event-Position.
func SetWriteRecorder(c *gin.Context, record func(*gin.Context, commands.Result)) {
	c.Set(writesKey, record)
}

// Wrote answers a mutation's ETag and records the write.
func Wrote(c *gin.Context, res commands.Result) {
	c.Header("ETag", strconv.Quote(strconv.FormatInt(res.Version, 10)))
	WrotePosition(c, res)
}

// WrotePosition records a write without an ETag, for writes whose stream version is
// not the version of what the client addressed (a membership lives in its
// organization's stream).
func WrotePosition(c *gin.Context, res commands.Result) {
	if record, ok := c.Value(writesKey).(func(*gin.Context, commands.Result)); ok && res.Changed {
		record(c, res)
	}
}
