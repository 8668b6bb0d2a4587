package rest

import (
	"context"
	"net/url"

	"github.com/gin-gonic/gin"
	"github.com/strata-grc/strata/commands"
)

// QueryBools reads optional true/false parameters; nil when absent.
func QueryBools(q url.Values, names ...string) ([]*bool, error) {
	out := make([]*bool, len(names))
	for i, name := range names {
		switch q.Get(name) {
		case "":
		case "true":
			v := true
			out[i] = &v
		case "false":
			v := false
			out[i] = &v
		default:
			return nil, FieldErr(name, "must be true or false")
		}
	}
	return out, nil
}

// ByPathID answers with respond for the id the path names.
func ByPathID(c *gin.Context, respond func(*gin.Context, int64)) {
	id, err := PathID(c, "id")
	if err != nil {
		Fail(c, err)
		return
	}
	respond(c, id)
}

// AnswerWritten answers a mutation with what it changed as the record's stream now
// tells it (current replays it), so the answer never waits for, or races, the projection.
func AnswerWritten[T any](c *gin.Context, status int, res commands.Result, err error,
	current func(ctx context.Context, orgID, id int64) (T, error)) {
	if err != nil {
		Fail(c, err)
		return
	}
	Wrote(c, res)
	v, err := current(c.Request.Context(), Caller(c).OrgID, res.ID)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, status, v)
}

// target finds the record a mutation names: in the path, else as "id" in the body.
func target(c *gin.Context, body []byte) (int64, error) {
	if c.Param("id") != "" {
		return PathID(c, "id")
	}
	return BodyID(body)
}

// Mutation reads what every change of a named record needs: its id (path or body),
// the body and the optional If-Match. On failure it has answered already.
func Mutation(c *gin.Context) (id int64, body []byte, ifMatch *int64, ok bool) {
	body, err := ReadJSON(c)
	if err == nil {
		id, err = target(c, body)
	}
	if err == nil {
		ifMatch, err = IfMatch(c)
	}
	if err != nil {
		Fail(c, err)
		return 0, nil, nil, false
	}
	return id, body, ifMatch, true
}
