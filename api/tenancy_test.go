package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
)

// TestTenancy runs two servers on one database, acting for organizations 1 and 2:
// neither ever sees or changes the other's risks, and a foreign id is a plain 404.
func TestTenancy(t *testing.T) {
	t.Parallel()
	one := newLiveEnv(t)
	two := newEnvOn(t, one.DB, api.Principal{OrgID: 2, UserID: 2, Name: "Other Org"})
	two.waitLive()

	secret := one.create(map[string]any{"title": "Org one secret", "description": "classified", "category": "Hidden", "owner_id": one.status().User.ID})
	r := one.do("POST", riskPath(secret.ID)+"/responses", map[string]any{"type": "mitigate", "description": "classified plan"})
	wantOK(t, r, http.StatusCreated)
	var withResp riskView
	r.into(t, &withResp)
	// Each organization maps a control of its own: mapping checks the control library.
	control := one.newControl("T-SECRET", map[string]any{"title": "classified control", "status": "Active"})
	wantOK(t, one.do("POST", riskPath(secret.ID)+"/controls", map[string]any{"control_id": control.ID}), http.StatusOK)
	const version = 3
	respID := strconv.FormatInt(withResp.Responses[0].ID, 10)
	mine := two.create(map[string]any{"title": "Org two risk", "category": "Hidden"})
	theirs := two.newControl("T-MINE", nil)

	type request struct {
		method, path string
		body         any
		headers      []string
	}
	// requests are every route on a risk id, as org 2 might try them.
	requests := func(prefix string, riskID int64) []request {
		id := strconv.FormatInt(riskID, 10)
		p := prefix + "/risks/" + id
		return []request{
			{"GET", p, nil, nil},
			{"GET", prefix + "/risks?action=get&id=" + id, nil, nil},
			{"GET", p + "?as_of=" + secret.UpdatedAt.Format(time.RFC3339Nano), nil, nil},
			{"GET", p + "?as_of=2999-01-01T00:00:00Z", nil, nil},
			{"GET", p + "/history", nil, nil},
			{"PUT", p, map[string]any{"title": "Taken over"}, nil},
			// The right version must not turn the 404 into a 409 or a 200.
			{"PUT", p, map[string]any{"title": "Taken over"}, []string{"If-Match", etag(version)}},
			{"PUT", p, map[string]any{"title": "Taken over"}, []string{"If-Match", etag(1)}},
			{"PUT", prefix + "/risks", map[string]any{"id": riskID, "title": "Taken over"}, nil},
			{"DELETE", p, nil, nil},
			{"DELETE", p, nil, []string{"If-Match", etag(version)}},
			{"DELETE", prefix + "/risks", map[string]any{"id": riskID}, nil},
			{"POST", p + "/responses", map[string]any{"type": "accept", "description": "mine now"}, nil},
			{"PUT", p + "/responses/" + respID, map[string]any{"status": "done"}, nil},
			// Org 2's own control, so only the risk can be what is not found.
			{"POST", p + "/controls", map[string]any{"control_id": theirs.ID}, nil},
			{"DELETE", p + "/controls/" + strconv.FormatInt(control.ID, 10), nil, nil},
		}
	}
	for _, prefix := range []string{"/api", "/api/v1"} {
		foreign, absent := requests(prefix, secret.ID), requests(prefix, 999999)
		for i, c := range foreign {
			t.Run(c.method+" "+c.path+" "+strings.Join(c.headers, ":"), func(t *testing.T) {
				two := two.at(t)
				r := two.do(c.method, c.path, c.body, c.headers...)
				wantErr(t, r, http.StatusNotFound, "NOT_FOUND")
				if s := strings.ToLower(string(r.Raw)); strings.Contains(s, "secret") || strings.Contains(s, "classified") {
					t.Fatalf("reply tells about the other organization's risk: %s", r.Raw)
				}
				// Nor may it differ from the reply about an id that was never used.
				a := absent[i]
				n := two.do(a.method, a.path, a.body, a.headers...)
				wantErr(t, n, http.StatusNotFound, "NOT_FOUND")
				idWord := regexp.MustCompile(`\b(` + strconv.FormatInt(secret.ID, 10) + `|999999)\b`)
				if idWord.ReplaceAllString(r.Error.Message, "N") != idWord.ReplaceAllString(n.Error.Message, "N") ||
					len(r.Error.Fields) != len(n.Error.Fields) {
					t.Fatalf("foreign id: %q %v; unused id: %q %v", r.Error.Message, r.Error.Fields, n.Error.Message, n.Error.Fields)
				}
			})
		}
	}

	t.Run("lists", func(t *testing.T) {
		for _, q := range []string{"", "?category=Hidden", "?q=secret", fmt.Sprintf("?owner_id=%d", *secret.OwnerID), "?sort=-score", "?limit=500&sort=updated_at"} {
			items, r := two.at(t).list(q)
			if ids := idsOf(items); slices.Contains(ids, secret.ID) || r.Meta.Total > 1 {
				t.Fatalf("org 2 list%s: %s", q, r.Raw)
			}
		}
		items, r := two.at(t).list("?category=Hidden")
		if !slices.Equal(idsOf(items), []int64{mine.ID}) || r.Meta.Total != 1 {
			t.Fatalf("org 2 list: %s", r.Raw)
		}
		items, r = one.at(t).list("?category=Hidden")
		if !slices.Equal(idsOf(items), []int64{secret.ID}) || r.Meta.Total != 1 {
			t.Fatalf("org 1 list: %s", r.Raw)
		}
	})

	t.Run("the other way round", func(t *testing.T) {
		one := one.at(t)
		wantErr(t, one.do("GET", riskPath(mine.ID), nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, one.do("GET", riskPath(mine.ID)+"/history", nil), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, one.do("PUT", riskPath(mine.ID), map[string]any{"title": "x"}), http.StatusNotFound, "NOT_FOUND")
		wantErr(t, one.do("DELETE", riskPath(mine.ID), nil), http.StatusNotFound, "NOT_FOUND")
	})

	t.Run("nothing changed", func(t *testing.T) {
		got := one.at(t).get(secret.ID)
		if got.Version != version || got.Title != secret.Title || !slices.Equal(got.ControlIDs, []int64{control.ID}) ||
			len(got.Responses) != 1 || got.Responses[0].Status != "planned" {
			t.Fatalf("org 1's risk after org 2's attempts: %+v", got)
		}
		for _, en := range one.at(t).history(secret.ID) {
			if en.Actor.ID != one.userID(one.Email) {
				t.Fatalf("org 1's history has an entry by %+v", en.Actor)
			}
		}
		h := two.at(t).history(mine.ID)
		if len(h) != 1 || h[0].Actor.ID != two.userID(two.Email) || h[0].Actor.Name != "Other Org" {
			t.Fatalf("org 2's history: %+v", h)
		}
	})
}
