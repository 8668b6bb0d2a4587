package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
)

// DemoOrganization is the organization the seed creates.
const DemoOrganization = "Northwind Holdings"

// demoPeople are the demo organization's users, one per role, with passwords a
// newcomer can type; `make run` prints them. They are for a local demo only.
var demoPeople = []struct {
	email, name, role, password string
}{
	{"admin@northwind.example", "Dana Whitfield", identity.Admin, "demo-admin-pass"},
	{"risk@northwind.example", "Marcus Obi", identity.RiskManager, "demo-risk-pass"},
	{"compliance@northwind.example", "Priya Raman", identity.ComplianceManager, "demo-compliance-pass"},
	{"auditor@northwind.example", "Tomás Ferreira", identity.Auditor, "demo-auditor-pass"},
	{"investigator@northwind.example", "Helen Park", identity.Investigator, "demo-investigator-pass"},
	{"viewer@northwind.example", "Sam Okafor", identity.Viewer, "demo-viewer-pass"},
}

// printLogins tells a newcomer how to get in.
func printLogins(out io.Writer) {
	fmt.Fprintf(out, "demo logins for %s (role: email / password):\n", DemoOrganization)
	for _, p := range demoPeople {
		fmt.Fprintf(out, "  %-18s %-32s %s\n", p.role, p.email, p.password)
	}
}

// demoRequested reads STRATA_DEMO: the demo organization is seeded only when it says
// true, and a value that is neither true nor false stops the server rather than
// being taken for either.
func demoRequested() (bool, error) {
	v := env("", "STRATA_DEMO")
	if v == "" {
		return false, nil
	}
	demo, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("STRATA_DEMO=%q: want true or false", v)
	}
	return demo, nil
}

// Seed creates the demo organization and its users, then lets each module add its
// demo data through its own commands, in the order of the module list, so the demo
// has a real history. When the organization exists each module adds only what the
// organization has none of (a demo seeded by an earlier release gains the modules
// added since), and otherwise nothing.
func Seed(ctx context.Context, a *app.App, n int, out io.Writer) error {
	defer printLogins(out)
	orgID, err := a.Identity.OrganizationByName(ctx, DemoOrganization)
	if err != nil {
		return err
	}
	s := &module.Seeding{OrgID: orgID, People: map[string]module.Person{}, Size: n,
		Rand: rand.New(rand.NewPCG(42, 7)), Existing: orgID != 0, Seeded: map[string][]int64{}, Out: out}
	for _, p := range demoPeople {
		var id int64
		if s.Existing {
			if id, err = a.Identity.UserIDByEmail(ctx, p.email); err != nil {
				return err
			}
			if id == 0 {
				fmt.Fprintf(out, "%s exists without its demo users; nothing seeded\n", DemoOrganization)
				return nil
			}
		} else if id, err = addMember(ctx, a, DemoOrganization, p.email, p.name, p.password, p.role); err != nil {
			return fmt.Errorf("demo user %s: %w", p.email, err)
		}
		s.People[p.role] = module.Person{ID: id, Name: p.name}
	}
	if !s.Existing {
		if s.OrgID, err = a.Identity.OrganizationByName(ctx, DemoOrganization); err != nil {
			return err
		}
	}
	for _, m := range a.Modules {
		if m.Seed == nil {
			continue
		}
		if err := m.Seed(ctx, s); err != nil {
			return fmt.Errorf("seed %s: %w", m.Name, err)
		}
	}
	return s.Finish(ctx)
}
