package copier

import (
	"context"
	"testing"
	"time"

	"github.com/strata-grc/strata/events"
)

// BenchmarkCopy copies a 20,000-event log between two PostgreSQL schemas and prints
// the copy and verification rates, with the source's raw read rate for scale: the
// copy is bound by one append round trip per run of a stream's events, the read by
// batches of a thousand.
func BenchmarkCopy(b *testing.B) {
	const n = 20000
	ctx := context.Background()
	src := pgStore(b)
	fill(b, src, 2000, n, 7)
	if err := src.Settle(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var read int
	for pos := (events.Position{}); ; {
		evs, err := src.ReadAll(ctx, pos, 1000)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		read += len(evs)
		pos = evs[len(evs)-1].Position()
	}
	readRate := float64(read) / time.Since(start).Seconds()
	b.ResetTimer()
	for range b.N {
		dst := pgStore(b)
		rep, err := Copy(ctx, src, dst, Options{})
		if err != nil {
			b.Fatal(err)
		}
		copyRate := float64(rep.Copied) / rep.Elapsed.Seconds()
		verifyRate := float64(rep.Verify.SourceEvents+rep.Verify.TargetEvents) / rep.Verify.Elapsed.Seconds()
		b.ReportMetric(copyRate, "copied/s")
		b.Logf("copied %d events in %v: %.0f events/s (source read alone: %.0f events/s, ratio %.2f); verified both logs at %.0f events/s",
			rep.Copied, rep.Elapsed.Round(time.Millisecond), copyRate, readRate, copyRate/readRate, verifyRate)
	}
}
