package queries

import (
	"encoding/base64"
	"encoding/json"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
)

// Cursor is a keyset position in a sorted list: the sort it belongs to and the last
// row's sort key and id. It travels as opaque base64 JSON.
type Cursor struct {
	Sort string          `json:"s"`
	Key  json.RawMessage `json:"k,omitempty"`
	ID   int64           `json:"i"`
	// Total is the list's size when its first page was read. Later pages report it
	// instead of counting again: counting a large filtered list costs more than the
	// page itself, and a total that moved under a reader's paging helps no one.
	Total int64 `json:"t"`
	// Capped says Total is a floor: the first page's count stopped there.
	Capped bool `json:"c,omitempty"`
}

// Encode returns the opaque form.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor made for the given sort.
func DecodeCursor(s, sort string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := strata.Errorf(strata.Invalid, "cursor is not valid for this list; start again without it")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c Cursor
	if json.Unmarshal(b, &c) != nil || c.Sort != sort || c.ID <= 0 {
		return nil, bad
	}
	return &c, nil
}

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	Total int64
	// TotalCapped says Total is a floor: the list has more rows than were counted.
	TotalCapped bool
	Limit       int
	NextCursor  *string
}

// Count is a list's size as its first page counted it: exact, or a floor (Capped)
// where counting stops at a bound because an exact count would cost more than the page.
type Count struct {
	N      int64
	Capped bool
}

// PageOf makes a page of rows fetched with limit+1: the extra row only says that a
// next page exists. key returns a row's id and its value in the sort's key column
// (nil when the list is ordered by id alone).
func PageOf[T any](items []T, total int64, limit int, sort string, key func(T) (int64, any)) Page[T] {
	return PageOfCount(items, Count{N: total}, limit, sort, key)
}

// PageOfCount is PageOf for a list whose count may be a floor.
func PageOfCount[T any](items []T, total Count, limit int, sort string, key func(T) (int64, any)) Page[T] {
	page := Page[T]{Items: items, Total: total.N, TotalCapped: total.Capped, Limit: limit}
	if len(items) > limit {
		page.Items = items[:limit]
		id, k := key(page.Items[limit-1])
		c := Cursor{Sort: sort, ID: id, Total: total.N, Capped: total.Capped}
		if k != nil {
			c.Key, _ = json.Marshal(k)
		}
		s := c.Encode()
		page.NextCursor = &s
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page
}

// CursorKey decodes a cursor's sort key as a T. The cursor came back from a client: a
// key that does not decode, or text PostgreSQL would refuse, makes it invalid rather
// than a server error.
func CursorKey[T any](raw json.RawMessage) (any, error) {
	var v T
	if json.Unmarshal(raw, &v) != nil {
		return nil, errBadCursor
	}
	if s, ok := any(v).(string); ok && (!text.Storable(s) || len(s) > 1000) {
		return nil, errBadCursor
	}
	return v, nil
}

var errBadCursor = strata.Errorf(strata.Invalid, "cursor is not valid for this list; start again without it")
