// Package strata holds the few types every layer shares: the closed set of error codes
// and the error that carries one.
package strata

import (
	"errors"
	"fmt"
)

// Code is one of the closed set of error codes the API speaks.
type Code string

const (
	AuthRequired     Code = "AUTH_REQUIRED"
	PermissionDenied Code = "PERMISSION_DENIED"
	NotFound         Code = "NOT_FOUND"
	Invalid          Code = "VALIDATION_ERROR"
	Conflict         Code = "CONFLICT"
	RateLimited      Code = "RATE_LIMITED"
	PayloadTooLarge  Code = "PAYLOAD_TOO_LARGE"
	Internal         Code = "SERVER_ERROR"
)

// Error is a failure a client may be told about. Message is safe to show; anything
// else (a wrapped database error, say) stays in the logs.
type Error struct {
	Code    Code
	Message string
	// Fields maps a request field to what is wrong with it.
	Fields map[string]string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf builds an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors collects per-field validation failures; its Err is nil when none were added.
type FieldErrors map[string]string

// Add records the first problem found with a field.
func (f FieldErrors) Add(field, problem string) {
	if _, ok := f[field]; !ok {
		f[field] = problem
	}
}

// Err turns the collected problems into a VALIDATION_ERROR, or nil.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	e := &Error{Code: Invalid, Fields: map[string]string(f)}
	if len(f) == 1 {
		for k, v := range f {
			e.Message = k + " " + v
		}
	} else {
		e.Message = fmt.Sprintf("%d fields are invalid", len(f))
	}
	return e
}

// ErrorCode reports the code of err, SERVER_ERROR for anything that is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
