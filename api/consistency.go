package api

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
)

const (
	sessionPosition = "last_write" // "transaction_id:global_position"
	// minPositionHeader lets a client without a session ask for its own writes.
	minPositionHeader = "X-Min-Position"
)

// wrote answers a mutation's headers and remembers its position in the session, so
// the same session's next reads wait for the projections to catch up.
func (s *Server) wrote(c *gin.Context, res commands.Result) {
	c.Header("ETag", strconv.Quote(strconv.FormatInt(res.Version, 10)))
	s.wrotePosition(c, res)
}

// wrotePosition is wrote without the ETag, for writes whose stream version is not the
// version of what the client addressed (a membership lives in its organization's stream).
func (s *Server) wrotePosition(c *gin.Context, res commands.Result) {
	if !res.Changed {
		return
	}
	c.Header("X-Event-Position", strconv.FormatInt(res.Position.GlobalPosition, 10))
	sess := sessions.Default(c)
	if prev, ok := parsePosition(sess.Get(sessionPosition)); ok && prev.Compare(res.Position) >= 0 {
		return
	}
	sess.Set(sessionPosition, strconv.FormatUint(res.Position.TransactionID, 10)+":"+strconv.FormatInt(res.Position.GlobalPosition, 10))
	_ = sess.Save()
}

func parsePosition(v any) (events.Position, bool) {
	str, _ := v.(string)
	tx, g, found := strings.Cut(str, ":")
	if !found {
		return events.Position{}, false
	}
	t, err1 := strconv.ParseUint(tx, 10, 64)
	p, err2 := strconv.ParseInt(g, 10, 64)
	return events.Position{TransactionID: t, GlobalPosition: p}, err1 == nil && err2 == nil
}

// consistent makes a read wait, bounded, until the named projections have applied the
// caller's last write. A read that times out is still served, marked stale.
func (s *Server) consistent(projections ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.cfg.Tracker == nil {
			c.Next()
			return
		}
		target, err := s.readToken(c)
		if err != nil {
			fail(c, err)
			return
		}
		if target.IsZero() || s.cfg.Tracker.Reached(projections, target) {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.ConsistencyWait)
		defer cancel()
		if !s.cfg.Tracker.Wait(ctx, projections, target) {
			c.Header("X-Read-Stale", "true")
		}
		c.Next()
	}
}

// readToken is the later of the session's last write and the client's X-Min-Position.
func (s *Server) readToken(c *gin.Context) (events.Position, error) {
	session, _ := parsePosition(sessions.Default(c).Get(sessionPosition))
	if h := c.GetHeader(minPositionHeader); h != "" {
		g, err := strconv.ParseInt(h, 10, 64)
		if err != nil || g <= 0 {
			return events.Position{}, strata.Errorf(strata.Invalid, "%s must be a positive event position", minPositionHeader)
		}
		pos, err := s.cfg.Store.PositionOf(c.Request.Context(), g)
		if errors.Is(err, events.ErrNotFound) {
			return events.Position{}, strata.Errorf(strata.Invalid, "%s %d is not a position in the log", minPositionHeader, g)
		}
		if err != nil || pos.Compare(session) < 0 {
			return session, err
		}
		return pos, nil
	}
	return session, nil
}
