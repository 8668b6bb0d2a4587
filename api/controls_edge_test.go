package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/strata-grc/strata/cmd/strata/app"
	cmdrisks "github.com/strata-grc/strata/commands/risks"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/events"
	evrisks "github.com/strata-grc/strata/events/risks"
)

// A forged (or corrupted) cursor for sort=code whose key holds a NUL character is
// client input: it must be refused as an invalid cursor, not passed to PostgreSQL,
// which answers "invalid byte sequence" and turns the request into a 500.
func TestControlCursorWithNULIsRefused(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	e.newControl("CUR-1", nil)
	cursor := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"code","k":"A\u0000","i":1,"t":5}`))
	r := e.do("GET", "/api/controls?sort=code&cursor="+cursor, nil)
	wantErr(t, r, http.StatusBadRequest, "VALIDATION_ERROR")
}

// q is client input; bytes that are not UTF-8 must be a 400 (or simply find nothing),
// never a 500 from PostgreSQL refusing the parameter.
func TestSearchInvalidUTF8IsNot500(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	e.newControl("Q-1", nil)
	for _, path := range []string{"/api/controls?q=%FF", "/api/frameworks?q=%FF"} {
		r := e.do("GET", path, nil)
		if r.Status == http.StatusInternalServerError {
			t.Errorf("%s: 500 for a client's search text: %s", path, r.Raw)
		}
	}
}

// The file_name query parameter goes into the FrameworkCreated event unchecked. A NUL
// in it is refused by the jsonb column of the log, so the import fails with a 500
// (and on a log kept elsewhere it would be stored and break any copy into PostgreSQL).
func TestImportFileNameWithNULIsNot500(t *testing.T) {
	t.Parallel()
	e := newLiveEnv(t)
	csv := "framework,version,code,title\nNUL test,1,N-1,First\n"
	r := e.do("POST", "/api/frameworks/import?file_name=a%00b.csv", csv, "Content-Type", "text/csv")
	if r.Status == http.StatusInternalServerError {
		t.Fatalf("500 for a file name: %s", r.Raw)
	}
}

// Every read-model query must filter by organization. Risks could map any control id
// before the control library existed (and a risk handler without UseControls still
// can), so risk_controls may link a risk of one organization with a control id that
// now belongs to another. The risk detail (ForRisk) joins controls without checking the
// control's organization and the control's risk_ids (liveRisks, liveRiskIDs) read
// risk_controls without checking the risk's.
func TestLegacyRiskControlLinkDoesNotLeakAcrossOrganizations(t *testing.T) {
	t.Parallel()
	one := newLiveEnv(t)
	two := newEnvOn(t, one.DB, api.Principal{OrgID: 2, Name: "Other Org"})
	two.waitLive()

	secret := two.newControl("SECRET-CTL", map[string]any{"title": "Classified control of org two"})
	risk := one.create(map[string]any{"title": "Org one risk"})

	// A mapping recorded the way risks recorded them before the control check.
	meta := events.Metadata{OrgID: one.orgID(1), ActorID: one.userID(one.Email), ActorName: "Legacy",
		CorrelationID: "legacy-mapping"}
	res, err := app.MustLookup[*cmdrisks.Handler](one.App).Streams().AppendFacts(context.Background(), risk.ID, meta,
		evrisks.RiskControlMapped{RiskID: risk.ID, ControlID: secret.ID})
	if err != nil {
		t.Fatal(err)
	}
	_ = res

	// Wait until the risk projection holds the mapping as seen by org one.
	var got riskView
	for i := 0; i < 200; i++ {
		got = one.get(risk.ID)
		if slices.Contains(got.ControlIDs, secret.ID) {
			break
		}
	}
	if s := strings.ToLower(fmt.Sprint(got.Controls)); strings.Contains(s, "secret") || strings.Contains(s, "classified") {
		t.Errorf("org one's risk detail describes org two's control: %+v", got.Controls)
	}
	c := two.getControl(secret.ID)
	if slices.Contains(c.RiskIDs, risk.ID) {
		t.Errorf("org two's control lists org one's risk %d in risk_ids: %v", risk.ID, c.RiskIDs)
	}
	items, _ := two.listControls("")
	for _, it := range items {
		if it.ID == secret.ID && slices.Contains(it.RiskIDs, risk.ID) {
			t.Errorf("org two's control list shows org one's risk %d: %v", risk.ID, it.RiskIDs)
		}
	}
}
