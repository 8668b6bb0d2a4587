// Package identity answers who a user is and where they belong, from the identity
// read models.
package identity

import (
	"context"
	"errors"

	pidentity "github.com/strata-grc/strata/projections/identity"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata"
)

// Projection is the read model these queries read: the projector's own name.
const Projection = pidentity.Name

// User is an account as clients see it.
type User struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Disabled bool   `json:"disabled"`
}

// Organization is a tenant with the caller's role in it.
type Organization struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Member is one user's membership in an organization.
type Member struct {
	User
	Role string `json:"role"`
}

// Reader answers identity queries.
type Reader struct{ pool *pgxpool.Pool }

// NewReader reads the identity read models in pool.
func NewReader(pool *pgxpool.Pool) *Reader { return &Reader{pool: pool} }

// Access is what a request needs to authorize: the user, and their role in the
// organization (empty when not a member).
type Access struct {
	User User
	Org  Organization
}

// Access looks up a user and their membership in one query; every authenticated
// request makes it, so a removed member or a disabled user loses access at once.
func (r *Reader) Access(ctx context.Context, userID, orgID int64) (Access, error) {
	var a Access
	var orgName, role *string
	err := r.pool.QueryRow(ctx, `select u.id, u.email, u.name, u.disabled, o.name, m.role
		from users u
		left join memberships m on m.user_id = u.id and m.org_id = $2
		left join organizations o on o.id = m.org_id
		where u.id = $1`, userID, orgID).Scan(&a.User.ID, &a.User.Email, &a.User.Name, &a.User.Disabled, &orgName, &role)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, strata.Errorf(strata.AuthRequired, "log in again")
	}
	if err != nil {
		return a, err
	}
	if role != nil && orgName != nil {
		a.Org = Organization{ID: orgID, Name: *orgName, Role: *role}
	}
	return a, nil
}

// Organizations lists the organizations a user belongs to, by name.
func (r *Reader) Organizations(ctx context.Context, userID int64) ([]Organization, error) {
	rows, err := r.pool.Query(ctx, `select o.id, o.name, m.role from memberships m join organizations o on o.id = m.org_id
		where m.user_id = $1 order by o.name, o.id`, userID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Organization])
	if out == nil {
		out = []Organization{}
	}
	return out, err
}

// Members lists an organization's members.
func (r *Reader) Members(ctx context.Context, orgID int64) ([]Member, error) {
	rows, err := r.pool.Query(ctx, `select u.id, u.email, u.name, u.disabled, m.role from memberships m
		join users u on u.id = m.user_id where m.org_id = $1 order by u.name, u.id`, orgID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Member, error) {
		var m Member
		err := row.Scan(&m.ID, &m.Email, &m.Name, &m.Disabled, &m.Role)
		return m, err
	})
	if out == nil {
		out = []Member{}
	}
	return out, err
}
