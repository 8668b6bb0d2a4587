package commands

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Keys reserves names that must be unique within an organization. The log alone
// cannot refuse a duplicate created at the same instant in another stream, so the
// name is claimed here first and the event appended after.
type Keys struct{ Pool *pgxpool.Pool }

// ErrTaken reports a key already held by another owner.
var ErrTaken = errors.New("key already taken")

// Reserve claims key for owner. Claiming a key the owner already holds succeeds, so
// a retried command does not trip over its own earlier attempt.
func (k Keys) Reserve(ctx context.Context, kind string, orgID int64, key string, owner int64) error {
	var holder int64
	err := k.Pool.QueryRow(ctx, `insert into unique_keys (kind, org_id, key, owner_id) values ($1, $2, $3, $4)
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
func (k Keys) Release(ctx context.Context, kind string, orgID int64, key string, owner int64) error {
	_, err := k.Pool.Exec(context.WithoutCancel(ctx), `delete from unique_keys where kind = $1 and org_id = $2 and key = $3 and owner_id = $4`,
		kind, orgID, key, owner)
	return err
}

// Holder returns the owner of key, or 0.
func (k Keys) Holder(ctx context.Context, kind string, orgID int64, key string) (int64, error) {
	var owner int64
	err := k.Pool.QueryRow(ctx, `select owner_id from unique_keys where kind = $1 and org_id = $2 and key = $3`, kind, orgID, key).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return owner, err
}
