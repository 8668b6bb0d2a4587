package commands

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/schema"
)

// Keys reserves names that must be unique within an organization. The log alone
// cannot refuse a duplicate created at the same instant in another stream, so the
// name is claimed here first and the event appended after.
type Keys struct {
	pool  *pgxpool.Pool
	local *lockTable
}

// NewKeys reserves names in pool's unique_keys table.
func NewKeys(pool *pgxpool.Pool) *Keys {
	return &Keys{pool: pool, local: newLockTable()}
}

// ErrTaken reports a key already held by another owner.
var ErrTaken = errors.New("key already taken")

// Reserve claims key for owner. Claiming a key the owner already holds succeeds, so
// a retried command does not trip over its own earlier attempt.
func (k *Keys) Reserve(ctx context.Context, kind string, orgID int64, key string, owner int64) error {
	var holder int64
	err := schema.Conn(ctx, k.pool).QueryRow(ctx, `insert into unique_keys (kind, org_id, key, owner_id) values ($1, $2, $3, $4)
		on conflict (kind, org_id, key) do update set owner_id = unique_keys.owner_id
		returning owner_id`, kind, orgID, key, owner).Scan(&holder)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return ErrTaken
	}
	if err != nil {
		return err
	}
	if holder != owner {
		return ErrTaken
	}
	return nil
}

// Release gives key up, if owner holds it. It runs even when the request that asked
// for it was cancelled: a key left behind would block the name for good.
func (k *Keys) Release(ctx context.Context, kind string, orgID int64, key string, owner int64) error {
	ctx = context.WithoutCancel(ctx)
	_, err := schema.Conn(ctx, k.pool).Exec(ctx, `delete from unique_keys where kind = $1 and org_id = $2 and key = $3 and owner_id = $4`,
		kind, orgID, key, owner)
	return err
}

// Holder returns the owner of key, or 0.
func (k *Keys) Holder(ctx context.Context, kind string, orgID int64, key string) (int64, error) {
	var owner int64
	err := schema.Conn(ctx, k.pool).QueryRow(ctx, `select owner_id from unique_keys where kind = $1 and org_id = $2 and key = $3`, kind, orgID, key).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return owner, err
}

// Locked runs fn while holding the lock of one owner's keys (a control whose code
// changes, say), so that what one change gives back is never what another has just
// claimed. The lock holds across processes.
//
// It never holds a pooled connection while waiting for another: changes of the same
// owner in this process queue before taking a connection, and fn runs everything it
// sends to the database on the one connection that holds the lock (the context it is
// given carries it; see schema.WithConn). A lock held elsewhere for longer than the
// pool's lock timeout makes it fail with a CONFLICT that asks to try again.
func (k *Keys) Locked(ctx context.Context, kind string, owner int64, fn func(ctx context.Context) error) error {
	unlock, err := k.local.lock(ctx, kind+":"+strconv.FormatInt(owner, 10))
	if err != nil {
		return err
	}
	defer unlock()
	conn, err := k.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A session lock, not a transaction's: fn's statements commit one by one (an
	// append refused inside a transaction would abort it), and no transaction id is
	// held open to hold back what projections may read.
	const lockSQL = `select pg_advisory_lock('unique_keys'::regclass::oid::int, hashtext($1 || ':' || $2::bigint))`
	if _, err := conn.Exec(ctx, lockSQL, kind, owner); err != nil {
		conn.Release()
		if schema.Busy(err) {
			return strata.Errorf(strata.Conflict, "another change of this record is still in progress; try again")
		}
		return err
	}
	defer func() {
		_, err := conn.Exec(context.WithoutCancel(ctx), `select pg_advisory_unlock('unique_keys'::regclass::oid::int, hashtext($1 || ':' || $2::bigint))`, kind, owner)
		if err != nil {
			// The lock lives as long as the session: end the session rather than
			// hand a locked connection back to the pool.
			_ = conn.Hijack().Close(context.WithoutCancel(ctx))
			return
		}
		conn.Release()
	}()
	return fn(schema.WithConn(ctx, conn))
}
