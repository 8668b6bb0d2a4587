package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata/commands/risks/risktest"
	evrisks "github.com/strata-grc/strata/events/risks"
	"github.com/strata-grc/strata/queries"
)

// listMeta is a list answer's meta with the flag reply leaves out.
type listMeta struct {
	Meta struct {
		Total       int64   `json:"total"`
		TotalCapped *bool   `json:"total_capped"`
		NextCursor  *string `json:"next_cursor"`
	} `json:"meta"`
}

// A list past queries.CountCap says so: its total is the bound with total_capped true,
// on the first page and on the pages its cursor reaches; a narrower filter is counted
// exactly and carries no flag.
func TestRiskListTotalIsCappedPastCountCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	orgID, err := e.App.Identity.OrganizationByName(ctx, "Organization 1")
	if err != nil || orgID == 0 {
		t.Fatalf("the test organization: %d %v", orgID, err)
	}
	// The risks go straight into the log, as the list benchmark loads them: creating
	// a thousand through the API would take most of a minute. The first 60 are
	// "Narrow", the rest "Broad", more than the cap.
	const narrow, n = 60, 60 + queries.CountCap + 40
	rng := rand.New(rand.NewPCG(5, 5))
	meta := fmt.Sprintf(`{"org_id":%d,"actor_id":1,"actor_name":"Loader","correlation_id":"list-total"}`, orgID)
	i := 0
	copied, err := e.DB.Pool.CopyFrom(ctx, pgx.Identifier{"events"},
		[]string{"event_id", "stream_id", "stream_version", "type", "schema_version", "data", "metadata"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			f := risktest.Fields(rng)
			f.Category = "Broad"
			if i <= narrow {
				f.Category = "Narrow"
			}
			data, err := json.Marshal(evrisks.RiskCreated{RiskID: int64(i), Fields: f})
			return []any{uuid.New(), evrisks.Stream(int64(i)), int64(1), "RiskCreated", int32(1), string(data), meta}, err
		}))
	if err != nil || copied != n {
		t.Fatalf("loaded %d risks, want %d: %v", copied, n, err)
	}
	if _, err := e.DB.Pool.Exec(ctx, `select setval('risk_id_seq', $1)`, int64(n)); err != nil {
		t.Fatal(err)
	}
	e.settle()

	page := func(query url.Values) listMeta {
		t.Helper()
		r := e.read("/api/risks?" + query.Encode())
		wantOK(t, r, http.StatusOK)
		var m listMeta
		if err := json.Unmarshal(r.Raw, &m); err != nil {
			t.Fatalf("decode %s: %v", r.Raw, err)
		}
		return m
	}
	for _, c := range []struct {
		query url.Values
		total int64
	}{{url.Values{}, queries.CountCap}, {url.Values{"category": {"Broad"}, "sort": {"-score"}}, queries.CountCap}} {
		first := page(c.query)
		if first.Meta.Total != c.total || first.Meta.TotalCapped == nil || !*first.Meta.TotalCapped || first.Meta.NextCursor == nil {
			t.Fatalf("%v: first page meta %+v, want total %d capped", c.query, first.Meta, c.total)
		}
		c.query.Set("cursor", *first.Meta.NextCursor)
		if next := page(c.query); next.Meta.Total != c.total || next.Meta.TotalCapped == nil || !*next.Meta.TotalCapped {
			t.Fatalf("%v: next page meta %+v, want total %d capped", c.query, next.Meta, c.total)
		}
	}

	exact := page(url.Values{"category": {"Narrow"}, "limit": {"25"}})
	if exact.Meta.Total != narrow || exact.Meta.TotalCapped != nil {
		t.Fatalf("an exact count: meta %+v, want total %d without total_capped", exact.Meta, narrow)
	}
}
