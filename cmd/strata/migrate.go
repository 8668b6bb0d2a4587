package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/schema"
)

// migrateCmd applies the migrations as the role it connects as, which must be the
// owner of the tables, and then grants the application role its privileges, so tables
// a migration added are covered at once. It does not wire the modules: the owner needs
// no event store or projections to change the schema.
func migrateCmd(ctx context.Context, fs *flag.FlagSet, dbURL *string, args []string, stdout io.Writer, logger *slog.Logger) error {
	appRole := fs.String("app-role", env("", "STRATA_APP_ROLE"), "after migrating, grant `ROLE` (the role strata serve connects as) its privileges")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate takes no arguments, got %q", fs.Args())
	}
	pool, err := openOwnerPool(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	applied, err := schema.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		logger.Info("migrations applied", "versions", applied)
	}
	if *appRole != "" {
		if err := schema.GrantAppRole(ctx, pool, *appRole); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "role %s may read and write the read models and only append to the event log\n", *appRole)
	}
	fmt.Fprintln(stdout, "database is up to date")
	return nil
}

// grantAppRoleCmd is the grant step of migrate on its own, for an operator who adds
// or replaces the application role without migrating.
func grantAppRoleCmd(ctx context.Context, fs *flag.FlagSet, dbURL *string, args []string, stdout io.Writer) error {
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		return errors.New("usage: strata admin grant-app-role ROLE (run as the owner of the tables)")
	}
	pool, err := openOwnerPool(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if pending, err := schema.Pending(ctx, pool); err != nil {
		return err
	} else if len(pending) > 0 {
		return fmt.Errorf("the schema lacks %d migrations: run `strata migrate --app-role %s` instead", len(pending), positional[0])
	}
	if err := schema.GrantAppRole(ctx, pool, positional[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "role %s may read and write the read models and only append to the event log\n", positional[0])
	return nil
}

// openOwnerPool connects for schema work, creating the database when it is missing.
func openOwnerPool(ctx context.Context, dbURL string) (*pgxpool.Pool, error) {
	if err := schema.EnsureDatabase(ctx, dbURL); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	pool, err := schema.NewPool(ctx, dbURL, schema.PoolSettings{})
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return pool, nil
}
