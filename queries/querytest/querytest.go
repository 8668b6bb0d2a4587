// Package querytest checks the read side in tests and benchmarks: the refusals a
// reader answers with, lists walked page by page in the order they promise, and the
// latency of reads, sampled and reported as p50 and p95. Every module's readers page,
// sort and refuse alike, so their tests check them alike.
package querytest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/queries"
)

// InvalidField fails t unless err is a VALIDATION_ERROR naming field; an empty field
// accepts any, for refusals (a bad cursor) that name none.
func InvalidField(t testing.TB, what string, err error, field string) {
	t.Helper()
	var se *strata.Error
	if !errors.As(err, &se) || se.Code != strata.Invalid || (field != "" && se.Fields[field] == "") {
		t.Errorf("%s: got %v, want a VALIDATION_ERROR naming %q", what, err, field)
	}
}

// NotFound fails t unless err is a NOT_FOUND: what another organization holds, or
// what does not exist, reads the same.
func NotFound(t testing.TB, what string, err error) {
	t.Helper()
	if strata.ErrorCode(err) != strata.NotFound {
		t.Errorf("%s: got %v, want NOT_FOUND", what, err)
	}
}

// Walk reads every page of a list, from the first cursor to the last, checking that
// pages carry the first page's total and together hold that many rows (at least that
// many where the total is a floor).
func Walk[T any](t testing.TB, what string, list func(cursor string) (queries.Page[T], error)) []T {
	t.Helper()
	var out []T
	cursor := ""
	var total int64 = -1
	var capped bool
	for pages := 0; ; pages++ {
		p, err := list(cursor)
		if err != nil {
			t.Fatalf("%s page %d: %v", what, pages, err)
		}
		if total < 0 {
			total, capped = p.Total, p.TotalCapped
		} else if p.Total != total || p.TotalCapped != capped {
			t.Errorf("%s page %d: total %d (capped %t), the first page said %d (capped %t)", what, pages, p.Total,
				p.TotalCapped, total, capped)
		}
		out = append(out, p.Items...)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
		if pages > 1000 {
			t.Fatalf("%s: no end of pages", what)
		}
	}
	if n := int64(len(out)); n != total && (!capped || n < total) {
		t.Errorf("%s: %d rows over the pages, total %d (capped %t)", what, n, total, capped)
	}
	return out
}

// Ordered is items in the order a list sorted by key must give them, computed here
// rather than asked of the database: rows the key ties go by id, descending when the
// sort is, as the lists' cursors need a total order.
func Ordered[T any](items []T, key func(a, b T) int, desc bool, id func(T) int64) []T {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b T) int {
		if r := key(a, b); r != 0 {
			return r
		}
		if desc {
			return cmp.Compare(id(b), id(a))
		}
		return cmp.Compare(id(a), id(b))
	})
	return out
}

// Probe is one read a latency benchmark samples: Run reads once and says how long the
// read took, leaving out whatever it did untimed to get there.
type Probe struct {
	Name string
	Run  func() (time.Duration, error)
}

// Timed is a probe's Run that times the whole of read.
func Timed(read func() error) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		start := time.Now()
		err := read()
		return time.Since(start), err
	}
}

// Latencies are a probe's samples, fastest first.
type Latencies []time.Duration

// Sample runs read n times and returns how long each read took; the first error fails
// b, as a benchmark of a failing read measures nothing.
func Sample(b testing.TB, name string, n int, read func() (time.Duration, error)) Latencies {
	b.Helper()
	var took Latencies
	for range n {
		d, err := read()
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		took = append(took, d)
	}
	slices.Sort(took)
	return took
}

// P50 is the median sample in milliseconds.
func (l Latencies) P50() float64 { return ms(l[len(l)/2]) }

// P95 is the 95th percentile sample in milliseconds: what one reader in twenty waits
// at least.
func (l Latencies) P95() float64 { return ms(l[len(l)*95/100]) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Report samples every probe 60 times and prints its p50 and p95, names in a column
// width characters wide, for a person to read; it reports each p95, and the worst of
// them, as metrics for benchstat to compare.
func Report(b *testing.B, width int, probes []Probe) {
	b.Helper()
	var worst float64
	for _, p := range probes {
		l := Sample(b, p.Name, 60, p.Run)
		p50, p95 := l.P50(), l.P95()
		worst = max(worst, p95)
		fmt.Printf("  %-*s p50 %7.2f ms  p95 %7.2f ms\n", width, p.Name, p50, p95)
		b.ReportMetric(p95, metricName(p.Name)+"-p95-ms")
	}
	b.ReportMetric(worst, "worst-p95-ms")
}

// metricName makes a probe's name a metric unit, which takes no spaces.
func metricName(s string) string { return strings.NewReplacer(" ", "_", "=", ":").Replace(s) }

// Lister reads one page of a list under a filter, from cursor ("" for the first).
type Lister[F, T any] func(f F, cursor string) (queries.Page[T], error)

// timed reads a page and says how long the read took and where the next page starts.
func (l Lister[F, T]) timed(f F, cursor string) (time.Duration, *string, error) {
	start := time.Now()
	p, err := l(f, cursor)
	return time.Since(start), p.NextCursor, err
}

// First is a probe's Run reading the first page of a filter made afresh for every
// read, so that a probe may ask for, say, another assignee each time.
func (l Lister[F, T]) First(filter func() F) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		took, _, err := l.timed(filter(), "")
		return took, err
	}
}

// Fixed is a probe's Run reading the first page of f.
func (l Lister[F, T]) Fixed(f F) func() (time.Duration, error) {
	return l.First(func() F { return f })
}

// Next is a probe's Run reading the pages after the first of f: each walks on from a
// first page, read untimed, up to depth pages deep, then starts again, so the deep
// pages a cursor reaches are timed too.
func (l Lister[F, T]) Next(f F, depth int) func() (time.Duration, error) {
	var cursor *string
	var n int
	return func() (time.Duration, error) {
		if cursor == nil || n == depth {
			_, next, err := l.timed(f, "")
			if err != nil {
				return 0, err
			}
			cursor, n = next, 0
		}
		took, next, err := l.timed(f, *cursor)
		cursor, n = next, n+1
		return took, err
	}
}
