package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// checkMayReplace refuses, before anything is replayed, a rebuild whose switch-over
// would be refused: renaming and dropping a live table takes its owner (or a member
// of the owner role, or a superuser), and creating the fresh one takes CREATE on the
// schema. The application's restricted role has neither, and should hear so at once
// rather than after replaying the whole log.
func checkMayReplace(ctx context.Context, tx pgx.Tx, tables []string) error {
	for _, t := range tables {
		var role, owner string
		var may bool
		err := tx.QueryRow(ctx, `select current_user, pg_get_userbyid(c.relowner),
				pg_has_role(c.relowner, 'USAGE') and has_schema_privilege(c.relnamespace, 'CREATE')
			from pg_class c where c.oid = $1::regclass`, pgx.Identifier{t}.Sanitize()).Scan(&role, &owner, &may)
		if err != nil {
			return err
		}
		if !may {
			return fmt.Errorf("role %q may not replace table %s, which %q owns: a rebuild creates and renames tables, so run it as the owner (the role that runs strata migrate)",
				role, t, owner)
		}
	}
	return nil
}

// keepAccess gives a fresh table the live table's owner and privileges, which CREATE
// TABLE ... LIKE does not copy: whoever runs the rebuild (a superuser, say), the
// application role keeps reading and writing the read model and the owner can still
// migrate it afterwards.
func keepAccess(ctx context.Context, tx pgx.Tx, live, fresh string) error {
	liveName, freshName := pgx.Identifier{live}.Sanitize(), pgx.Identifier{fresh}.Sanitize()
	var owner string
	var mine bool
	if err := tx.QueryRow(ctx, `select pg_get_userbyid(relowner), pg_get_userbyid(relowner) = current_user
		from pg_class where oid = $1::regclass`, liveName).Scan(&owner, &mine); err != nil {
		return err
	}
	if !mine {
		if _, err := tx.Exec(ctx, `alter table `+freshName+` owner to `+pgx.Identifier{owner}.Sanitize()); err != nil {
			return fmt.Errorf("give %s to %s: %w", fresh, owner, err)
		}
	}
	rows, err := tx.Query(ctx, `select format('grant %s on %s to %s%s', a.privilege_type, $2::text,
			case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end,
			case when a.is_grantable then ' with grant option' else '' end)
		from pg_class c, aclexplode(c.relacl) a
		where c.oid = $1::regclass and a.grantee <> c.relowner`, liveName, freshName)
	if err != nil {
		return err
	}
	grants, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, g := range grants {
		if _, err := tx.Exec(ctx, g); err != nil {
			return fmt.Errorf("%s: %w", g, err)
		}
	}
	return nil
}
