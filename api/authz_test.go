package api_test

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/commands/identity"
)

// anyMemberRoutes need a session and no permission: they are about the caller's own
// account, so any member may use them.
var anyMemberRoutes = []string{"POST /api/auth/organization", "PUT /api/auth/password", "GET /api/auth/sessions",
	"DELETE /api/auth/sessions/:session_id"}

// publicRoutes answer without a session.
var publicRoutes = []string{"GET /api/openapi.json", "POST /api/auth/login", "POST /api/auth/logout", "GET /api/auth/status"}

// routePermissions is the permission each route under /api that needs a session
// declares, as the server's route table holds it (every module route is registered
// with its permission), plus the account routes any member may use (""). A route
// served outside both fails the test: it would have no permission check.
func routePermissions(t *testing.T, srv *api.Server) map[string]identity.Permission {
	t.Helper()
	out := map[string]identity.Permission{}
	for _, r := range srv.RouteTable() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		out[r.Method+" "+r.Path] = r.Permission
	}
	for _, r := range anyMemberRoutes {
		out[r] = ""
	}
	return out
}

// authedRoutes lists "METHOD /path" (gin syntax) of every served route under /api
// that needs a session, with the /api/v1 copies when withV1, and the permission each
// needs. It fails the test for a route served without a registered permission.
func authedRoutes(t *testing.T, srv *api.Server, withV1 bool) ([]string, map[string]identity.Permission) {
	t.Helper()
	perms := routePermissions(t, srv)
	var out []string
	served := map[string]bool{}
	for _, r := range srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		key := r.Method + " " + r.Path
		base := key
		v1 := strings.HasPrefix(r.Path, "/api/v1/")
		if v1 {
			base = r.Method + " /api/" + strings.TrimPrefix(r.Path, "/api/v1/")
		}
		if slices.Contains(publicRoutes, base) {
			continue
		}
		served[base] = true
		if _, ok := perms[base]; !ok {
			t.Errorf("%s is served but registered with no permission", base)
			continue
		}
		if !v1 || withV1 {
			out = append(out, key)
			perms[key] = perms[base]
		}
	}
	for k := range perms {
		if !strings.Contains(k, " /api/v1/") && !served[k] {
			t.Errorf("%s is in the route table but not served", k)
		}
	}
	slices.Sort(out)
	return out, perms
}

var routeParam = regexp.MustCompile(`:([a-z_]+)`)

// concrete fills a route's parameters with ids that exist nowhere.
func concrete(path string) string {
	return routeParam.ReplaceAllStringFunc(path, func(p string) string {
		if p == ":session_id" {
			return "00000000deadbeef"
		}
		return "999999"
	})
}

// TestAuthzRoleMatrix sends every authenticated route as every role: a role without
// the route's permission gets exactly 403 PERMISSION_DENIED, a role with it gets
// past the check (a 400 or 404 for the dummy ids and empty bodies is fine).
func TestAuthzRoleMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := []string{identity.Admin, identity.RiskManager, identity.ComplianceManager, identity.Auditor, identity.Investigator, identity.Viewer}
	if !slices.Equal(identity.Roles, want) {
		t.Fatalf("roles %v; this test knows %v", identity.Roles, want)
	}
	emails := map[string]string{}
	for _, role := range identity.Roles[1:] {
		emails[role] = e.createUser(1, "Role "+role, role)
	}
	e.settle()
	clients := map[string]*env{identity.Admin: e}
	for role, email := range emails {
		clients[role] = e.loggedIn(email)
	}
	routes, perms := authedRoutes(t, e.Server, false)
	if len(routes) < 30 {
		t.Fatalf("only %d routes served: %v", len(routes), routes)
	}
	// Every permission a module declares guards at least one route, and every route's
	// permission is one the admin holds (so it is in the role table).
	used := map[identity.Permission]bool{}
	for _, p := range perms {
		used[p] = true
		if p != "" && !e.App.Roles.Allows(identity.Admin, p) {
			t.Errorf("permission %s guards a route but is in no grant", p)
		}
	}
	for _, m := range e.App.Modules {
		for _, g := range m.Permissions {
			if !used[g.Permission] {
				t.Errorf("module %s declares %s, which guards no route", m.Name, g.Permission)
			}
		}
	}

	denied := map[string]int{}
	for _, role := range identity.Roles {
		c := clients[role]
		if st := c.status(); !st.Authenticated || st.Organization.Role != role || !slices.Equal(st.Permissions, permissionsOf(role)) {
			t.Fatalf("%s status: %+v", role, st)
		}
		for _, route := range routes {
			method, path, _ := strings.Cut(route, " ")
			perm := perms[route]
			allowed := perm == "" || e.App.Roles.Allows(role, perm)
			if !allowed {
				denied[role]++
			}
			t.Run(role+" "+route, func(t *testing.T) {
				var body any
				if method != http.MethodGet {
					body = map[string]any{}
				}
				r := c.at(t).do(method, concrete(path), body)
				if !allowed {
					wantErr(t, r, http.StatusForbidden, "PERMISSION_DENIED")
					return
				}
				if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden || r.Status >= 500 {
					t.Fatalf("%s may %s (permission %q), got %d: %s", role, route, perm, r.Status, r.Raw)
				}
			})
		}
	}
	// The matrix is not vacuous: the admin may do everything, every other role is
	// refused something.
	for _, role := range identity.Roles {
		if (role == identity.Admin) != (denied[role] == 0) {
			t.Errorf("%s is refused %d routes", role, denied[role])
		}
	}
}

// TestAuthzNoSession: every route that needs a session answers 401 AUTH_REQUIRED
// without one, whatever the cookie says.
func TestAuthzNoSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ended := e.otherSession()
	endedCookie := ended.cookie()
	wantOK(t, ended.do("POST", "/api/auth/logout", nil), http.StatusOK)

	routes, _ := authedRoutes(t, e.Server, true)
	for name, c := range map[string]*env{
		"no cookie":         e.anonymous(),
		"made-up cookie":    e.withCookie(randomToken()),
		"malformed cookie":  e.withCookie("garbage"),
		"logged-out cookie": e.withCookie(endedCookie),
	} {
		for _, route := range routes {
			method, path, _ := strings.Cut(route, " ")
			t.Run(name+" "+route, func(t *testing.T) {
				var body any
				if method != http.MethodGet {
					body = map[string]any{}
				}
				wantErr(t, c.at(t).do(method, concrete(path), body), http.StatusUnauthorized, "AUTH_REQUIRED")
			})
		}
	}
	// The logged-in admin is still fine.
	wantOK(t, e.do("GET", "/api/auth/sessions", nil), http.StatusOK)
}

// TestAuthzTenantMembers: organization B's admin cannot reach organization A's
// members, their sessions or organization A itself; each is a plain 404, the same
// as for an id that was never used.
func TestAuthzTenantMembers(t *testing.T) {
	t.Parallel()
	one := newEnv(t)
	two := newEnvOn(t, one.DB, api.Principal{OrgID: 2, Name: "Org B Admin"})
	memberEmail := one.createUser(1, "Org A Member", identity.Viewer)
	one.settle()
	member := one.loggedIn(memberEmail)
	memberID, adminA, orgA := one.userID(memberEmail), one.status().User.ID, one.orgID(1)
	adminB := two.status().User.ID
	memberSession, adminASession := publicID(member.cookie()), publicID(one.cookie())
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	type request struct {
		method, path string
		body         any
	}
	cases := []struct {
		name            string
		foreign, absent request
		foreignID       string
	}{
		{"change a member's role", request{"PUT", "/members/" + id(memberID), map[string]any{"role": "admin"}},
			request{"PUT", "/members/999999", map[string]any{"role": "admin"}}, id(memberID)},
		{"demote the admin", request{"PUT", "/members/" + id(adminA), map[string]any{"role": "viewer"}},
			request{"PUT", "/members/999999", map[string]any{"role": "viewer"}}, id(adminA)},
		{"remove a member", request{"DELETE", "/members/" + id(memberID), nil}, request{"DELETE", "/members/999999", nil}, id(memberID)},
		{"remove the admin", request{"DELETE", "/members/" + id(adminA), nil}, request{"DELETE", "/members/999999", nil}, id(adminA)},
		{"revoke a member's session", request{"DELETE", "/auth/sessions/" + memberSession, nil},
			request{"DELETE", "/auth/sessions/00000000deadbeef", nil}, memberSession},
		{"revoke the admin's session", request{"DELETE", "/auth/sessions/" + adminASession, nil},
			request{"DELETE", "/auth/sessions/00000000deadbeef", nil}, adminASession},
		{"switch into the organization", request{"POST", "/auth/organization", map[string]any{"organization_id": orgA}},
			request{"POST", "/auth/organization", map[string]any{"organization_id": 999999}}, id(orgA)},
	}
	for _, prefix := range []string{"/api", "/api/v1"} {
		for _, c := range cases {
			t.Run(prefix+" "+c.name, func(t *testing.T) {
				two := two.at(t)
				f := two.do(c.foreign.method, prefix+c.foreign.path, c.foreign.body)
				wantErr(t, f, http.StatusNotFound, "NOT_FOUND")
				a := two.do(c.absent.method, prefix+c.absent.path, c.absent.body)
				wantErr(t, a, http.StatusNotFound, "NOT_FOUND")
				if strings.ReplaceAll(f.Error.Message, c.foreignID, "N") != strings.ReplaceAll(strings.ReplaceAll(a.Error.Message, "999999", "N"), "00000000deadbeef", "N") {
					t.Fatalf("foreign id: %q; unused id: %q", f.Error.Message, a.Error.Message)
				}
				if s := string(f.Raw); strings.Contains(s, "Org A Member") || strings.Contains(s, memberEmail) || strings.Contains(s, "Organization 1") {
					t.Fatalf("the reply tells about organization A: %s", s)
				}
			})
		}
	}

	// Nothing changed in organization A.
	if st := member.status(); !st.Authenticated || st.Organization.ID != orgA || st.Organization.Role != identity.Viewer {
		t.Fatalf("organization A's member after B's attempts: %+v", st)
	}
	if st := one.status(); !st.Authenticated || st.Organization.Role != identity.Admin {
		t.Fatalf("organization A's admin after B's attempts: %+v", st)
	}
	if st := two.status(); st.Organization.ID == orgA || len(st.Organizations) != 1 {
		t.Fatalf("organization B's admin: %+v", st)
	}

	// Lists: each organization sees only its own members and the user its own sessions.
	one.settle()
	members := func(e *env) []int64 {
		t.Helper()
		r := e.do("GET", "/api/members", nil)
		wantOK(t, r, http.StatusOK)
		var ms []userView
		r.into(t, &ms)
		var ids []int64
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		slices.Sort(ids)
		return ids
	}
	wantA := []int64{adminA, memberID}
	slices.Sort(wantA)
	if got := members(one); !slices.Equal(got, wantA) {
		t.Fatalf("organization A's members %v, want %v", got, wantA)
	}
	for _, prefix := range []string{"/api", "/api/v1"} {
		r := two.do("GET", prefix+"/members", nil)
		wantOK(t, r, http.StatusOK)
		if s := string(r.Raw); strings.Contains(s, memberEmail) || strings.Contains(s, one.Email) || strings.Contains(s, "Org A Member") {
			t.Fatalf("organization B's member list shows organization A's members: %s", s)
		}
	}
	if got := members(two); !slices.Equal(got, []int64{adminB}) {
		t.Fatalf("organization B's members %v, want [%d]", got, adminB)
	}
	r := two.do("GET", "/api/auth/sessions", nil)
	wantOK(t, r, http.StatusOK)
	if s := string(r.Raw); strings.Contains(s, memberSession) || strings.Contains(s, adminASession) {
		t.Fatalf("organization B's admin lists organization A's sessions: %s", s)
	}
}
