package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
)

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// withRequestID keeps a caller's X-Request-ID when it is safe to echo, else makes one.
// It becomes every event's correlation id.
func withRequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !safeRequestID.MatchString(id) {
		id = uuid.NewString()
	}
	rest.SetRequestID(c, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// DefaultRequestTimeout bounds a request when the configuration does not.
const DefaultRequestTimeout = 30 * time.Second

// DefaultTransferTimeout bounds an upload or a download when the configuration does
// not.
const DefaultTransferTimeout = 15 * time.Minute

// withDeadline gives every request a deadline, so no request waits forever for a
// database connection or a lock; what runs out is answered 503 by fail. A route that
// moves a file gets the transfer time instead, and its connection's read and write
// deadlines move with it.
func (s *Server) withDeadline(c *gin.Context) {
	d := s.cfg.RequestTimeout
	if _, ok := s.transfers[c.FullPath()]; ok {
		d = s.cfg.TransferTimeout
		rc := http.NewResponseController(c.Writer)
		// Not every writer can move its deadlines (a test recorder cannot); the
		// server's own can.
		_ = rc.SetReadDeadline(time.Now().Add(d))
		_ = rc.SetWriteDeadline(time.Now().Add(d))
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), d)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// recovered turns a panic into a SERVER_ERROR envelope; the panic goes to the log.
func recovered(c *gin.Context, v any) {
	rest.Fail(c, errors.New("panic: "+stringOf(v)))
}

func stringOf(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "unknown"
}

// limitBody refuses bodies over the route's limit with PAYLOAD_TOO_LARGE, before
// reading them when the length is declared and while reading them when it is not.
func (s *Server) limitBody(c *gin.Context) {
	max := s.cfg.BodyLimit
	if limit := s.transfers[c.FullPath()]; limit > 0 {
		max = limit
	}
	if c.Request.ContentLength > max {
		rest.Fail(c, strata.Errorf(strata.PayloadTooLarge, "the body is larger than %d bytes", max))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
	c.Next()
}

// observe records request counts and latencies by route template, never by raw path,
// so ids do not explode the metric's labels.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	code := strconv.Itoa(c.Writer.Status())
	s.metrics.requests.WithLabelValues(c.Request.Method, route, code).Inc()
	s.metrics.latency.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}
