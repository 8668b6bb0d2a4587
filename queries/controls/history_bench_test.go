package controls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/commands"
	cmd "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
	"github.com/strata-grc/strata/events/postgres"
	qc "github.com/strata-grc/strata/queries/controls"
	"github.com/strata-grc/strata/schema/testdb"
)

// BenchmarkControlHistory reads the whole history of controls with 100, 500 and
// 2,000 tests, page by page at the largest page size, and reports per whole read the
// bytes allocated and the size of the answers: both must grow in step with the
// number of tests, not with its square. The first-page figures are what a reader
// who opens the control pays.
func BenchmarkControlHistory(b *testing.B) {
	ctx := context.Background()
	db := testdb.New(b)
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(db.Pool)
	h, err := cmd.NewHandler(db.Pool, store, reg, commands.NewSequences(db.Pool), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := qc.NewReader(db.Pool, h.Controls(), h.Frameworks())
	for i, tests := range []int{100, 500, 2000} {
		id := int64(i + 1)
		appendTestedControl(b, store, reg, id, tests)
		b.Run(fmt.Sprintf("tests=%d", tests), func(b *testing.B) {
			b.ReportAllocs()
			var answer int
			for b.Loop() {
				answer = 0
				cursor := ""
				for {
					page, err := r.History(ctx, 1, id, 500, cursor)
					if err != nil {
						b.Fatal(err)
					}
					raw, _ := json.Marshal(page.Items)
					answer += len(raw)
					if page.NextCursor == nil {
						break
					}
					cursor = *page.NextCursor
				}
			}
			b.ReportMetric(float64(answer), "answer-bytes")
			b.ReportMetric(float64(answer)/float64(tests), "answer-bytes/test")
		})
		b.Run(fmt.Sprintf("tests=%d/first-page", tests), func(b *testing.B) {
			b.ReportAllocs()
			var answer int
			for b.Loop() {
				page, err := r.History(ctx, 1, id, 0, "")
				if err != nil {
					b.Fatal(err)
				}
				raw, _ := json.Marshal(page.Items)
				answer = len(raw)
			}
			b.ReportMetric(float64(answer), "answer-bytes")
		})
	}
}

// appendTestedControl writes a control and the given number of tests, results in
// turn, as commands would decide them.
func appendTestedControl(b *testing.B, store *postgres.Store, reg *events.Registry, id int64, tests int) {
	b.Helper()
	now := time.Now().Add(-time.Duration(tests) * time.Hour)
	var state cmd.Control
	var payloads []events.Payload
	apply := func(c any) {
		ps, err := cmd.DecideControl(state, state.ID != 0, c, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			state = cmd.EvolveControl(state, p, events.Event{})
		}
		payloads = append(payloads, ps...)
	}
	apply(cmd.CreateControl{ControlID: id, Fields: ev.Fields{Code: fmt.Sprintf("HB-%d", id), Title: "History bench",
		Type: "detective", Frequency: "daily"}, Status: cmd.Active})
	for t := range tests {
		at := now.Add(time.Duration(t) * time.Hour)
		apply(cmd.RecordTest{TestID: id*100000 + int64(t), TestedAt: &at, Result: cmd.TestResults[t%3],
			Notes: fmt.Sprintf("Test %d of the nightly restore: sampled five backups and restored them.", t)})
	}
	meta := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Bench", CorrelationID: "bench"}
	for start := 0; start < len(payloads); start += 500 {
		batch := payloads[start:min(start+500, len(payloads))]
		evs := make([]events.NewEvent, len(batch))
		for j, p := range batch {
			var err error
			if evs[j], err = reg.Encode(p); err != nil {
				b.Fatal(err)
			}
			evs[j].ID = uuid.Must(uuid.NewV7())
		}
		if _, err := store.Append(context.Background(), ev.ControlStream(id), events.Exact(int64(start)), meta, evs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFrameworkHistory reads the whole history of a framework imported with
// 2,000 requirements (the most a framework may have), page by page at the largest
// page size, and reports the bytes allocated per whole read and the size of the
// answers.
func BenchmarkFrameworkHistory(b *testing.B) {
	ctx := context.Background()
	db := testdb.New(b)
	reg := events.NewRegistry()
	ev.Register(reg)
	store := postgres.New(db.Pool)
	h, err := cmd.NewHandler(db.Pool, store, reg, commands.NewSequences(db.Pool), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	imp := cmd.CreateFramework{Name: "History bench", Version: "1", Source: "import"}
	for i := range cmd.MaxRequirements {
		imp.Requirements = append(imp.Requirements, cmd.NewRequirement{Requirement: ev.Requirement{
			Code: fmt.Sprintf("HB-%d", i+1), Title: fmt.Sprintf("Requirement %d", i+1),
			Description: "Keep evidence of the requirement being met, reviewed every quarter."}})
	}
	meta := events.Metadata{OrgID: 1, ActorID: 1, ActorName: "Bench", CorrelationID: "bench"}
	fw, err := h.CreateFramework(ctx, meta, imp)
	if err != nil {
		b.Fatal(err)
	}
	r := qc.NewReader(db.Pool, h.Controls(), h.Frameworks())
	b.ReportAllocs()
	var answer int
	for b.Loop() {
		answer = 0
		cursor := ""
		for {
			page, err := r.FrameworkHistory(ctx, 1, fw.ID, 500, cursor)
			if err != nil {
				b.Fatal(err)
			}
			raw, _ := json.Marshal(page.Items)
			answer += len(raw)
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
	}
	b.ReportMetric(float64(answer), "answer-bytes")
}
