// Package sessionstore keeps HTTP sessions server-side in PostgreSQL (the http_sessions
// table) behind gin-contrib's sessions.Store interface.
//
// The cookie carries only a random token; the table holds sha256 of the token, so a
// copy of the table does not let anyone act as its users, and a session can be ended
// on the server (logout, revocation, expiry) without trusting the browser to forget it.
//
// Only string keys and string values are supported: values are stored as a JSON
// object of strings, and Save returns an error for anything else (flash messages
// included). The keys "user_id" and "org_id", when present, must be decimal ids; they
// are mirrored into columns so a user's sessions can be listed and revoked.
package sessionstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	ginsessions "github.com/gin-contrib/sessions"
	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/authcache"
)

// Keys of Values mirrored into the user_id and org_id columns.
const (
	UserIDKey = "user_id"
	OrgIDKey  = "org_id"
)

const (
	tokenBytes = 32
	// maxText bounds the client-supplied text (user agent, address) a session records.
	maxText = 256
	// maxTouchInterval is how stale last_seen_at may get before a request refreshes
	// it: idle expiry stays accurate to a minute without a write per request.
	maxTouchInterval = time.Minute
)

// tokenLen is the length of a well-formed cookie value; anything else is not looked up.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// Config tunes a Store. Zero values take the defaults.
type Config struct {
	// Idle ends a session unused for this long (default 30m).
	Idle time.Duration
	// Lifetime ends a session this long after its creation, however active (default 12h).
	Lifetime time.Duration
	// Secure marks cookies Secure.
	Secure bool
	// TrustProxy believes X-Forwarded-Proto (for Secure) and X-Forwarded-For (for the
	// recorded address). Set it only behind a proxy that sets those headers.
	TrustProxy bool
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
	// Cache, when set, lets a request of a session this process has already seen
	// alive skip reading it (see package authcache).
	Cache *authcache.Cache
}

// Store is a PostgreSQL session store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	cfg  Config
	// opts are the defaults for new sessions; Options may replace them at any time.
	opts atomic.Pointer[sessions.Options]
}

var _ ginsessions.Store = (*Store)(nil)

// New returns a store on pool.
func New(pool *pgxpool.Pool, cfg Config) *Store {
	if cfg.Idle <= 0 {
		cfg.Idle = 30 * time.Minute
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 12 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Store{pool: pool, cfg: cfg}
	s.opts.Store(&sessions.Options{
		Path:     "/",
		MaxAge:   int(cfg.Lifetime / time.Second),
		Secure:   cfg.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return s
}

// Options sets the cookie options of sessions created from now on. Whatever they say,
// cookies stay HttpOnly, SameSite Lax (or Strict), Path / unless another is given,
// and no longer-lived than the session (see cookie).
func (s *Store) Options(o ginsessions.Options) {
	s.opts.Store(o.ToGorillaOptions())
}

// Get returns the request's session named name. It goes through gorilla's per-request
// registry so that gin-contrib's wrapper and direct callers (Regenerate at login, say)
// share one *sessions.Session.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session the request's cookie names, or returns a fresh one (IsNew,
// empty ID) when the cookie is missing, malformed, unknown or names a dead session:
// those are what any client may send, so they are not errors. Only a database failure
// is, and the fresh session is returned with it, as the registry requires.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	o := *s.opts.Load()
	sess.Options = &o
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil || !wellFormed(c.Value) {
		return sess, nil
	}
	values, err := s.load(r.Context(), c.Value)
	if err != nil || values == nil {
		return sess, err
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	sess.ID = c.Value
	sess.IsNew = false
	return sess, nil
}

// load returns the values of the live session token names (nil when there is none)
// and keeps its last_seen_at fresh: loading a session is using it.
func (s *Store) load(ctx context.Context, token string) (map[string]string, error) {
	now := s.now()
	hash := hashToken(token)
	if e, ok := s.cfg.Cache.Session(hash); ok && e.Expires.After(now) && e.LastSeen.After(now.Add(-s.cfg.Idle)) {
		if !e.LastSeen.After(now.Add(-s.touchInterval())) {
			if err := s.touch(ctx, token, now); err != nil {
				return nil, err
			}
			s.cfg.Cache.Seen(hash, now)
		}
		return maps.Clone(e.Values), nil
	}
	gen, _ := s.cfg.Cache.Generation()
	var data []byte
	var lastSeen, expires time.Time
	err := s.pool.QueryRow(ctx, `
		select data, last_seen_at, expires_at from http_sessions
		where id_hash = $1 and expires_at > $2 and last_seen_at > $3`,
		hash, now, now.Add(-s.cfg.Idle)).Scan(&data, &lastSeen, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sessionstore: load: %w", err)
	}
	values := map[string]string{}
	if err := json.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("sessionstore: load: stored data is not an object of strings: %w", err)
	}
	if !lastSeen.After(now.Add(-s.touchInterval())) {
		if err := s.touch(ctx, token, now); err != nil {
			return nil, err
		}
		lastSeen = now
	}
	s.cfg.Cache.PutSession(gen, hash, authcache.Session{Values: maps.Clone(values), LastSeen: lastSeen, Expires: expires})
	return values, nil
}

// Save persists sess and sets its cookie. A negative MaxAge ends the session: its row
// is deleted and the cookie expired. A session without ID gets a new token and row.
// Otherwise the row is updated; if it is gone (revoked, logged out or expired while
// the request ran) a new token is issued rather than the old one brought back.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	opts := sess.Options
	if opts == nil {
		opts = s.opts.Load()
	}
	if opts.MaxAge < 0 {
		if sess.ID != "" {
			if _, err := s.pool.Exec(ctx, `delete from http_sessions where id_hash = $1`, hashToken(sess.ID)); err != nil {
				return fmt.Errorf("sessionstore: delete: %w", err)
			}
			s.cfg.Cache.ForgetSession(hashToken(sess.ID))
		}
		sess.ID = ""
		http.SetCookie(w, s.cookie(r, sess.Name(), "", opts, -1))
		return nil
	}
	rec, err := encode(sess.Values)
	if err != nil {
		return err
	}
	now := s.now()
	if sess.ID != "" {
		// Whatever the update finds, the remembered values are no longer the session's.
		defer s.cfg.Cache.ForgetSession(hashToken(sess.ID))
		var expires time.Time
		err := s.pool.QueryRow(ctx, `
			update http_sessions set data = $2, user_id = $3, org_id = $4, last_seen_at = $5
			where id_hash = $1 and expires_at > $5 and last_seen_at > $6
			returning expires_at`,
			hashToken(sess.ID), rec.data, rec.userID, rec.orgID, now, now.Add(-s.cfg.Idle)).Scan(&expires)
		switch {
		case err == nil:
			http.SetCookie(w, s.cookie(r, sess.Name(), sess.ID, opts, maxAge(opts, expires, now)))
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("sessionstore: update: %w", err)
		}
		// The new session must not carry the identity on: that would undo the
		// revocation or the logout (of a concurrent request) that removed the row.
		delete(sess.Values, UserIDKey)
		delete(sess.Values, OrgIDKey)
		if rec, err = encode(sess.Values); err != nil {
			return err
		}
	}
	token, err := newToken()
	if err != nil {
		return err
	}
	expires := now.Add(s.cfg.Lifetime)
	_, err = s.pool.Exec(ctx, `
		insert into http_sessions (id_hash, user_id, org_id, data, created_at, last_seen_at, expires_at, ip, user_agent)
		values ($1, $2, $3, $4, $5, $5, $6, $7, $8)`,
		hashToken(token), rec.userID, rec.orgID, rec.data, now, expires, s.clientIP(r), clean(r.UserAgent(), maxText))
	if err != nil {
		return fmt.Errorf("sessionstore: insert: %w", err)
	}
	sess.ID = token
	http.SetCookie(w, s.cookie(r, sess.Name(), token, opts, maxAge(opts, expires, now)))
	return nil
}

// Regenerate ends sess's current token and makes the next Save issue a new one,
// keeping Values. Call it at login so a token planted before login (session fixation)
// is worthless after it.
func (s *Store) Regenerate(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if _, err := s.pool.Exec(ctx, `delete from http_sessions where id_hash = $1`, hashToken(sess.ID)); err != nil {
			return fmt.Errorf("sessionstore: regenerate: %w", err)
		}
		s.cfg.Cache.ForgetSession(hashToken(sess.ID))
	}
	sess.ID = ""
	sess.IsNew = true
	return nil
}

// Touch marks the session token names as used now, writing only when last_seen_at is
// more than a minute old. A dead session stays dead.
func (s *Store) Touch(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	return s.touch(ctx, token, s.now())
}

func (s *Store) touch(ctx context.Context, token string, now time.Time) error {
	_, err := s.pool.Exec(ctx, `
		update http_sessions set last_seen_at = $2
		where id_hash = $1 and last_seen_at <= $3 and last_seen_at > $4 and expires_at > $2`,
		hashToken(token), now, now.Add(-s.touchInterval()), now.Add(-s.cfg.Idle))
	if err != nil {
		return fmt.Errorf("sessionstore: touch: %w", err)
	}
	return nil
}

// touchInterval is a minute, or less when Idle is so short that touching once a
// minute would let active sessions die.
func (s *Store) touchInterval() time.Duration {
	return min(maxTouchInterval, s.cfg.Idle/2)
}

// Info describes a live session for its user: enough to recognise and revoke it,
// nothing that would let anyone use it.
type Info struct {
	// ID is the public id: hex of the first 8 bytes of the token's hash.
	ID         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
}

// PublicID is the id under which the session of token is listed and revoked.
func PublicID(token string) string {
	return hex.EncodeToString(hashToken(token)[:8])
}

// ListForUser returns the user's live sessions, newest first.
func (s *Store) ListForUser(ctx context.Context, userID int64) ([]Info, error) {
	now := s.now()
	rows, err := s.pool.Query(ctx, `
		select id_hash, created_at, last_seen_at, expires_at, ip, user_agent from http_sessions
		where user_id = $1 and expires_at > $2 and last_seen_at > $3
		order by created_at desc, id_hash`,
		userID, now, now.Add(-s.cfg.Idle))
	if err != nil {
		return nil, fmt.Errorf("sessionstore: list: %w", err)
	}
	defer rows.Close()
	infos := []Info{}
	for rows.Next() {
		var hash []byte
		var in Info
		if err := rows.Scan(&hash, &in.CreatedAt, &in.LastSeenAt, &in.ExpiresAt, &in.IP, &in.UserAgent); err != nil {
			return nil, fmt.Errorf("sessionstore: list: %w", err)
		}
		in.ID = hex.EncodeToString(hash[:8])
		infos = append(infos, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessionstore: list: %w", err)
	}
	return infos, nil
}

// RevokeForUser ends the user's session with the given public id. It reports whether
// a live session was ended; another user's session is never touched.
func (s *Store) RevokeForUser(ctx context.Context, userID int64, publicID string) (bool, error) {
	prefix, err := hex.DecodeString(publicID)
	if err != nil || len(prefix) != 8 {
		return false, nil
	}
	n, err := s.revoke(ctx, `user_id = $1 and substring(id_hash from 1 for 8) = $4`, userID, prefix)
	return n > 0, err
}

// RevokeAllForUser ends all the user's sessions (a password change, say) and returns
// how many live ones there were.
func (s *Store) RevokeAllForUser(ctx context.Context, userID int64) (int64, error) {
	return s.revoke(ctx, `user_id = $1`, userID)
}

// RevokeForUserInOrg ends a user's sessions acting in one organization (the user was
// removed from it) and returns how many live ones ended.
func (s *Store) RevokeForUserInOrg(ctx context.Context, userID, orgID int64) (int64, error) {
	return s.revoke(ctx, `user_id = $1 and org_id = $4`, userID, orgID)
}

// revoke deletes the rows matching where (parameters from $4) and counts the live
// ones among them, so callers report what the user could see, not leftovers.
func (s *Store) revoke(ctx context.Context, where string, userID int64, args ...any) (int64, error) {
	now := s.now()
	rows, err := s.pool.Query(ctx, `
		with gone as (delete from http_sessions where `+where+` returning id_hash, expires_at, last_seen_at)
		select id_hash, expires_at > $2 and last_seen_at > $3 from gone`,
		append([]any{userID, now, now.Add(-s.cfg.Idle)}, args...)...)
	if err != nil {
		return 0, fmt.Errorf("sessionstore: revoke: %w", err)
	}
	var n int64
	var hash []byte
	var live bool
	_, err = pgx.ForEachRow(rows, []any{&hash, &live}, func() error {
		s.cfg.Cache.ForgetSession(hash)
		if live {
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sessionstore: revoke: %w", err)
	}
	return n, nil
}

// CapForUser ends the user's oldest live sessions beyond the newest keep, and returns
// the public ids of those it ended. Sessions are ranked by creation, so a login that
// just saved its session keeps it whatever the user's other devices do.
func (s *Store) CapForUser(ctx context.Context, userID int64, keep int) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	now := s.now()
	rows, err := s.pool.Query(ctx, `
		with live as (
			select id_hash, row_number() over (order by created_at desc, id_hash desc) as n
			from http_sessions
			where user_id = $1 and expires_at > $2 and last_seen_at > $3),
		gone as (
			delete from http_sessions h using live
			where h.id_hash = live.id_hash and live.n > $4
			returning h.id_hash)
		select id_hash from gone`,
		userID, now, now.Add(-s.cfg.Idle), keep)
	if err != nil {
		return nil, fmt.Errorf("sessionstore: cap: %w", err)
	}
	hashes, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("sessionstore: cap: %w", err)
	}
	ids := make([]string, len(hashes))
	for i, h := range hashes {
		s.cfg.Cache.ForgetSession(h)
		ids[i] = hex.EncodeToString(h[:8])
	}
	return ids, nil
}

// Secure reports whether the cookies of r's answer are marked Secure: the store was
// configured so, or r came over TLS. Whatever makes the cookie Secure also tells the
// browser that the site is reached over HTTPS.
func (s *Store) Secure(r *http.Request) bool {
	return s.cfg.Secure || s.overTLS(r)
}

// Sweep deletes dead sessions and returns how many. Dead rows are already ignored;
// sweeping only keeps the table small.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	now := s.now()
	tag, err := s.pool.Exec(ctx, `delete from http_sessions where expires_at <= $1 or last_seen_at <= $2`,
		now, now.Add(-s.cfg.Idle))
	if err != nil {
		return 0, fmt.Errorf("sessionstore: sweep: %w", err)
	}
	return tag.RowsAffected(), nil
}

// now is the clock at the database's precision, so what is compared is what is stored.
func (s *Store) now() time.Time {
	return s.cfg.Now().Truncate(time.Microsecond)
}

// cookie builds the session cookie from o, enforcing what the store promises whatever
// a handler put in the options: script cannot read the token, cross-site requests
// other than top-level navigations do not carry it, and Secure is set whenever the
// request came over TLS.
func (s *Store) cookie(r *http.Request, name, value string, o *sessions.Options, maxAge int) *http.Cookie {
	c := *o
	c.MaxAge = maxAge
	if c.Path == "" {
		c.Path = "/"
	}
	c.HttpOnly = true
	if c.SameSite != http.SameSiteStrictMode {
		c.SameSite = http.SameSiteLaxMode
	}
	c.Secure = c.Secure || s.cfg.Secure || s.overTLS(r)
	return sessions.NewCookie(name, value, &c)
}

func (s *Store) overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !s.cfg.TrustProxy {
		return false
	}
	// A chain of proxies may list several; the first is the client's.
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// maxAge is the cookie's Max-Age: what the options ask, but never past the session's
// end, since a cookie outliving its row only sends a dead token. Zero (a browser
// session cookie) is kept.
func maxAge(o *sessions.Options, expires, now time.Time) int {
	if o.MaxAge == 0 {
		return 0
	}
	left := max(1, int(math.Ceil(expires.Sub(now).Seconds())))
	return min(o.MaxAge, left)
}

// clientIP is the address recorded for the user to recognise the session by; it is
// informational, not a security check.
func (s *Store) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-For"), ",")
		// Only an address is recorded, not whatever text the header carried.
		if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
			return ip.String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return clean(host, maxText)
}

// clean makes client-supplied text storable: PostgreSQL text rejects NUL and invalid
// UTF-8, and a Save must not fail over a header. It keeps at most n characters.
func clean(v string, n int) string {
	v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "")
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	return string([]rune(v)[:n])
}

// record is a session's values as stored.
type record struct {
	data          []byte
	userID, orgID *int64
}

// encode checks that values are strings keyed by strings and derives the id columns.
// Errors name the key and the type, never the value, which may be secret.
func encode(values map[any]any) (record, error) {
	m := make(map[string]string, len(values))
	for k, v := range values {
		key, ok := k.(string)
		if !ok {
			return record{}, fmt.Errorf("sessionstore: key of type %T: only string keys are supported", k)
		}
		str, ok := v.(string)
		if !ok {
			return record{}, fmt.Errorf("sessionstore: value of %q is a %T: only string values are supported", key, v)
		}
		m[key] = str
	}
	data, err := json.Marshal(m)
	if err != nil {
		return record{}, fmt.Errorf("sessionstore: encode: %w", err)
	}
	rec := record{data: data}
	if rec.userID, err = idValue(m, UserIDKey); err != nil {
		return record{}, err
	}
	if rec.orgID, err = idValue(m, OrgIDKey); err != nil {
		return record{}, err
	}
	return rec, nil
}

// idValue parses an id key. A malformed one is an error rather than NULL, which would
// hide the session from ListForUser and RevokeAllForUser.
func idValue(m map[string]string, key string) (*int64, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("sessionstore: %s %q is not a decimal id", key, v)
	}
	return &id, nil
}

func newToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sessionstore: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// wellFormed filters cookie values before they cost a query.
func wellFormed(token string) bool {
	if len(token) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}

// hashToken is what id_hash holds: sha256 of the cookie value as sent.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
