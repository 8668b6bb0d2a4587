package controls

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/controls/examples"
	"github.com/strata-grc/strata/api/module"
	cmdcontrols "github.com/strata-grc/strata/commands/controls"
	"github.com/strata-grc/strata/commands/controls/frameworkfile"
	"github.com/strata-grc/strata/commands/identity"
	evcontrols "github.com/strata-grc/strata/events/controls"
	qcontrols "github.com/strata-grc/strata/queries/controls"
)

// demoControls are the demo organization's controls, each with the requirement codes
// of the example frameworks it answers.
var demoControls = []struct {
	code, title, typ, freq string
	answers                []string
}{
	{"IAM-01", "Named accounts from the HR joiner feed", "preventive", "continuous", []string{"BS-01", "BS-03"}},
	{"IAM-02", "Multi-factor sign-in for remote and admin access", "preventive", "continuous", []string{"BS-02"}},
	{"IAM-03", "Quarterly access review by system owners", "detective", "quarterly", []string{"BS-03", "VDP-6"}},
	{"IAM-04", "Leaver accounts disabled within one working day", "preventive", "daily", []string{"BS-04"}},
	{"IAM-05", "Separate admin accounts with just-in-time elevation", "preventive", "continuous", []string{"BS-05"}},
	{"LOG-01", "Central log collection with alerting", "detective", "continuous", []string{"BS-06"}},
	{"LOG-02", "Time synchronisation from two internal sources", "preventive", "continuous", []string{"BS-07"}},
	{"BCK-01", "Nightly encrypted backups kept off site", "corrective", "daily", []string{"BS-08", "VDP-5"}},
	{"BCK-02", "Quarterly restore test of a critical system", "detective", "quarterly", []string{"BS-08"}},
	{"CHG-01", "Change advisory approval before production release", "preventive", "weekly", []string{"BS-09"}},
	{"VUL-01", "Monthly patch cycle with critical fixes in 7 days", "corrective", "monthly", []string{"BS-10"}},
	{"END-01", "Disk encryption and endpoint protection on laptops", "preventive", "continuous", []string{"BS-11", "VDP-5"}},
	{"TPR-01", "Security questionnaire before onboarding a supplier", "preventive", "ad_hoc", []string{"BS-12", "VDP-9"}},
	{"TPR-02", "Data processing terms in every supplier contract", "preventive", "ad_hoc", []string{"VDP-2", "VDP-3", "VDP-8"}},
	{"TPR-03", "Register of data locations per supplier", "detective", "annual", []string{"VDP-1", "VDP-4"}},
	{"TPR-04", "Annual review of supplier assurance reports", "detective", "annual", []string{"BS-12", "VDP-9"}},
	{"INC-01", "Incident response plan with a yearly exercise", "corrective", "annual", []string{"BS-13", "VDP-7"}},
	{"INC-02", "Breach notification clause and contact list", "corrective", "ad_hoc", []string{"VDP-7", "VDP-10"}},
	{"HR-01", "Security awareness training at joining and yearly", "preventive", "annual", []string{"BS-14"}},
	{"FIN-01", "Dual approval of supplier bank detail changes", "preventive", "continuous", nil},
	{"FIN-02", "Monthly reconciliation of suspense accounts", "detective", "monthly", nil},
	{"OPS-01", "Capacity monitoring of the payment batch", "detective", "daily", nil},
	{"DRP-01", "Failover of the customer portal to a second region", "corrective", "semiannual", nil},
	{"LEG-01", "Contract review checklist for liability caps", "preventive", "ad_hoc", nil},
}

// seed returns the control library's demo seed: the example frameworks imported as a
// user would, the demo controls with their tests, ratings and requirement mappings,
// and, once every module has seeded, one control retired. The control ids go to
// s.Seeded["control"] for the modules after it to link to.
func seed(pool *pgxpool.Pool, h *cmdcontrols.Handler, reader *qcontrols.Reader) func(context.Context, *module.Seeding) error {
	return func(ctx context.Context, s *module.Seeding) error {
		if s.Existing {
			has, err := hasFrameworks(ctx, pool, s.OrgID)
			if err != nil {
				return err
			}
			if has {
				fmt.Fprintln(s.Out, "control library: the organization has frameworks already; nothing seeded")
				return nil
			}
		}
		start := time.Now()
		reqs, err := seedFrameworks(ctx, h, reader, s)
		if err != nil {
			return err
		}
		ids, err := seedControls(ctx, h, reqs, s)
		if err != nil {
			return err
		}
		s.Seeded["control"] = append(s.Seeded["control"], ids...)
		// One control is retired after risks mapped it: its mappings stay, shown as
		// archived. Archived controls cannot be mapped, so this waits for the others.
		retired := ids[len(ids)-1]
		s.Later(func(ctx context.Context) error {
			_, err := h.UpdateControl(ctx, s.As(identity.ComplianceManager, "control-retire"), retired, nil, json.RawMessage(`{"status":"Archived"}`))
			return err
		})
		fmt.Fprintf(s.Out, "control library: added the example frameworks (%d requirements) and %d controls with their tests in %s\n",
			len(reqs), len(ids), time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// hasFrameworks tells whether the organization has any framework, counting one whose
// creation the projection has not caught up with yet.
func hasFrameworks(ctx context.Context, pool *pgxpool.Pool, orgID int64) (bool, error) {
	var has bool
	err := pool.QueryRow(ctx, `select exists (select 1 from frameworks where org_id = $1)
		or exists (select 1 from unique_keys where kind = 'framework' and org_id = $1)`, orgID).Scan(&has)
	return has, err
}

type requirementRef struct{ id, framework int64 }

// seedFrameworks imports every example framework file, as a user would, and returns
// their requirements by code.
func seedFrameworks(ctx context.Context, h *cmdcontrols.Handler, reader *qcontrols.Reader, s *module.Seeding) (map[string]requirementRef, error) {
	out := map[string]requirementRef{}
	files, err := fs.ReadDir(examples.Files, ".")
	if err != nil {
		return nil, err
	}
	meta := s.As(identity.ComplianceManager, "frameworks")
	for _, f := range files {
		format, err := frameworkfile.FormatOf(f.Name())
		if err != nil {
			continue // not a framework file
		}
		data, err := fs.ReadFile(examples.Files, f.Name())
		if err != nil {
			return nil, err
		}
		res, err := h.Import(ctx, meta, data, format, path.Base(f.Name()))
		if err != nil {
			return nil, fmt.Errorf("example framework %s: %w", f.Name(), err)
		}
		fw, err := reader.CurrentFramework(ctx, s.OrgID, res.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range fw.Requirements {
			out[r.Code] = requirementRef{id: r.ID, framework: fw.ID}
		}
	}
	return out, nil
}

// seedControls creates the demo controls with tests, ratings and requirement
// mappings, and returns their ids. The compliance manager looks after the controls;
// the auditor tests them.
func seedControls(ctx context.Context, h *cmdcontrols.Handler, reqs map[string]requirementRef, s *module.Seeding) ([]int64, error) {
	rng := s.Rand
	var ids []int64
	for i, dc := range demoControls {
		m := s.As(identity.ComplianceManager, fmt.Sprintf("control-%d", i))
		owner := s.Anyone().ID
		f := evcontrols.Fields{Code: dc.code, Title: dc.title, Type: dc.typ, Frequency: dc.freq, OwnerID: &owner,
			Description: "Evidence of each run is kept for audit."}
		if len(dc.answers) > 0 {
			home := reqs[dc.answers[0]].framework // the framework the control was written for
			f.FrameworkID = &home
		}
		res, err := h.CreateControl(ctx, m, f, cmdcontrols.Active)
		if err != nil {
			return nil, fmt.Errorf("demo control %s: %w", dc.code, err)
		}
		ids = append(ids, res.ID)
		for _, code := range dc.answers {
			r, ok := reqs[code]
			if !ok {
				return nil, fmt.Errorf("demo control %s: no example requirement %s", dc.code, code)
			}
			if _, err := h.Execute(ctx, m, res.ID, nil, cmdcontrols.MapRequirement{RequirementID: r.id, FrameworkID: r.framework}); err != nil {
				return nil, fmt.Errorf("demo control %s requirement %s: %w", dc.code, code, err)
			}
		}
		if err := seedTests(ctx, h, res.ID, rng, s); err != nil {
			return nil, err
		}
		if rng.IntN(6) == 0 {
			if _, err := h.Execute(ctx, s.As(identity.ComplianceManager, fmt.Sprintf("control-%d-rating", i)), res.ID, nil,
				cmdcontrols.SetEffectiveness{Effectiveness: cmdcontrols.PartiallyEffective,
					Notes: "Works as designed, but evidence is incomplete for one site."}); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

// seedTests gives most controls a test record: mostly passes, some failures, an
// occasional inconclusive one, spread over the past year, all by the auditor.
func seedTests(ctx context.Context, h *cmdcontrols.Handler, controlID int64, rng *rand.Rand, s *module.Seeding) error {
	for t := range rng.IntN(4) {
		at := time.Now().AddDate(0, -(3*t + rng.IntN(3)), -rng.IntN(28))
		result := []string{cmdcontrols.Pass, cmdcontrols.Pass, cmdcontrols.Pass, cmdcontrols.Fail, cmdcontrols.Inconclusive}[rng.IntN(5)]
		if _, _, err := h.RecordTest(ctx, s.As(identity.Auditor, fmt.Sprintf("control-%d-test", controlID)), controlID, nil,
			cmdcontrols.RecordTest{TestedAt: &at, Result: result, Notes: fmt.Sprintf("Sampled %d items from the period.", 5+rng.IntN(20))}); err != nil {
			return err
		}
	}
	return nil
}
