package identity

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/identity"
)

// IDs hands out new entity ids.
type IDs interface {
	Next(ctx context.Context, kind string) (int64, error)
}

// Handler runs identity commands. Besides the event log it owns two small tables the
// log must not hold: password hashes and organization-name reservations.
type Handler struct {
	pool   *pgxpool.Pool
	users  *commands.Streams[User]
	orgs   *commands.Streams[Organization]
	ids    IDs
	hasher Hasher
	// hashing holds a token for each password hash being computed. Each holds the
	// hasher's memory (19 MiB by default) for its whole length, and more of them than
	// there are CPUs only wait for one, so a burst of logins queues here instead of
	// costing that memory many times over.
	hashing chan struct{}

	dummyOnce sync.Once
	dummy     string

	// known holds organizations as last read by Membership. EvolveOrganization copies
	// the member map it changes, so a kept state is never written to.
	knownMu sync.Mutex
	known   map[int64]knownOrg
	// changes counts the membership changes this handler made; a kept organization
	// read before the latest one is not trusted.
	changes uint64
	// access, when set, says whether a kept organization can still be trusted
	// without reading its stream (HearAccess).
	access Generations
}

// Generations tells whether what was read earlier about access may still be trusted:
// gen moves whenever any process announces an access change, and ok is false while
// such announcements are not heard.
type Generations interface {
	Generation() (gen uint64, ok bool)
}

// knownOrg is an organization as last read, with the access generation taken before
// the read (ok false when announcements were not heard then).
type knownOrg struct {
	agg     commands.Aggregate[Organization]
	gen     uint64
	ok      bool
	changes uint64
}

// HearAccess lets IsMember trust a kept organization's members while g's generation
// stands still. Call it before the handler is used.
func (h *Handler) HearAccess(g Generations) { h.access = g }

// NewHandler refuses missing dependencies.
func NewHandler(pool *pgxpool.Pool, store events.Store, reg *events.Registry, ids IDs, hasher Hasher) (*Handler, error) {
	if pool == nil || store == nil || reg == nil || ids == nil {
		return nil, errors.New("identity: handler needs a pool, a store, a registry and an id source")
	}
	if hasher.Memory == 0 {
		hasher = DefaultHasher
	}
	return &Handler{
		pool:    pool,
		users:   &commands.Streams[User]{Store: store, Registry: reg, Name: ev.UserStream, Evolve: EvolveUser, SharedAcrossOrgs: true},
		orgs:    &commands.Streams[Organization]{Store: store, Registry: reg, Name: ev.OrganizationStream, Evolve: EvolveOrganization},
		ids:     ids,
		hasher:  hasher,
		hashing: make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
		known:   map[int64]knownOrg{},
	}, nil
}

// hashTurn waits until a password hash may be computed, or until ctx ends.
//
// Each hash fills 19 MiB that are garbage the moment it ends, and the collector only
// runs once the heap has grown by as much as was live (GOGC): a burst of logins piled
// each hash's memory on the last one's. Four simultaneous logins took a server holding
// 90 MB to 183 MB. done therefore collects before it hands the turn on, so the next
// hash reuses the memory the last one freed; a collection costs a few milliseconds,
// against the tens a hash takes.
func (h *Handler) hashTurn(ctx context.Context) (done func(), err error) {
	select {
	case h.hashing <- struct{}{}:
		return func() {
			runtime.GC()
			<-h.hashing
		}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hash is the hasher's hash of password, computed in turn.
func (h *Handler) hash(ctx context.Context, password string) (string, error) {
	done, err := h.hashTurn(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	return h.hasher.Hash(password)
}

// Users exposes user streams for replay.
func (h *Handler) Users() *commands.Streams[User] { return h.users }

// Organizations exposes organization streams for replay.
func (h *Handler) Organizations() *commands.Streams[Organization] { return h.orgs }

// RegisterUser creates an account. The email is reserved first (it is unique), then
// the event is appended; a failed append releases the reservation.
func (h *Handler) RegisterUser(ctx context.Context, meta events.Metadata, email, name, password string) (commands.Result, error) {
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	if err := ValidateAccount(email, name, password); err != nil {
		return commands.Result{}, err
	}
	hash, err := h.hash(ctx, password)
	if err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "user")
	if err != nil {
		return commands.Result{}, err
	}
	_, err = h.pool.Exec(ctx, `insert into credentials (user_id, email, password_hash) values ($1, $2, $3)`, id, email, hash)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return commands.Result{}, fieldError("email", "is already registered")
	}
	if err != nil {
		return commands.Result{}, err
	}
	res, err := h.users.Create(ctx, id, meta, ev.UserRegistered{UserID: id, Email: email, Name: name})
	if err != nil {
		_, _ = h.pool.Exec(context.WithoutCancel(ctx), `delete from credentials where user_id = $1`, id)
		return commands.Result{}, err
	}
	return res, nil
}

// ChangePassword sets a new password; the event records only that it changed.
func (h *Handler) ChangePassword(ctx context.Context, meta events.Metadata, userID int64, password string) (commands.Result, error) {
	errs := strata.FieldErrors{}
	text.NewPassword(errs, "password", password)
	if err := errs.Err(); err != nil {
		return commands.Result{}, err
	}
	hash, err := h.hash(ctx, password)
	if err != nil {
		return commands.Result{}, err
	}
	return h.executeUser(ctx, meta, userID, func(u User) ([]events.Payload, error) {
		tag, err := h.pool.Exec(ctx, `update credentials set password_hash = $2, updated_at = now() where user_id = $1`, userID, hash)
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() == 0 {
			return nil, strata.Errorf(strata.NotFound, "user not found")
		}
		return []events.Payload{ev.PasswordChanged{UserID: userID}}, nil
	})
}

// SetDisabled disables or re-enables an account.
func (h *Handler) SetDisabled(ctx context.Context, meta events.Metadata, userID int64, disabled bool, reason string) (commands.Result, error) {
	errs := strata.FieldErrors{}
	text.Check(errs, "reason", strings.TrimSpace(reason), text.Reason)
	if err := errs.Err(); err != nil {
		return commands.Result{}, err
	}
	return h.executeUser(ctx, meta, userID, func(u User) ([]events.Payload, error) {
		switch {
		case disabled == u.Disabled:
			return nil, nil
		case disabled:
			return []events.Payload{ev.UserDisabled{UserID: userID, Reason: strings.TrimSpace(reason)}}, nil
		}
		return []events.Payload{ev.UserEnabled{UserID: userID}}, nil
	})
}

// RecordSecurityEvent appends a login, logout or switch to the user's stream. The
// user's stream is not organization-scoped: users belong to several organizations.
func (h *Handler) RecordSecurityEvent(ctx context.Context, meta events.Metadata, userID int64, p events.Payload) (commands.Result, error) {
	res, err := h.users.AppendFacts(ctx, userID, meta, p)
	if strata.ErrorCode(err) == strata.NotFound {
		return res, strata.Errorf(strata.NotFound, "user not found")
	}
	return res, err
}

func (h *Handler) executeUser(ctx context.Context, meta events.Metadata, userID int64, decide func(User) ([]events.Payload, error)) (commands.Result, error) {
	res, err := h.users.Execute(ctx, userID, nil, meta, func(a commands.Aggregate[User]) ([]events.Payload, error) {
		return decide(a.State)
	})
	if strata.ErrorCode(err) == strata.NotFound {
		return res, strata.Errorf(strata.NotFound, "user not found")
	}
	return res, err
}

// LoadUser replays a user's stream.
func (h *Handler) LoadUser(ctx context.Context, userID int64) (User, bool, error) {
	agg, _, err := h.users.Load(ctx, userID, events.ReadOptions{})
	return agg.State, agg.Version > 0, err
}

// Authenticate checks an email and password. It takes as long for an unknown email
// as for a wrong password, so timing does not reveal which accounts exist.
func (h *Handler) Authenticate(ctx context.Context, email, password string) (userID int64, ok bool, err error) {
	var hash string
	err = pgx.ErrNoRows
	// Text PostgreSQL cannot hold is no account's email; asking would be a server error.
	if text.Storable(email) {
		err = h.pool.QueryRow(ctx, `select user_id, password_hash from credentials where lower(email) = lower($1)`,
			strings.TrimSpace(email)).Scan(&userID, &hash)
	}
	known := err == nil
	if !known && !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, err
	}
	done, err := h.hashTurn(ctx)
	if err != nil {
		return 0, false, err
	}
	defer done()
	if !known {
		h.dummyOnce.Do(func() { h.dummy, _ = h.hasher.Hash("not a real password, only spends time") })
		_, _ = Verify(h.dummy, password)
		return 0, false, nil
	}
	ok, err = Verify(hash, password)
	if err != nil || !ok {
		return userID, false, err
	}
	return userID, true, nil
}

// UserIDByEmail finds an account by email (0 when there is none).
func (h *Handler) UserIDByEmail(ctx context.Context, email string) (int64, error) {
	var id int64
	if !text.Storable(email) {
		return 0, nil
	}
	err := h.pool.QueryRow(ctx, `select user_id from credentials where lower(email) = lower($1)`, strings.TrimSpace(email)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// CreateOrganization creates a tenant with a unique name (case-insensitive).
func (h *Handler) CreateOrganization(ctx context.Context, meta events.Metadata, name string) (commands.Result, error) {
	name = strings.TrimSpace(name)
	errs := strata.FieldErrors{}
	text.Require(errs, "name", name, text.Name)
	if err := errs.Err(); err != nil {
		return commands.Result{}, err
	}
	id, err := h.ids.Next(ctx, "organization")
	if err != nil {
		return commands.Result{}, err
	}
	_, err = h.pool.Exec(ctx, `insert into organization_names (name_key, org_id) values (lower($1), $2)`, name, id)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return commands.Result{}, fieldError("name", "is already taken")
	}
	if err != nil {
		return commands.Result{}, err
	}
	orgMeta := meta
	orgMeta.OrgID = id // an organization's own stream belongs to it
	res, err := h.orgs.Create(ctx, id, orgMeta, ev.OrganizationCreated{OrgID: id, Name: name})
	if err != nil {
		_, _ = h.pool.Exec(context.WithoutCancel(ctx), `delete from organization_names where org_id = $1`, id)
	}
	return res, err
}

// OrganizationByName finds an organization id by name (0 when there is none).
func (h *Handler) OrganizationByName(ctx context.Context, name string) (int64, error) {
	var id int64
	if !text.Storable(name) {
		return 0, nil
	}
	err := h.pool.QueryRow(ctx, `select org_id from organization_names where name_key = lower($1)`, strings.TrimSpace(name)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// SetMembership adds a user to meta's organization, changes their role, or (role "")
// removes them. The user must exist.
func (h *Handler) SetMembership(ctx context.Context, meta events.Metadata, userID int64, role string) (commands.Result, error) {
	if _, found, err := h.LoadUser(ctx, userID); err != nil {
		return commands.Result{}, err
	} else if !found {
		return commands.Result{}, strata.Errorf(strata.NotFound, "user not found")
	}
	res, err := h.orgs.Execute(ctx, meta.OrgID, nil, meta, func(a commands.Aggregate[Organization]) ([]events.Payload, error) {
		return DecideMember(a.State, userID, role)
	})
	// IsMember must not trust what was read before this change, including a read in
	// flight now; an error may follow a change that committed, so it counts too.
	h.knownMu.Lock()
	h.changes++
	h.knownMu.Unlock()
	return res, err
}

// Membership returns a user's role in an organization, replayed from its stream. The
// organization's state is kept from one call to the next, and each call reads only
// the events appended since: one indexed read that usually finds nothing, where
// replaying the whole stream cost every create that names an owner a read and a
// decode of every membership change the organization ever had.
func (h *Handler) Membership(ctx context.Context, orgID, userID int64) (string, bool, error) {
	var gen uint64
	var heard bool
	if h.access != nil {
		gen, heard = h.access.Generation()
	}
	h.knownMu.Lock()
	kept, ok := h.known[orgID]
	changes := h.changes
	h.knownMu.Unlock()
	agg := kept.agg
	var err error
	if ok {
		agg, err = h.orgs.Refresh(ctx, orgID, agg)
	} else {
		agg, _, err = h.orgs.Load(ctx, orgID, events.ReadOptions{})
	}
	if err != nil || agg.Version == 0 {
		return "", false, err
	}
	h.knownMu.Lock()
	if cur, ok := h.known[orgID]; !ok || cur.agg.Version <= agg.Version {
		if len(h.known) >= maxKnownOrgs {
			clear(h.known)
		}
		h.known[orgID] = knownOrg{agg: agg, gen: gen, ok: heard, changes: changes}
	}
	h.knownMu.Unlock()
	role, ok := agg.State.Members[userID]
	return role, ok, nil
}

// maxKnownOrgs bounds the organizations whose state Membership keeps; past it they
// are all forgotten and read again as needed.
const maxKnownOrgs = 10_000

// IsMember reports whether a user belongs to an organization, from the organization's
// stream: a membership change counts from the moment it commits, without waiting for
// the read model.
//
// A member found in an organization kept since the last access announcement is
// trusted without reading the stream: naming an owner cost every create a read that
// almost always found nothing new. A removal made in this process is forgotten before
// it answers (SetMembership); one made in another process counts once its
// announcement arrives, a window no wider than the one between any check and the
// append that follows it. Only a yes is trusted: a no is read again, so a member just
// added by another process is never refused.
func (h *Handler) IsMember(ctx context.Context, orgID, userID int64) (bool, error) {
	if h.access != nil {
		gen, heard := h.access.Generation()
		h.knownMu.Lock()
		kept, ok := h.known[orgID]
		current := kept.changes == h.changes
		h.knownMu.Unlock()
		if ok && heard && kept.ok && kept.gen == gen && current {
			if _, member := kept.agg.State.Members[userID]; member {
				return true, nil
			}
		}
	}
	_, ok, err := h.Membership(ctx, orgID, userID)
	return ok, err
}
