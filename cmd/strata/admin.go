package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/google/uuid"

	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
)

// systemMeta files what an operator does at the command line.
func systemMeta(orgID int64, command string) events.Metadata {
	return events.Metadata{OrgID: orgID, ActorName: events.System, CorrelationID: "cli-" + uuid.NewString(), UserAgent: "strata " + command}
}

func adminCmd(ctx context.Context, fs *flag.FlagSet, dbURL *string, args []string, stdin io.Reader, stdout io.Writer, logger *slog.Logger) error {
	if len(args) > 0 && args[0] == "grant-app-role" {
		return grantAppRoleCmd(ctx, fs, dbURL, args[1:], stdout)
	}
	if len(args) == 0 || args[0] != "create-user" {
		return errors.New("usage: strata admin create-user --email E --name N --org ORG --role ROLE\n       strata admin grant-app-role ROLE")
	}
	email := fs.String("email", "", "the user's email (login)")
	name := fs.String("name", "", "the user's name")
	org := fs.String("org", "", "organization name; created when missing")
	role := fs.String("role", identity.Admin, "role in the organization: "+strings.Join(identity.Roles, ", "))
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *org == "" {
		return errors.New("create-user needs --email and --org (and --name for a new user)")
	}
	a, err := openApp(ctx, *dbURL, logger)
	if err != nil {
		return err
	}
	defer a.Close()

	password, generated := "", false
	userID, err := a.Identity.UserIDByEmail(ctx, *email)
	if err != nil {
		return err
	}
	if userID != 0 {
		// Whoever can sign in to this account gains the new membership: say so.
		fmt.Fprintf(stdout, "note: %s is an existing account; it keeps its current sign-in\n", *email)
	}
	if userID == 0 {
		if password, generated, err = readPassword(stdin); err != nil {
			return err
		}
	}
	res, err := addMember(ctx, a, *org, *email, *name, password, *role)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is %s of %q (user %d)\n", *email, *role, *org, res)
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return nil
}

// readPassword takes the first line of stdin, or generates one when stdin is a terminal.
func readPassword(stdin io.Reader) (string, bool, error) {
	if stdin == nil {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return "", false, err
		}
		return base64.RawURLEncoding.EncodeToString(b), true, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, errors.New("no password on standard input")
	}
	return line, false, nil
}

// addMember makes sure the organization exists, the user exists (with password when
// new) and holds role there. It returns the user id.
func addMember(ctx context.Context, a *app.App, orgName, email, name, password, role string) (int64, error) {
	if !identity.ValidRole(role) {
		return 0, fmt.Errorf("role must be one of %s", strings.Join(identity.Roles, ", "))
	}
	orgID, err := a.Identity.OrganizationByName(ctx, orgName)
	if err != nil {
		return 0, err
	}
	if orgID == 0 {
		res, err := a.Identity.CreateOrganization(ctx, systemMeta(1, "admin"), orgName)
		if err != nil {
			return 0, fmt.Errorf("organization: %w", err)
		}
		orgID = res.ID
	}
	meta := systemMeta(orgID, "admin")
	userID, err := a.Identity.UserIDByEmail(ctx, email)
	if err != nil {
		return 0, err
	}
	if userID == 0 {
		res, err := a.Identity.RegisterUser(ctx, meta, email, name, password)
		if err != nil {
			return 0, fmt.Errorf("user: %w", err)
		}
		userID = res.ID
	}
	if _, err := a.Identity.SetMembership(ctx, meta, userID, role); err != nil {
		return 0, fmt.Errorf("membership: %w", err)
	}
	return userID, nil
}
