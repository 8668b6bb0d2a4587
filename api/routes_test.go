package api_test

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/identity"
)

// The tests here are derived from the server's route table, which every module fills
// when it mounts its routes: a new route is covered without editing them.

// moduleRoutes are the registered routes under /api (not their /api/v1 copies).
func moduleRoutes(srv *api.Server) []module.Route {
	var out []module.Route
	for _, r := range srv.RouteTable() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			out = append(out, r)
		}
	}
	return out
}

// seedModules fills the env's organization with every module's demo data, through
// each module's own seed, with the logged-in admin standing in for every role.
func (e *env) seedModules() {
	e.t.Helper()
	st := e.status()
	me := module.Person{ID: st.User.ID, Name: "Seeder"}
	people := map[string]module.Person{}
	for _, role := range identity.Roles {
		people[role] = me
	}
	s := &module.Seeding{OrgID: st.Organization.ID, People: people, Size: 8, Rand: rand.New(rand.NewPCG(3, 4)),
		Seeded: map[string][]int64{}, Out: io.Discard}
	for _, m := range e.App.Modules {
		if m.Seed == nil {
			e.t.Fatalf("module %s has no demo seed", m.Name)
		}
		if err := m.Seed(context.Background(), s); err != nil {
			e.t.Fatalf("module %s seed: %v", m.Name, err)
		}
	}
	e.settle()
}

var firstParam = regexp.MustCompile(`/:([a-z_]+)`)

// firstListedID is the id of the first item the collection at path lists for e, or 0.
func (e *env) firstListedID(path string) int64 {
	e.t.Helper()
	r := e.do("GET", path, nil)
	if r.Status != http.StatusOK {
		return 0
	}
	var items []struct {
		ID int64 `json:"id"`
	}
	if json.Unmarshal(r.Data, &items) != nil || len(items) == 0 {
		return 0
	}
	return items[0].ID
}

// withIDs fills a route's first parameter with first and any later one with a
// never-used id.
func withIDs(path, first string) string {
	n := 0
	return routeParam.ReplaceAllStringFunc(path, func(string) string {
		n++
		if n == 1 {
			return first
		}
		return "999999"
	})
}

// TestEveryRouteTenancy: for every registered route whose path names an entity, a
// caller of another organization gets, for an id that exists in the first
// organization, exactly the answer it gets for an id never used, never a success.
func TestEveryRouteTenancy(t *testing.T) {
	t.Parallel()
	one := newLiveEnv(t)
	two := newEnvOn(t, one.DB, api.Principal{OrgID: 2, Name: "Other Org"})
	two.waitLive()
	one.seedModules()

	tried := 0
	for _, r := range moduleRoutes(one.Server) {
		loc := firstParam.FindStringIndex(r.Path)
		if loc == nil {
			continue
		}
		collection := r.Path[:loc[0]]
		id := one.firstListedID(collection)
		if id == 0 {
			t.Errorf("%s %s: the seeded organization lists nothing at %s to try", r.Method, r.Path, collection)
			continue
		}
		tried++
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			two := two.at(t)
			var body any
			if r.Method != http.MethodGet {
				body = map[string]any{}
			}
			idText := strconv.FormatInt(id, 10)
			foreign := two.do(r.Method, withIDs(r.Path, idText), body)
			absent := two.do(r.Method, withIDs(r.Path, "999999"), body)
			if foreign.Status < 400 || foreign.Status >= 500 {
				t.Fatalf("another organization's id: %d %s", foreign.Status, foreign.Raw)
			}
			if r.Method == http.MethodGet {
				wantErr(t, foreign, http.StatusNotFound, "NOT_FOUND")
			}
			word := regexp.MustCompile(`\b(` + idText + `|999999)\b`)
			if foreign.Status != absent.Status || absent.Error == nil || foreign.Error.Code != absent.Error.Code ||
				word.ReplaceAllString(foreign.Error.Message, "N") != word.ReplaceAllString(absent.Error.Message, "N") ||
				len(foreign.Error.Fields) != len(absent.Error.Fields) {
				t.Fatalf("foreign id: %d %s; unused id: %d %s", foreign.Status, foreign.Raw, absent.Status, absent.Raw)
			}
		})
	}
	if tried == 0 {
		t.Fatal("no route names an entity")
	}
}

// hostileBodies are bodies no route may answer with a server error.
var hostileBodies = []string{``, `{`, `[]`, `null`, `"x"`, `{} {}`, `{"title":"a\u0000b"}`, "{\"name\":\"\xff\"}",
	`{"id":"1"}`, `{"limit":1e999}`, strings.Repeat("[", 5000) + strings.Repeat("]", 5000)}

// hostileIDs are path ids that are not ids.
var hostileIDs = []string{"abc", "-1", "0", "99999999999999999999", "1.5", "%00", "%FF"}

// hostileQuery is a query string of bad values for every parameter lists take.
const hostileQuery = "?limit=abc&cursor=%25%25&as_of=yesterday&sort=%00&q=%FF&status=%00&action=explode&owner_id=x&id=-1"

// TestEveryRouteHostileInput sends every registered route bad ids, bad bodies and
// bad query parameters: each answer is a client error in the envelope, never a 500.
func TestEveryRouteHostileInput(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	e.seedModules()
	for _, r := range moduleRoutes(e.Server) {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			e := e.at(t)
			check := func(what string, rep *reply) {
				t.Helper()
				if rep.Status >= 500 {
					t.Fatalf("%s: %d %s", what, rep.Status, rep.Raw)
				}
				if rep.Status >= 400 && (rep.Error == nil || rep.Error.Code == "" || rep.Error.Message == "") {
					t.Fatalf("%s: %d without an error envelope: %s", what, rep.Status, rep.Raw)
				}
			}
			real := withIDs(r.Path, "999999")
			if loc := firstParam.FindStringIndex(r.Path); loc != nil {
				if id := e.firstListedID(r.Path[:loc[0]]); id != 0 {
					real = withIDs(r.Path, strconv.FormatInt(id, 10))
				}
				for _, bad := range hostileIDs {
					check("id "+bad, e.do(r.Method, withIDs(r.Path, bad), nil))
				}
			}
			if r.Method == http.MethodGet {
				check("query", e.do(r.Method, real+hostileQuery, nil))
				return
			}
			for _, b := range hostileBodies {
				check("body "+strconv.Quote(truncateText(b, 40)), e.do(r.Method, real, b, "Content-Type", "application/json"))
			}
		})
	}
}

func truncateText(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
