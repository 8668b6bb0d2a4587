package api_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/commands/identity"
	pseal "github.com/strata-grc/strata/projections/seal"
	"github.com/strata-grc/strata/schema/testdb"
)

type sealAnswer struct {
	Events          int64  `json:"events"`
	Pending         int64  `json:"pending"`
	VerifiedThrough *int64 `json:"verified_through"`
	OK              bool   `json:"ok"`
	FirstBroken     *int64 `json:"first_broken"`
	Complete        bool   `json:"complete"`
	TreeSize        int64  `json:"tree_size"`
	Problems        []struct {
		Kind     string `json:"kind"`
		Sequence int64  `json:"sequence"`
		Detail   string `json:"detail"`
	} `json:"problems"`
}

// sealed reads the caller's verification once the seal has caught up with the
// caller's organization.
func (e *env) sealed() sealAnswer {
	e.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := e.do("GET", "/api/audit-trail/verify", nil)
		wantOK(e.t, r, http.StatusOK)
		var a sealAnswer
		r.into(e.t, &a)
		if strings.Contains(string(r.Raw), `"position"`) {
			e.t.Fatalf("the answer names global positions: %s", r.Raw)
		}
		if (a.Pending == 0 && a.Events > 0) || time.Now().After(deadline) {
			return a
		}
	}
}

// TestSealVerifyRoute: the route checks the caller's organization only, reports a
// rewritten event by its place in the organization's own sequence, and is refused to
// a viewer. The public key route serves the signing key's public half. It sets
// STRATA_SIGNING_KEY for the process, so it does not run in parallel.
func TestSealVerifyRoute(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "signing.key")
	private, public, err := pseal.GenerateKey("api-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := pseal.WriteKeyFile(keyFile, private); err != nil {
		t.Fatal(err)
	}
	t.Setenv(pseal.EnvSigningKey, keyFile)

	db := testdb.New(t)
	mine := newEnvOn(t, db, api.Principal{OrgID: 1, Name: "Mine"})
	theirs := newEnvOn(t, db, api.Principal{OrgID: 2, Name: "Theirs"})
	for i := range 5 {
		wantOK(t, mine.do("POST", "/api/risks", map[string]any{"title": "r" + strings.Repeat("x", i), "category": "C", "likelihood": 2, "impact": 2}), http.StatusCreated)
	}
	wantOK(t, theirs.do("POST", "/api/risks", map[string]any{"title": "theirs", "category": "C", "likelihood": 2, "impact": 2}), http.StatusCreated)

	a := mine.sealed()
	if !a.OK || !a.Complete || a.FirstBroken != nil || a.VerifiedThrough == nil || *a.VerifiedThrough != a.Events || a.Events != a.TreeSize {
		t.Fatalf("untouched log: %+v", a)
	}
	b := theirs.sealed()
	if !b.OK || b.Events >= a.Events {
		t.Fatalf("the other organization's log: %+v (mine has %d events)", b, a.Events)
	}

	r := mine.do("GET", "/api/audit-trail/public-key", nil)
	wantOK(t, r, http.StatusOK)
	if !strings.Contains(string(r.Raw), `"public_key":"`+public+`"`) {
		t.Fatalf("public key: %s", r.Raw)
	}

	viewer := mine.loggedIn(mine.createUser(1, "Viewer", identity.Viewer))
	wantErr(t, viewer.do("GET", "/api/audit-trail/verify", nil), http.StatusForbidden, "PERMISSION_DENIED")
	wantErr(t, viewer.do("GET", "/api/audit-trail/public-key", nil), http.StatusForbidden, "PERMISSION_DENIED")

	// Rewrite my organization's third sealed event; the other organization is not
	// concerned.
	ctx := context.Background()
	org, err := mine.App.Identity.OrganizationByName(ctx, "Organization 1")
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`alter table events disable trigger events_no_update_delete`,
		`update events set metadata = metadata || '{"ip": "203.0.113.9"}'
			where global_position = (select position from seal_leaves where org_id = $1 and leaf = 2)`,
		`alter table events enable trigger events_no_update_delete`} {
		var args []any
		if strings.Contains(sql, "$1") {
			args = append(args, org)
		}
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	a = mine.sealed()
	if a.OK || a.FirstBroken == nil || *a.FirstBroken != 3 || a.VerifiedThrough == nil || *a.VerifiedThrough != 2 ||
		len(a.Problems) == 0 || a.Problems[0].Kind != "rewritten" || a.Problems[0].Sequence != 3 {
		t.Fatalf("after a rewrite: %+v", a)
	}
	if b := theirs.sealed(); !b.OK {
		t.Fatalf("the other organization after my log was rewritten: %+v", b)
	}
}
