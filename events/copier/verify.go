package copier

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/strata-grc/strata/events"
)

// verifyBatch is how many events Verify reads at a time.
const verifyBatch = 1000

// VerifyReport says how two logs compare. Stream names are sorted.
type VerifyReport struct {
	SourceEvents, TargetEvents   int64
	SourceStreams, TargetStreams int
	// MissingInTarget lists the source's streams the target does not hold at all.
	MissingInTarget []string
	// OnlyInTarget lists the target's streams the source does not hold.
	OnlyInTarget []string
	// CountDiffers lists the streams both hold with different numbers of events.
	CountDiffers []StreamCounts
	// ChecksumDiffers lists the streams both hold with as many events on each side but
	// a different checksum: some id, version, type, schema version, data, metadata or
	// recording time differs.
	ChecksumDiffers []string
	// Unordered lists streams a log returned out of version order ("source: risk-1"),
	// which no store should do; their checksums cover the order read.
	Unordered []string
	// OrderMatches is true when the source's events appear in the target in the
	// source's order (events of OnlyInTarget streams aside).
	OrderMatches bool
	Elapsed      time.Duration
}

// StreamCounts is a stream's number of events on each side.
type StreamCounts struct {
	StreamID       string
	Source, Target int64
}

// ErrMismatch matches every *MismatchError with errors.Is.
var ErrMismatch = errors.New("copier: the logs differ")

// MismatchError is a verification that found differences; Report lists all of them.
type MismatchError struct {
	Report VerifyReport
	// AllowedExtra is true when streams only the target holds were accepted.
	AllowedExtra bool
}

// Error names at most a few streams per kind of difference.
func (e *MismatchError) Error() string {
	r := e.Report
	var parts []string
	if n := len(r.MissingInTarget); n > 0 {
		parts = append(parts, fmt.Sprintf("%s missing in the target (%s)", plural(n, "stream"), few(r.MissingInTarget)))
	}
	if n := len(r.OnlyInTarget); n > 0 && !e.AllowedExtra {
		parts = append(parts, fmt.Sprintf("%s only in the target (%s)", plural(n, "stream"), few(r.OnlyInTarget)))
	}
	if n := len(r.CountDiffers); n > 0 {
		names := make([]string, len(r.CountDiffers))
		for i, c := range r.CountDiffers {
			names[i] = fmt.Sprintf("%s: %d vs %d", c.StreamID, c.Source, c.Target)
		}
		parts = append(parts, fmt.Sprintf("%s with a different number of events (%s)", plural(n, "stream"), few(names)))
	}
	if n := len(r.ChecksumDiffers); n > 0 {
		parts = append(parts, fmt.Sprintf("%s with different contents (%s)", plural(n, "stream"), few(r.ChecksumDiffers)))
	}
	if n := len(r.Unordered); n > 0 {
		parts = append(parts, fmt.Sprintf("%s read out of version order (%s)", plural(n, "stream"), few(r.Unordered)))
	}
	if len(parts) == 0 && !r.OrderMatches {
		parts = append(parts, "the target holds the same events in a different order")
	}
	return fmt.Sprintf("copier: verification failed: source %d events in %d streams, target %d events in %d streams: %s",
		r.SourceEvents, r.SourceStreams, r.TargetEvents, r.TargetStreams, strings.Join(parts, "; "))
}

// Is makes errors.Is(err, ErrMismatch) true.
func (e *MismatchError) Is(target error) bool { return target == ErrMismatch }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// few joins the first three names: an error message is read by a person, the report
// holds the rest.
func few(names []string) string {
	const shown = 3
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:shown], ", ") + fmt.Sprintf(" and %d more", len(names)-shown)
}

// Mismatch returns a *MismatchError when the logs differ, else nil. allowExtraStreams
// accepts streams only the target holds (a copy into a log that was not empty); every
// source stream must match exactly either way.
func (r VerifyReport) Mismatch(allowExtraStreams bool) error {
	extra := len(r.OnlyInTarget) > 0 && !allowExtraStreams
	if len(r.MissingInTarget) > 0 || extra || len(r.CountDiffers) > 0 || len(r.ChecksumDiffers) > 0 ||
		len(r.Unordered) > 0 || !r.OrderMatches {
		return &MismatchError{Report: r, AllowedExtra: allowExtraStreams}
	}
	return nil
}

// streamSum accumulates one stream's checksum.
type streamSum struct {
	h        hash.Hash
	events   int64
	last     int64 // version of the last event seen
	disorder bool  // an event came with a version not after the previous one
}

// logSum is what one log looked like.
type logSum struct {
	events  int64
	streams map[string]*streamSum
	order   hash.Hash // over the stream id and version of each counted event, in log order
}

// Verify reads both logs in full and compares them; see the package documentation for
// what it compares. The error is a *MismatchError (errors.Is ErrMismatch) when they
// differ, and the report lists every difference; other errors mean the logs could not
// be read. progress, which may be nil, hears every second and at the end.
//
// The source is read before the target, so the target's order can be checked against
// the source's streams only: a target with streams of its own still has its copy of
// the source in the source's order.
func Verify(ctx context.Context, from, to events.Store, progress func(Progress)) (VerifyReport, error) {
	m := startMeter(PhaseVerify, progress)
	rep, err := verify(ctx, from, to, m)
	m.finish()
	if err != nil {
		return rep, err
	}
	return rep, rep.Mismatch(false)
}

func verify(ctx context.Context, from, to events.Store, m *meter) (VerifyReport, error) {
	start := time.Now()
	for _, s := range []events.Store{from, to} {
		if err := settle(ctx, s); err != nil {
			return VerifyReport{}, err
		}
	}
	src, err := summarize(ctx, from, nil, m)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("copier: read the source: %w", err)
	}
	dst, err := summarize(ctx, to, src.streams, m)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("copier: read the target: %w", err)
	}
	rep := VerifyReport{
		SourceEvents: src.events, TargetEvents: dst.events,
		SourceStreams: len(src.streams), TargetStreams: len(dst.streams),
		OrderMatches: bytes.Equal(src.order.Sum(nil), dst.order.Sum(nil)),
	}
	for id, s := range src.streams {
		if s.disorder {
			rep.Unordered = append(rep.Unordered, "source: "+id)
		}
		t, ok := dst.streams[id]
		switch {
		case !ok:
			rep.MissingInTarget = append(rep.MissingInTarget, id)
		case s.events != t.events:
			rep.CountDiffers = append(rep.CountDiffers, StreamCounts{StreamID: id, Source: s.events, Target: t.events})
		case !bytes.Equal(s.h.Sum(nil), t.h.Sum(nil)):
			rep.ChecksumDiffers = append(rep.ChecksumDiffers, id)
		}
	}
	for id, t := range dst.streams {
		if t.disorder {
			rep.Unordered = append(rep.Unordered, "target: "+id)
		}
		if _, ok := src.streams[id]; !ok {
			rep.OnlyInTarget = append(rep.OnlyInTarget, id)
		}
	}
	sort.Strings(rep.MissingInTarget)
	sort.Strings(rep.OnlyInTarget)
	sort.Strings(rep.ChecksumDiffers)
	sort.Strings(rep.Unordered)
	slices.SortFunc(rep.CountDiffers, func(a, b StreamCounts) int { return strings.Compare(a.StreamID, b.StreamID) })
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// summarize reads a whole log into per-stream checksums. The order checksum covers
// the events of the streams in orderOf, or of every stream when orderOf is nil.
func summarize(ctx context.Context, s events.Store, orderOf map[string]*streamSum, m *meter) (logSum, error) {
	sum := logSum{streams: map[string]*streamSum{}, order: sha256.New()}
	var pos events.Position
	var buf []byte
	for {
		batch, err := s.ReadAll(ctx, pos, verifyBatch)
		if err != nil {
			return sum, err
		}
		if len(batch) == 0 {
			return sum, nil
		}
		for _, e := range batch {
			st := sum.streams[e.StreamID]
			if st == nil {
				st = &streamSum{h: sha256.New()}
				sum.streams[e.StreamID] = st
			}
			if st.events > 0 && e.StreamVersion <= st.last {
				st.disorder = true
			}
			st.events++
			st.last = e.StreamVersion
			if buf, err = appendEvent(buf[:0], e); err != nil {
				return sum, fmt.Errorf("event %s of stream %s version %d: %w", e.ID, e.StreamID, e.StreamVersion, err)
			}
			st.h.Write(buf)
			if _, ok := orderOf[e.StreamID]; ok || orderOf == nil {
				buf = appendString(buf[:0], e.StreamID)
				buf = binary.BigEndian.AppendUint64(buf, uint64(e.StreamVersion))
				sum.order.Write(buf)
			}
		}
		sum.events += int64(len(batch))
		m.update(func(p *Progress) { p.Read += int64(len(batch)) })
		next := batch[len(batch)-1].Position()
		if next.Compare(pos) <= 0 {
			return sum, fmt.Errorf("the log did not advance past position %+v", pos)
		}
		pos = next
	}
}

// appendEvent appends the bytes an event contributes to its stream's checksum: every
// field length-prefixed, so no two different events encode alike.
func appendEvent(b []byte, e events.Event) ([]byte, error) {
	data, err := CanonicalJSON(e.Data)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	meta, err := canonicalMetadata(e.Metadata)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	b = append(b, e.ID[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.StreamVersion))
	b = appendString(b, e.Type)
	b = binary.BigEndian.AppendUint64(b, uint64(int64(e.SchemaVersion)))
	b = appendString(b, string(data))
	b = appendString(b, string(meta))
	b = binary.BigEndian.AppendUint64(b, uint64(recordedMicros(e.RecordedAt)))
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// recordedMicros is the recording time as both backends can hold it: PostgreSQL keeps
// microseconds, ESDB 100 ns, and the pgx driver truncates (never rounds) what it sends.
func recordedMicros(t time.Time) int64 { return t.UTC().Truncate(time.Microsecond).UnixMicro() }

func canonicalMetadata(m events.Metadata) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return CanonicalJSON(b)
}

// sameEvent reports whether two events are the same fact as verification sees it.
func sameEvent(a, b events.Event) (bool, error) {
	x, err := appendEvent(nil, a)
	if err != nil {
		return false, err
	}
	y, err := appendEvent(nil, b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// CanonicalJSON re-encodes a JSON document so that documents with the same value
// encode alike, whatever their key order, whitespace or number spelling: PostgreSQL's
// jsonb changes all three on the way in. Objects get sorted keys, strings Go's
// escaping, numbers the form described at canonicalNumber. Empty input is {}, as both
// stores store it.
func CanonicalJSON(raw []byte) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	var buf bytes.Buffer
	if err := writeCanonical(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case json.Number:
		buf.WriteString(canonicalNumber(string(x)))
	case string:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, err := json.Marshal(k)
			if err != nil {
				return err
			}
			buf.Write(b)
			buf.WriteByte(':')
			if err := writeCanonical(buf, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("unexpected JSON value %T", v)
	}
	return nil
}

// canonicalNumber spells a JSON number by its value: significant digits without
// leading or trailing zeros and a decimal exponent, so 100, 1e2, 1E+2 and 100.0 all
// become 1e2, 1.50 and 15e-1 become 15e-1, and every zero becomes 0. jsonb keeps
// numbers as numeric values and prints them its own way; the value is what must
// survive. It works on the text, so no number is too large to compare.
func canonicalNumber(literal string) string {
	s := literal
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, exp := s, int64(0)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.ParseInt(strings.TrimPrefix(s[i+1:], "+"), 10, 64)
		if err != nil {
			return literal // an exponent beyond int64: compare the spelling
		}
		mant, exp = s[:i], e
	}
	digits := mant
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		digits = mant[:i] + mant[i+1:]
		exp -= int64(len(mant) - i - 1)
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0"
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	out := trimmed
	if neg {
		out = "-" + out
	}
	if exp != 0 {
		out += "e" + strconv.FormatInt(exp, 10)
	}
	return out
}
