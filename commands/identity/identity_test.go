package identity_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/authcache"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/identity"
	"github.com/strata-grc/strata/events/postgres"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestRoleTable composes the core's grants with a module's: the admin holds every
// permission, others what they are granted, and a clash or an unknown role is refused.
func TestRoleTable(t *testing.T) {
	t.Parallel()
	const read, write identity.Permission = "things:read", "things:write"
	table, err := identity.NewRoleTable(append(identity.CoreGrants,
		identity.Grant{Permission: read, Roles: identity.Everyone},
		identity.Grant{Permission: write, Roles: []string{identity.RiskManager}})...)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range identity.Roles {
		if !table.Allows(role, read) || !table.Allows(role, identity.DashboardRead) {
			t.Errorf("%s cannot read things or the dashboard", role)
		}
	}
	cases := []struct {
		role string
		perm identity.Permission
		want bool
	}{
		{identity.Admin, identity.MembersManage, true},
		{identity.Admin, write, true}, // never named, holds it anyway
		{identity.RiskManager, write, true},
		{identity.RiskManager, identity.MembersManage, false},
		{identity.Viewer, write, false},
		{identity.Auditor, identity.AuditTrailRead, true},
		{identity.Viewer, identity.AuditTrailRead, false},
		{"overlord", read, false},
	}
	for _, c := range cases {
		if got := table.Allows(c.role, c.perm); got != c.want {
			t.Errorf("Allows(%s, %s) = %v, want %v", c.role, c.perm, got, c.want)
		}
	}
	if got := table.Permissions(identity.RiskManager); len(got) != 4 {
		t.Errorf("risk manager holds %v", got)
	}
	if _, err := identity.NewRoleTable(identity.Grant{Permission: read}, identity.Grant{Permission: read}); err == nil {
		t.Error("a permission granted twice was accepted")
	}
	if _, err := identity.NewRoleTable(identity.Grant{Permission: read, Roles: []string{"overlord"}}); err == nil {
		t.Error("a grant to an unknown role was accepted")
	}
}

func TestPasswordHashes(t *testing.T) {
	t.Parallel()
	h := identity.Hasher{Memory: 64, Time: 1, Threads: 1}
	a, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Hash("correct horse battery staple")
	if a == b || !strings.HasPrefix(a, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hashes must be salted PHC strings: %s / %s", a, b)
	}
	if ok, err := identity.Verify(a, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := identity.Verify(a, "correct horse battery stapler"); ok {
		t.Fatal("wrong password accepted")
	}
	// A hash made with other parameters still verifies: they travel with it.
	strong, _ := identity.DefaultHasher.Hash("another password here")
	if ok, _ := identity.Verify(strong, "another password here"); !ok {
		t.Fatal("default-parameter hash did not verify")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=x$a$b", "plain"} {
		if _, err := identity.Verify(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestDecideMember(t *testing.T) {
	t.Parallel()
	org := func(members map[int64]string) identity.Organization {
		return identity.Organization{ID: 9, Name: "Acme", Members: members}
	}
	cases := []struct {
		name    string
		org     identity.Organization
		user    int64
		role    string
		want    events.Payload
		wantErr strata.Code
	}{
		{"add", org(map[int64]string{1: identity.Admin}), 2, identity.Viewer, ev.MemberAdded{OrgID: 9, UserID: 2, Role: identity.Viewer}, ""},
		{"change", org(map[int64]string{1: identity.Admin, 2: identity.Viewer}), 2, identity.Auditor,
			ev.MemberRoleChanged{OrgID: 9, UserID: 2, From: identity.Viewer, To: identity.Auditor}, ""},
		{"same role", org(map[int64]string{1: identity.Admin, 2: identity.Viewer}), 2, identity.Viewer, nil, ""},
		{"remove", org(map[int64]string{1: identity.Admin, 2: identity.Viewer}), 2, "", ev.MemberRemoved{OrgID: 9, UserID: 2}, ""},
		{"remove a stranger", org(map[int64]string{1: identity.Admin}), 2, "", nil, strata.NotFound},
		{"remove the last admin", org(map[int64]string{1: identity.Admin, 2: identity.Viewer}), 1, "", nil, strata.Invalid},
		{"demote the last admin", org(map[int64]string{1: identity.Admin}), 1, identity.Viewer, nil, strata.Invalid},
		{"demote one of two admins", org(map[int64]string{1: identity.Admin, 2: identity.Admin}), 1, identity.Viewer,
			ev.MemberRoleChanged{OrgID: 9, UserID: 1, From: identity.Admin, To: identity.Viewer}, ""},
		{"unknown role", org(map[int64]string{1: identity.Admin}), 2, "overlord", nil, strata.Invalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := identity.DecideMember(c.org, c.user, c.role)
			if c.wantErr != "" {
				if strata.ErrorCode(err) != c.wantErr {
					t.Fatalf("error %v, want %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == nil && len(got) != 0:
				t.Fatalf("got %v, want nothing", got)
			case c.want != nil && (len(got) != 1 || got[0] != c.want):
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	// Evolve never changes the state it was given.
	before := identity.EvolveOrganization(identity.Organization{}, ev.MemberAdded{OrgID: 9, UserID: 1, Role: identity.Admin}, events.Event{})
	_ = identity.EvolveOrganization(before, ev.MemberRoleChanged{OrgID: 9, UserID: 1, From: identity.Admin, To: identity.Viewer}, events.Event{})
	if before.Members[1] != identity.Admin {
		t.Fatal("EvolveOrganization wrote into the earlier state")
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	h := newHandler(t, db)
	meta := events.Metadata{OrgID: 1, ActorName: events.System, CorrelationID: "test"}
	org, err := h.CreateOrganization(ctx, meta, "Acme Corp")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.CreateOrganization(ctx, meta, "  acme corp "); strata.ErrorCode(err) != strata.Invalid {
		t.Fatalf("duplicate organization name (any case): %v", err)
	}
	meta.OrgID = org.ID
	u, err := h.RegisterUser(ctx, meta, "ana@example.com", "Ana", "a very good password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.RegisterUser(ctx, meta, "ANA@example.com", "Ana Again", "another good password"); strata.ErrorCode(err) != strata.Invalid {
		t.Fatalf("duplicate email (any case): %v", err)
	}
	for _, bad := range [][3]string{{"not-an-email", "X", "long enough password"}, {"x@example.com", "", "long enough password"}, {"y@example.com", "Y", "short"}} {
		if _, err := h.RegisterUser(ctx, meta, bad[0], bad[1], bad[2]); strata.ErrorCode(err) != strata.Invalid {
			t.Errorf("register %v: %v", bad, err)
		}
	}
	if id, ok, err := h.Authenticate(ctx, "Ana@Example.com", "a very good password"); !ok || err != nil || id != u.ID {
		t.Fatalf("authenticate: %d %v %v", id, ok, err)
	}
	if _, ok, _ := h.Authenticate(ctx, "ana@example.com", "wrong password"); ok {
		t.Fatal("wrong password accepted")
	}
	if _, ok, _ := h.Authenticate(ctx, "nobody@example.com", "a very good password"); ok {
		t.Fatal("unknown email accepted")
	}
	if _, err := h.ChangePassword(ctx, meta, u.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := h.Authenticate(ctx, "ana@example.com", "a very good password"); ok {
		t.Fatal("old password still works")
	}
	if _, err := h.SetMembership(ctx, meta, u.ID, identity.Admin); err != nil {
		t.Fatal(err)
	}
	if role, member, err := h.Membership(ctx, org.ID, u.ID); err != nil || !member || role != identity.Admin {
		t.Fatalf("membership: %s %v %v", role, member, err)
	}
	if _, err := h.SetMembership(ctx, meta, 999, identity.Viewer); strata.ErrorCode(err) != strata.NotFound {
		t.Fatalf("membership of a missing user: %v", err)
	}
	var leaked int
	if err := db.Pool.QueryRow(ctx, `select count(*) from events where data::text ~ '(very good|brand new) password|argon2'`).Scan(&leaked); err != nil || leaked != 0 {
		t.Fatalf("passwords or hashes in the log: %d %v", leaked, err)
	}
	var types []string
	rows, _ := db.Pool.Query(ctx, `select type from events where stream_id = $1 order by stream_version`, ev.UserStream(u.ID))
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		types = append(types, s)
	}
	if strings.Join(types, ",") != "UserRegistered,PasswordChanged" {
		t.Fatalf("user stream: %v", types)
	}
}

// TestPasswordHashesTakeTurns: a hash is computed only with a turn free (there are as
// many as CPUs, so a burst of logins does not hold the hasher's memory many times
// over). A login, a known email's or an unknown one's, and a registration wait for a
// turn until their context ends, and go ahead once one is free.
func TestPasswordHashesTakeTurns(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	h := newHandler(t, db)
	ctx := context.Background()
	meta := events.Metadata{OrgID: 1, ActorName: events.System, CorrelationID: "test"}
	if _, err := h.RegisterUser(ctx, meta, "bo@example.com", "Bo", "a very good password"); err != nil {
		t.Fatal(err)
	}

	release := identity.HoldHashing(h)
	waiting := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 50*time.Millisecond) }
	for _, email := range []string{"bo@example.com", "nobody@example.com"} {
		wctx, cancel := waiting()
		_, ok, err := h.Authenticate(wctx, email, "a very good password")
		cancel()
		if ok || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("login as %s with every turn taken: ok %v, %v; want it to wait until its deadline", email, ok, err)
		}
	}
	wctx, cancel := waiting()
	_, err := h.RegisterUser(wctx, meta, "cy@example.com", "Cy", "another good password")
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("registration with every turn taken: %v; want it to wait until its deadline", err)
	}

	release()
	if _, ok, err := h.Authenticate(ctx, "bo@example.com", "a very good password"); !ok || err != nil {
		t.Fatalf("login with a turn free: %v %v", ok, err)
	}
	if _, err := h.RegisterUser(ctx, meta, "cy@example.com", "Cy", "another good password"); err != nil {
		t.Fatalf("registration with a turn free: %v", err)
	}
}

// TestPasswordHashLeavesNoGarbage: a hash at the production cost (19 MiB) leaves its
// memory collected when its turn ends. A server holds tens of MB, so the collector
// would otherwise wait for as much garbage again, and a burst of logins stacked one
// hash's memory on the last. Not parallel: other tests' allocations would blur the
// heap it reads.
func TestPasswordHashLeavesNoGarbage(t *testing.T) {
	db := testdb.New(t)
	reg := events.NewRegistry()
	ev.Register(reg)
	h, err := identity.NewHandler(db.Pool, postgres.New(db.Pool), reg, commands.NewSequences(db.Pool), identity.DefaultHasher)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	meta := events.Metadata{OrgID: 1, ActorName: events.System, CorrelationID: "test"}
	if _, err := h.RegisterUser(ctx, meta, "dee@example.com", "Dee", "a very good password"); err != nil {
		t.Fatal(err)
	}
	ballast := make([]byte, 64<<20) // what a server holds, so the next collection is far off
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	for _, email := range []string{"dee@example.com", "nobody@example.com", "dee@example.com"} {
		if _, _, err := h.Authenticate(ctx, email, "a guess"); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&m)
		if grown := int64(m.HeapAlloc) - int64(base); grown > 8<<20 {
			t.Errorf("after a login as %s the heap holds %d MiB more than before it", email, grown>>20)
		}
	}
	runtime.KeepAlive(ballast)
}

// Membership keeps each organization's state between calls and reads only what was
// appended since; a change made through another handler (another server) counts on
// the next call, and a kept state is never changed under an earlier caller.
func TestMembershipFollowsChangesMadeElsewhere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	reader, writer := newHandler(t, db), newHandler(t, db)
	meta := events.Metadata{OrgID: 1, ActorName: events.System, CorrelationID: "test"}
	org, err := writer.CreateOrganization(ctx, meta, "Kept Org")
	if err != nil {
		t.Fatal(err)
	}
	meta.OrgID = org.ID
	u, err := writer.RegisterUser(ctx, meta, "kept@example.com", "Kept", "a very good password")
	if err != nil {
		t.Fatal(err)
	}
	boss, err := writer.RegisterUser(ctx, meta, "boss@example.com", "Boss", "a very good password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.SetMembership(ctx, meta, boss.ID, identity.Admin); err != nil {
		t.Fatal(err)
	}
	check := func(step, wantRole string, wantMember bool) {
		t.Helper()
		role, member, err := reader.Membership(ctx, org.ID, u.ID)
		if err != nil || member != wantMember || role != wantRole {
			t.Fatalf("%s: role %q, member %v, err %v; want %q, %v", step, role, member, err, wantRole, wantMember)
		}
	}
	check("before joining", "", false)
	if _, err := writer.SetMembership(ctx, meta, u.ID, identity.Viewer); err != nil {
		t.Fatal(err)
	}
	check("after joining", identity.Viewer, true)
	before, _, err := reader.Organizations().Load(ctx, org.ID, events.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.SetMembership(ctx, meta, u.ID, identity.Admin); err != nil {
		t.Fatal(err)
	}
	check("after a role change", identity.Admin, true)
	if _, err := writer.SetMembership(ctx, meta, u.ID, ""); err != nil {
		t.Fatal(err)
	}
	check("after removal", "", false)
	if ok, err := reader.IsMember(ctx, org.ID, u.ID); ok || err != nil {
		t.Fatalf("IsMember after removal: %v %v", ok, err)
	}
	if before.State.Members[u.ID] != identity.Viewer {
		t.Fatalf("a state loaded before the changes now says %q", before.State.Members[u.ID])
	}
	if role, member, err := reader.Membership(ctx, 424242, u.ID); member || role != "" || err != nil {
		t.Fatalf("membership of an organization that does not exist: %q %v %v", role, member, err)
	}
}

// newHandler is an identity handler over db with a hasher cheap enough for tests; two
// handlers over one database behave as two servers.
func newHandler(t *testing.T, db *testdb.DB) *identity.Handler {
	t.Helper()
	reg := events.NewRegistry()
	ev.Register(reg)
	h, err := identity.NewHandler(db.Pool, postgres.New(db.Pool), reg, commands.NewSequences(db.Pool), identity.Hasher{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// readCounter counts the stream reads a handler makes.
type readCounter struct {
	events.Store
	reads atomic.Int64
}

func (c *readCounter) ReadStream(ctx context.Context, stream string, opts events.ReadOptions) ([]events.Event, error) {
	c.reads.Add(1)
	return c.Store.ReadStream(ctx, stream, opts)
}

// IsMember answers a yes from a kept organization while the access announcements are
// heard and none arrived; a removal made by this handler counts at once, one made
// elsewhere once announced, and a no is always read again.
func TestIsMemberTrustsAKeptYesUntilAccessMoves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.New(t)
	writer := newHandler(t, db)
	reg := events.NewRegistry()
	ev.Register(reg)
	counted := &readCounter{Store: postgres.New(db.Pool)}
	reader, err := identity.NewHandler(db.Pool, counted, reg, commands.NewSequences(db.Pool), identity.Hasher{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	cache := authcache.New(0)
	reader.HearAccess(cache)

	meta := events.Metadata{OrgID: 1, ActorName: events.System, CorrelationID: "test"}
	org, err := writer.CreateOrganization(ctx, meta, "Trusted Org")
	if err != nil {
		t.Fatal(err)
	}
	meta.OrgID = org.ID
	var users []int64
	for _, email := range []string{"a@example.com", "b@example.com", "boss@example.com"} {
		u, err := writer.RegisterUser(ctx, meta, email, "U", "a very good password")
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u.ID)
	}
	u, late, boss := users[0], users[1], users[2]
	for _, id := range []int64{boss, u} {
		if _, err := writer.SetMembership(ctx, meta, id, identity.Admin); err != nil {
			t.Fatal(err)
		}
	}
	member := func(step string, user int64, want bool, wantReads int64) {
		t.Helper()
		before := counted.reads.Load()
		ok, err := reader.IsMember(ctx, org.ID, user)
		if err != nil || ok != want {
			t.Fatalf("%s: member %v, err %v; want %v", step, ok, err, want)
		}
		if got := counted.reads.Load() - before; got != wantReads {
			t.Fatalf("%s: %d stream reads, want %d", step, got, wantReads)
		}
	}

	member("deaf, first", u, true, 1)
	member("deaf, again", u, true, 1)

	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); cache.Listen(lctx, db.Pool) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, heard := cache.Generation(); heard {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cache did not start listening")
		}
	}
	// Another test's announcement may move the generation between two steps (the
	// channel is shared by every schema of the test database); the steps that
	// expect no read are retried once after a fresh read in that case.
	trusted := func(step string, user int64) {
		t.Helper()
		for range 10 {
			gen, _ := cache.Generation()
			if ok, err := reader.IsMember(ctx, org.ID, user); err != nil || !ok {
				t.Fatalf("%s: member %v, err %v", step, ok, err)
			}
			before := counted.reads.Load()
			if ok, err := reader.IsMember(ctx, org.ID, user); err != nil || !ok {
				t.Fatalf("%s: member %v, err %v", step, ok, err)
			}
			if counted.reads.Load() == before {
				return
			}
			if now, _ := cache.Generation(); now == gen {
				t.Fatalf("%s: a kept yes was read again with no announcement in between", step)
			}
		}
		t.Fatalf("%s: never answered from memory", step)
	}
	trusted("hearing", u)

	// A member added elsewhere is found at once: a no is never trusted.
	if _, err := writer.SetMembership(ctx, meta, late, identity.Viewer); err != nil {
		t.Fatal(err)
	}
	member("added elsewhere", late, true, 1)

	// Removed elsewhere: trusted until the announcement, refused after it.
	if _, err := writer.SetMembership(ctx, meta, u, ""); err != nil {
		t.Fatal(err)
	}
	gen, _ := cache.Generation()
	if _, err := db.Pool.Exec(ctx, `select pg_notify($1, 'a')`, authcache.Channel); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if now, _ := cache.Generation(); now != gen {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the announcement was not heard")
		}
	}
	member("removed elsewhere, announced", u, false, 1)

	// Removed by this handler: refused on the next call, with no announcement.
	trusted("before removal here", late)
	if _, err := reader.SetMembership(ctx, meta, late, ""); err != nil {
		t.Fatal(err)
	}
	member("removed here", late, false, 1)
}
