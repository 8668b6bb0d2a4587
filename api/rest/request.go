package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/queries"
)

// ReadBody returns the raw body, mapping an oversized one to PAYLOAD_TOO_LARGE.
func ReadBody(c *gin.Context) ([]byte, error) {
	b, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, strata.Errorf(strata.PayloadTooLarge, "the body is larger than %d bytes", tooBig.Limit)
	}
	if err != nil {
		return nil, strata.Errorf(strata.Invalid, "the body could not be read")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, strata.Errorf(strata.Invalid, "a JSON body is required")
	}
	return b, nil
}

// ReadJSON returns the raw body of a JSON request, refusing one that is not UTF-8.
func ReadJSON(c *gin.Context) ([]byte, error) {
	b, err := ReadBody(c)
	if err != nil {
		return nil, err
	}
	return b, CheckUTF8(b)
}

// CheckUTF8 refuses a body that is not UTF-8, naming the member that holds the bad
// bytes when the body is an object. The JSON decoder would quietly replace them with
// U+FFFD, storing text the client never sent.
func CheckUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) == nil {
		names := slices.Sorted(maps.Keys(members))
		for _, name := range names {
			if !utf8.Valid(members[name]) && utf8.ValidString(name) {
				return FieldErr(name, "must be UTF-8 text")
			}
		}
	}
	return strata.Errorf(strata.Invalid, "the body must be UTF-8 text")
}

// DecodeJSON reads the body into v, refusing unknown fields and wrong types by name.
func DecodeJSON(c *gin.Context, v any) error {
	b, err := ReadBody(c)
	if err != nil {
		return err
	}
	return DecodeBody(b, v)
}

// DecodeOptionalJSON is DecodeJSON for a body that may be left out: an empty body,
// however it is sent, leaves v as it is.
func DecodeOptionalJSON(c *gin.Context, v any) error {
	b, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return strata.Errorf(strata.PayloadTooLarge, "the body is larger than %d bytes", tooBig.Limit)
	}
	if err != nil {
		return strata.Errorf(strata.Invalid, "the body could not be read")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	return DecodeBody(b, v)
}

// DecodeBody decodes a JSON body into v as DecodeJSON does.
func DecodeBody(b []byte, v any) error {
	if err := CheckUTF8(b); err != nil {
		return err
	}
	return DecodeStrict(b, v)
}

// DecodeStrict decodes one JSON value into v, refusing unknown fields and trailing data.
func DecodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return FieldErr(text.Clip(typeErr.Field), "has the wrong type (got "+text.Clip(typeErr.Value)+")")
	case errors.As(err, &typeErr):
		return strata.Errorf(strata.Invalid, "the body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return FieldErr(text.Clip(name), "is not a known field")
	}
	return strata.Errorf(strata.Invalid, "the body is not valid JSON: %s", sanitizeJSONError(err))
}

// sanitizeJSONError keeps the decoder's description of malformed input, which names
// only positions and characters of the client's own body.
func sanitizeJSONError(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

// FieldErr is a validation error naming one field.
func FieldErr(field, problem string) error {
	errs := strata.FieldErrors{}
	errs.Add(field, problem)
	return errs.Err()
}

// PathID parses a positive integer path parameter.
func PathID(c *gin.Context, name string) (int64, error) {
	return PositiveID(name, c.Param(name))
}

// PositiveID parses a positive integer id named name.
func PositiveID(name, raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, FieldErr(name, "must be a positive integer")
	}
	return id, nil
}

// IfMatch reads an optional If-Match version: 3, "3" or W/"3".
func IfMatch(c *gin.Context) (*int64, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
	if err != nil || v <= 0 {
		return nil, strata.Errorf(strata.Invalid, "If-Match must be a version number the server sent as ETag")
	}
	return &v, nil
}

// BodyID reads {"id": N} from a body that carries the id instead of the path.
func BodyID(b []byte) (int64, error) {
	var x struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return 0, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	if len(x.ID) == 0 {
		return 0, FieldErr("id", "is required in the body when the path has no id")
	}
	return PositiveID("id", strings.Trim(string(x.ID), `"`))
}

// ListAction checks the seed's action parameter on a list route: "" or "list" lists,
// "get" reads one by id, anything else is refused.
func ListAction(q url.Values) (get bool, id int64, err error) {
	switch a := q.Get("action"); a {
	case "", "list":
		return false, 0, nil
	case "get":
		id, err := PositiveID("id", q.Get("id"))
		return true, id, err
	default:
		return false, 0, FieldErr("action", "must be list or get")
	}
}

// QueryInt reads an optional integer query parameter.
func QueryInt(q url.Values, name string) (int64, error) {
	raw := q.Get(name)
	if raw == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, FieldErr(name, "must be an integer")
	}
	return v, nil
}

// QueryInts reads optional integer query parameters, in the order named.
func QueryInts(q url.Values, names ...string) ([]int64, error) {
	out := make([]int64, len(names))
	for i, name := range names {
		v, err := QueryInt(q, name)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// ReadByID answers a read of the entity the path's id names.
func ReadByID[T any](c *gin.Context, read func(ctx context.Context, orgID, id int64) (T, error)) {
	id, err := PathID(c, "id")
	if err != nil {
		Fail(c, err)
		return
	}
	v, err := read(c.Request.Context(), Caller(c).OrgID, id)
	if err != nil {
		Fail(c, err)
		return
	}
	OK(c, http.StatusOK, v)
}

// ReadPageByID answers a paged list that belongs to the entity the path's id names
// (its history, its tests), with the limit and cursor the query gives.
func ReadPageByID[T any](c *gin.Context, read func(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[T], error)) {
	id, err := PathID(c, "id")
	if err != nil {
		Fail(c, err)
		return
	}
	limit, err := QueryLimit(c.Request.URL.Query())
	if err != nil {
		Fail(c, err)
		return
	}
	page, err := read(c.Request.Context(), Caller(c).OrgID, id, limit, c.Query("cursor"))
	RespondPage(c, page, err)
}

// RespondPage answers a list read with its page, or with the error that stopped it.
func RespondPage[T any](c *gin.Context, page queries.Page[T], err error) {
	if err != nil {
		Fail(c, err)
		return
	}
	withoutOrigins(c, page.Items)
	OKList(c, page.Items, Meta{Total: page.Total, TotalCapped: page.TotalCapped, Limit: page.Limit, NextCursor: page.NextCursor})
}

// QueryLimit reads the optional page size; an explicit 0 is refused here because the
// readers take 0 to mean the default.
func QueryLimit(q url.Values) (int, error) {
	limit, err := QueryInt(q, "limit")
	if err == nil && q.Get("limit") != "" && limit == 0 {
		err = FieldErr("limit", "must be from 1 to 500")
	}
	return int(limit), err
}

// EntityPage answers a read of one entity: current from its read model with an ETag
// carrying its version, or, with ?as_of= (when asOf is given), replayed from its
// stream as it stood then.
type EntityPage[T any] struct {
	Get  func(ctx context.Context, orgID, id int64) (T, error)
	AsOf func(ctx context.Context, orgID, id int64, at time.Time) (T, error)
	// Version is nil for an entity that is never edited with If-Match (a framework
	// only grows), whose current read then carries no ETag.
	Version func(T) int64
}

// Serve answers for id; honourAsOf is false where the seed's action=get ignores
// other parameters.
func (p EntityPage[T]) Serve(c *gin.Context, id int64, honourAsOf bool) {
	if raw := c.Query("as_of"); raw != "" && honourAsOf && p.AsOf != nil {
		at, err := ParseAsOf(raw)
		if err != nil {
			Fail(c, err)
			return
		}
		v, err := p.AsOf(c.Request.Context(), Caller(c).OrgID, id, at)
		if err != nil {
			Fail(c, err)
			return
		}
		OK(c, http.StatusOK, v)
		return
	}
	v, err := p.Get(c.Request.Context(), Caller(c).OrgID, id)
	if err != nil {
		Fail(c, err)
		return
	}
	if p.Version != nil {
		c.Header("ETag", strconv.Quote(strconv.FormatInt(p.Version(v), 10)))
	}
	OK(c, http.StatusOK, v)
}

// ParseAsOf reads an as_of parameter: an RFC 3339 timestamp.
func ParseAsOf(raw string) (time.Time, error) {
	at, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, FieldErr("as_of", "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
	}
	return at, nil
}

// ServeList answers a list route, which also takes the seed's action=get: then one
// record by the id the query names (through one), else a page of list with the
// filter parse reads from the query.
func ServeList[F, T any](c *gin.Context, parse func(url.Values) (F, error),
	list func(ctx context.Context, orgID int64, f F) (queries.Page[T], error), one func(c *gin.Context, id int64)) {
	q := c.Request.URL.Query()
	get, id, err := ListAction(q)
	if err != nil {
		Fail(c, err)
		return
	}
	if get {
		one(c, id)
		return
	}
	f, err := parse(q)
	if err != nil {
		Fail(c, err)
		return
	}
	page, err := list(c.Request.Context(), Caller(c).OrgID, f)
	RespondPage(c, page, err)
}
