package api

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

// readBody returns the raw body, mapping an oversized one to PAYLOAD_TOO_LARGE.
func readBody(c *gin.Context) ([]byte, error) {
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

// readJSON returns the raw body of a JSON request, refusing one that is not UTF-8.
func readJSON(c *gin.Context) ([]byte, error) {
	b, err := readBody(c)
	if err != nil {
		return nil, err
	}
	return b, checkUTF8(b)
}

// checkUTF8 refuses a body that is not UTF-8, naming the member that holds the bad
// bytes when the body is an object. The JSON decoder would quietly replace them with
// U+FFFD, storing text the client never sent.
func checkUTF8(b []byte) error {
	if utf8.Valid(b) {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) == nil {
		names := slices.Sorted(maps.Keys(members))
		for _, name := range names {
			if !utf8.Valid(members[name]) && utf8.ValidString(name) {
				return fieldErr(name, "must be UTF-8 text")
			}
		}
	}
	return strata.Errorf(strata.Invalid, "the body must be UTF-8 text")
}

// decodeJSON reads the body into v, refusing unknown fields and wrong types by name.
func decodeJSON(c *gin.Context, v any) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	return decodeBody(b, v)
}

// decodeBody decodes a JSON body into v as decodeJSON does.
func decodeBody(b []byte, v any) error {
	if err := checkUTF8(b); err != nil {
		return err
	}
	return decodeStrict(b, v)
}

func decodeStrict(b []byte, v any) error {
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
		return fieldErr(text.Clip(typeErr.Field), "has the wrong type (got "+text.Clip(typeErr.Value)+")")
	case errors.As(err, &typeErr):
		return strata.Errorf(strata.Invalid, "the body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldErr(text.Clip(name), "is not a known field")
	}
	return strata.Errorf(strata.Invalid, "the body is not valid JSON: %s", sanitizeJSONError(err))
}

// sanitizeJSONError keeps the decoder's description of malformed input, which names
// only positions and characters of the client's own body.
func sanitizeJSONError(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

func fieldErr(field, problem string) error {
	errs := strata.FieldErrors{}
	errs.Add(field, problem)
	return errs.Err()
}

// pathID parses a positive integer path parameter.
func pathID(c *gin.Context, name string) (int64, error) {
	return positiveID(name, c.Param(name))
}

func positiveID(name, raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, fieldErr(name, "must be a positive integer")
	}
	return id, nil
}

// ifMatch reads an optional If-Match version: 3, "3" or W/"3".
func ifMatch(c *gin.Context) (*int64, error) {
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

// bodyID reads {"id": N} from a body that carries the id instead of the path.
func bodyID(b []byte) (int64, error) {
	var x struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return 0, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	if len(x.ID) == 0 {
		return 0, fieldErr("id", "is required in the body when the path has no id")
	}
	return positiveID("id", strings.Trim(string(x.ID), `"`))
}

// listAction checks the seed's action parameter on a list route: "" or "list" lists,
// "get" reads one by id, anything else is refused.
func listAction(q url.Values) (get bool, id int64, err error) {
	switch a := q.Get("action"); a {
	case "", "list":
		return false, 0, nil
	case "get":
		id, err := positiveID("id", q.Get("id"))
		return true, id, err
	default:
		return false, 0, fieldErr("action", "must be list or get")
	}
}

// queryInt reads an optional integer query parameter.
func queryInt(q url.Values, name string) (int64, error) {
	raw := q.Get(name)
	if raw == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, fieldErr(name, "must be an integer")
	}
	return v, nil
}

// queryInts reads optional integer query parameters, in the order named.
func queryInts(q url.Values, names ...string) ([]int64, error) {
	out := make([]int64, len(names))
	for i, name := range names {
		v, err := queryInt(q, name)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// readByID answers a read of the entity the path's id names.
func readByID[T any](c *gin.Context, read func(ctx context.Context, orgID, id int64) (T, error)) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	v, err := read(c.Request.Context(), principal(c).OrgID, id)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, v)
}

// readPageByID answers a paged list that belongs to the entity the path's id names
// (its history, its tests), with the limit and cursor the query gives.
func readPageByID[T any](c *gin.Context, read func(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[T], error)) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	limit, err := queryLimit(c.Request.URL.Query())
	if err != nil {
		fail(c, err)
		return
	}
	page, err := read(c.Request.Context(), principal(c).OrgID, id, limit, c.Query("cursor"))
	respondPage(c, page, err)
}

// respondPage answers a list read with its page, or with the error that stopped it.
func respondPage[T any](c *gin.Context, page queries.Page[T], err error) {
	if err != nil {
		fail(c, err)
		return
	}
	okList(c, page.Items, meta{Total: page.Total, Limit: page.Limit, NextCursor: page.NextCursor})
}

// queryLimit reads the optional page size; an explicit 0 is refused here because the
// readers take 0 to mean the default.
func queryLimit(q url.Values) (int, error) {
	limit, err := queryInt(q, "limit")
	if err == nil && q.Get("limit") != "" && limit == 0 {
		err = fieldErr("limit", "must be from 1 to 500")
	}
	return int(limit), err
}

// entityPage answers a read of one entity: current from its read model with an ETag
// carrying its version, or, with ?as_of= (when asOf is given), replayed from its
// stream as it stood then.
type entityPage[T any] struct {
	get     func(ctx context.Context, orgID, id int64) (T, error)
	asOf    func(ctx context.Context, orgID, id int64, at time.Time) (T, error)
	version func(T) int64
}

// serve answers for id; honourAsOf is false where the seed's action=get ignores
// other parameters.
func (p entityPage[T]) serve(c *gin.Context, id int64, honourAsOf bool) {
	if raw := c.Query("as_of"); raw != "" && honourAsOf && p.asOf != nil {
		at, err := parseAsOf(raw)
		if err != nil {
			fail(c, err)
			return
		}
		v, err := p.asOf(c.Request.Context(), principal(c).OrgID, id, at)
		if err != nil {
			fail(c, err)
			return
		}
		ok(c, http.StatusOK, v)
		return
	}
	v, err := p.get(c.Request.Context(), principal(c).OrgID, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("ETag", strconv.Quote(strconv.FormatInt(p.version(v), 10)))
	ok(c, http.StatusOK, v)
}

// parseAsOf reads an as_of parameter: an RFC 3339 timestamp.
func parseAsOf(raw string) (time.Time, error) {
	at, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, fieldErr("as_of", "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z")
	}
	return at, nil
}
