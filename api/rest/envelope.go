// Package rest holds the conventions every Strata endpoint follows, whichever module
// serves it: the answer envelope, how errors become statuses, how ids, bodies, paging
// and as-of instants are read, and who the caller is.
package rest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/events"
	"github.com/strata-grc/strata/schema"
)

// statusOf is the one place an error code becomes an HTTP status.
var statusOf = map[strata.Code]int{
	strata.AuthRequired:     http.StatusUnauthorized,
	strata.PermissionDenied: http.StatusForbidden,
	strata.NotFound:         http.StatusNotFound,
	strata.Invalid:          http.StatusBadRequest,
	strata.Conflict:         http.StatusConflict,
	strata.RateLimited:      http.StatusTooManyRequests,
	strata.PayloadTooLarge:  http.StatusRequestEntityTooLarge,
	strata.Internal:         http.StatusInternalServerError,
}

// ErrorBody is the error member of a failure envelope.
type ErrorBody struct {
	Code      strata.Code       `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id"`
}

// Meta is a list answer's paging member.
type Meta struct {
	Total int64 `json:"total"`
	// TotalCapped marks Total as a floor, on lists that stop counting at a bound
	// (the audit trail); absent where totals are exact.
	TotalCapped bool    `json:"total_capped,omitempty"`
	Limit       int     `json:"limit"`
	NextCursor  *string `json:"next_cursor"`
}

// OK writes a success envelope.
func OK(c *gin.Context, status int, data any) {
	c.JSON(status, gin.H{"success": true, "data": data})
}

// OKList writes a list envelope with its paging meta.
func OKList(c *gin.Context, data any, m Meta) {
	c.JSON(http.StatusOK, gin.H{"success": true, "data": data, "meta": m})
}

// Fail writes an error envelope. Errors that are not *strata.Error are internal: the
// client gets a generic message and the log gets the detail with the request id.
func Fail(c *gin.Context, err error) {
	var e *strata.Error
	if !errors.As(err, &e) {
		logger, _ := c.Value(LoggerKey).(*slog.Logger)
		if logger == nil {
			logger = slog.Default()
		}
		if Unavailable(err) {
			logger.WarnContext(c.Request.Context(), "request could not reach the database or event log", "request_id", RequestID(c),
				"method", c.Request.Method, "path", c.FullPath(), "err", err)
			c.Header("Retry-After", strconv.Itoa(RetryAfter))
			c.AbortWithStatusJSON(http.StatusServiceUnavailable, gin.H{"success": false, "error": ErrorBody{
				Code: strata.Internal, Message: "the service is briefly unavailable (its database or event log cannot be reached or is busy); your session is kept, try again shortly",
				RequestID: RequestID(c),
			}})
			return
		}
		logger.ErrorContext(c.Request.Context(), "request failed", "request_id", RequestID(c),
			"method", c.Request.Method, "path", c.FullPath(), "err", err)
		e = &strata.Error{Code: strata.Internal, Message: "the server could not complete the request; quote the request id when reporting it"}
	}
	status, body := ErrorEnvelope(c, e)
	c.AbortWithStatusJSON(status, body)
}

// ErrorEnvelope is the status and body that answer e.
func ErrorEnvelope(c *gin.Context, e *strata.Error) (int, gin.H) {
	status, known := statusOf[e.Code]
	if !known {
		status = http.StatusInternalServerError
	}
	return status, gin.H{"success": false, "error": ErrorBody{
		Code: e.Code, Message: e.Message, Fields: e.Fields, RequestID: RequestID(c),
	}}
}

// AnswerNow sends e's envelope to the client at once, whole and with its length, so
// the client has its answer while the handler goes on with work the answer must not
// wait for.
func AnswerNow(c *gin.Context, e *strata.Error) {
	status, body := ErrorEnvelope(c, e)
	raw, _ := json.Marshal(body)
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Header("Content-Length", strconv.Itoa(len(raw)))
	c.Status(status)
	_, _ = c.Writer.Write(raw)
	c.Writer.Flush()
	c.Abort()
}

// LoggerKey is where a request keeps the logger Fail reports to.
const LoggerKey = "strata.logger"

// RetryAfter is the Retry-After, in seconds, of a 503: a database restart
// usually takes a few seconds.
const RetryAfter = 2

// Unavailable reports whether err means the database or the event log could not be
// reached or could not serve in time, which a client may retry, rather than a fault.
// A request that ran out its deadline or whose caller went away counts too.
func Unavailable(err error) bool {
	return schema.Unavailable(err) || schema.Busy(err) || errors.Is(err, events.ErrUnavailable) ||
		errors.Is(err, context.Canceled)
}
