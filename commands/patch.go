package commands

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/strata-grc/strata"
)

// Date checks an optional YYYY-MM-DD date.
func Date(errs strata.FieldErrors, name string, v *string) {
	if v == nil {
		return
	}
	// PostgreSQL has no year 0, so such a date would be accepted here and then stop
	// the projection that stores it.
	if t, err := time.Parse(time.DateOnly, *v); err != nil || t.Year() < 1 {
		errs.Add(name, "must be a date as YYYY-MM-DD")
	}
}

// FieldError is a validation error about one field.
func FieldError(field, problem string) error {
	errs := strata.FieldErrors{}
	errs.Add(field, problem)
	return errs.Err()
}

// ApplyPatch returns cur with the patch's keys set, refusing unknown keys and wrong
// types by name. cur itself is never written to.
func ApplyPatch[T any](cur T, patch json.RawMessage, allowed, readOnly []string) (T, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(patch, &keys); err != nil || keys == nil {
		return cur, strata.Errorf(strata.Invalid, "the body must be a JSON object")
	}
	errs := strata.FieldErrors{}
	set := map[string]json.RawMessage{}
	for k, v := range keys {
		switch {
		case slices.Contains(readOnly, k):
			continue
		case !slices.Contains(allowed, k):
			errs.Add(k, "is not a field that can be changed")
			continue
		}
		var probe T
		one, _ := json.Marshal(map[string]json.RawMessage{k: v})
		if err := json.Unmarshal(one, &probe); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Type.Kind() == reflect.String {
				errs.Add(k, "must be a string")
			} else if errors.As(err, &te) {
				errs.Add(k, "must be a whole number")
			} else {
				errs.Add(k, "is not valid")
			}
			continue
		}
		set[k] = v
	}
	if err := errs.Err(); err != nil {
		return cur, err
	}
	raw, _ := json.Marshal(set)
	next, err := Overlay(cur, raw)
	if err != nil {
		return cur, strata.Errorf(strata.Invalid, "the body is not valid")
	}
	return next, nil
}

// Overlay returns a fresh copy of cur with set's keys applied. Unmarshalling into cur
// directly would write through pointers it shares with earlier states.
func Overlay[T any](cur T, set json.RawMessage) (T, error) {
	var m map[string]json.RawMessage
	base, err := json.Marshal(cur)
	if err == nil {
		err = json.Unmarshal(base, &m)
	}
	var add map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(set, &add)
	}
	if err != nil {
		return cur, err
	}
	maps.Copy(m, add)
	merged, _ := json.Marshal(m)
	var next T
	if err := json.Unmarshal(merged, &next); err != nil {
		return cur, err
	}
	return next, nil
}

// Diff returns the changed keys with their new and old values, or nil when nothing changed.
func Diff(before, after any) (set, prev json.RawMessage, err error) {
	var b, a map[string]json.RawMessage
	for _, x := range []struct {
		v   any
		out *map[string]json.RawMessage
	}{{before, &b}, {after, &a}} {
		raw, err := json.Marshal(x.v)
		if err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal(raw, x.out); err != nil {
			return nil, nil, err
		}
	}
	s, p := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			s[k], p[k] = v, b[k]
		}
	}
	if len(s) == 0 {
		return nil, nil, nil
	}
	if set, err = json.Marshal(s); err != nil {
		return nil, nil, err
	}
	prev, err = json.Marshal(p)
	return set, prev, err
}
