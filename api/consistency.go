package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sync"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/sessionstore"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/events"
)

// minPositionHeader lets a client name a write its session does not know about, by
// the token eventPositionHeader gave it.
const (
	minPositionHeader   = "X-Min-Position"
	eventPositionHeader = "X-Event-Position"
)

// writeToken names a write by its stream and the stream's version after it. It is
// what clients get instead of the write's place in the global log: that number grows
// with every organization's writes, so handing it out would tell each tenant how busy
// the others are. A stream belongs to one organization and its version counts that
// stream's events alone. The token travels as base64 JSON, which clients treat as
// opaque.
type writeToken struct {
	Stream  string `json:"s"`
	Version int64  `json:"v"`
}

func (t writeToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxTokenLen bounds what is decoded: stream names are short.
const maxTokenLen = 512

// errBadToken is the one answer to a token that is malformed, names no write, or
// names another organization's, so that it cannot be used to probe other tenants.
var errBadToken = strata.Errorf(strata.Invalid, "%s is not a token this server gave for a write of this organization", minPositionHeader)

// tokenPosition turns a client's token back into a log position, reading the event it
// names; only a write of the caller's organization is accepted.
func (s *Server) tokenPosition(c *gin.Context, token string) (events.Position, error) {
	if len(token) > maxTokenLen {
		return events.Position{}, errBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	var t writeToken
	if err != nil || json.Unmarshal(raw, &t) != nil || t.Stream == "" || t.Version <= 0 {
		return events.Position{}, errBadToken
	}
	evs, err := s.cfg.Store.ReadStream(c.Request.Context(), t.Stream, events.ReadOptions{FromVersion: t.Version, ToVersion: t.Version})
	if err != nil {
		return events.Position{}, err
	}
	if len(evs) != 1 || evs[0].Metadata.OrgID != rest.Caller(c).OrgID {
		return events.Position{}, errBadToken
	}
	return evs[0].Position(), nil
}

// lastWrites remembers each session's last write position in memory. It only needs to
// live as long as this process: the projections a read waits for run here too, and
// keeping it out of the session row saves a database write on every mutation.
type lastWrites struct {
	mu  sync.Mutex
	pos map[string]lastWrite
}

type lastWrite struct {
	pos events.Position
	at  time.Time
}

// lastWriteTTL bounds how long a position is kept; a read that comes later than this
// finds every projection long past it anyway.
const lastWriteTTL = 5 * time.Minute

func newLastWrites() *lastWrites { return &lastWrites{pos: map[string]lastWrite{}} }

func (l *lastWrites) remember(session string, pos events.Position, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, ok := l.pos[session]; ok && prev.pos.Compare(pos) >= 0 {
		return
	}
	if len(l.pos) > 10000 { // forget stale entries before growing further
		for k, v := range l.pos {
			if now.Sub(v.at) > lastWriteTTL {
				delete(l.pos, k)
			}
		}
	}
	l.pos[session] = lastWrite{pos: pos, at: now}
}

// move hands a session's last write to its new token.
func (l *lastWrites) move(from, to string, now time.Time) {
	l.mu.Lock()
	w, ok := l.pos[from]
	delete(l.pos, from)
	l.mu.Unlock()
	if ok && now.Sub(w.at) <= lastWriteTTL {
		l.remember(to, w.pos, w.at)
	}
}

func (l *lastWrites) get(session string, now time.Time) events.Position {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.pos[session]
	if !ok || now.Sub(w.at) > lastWriteTTL {
		return events.Position{}
	}
	return w.pos
}

// recordWrites lets handlers' writes (rest.Wrote) reach this server: the write's
// token in X-Event-Position, and the session's last write for read-your-writes.
func (s *Server) recordWrites(c *gin.Context) {
	rest.SetWriteRecorder(c, s.recordWrite)
	c.Next()
}

func (s *Server) recordWrite(c *gin.Context, res commands.Result) {
	c.Header(eventPositionHeader, writeToken{Stream: res.Stream, Version: res.StreamVersion}.encode())
	if id := sessions.Default(c).ID(); id != "" {
		s.lastWrites.remember(sessionstore.PublicID(id), res.Position, time.Now())
	}
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
			rest.Fail(c, err)
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

// readToken is the later of the session's last write and the write the client's
// X-Min-Position names.
func (s *Server) readToken(c *gin.Context) (events.Position, error) {
	var session events.Position
	if id := sessions.Default(c).ID(); id != "" {
		session = s.lastWrites.get(sessionstore.PublicID(id), time.Now())
	}
	if h := c.GetHeader(minPositionHeader); h != "" {
		pos, err := s.tokenPosition(c, h)
		if err != nil || pos.Compare(session) < 0 {
			return session, err
		}
		return pos, nil
	}
	return session, nil
}
