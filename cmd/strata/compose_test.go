package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// These tests check the container files without a container engine: the compose files
// through the compose-spec loader (schema validation, interpolation, consistency), the
// Dockerfile and .dockerignore as text. Each check is also run on a broken copy, so a
// check that can no longer fail is caught too.

const (
	composeDefault  = "docker-compose.yml"
	composePostgres = "docker-compose.postgres.yml"
)

// repoRoot is the module root; go test runs in cmd/strata.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// loadCompose runs the compose-spec loader on content as if it were the named file in
// the repository root, with env as the only environment: a ${VAR} without a default
// interpolates to "" (as on a machine where nothing is set) rather than to whatever
// the test's environment holds.
func loadCompose(t *testing.T, name, content string, env types.Mapping) (*types.Project, error) {
	t.Helper()
	root := repoRoot(t)
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, name), Content: []byte(content)}},
		Environment: env,
	}, func(o *loader.Options) {
		// The file's own `name:` wins; this is the fallback `docker compose` would use.
		o.SetProjectName("strata", false)
	})
}

// The variables .env supplies to the compose files.
const (
	ownerPasswordVar = "STRATA_DB_OWNER_PASSWORD"
	appPasswordVar   = "STRATA_DB_APP_PASSWORD"
	envExample       = ".env.example"
)

// composeEnv is what a user's .env gives compose: .env.example with each value left
// empty there (the passwords the user must choose) filled with a distinct one.
func composeEnv(t *testing.T) types.Mapping {
	t.Helper()
	example, err := dotenv.UnmarshalWithLookup(readRepoFile(t, envExample), nil)
	if err != nil {
		t.Fatalf("%s: %v", envExample, err)
	}
	env := types.Mapping{}
	for k, v := range example {
		if v == "" {
			v = "chosen-" + strings.ToLower(k)
		}
		env[k] = v
	}
	return env
}

func mustLoadCompose(t *testing.T, name string) (*types.Project, types.Mapping) {
	t.Helper()
	env := composeEnv(t)
	p, err := loadCompose(t, name, readRepoFile(t, name), env)
	if err != nil {
		t.Fatalf("%s is not a valid compose project: %v", name, err)
	}
	return p, env
}

// envValue is a service's environment variable, and whether it is set.
func envValue(s types.ServiceConfig, name string) (string, bool) {
	v, ok := s.Environment[name]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

// checkComposeCommon holds what both compose files must satisfy, given the env they
// were loaded with. needs lists the services strata must wait for, healthy.
func checkComposeCommon(p *types.Project, env types.Mapping, needs ...string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	for name, s := range p.Services {
		if s.Image == "" && s.Build == nil {
			bad("service %s has neither image nor build", name)
		}
		if s.Image != "" && s.Build == nil {
			if problem := checkImageName(s.Image); problem != "" {
				bad("service %s: %s", name, problem)
			}
		}
		// Every service something waits for must say how it is healthy, unless what is
		// awaited is that it ran to completion.
		for dep, d := range s.DependsOn {
			ds, ok := p.Services[dep]
			if !ok {
				bad("service %s depends on %s, which is not defined", name, dep)
				continue
			}
			if d.Condition == types.ServiceConditionCompletedSuccessfully {
				continue
			}
			if ds.HealthCheck == nil || ds.HealthCheck.Disable || len(ds.HealthCheck.Test) == 0 {
				bad("service %s is depended on by %s but has no healthcheck", dep, name)
			}
		}
		// Nothing is reachable from other machines: a port is published on the
		// loopback address or not at all.
		for _, pc := range s.Ports {
			if pc.HostIP != "127.0.0.1" {
				bad("service %s publishes port %d on %q, want 127.0.0.1 only", name, pc.Target, pc.HostIP)
			}
		}
	}

	strata, ok := p.Services["strata"]
	if !ok {
		return append(problems, "no strata service")
	}
	if strata.Build == nil {
		bad("strata is not built from the Dockerfile")
	}
	for _, dep := range needs {
		d, ok := strata.DependsOn[dep]
		switch {
		case !ok:
			bad("strata does not depend on %s", dep)
		case d.Condition != types.ServiceConditionHealthy:
			bad("strata depends on %s with condition %q, want %q", dep, d.Condition, types.ServiceConditionHealthy)
		}
	}

	if v, _ := envValue(strata, "STRATA_ADDR"); v != "0.0.0.0:8080" {
		bad("strata STRATA_ADDR = %q, want 0.0.0.0:8080", v)
	}
	if !slices.ContainsFunc(strata.Ports, func(pc types.ServicePortConfig) bool { return pc.Target == 8080 }) {
		bad("strata does not publish port 8080")
	}
	if !slices.Equal(strata.Command, types.ShellCommand{"strata", "serve"}) {
		bad("strata command %q, want [strata serve]: the demo is seeded only when STRATA_DEMO says so", strata.Command)
	}
	if demo, _ := envValue(strata, "STRATA_DEMO"); demo != "" && demo != "false" {
		bad("strata STRATA_DEMO = %q without being asked: the demo must be off by default", demo)
	}

	dbURL, _ := envValue(strata, "STRATA_DATABASE_URL")
	if u, err := url.Parse(dbURL); err != nil || u.Scheme != "postgres" || u.Hostname() != "postgres" || u.Port() != "5432" {
		bad("strata STRATA_DATABASE_URL = %q, want a postgres:// URL to the postgres service on 5432", dbURL)
	}
	pg, ok := p.Services["postgres"]
	if !ok {
		return append(problems, "no postgres service")
	}
	if !strings.HasPrefix(pg.Image, "postgres:15") {
		bad("postgres image %q, want postgres:15", pg.Image)
	}
	problems = append(problems, checkNamedVolume(p, "postgres", "/var/lib/postgresql/data")...)
	problems = append(problems, checkRoles(p, env)...)
	return append(problems, checkSecrets(p, env)...)
}

// checkRoles wants the database's owner to run migrations, once, in the migrate
// service, and the server to connect as the application role that PostgreSQL's init
// script creates and migrate grants.
func checkRoles(p *types.Project, env types.Mapping) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	pg, strata := p.Services["postgres"], p.Services["strata"]
	owner, _ := envValue(pg, "POSTGRES_USER")
	appRole, _ := envValue(pg, "STRATA_APP_ROLE")
	if owner == "" || appRole == "" || appRole == owner {
		bad("postgres names owner %q and application role %q, want two different roles", owner, appRole)
	}
	if v, _ := envValue(pg, "POSTGRES_PASSWORD"); v == "" || v != env[ownerPasswordVar] {
		bad("postgres POSTGRES_PASSWORD does not come from %s in .env", ownerPasswordVar)
	}
	if v, _ := envValue(pg, appPasswordVar); v == "" || v != env[appPasswordVar] {
		bad("postgres %s does not come from .env: the init script cannot create the application role", appPasswordVar)
	}
	initScripts := false
	for _, v := range pg.Volumes {
		if v.Target == "/docker-entrypoint-initdb.d" && v.Type == types.VolumeTypeBind &&
			filepath.Clean(v.Source) == filepath.Join(p.WorkingDir, "docker", "initdb") {
			initScripts = true
		}
	}
	if !initScripts {
		bad("postgres does not mount docker/initdb at /docker-entrypoint-initdb.d: no application role is created")
	}

	user := func(s types.ServiceConfig) string {
		v, _ := envValue(s, "STRATA_DATABASE_URL")
		u, err := url.Parse(v)
		if err != nil || u.User == nil {
			return ""
		}
		return u.User.Username()
	}
	if u := user(strata); u == owner {
		bad("strata connects as the owner %q, want the application role %q", owner, appRole)
	} else if u != appRole {
		bad("strata connects as %q, want the application role %q", u, appRole)
	}
	if v, _ := envValue(strata, "PGPASSWORD"); v == "" || v != env[appPasswordVar] {
		bad("strata PGPASSWORD does not come from %s in .env", appPasswordVar)
	}
	if d, ok := strata.DependsOn["migrate"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
		bad("strata does not wait for migrate to complete successfully")
	}
	// The container is read-only: attached files need a volume where the image keeps
	// them, or every upload fails (and a writable layer would lose them).
	problems = append(problems, checkNamedVolume(p, "strata", "/var/lib/strata/blobs")...)

	m, ok := p.Services["migrate"]
	if !ok {
		return append(problems, "no migrate service runs the migrations as the owner")
	}
	if m.Build == nil {
		bad("migrate is not built from the Dockerfile")
	}
	if !slices.Equal(m.Command, types.ShellCommand{"strata", "migrate"}) {
		bad("migrate command %q, want [strata migrate]", m.Command)
	}
	if d, ok := m.DependsOn["postgres"]; !ok || d.Condition != types.ServiceConditionHealthy {
		bad("migrate does not wait for postgres to be healthy")
	}
	if u := user(m); u != owner {
		bad("migrate connects as %q, want the owner %q", u, owner)
	}
	if v, _ := envValue(m, "PGPASSWORD"); v == "" || v != env[ownerPasswordVar] {
		bad("migrate PGPASSWORD does not come from %s in .env", ownerPasswordVar)
	}
	if v, _ := envValue(m, "STRATA_APP_ROLE"); v != appRole {
		bad("migrate grants STRATA_APP_ROLE %q, want the application role %q", v, appRole)
	}
	if len(m.Ports) > 0 {
		bad("migrate publishes ports")
	}
	return problems
}

// checkSecrets wants every password to come from .env, none inside a URL, and the
// owner's password nowhere near the server.
func checkSecrets(p *types.Project, env types.Mapping) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	fromEnvFile := map[string]bool{}
	for k, v := range env {
		if strings.Contains(k, "PASSWORD") && v != "" {
			fromEnvFile[v] = true
		}
	}
	for name, s := range p.Services {
		for k, v := range s.Environment {
			if v == nil {
				continue
			}
			if strings.Contains(k, "PASSWORD") && !fromEnvFile[*v] {
				bad("service %s sets %s inline, not from .env", name, k)
			}
			if u, err := url.Parse(*v); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					bad("service %s has a password in %s's URL (it goes in PGPASSWORD, from .env)", name, k)
				}
			}
		}
	}
	ownerSecret := env[ownerPasswordVar]
	strata := p.Services["strata"]
	for k, v := range strata.Environment {
		if v != nil && ownerSecret != "" && strings.Contains(*v, ownerSecret) {
			bad("strata holds the owner's password in %s", k)
		}
	}
	if ownerSecret != "" && strings.Contains(strings.Join(strata.Command, " "), ownerSecret) {
		bad("strata holds the owner's password in its command")
	}
	return problems
}

// checkImageName wants a Docker Hub short name with a pinned tag.
func checkImageName(image string) string {
	repo, tag, ok := strings.Cut(image, ":")
	if first, _, hasSlash := strings.Cut(repo, "/"); hasSlash && strings.ContainsAny(first, ".:") || first == "localhost" {
		return fmt.Sprintf("image %q names a registry host; use a Docker Hub short name", image)
	}
	if !ok || tag == "" || tag == "latest" {
		return fmt.Sprintf("image %q has no pinned tag", image)
	}
	return ""
}

// checkNamedVolume wants service's target directory on a named volume that the
// project declares.
func checkNamedVolume(p *types.Project, service, target string) []string {
	for _, v := range p.Services[service].Volumes {
		if v.Target != target {
			continue
		}
		if v.Type != types.VolumeTypeVolume || v.Source == "" {
			return []string{fmt.Sprintf("%s keeps %s on a %s mount, not a named volume", service, target, v.Type)}
		}
		if _, ok := p.Volumes[v.Source]; !ok {
			return []string{fmt.Sprintf("%s uses volume %s, which is not declared", service, v.Source)}
		}
		return nil
	}
	return []string{fmt.Sprintf("%s keeps %s on no volume", service, target)}
}

// checkComposeDefault: PostgreSQL for the read models, KurrentDB for the events.
func checkComposeDefault(p *types.Project, env types.Mapping) []string {
	problems := checkComposeCommon(p, env, "postgres", "kurrentdb")
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	k, ok := p.Services["kurrentdb"]
	if !ok {
		return append(problems, "no kurrentdb service")
	}
	if !strings.HasPrefix(k.Image, "kurrentplatform/kurrentdb:25.") {
		bad("kurrentdb image %q, want kurrentplatform/kurrentdb:25.x", k.Image)
	}
	for name, want := range map[string]string{
		"KURRENTDB_INSECURE":        "true",
		"KURRENTDB_CLUSTER_SIZE":    "1",
		"KURRENTDB_RUN_PROJECTIONS": "None",
	} {
		if v, _ := envValue(k, name); !strings.EqualFold(v, want) {
			bad("kurrentdb %s = %q, want %q", name, v, want)
		}
	}
	problems = append(problems, checkNamedVolume(p, "kurrentdb", "/var/lib/kurrentdb")...)
	if !slices.ContainsFunc(k.Ports, func(pc types.ServicePortConfig) bool { return pc.Target == 2113 }) {
		bad("kurrentdb does not publish port 2113")
	}

	store, ok := envValue(p.Services["strata"], "STRATA_EVENT_STORE")
	u, err := url.Parse(store)
	switch {
	case !ok:
		bad("strata has no STRATA_EVENT_STORE")
	case err != nil || u.Scheme != "esdb":
		bad("STRATA_EVENT_STORE = %q is not an esdb:// URL", store)
	default:
		if u.Hostname() != "kurrentdb" {
			bad("STRATA_EVENT_STORE = %q does not point at the kurrentdb service", store)
		}
		if u.Port() != "2113" {
			bad("STRATA_EVENT_STORE = %q does not use port 2113", store)
		}
		if u.Query().Get("tls") != "false" {
			bad("STRATA_EVENT_STORE = %q does not say tls=false (the node is insecure)", store)
		}
	}
	return problems
}

// checkComposePostgres: PostgreSQL alone.
func checkComposePostgres(p *types.Project, env types.Mapping) []string {
	problems := checkComposeCommon(p, env, "postgres")
	for name, s := range p.Services {
		if _, ok := envValue(s, "STRATA_EVENT_STORE"); ok {
			problems = append(problems, fmt.Sprintf("service %s sets STRATA_EVENT_STORE", name))
		}
		if name == "kurrentdb" || strings.Contains(s.Image, "kurrentdb") {
			problems = append(problems, fmt.Sprintf("service %s runs KurrentDB", name))
		}
	}
	return problems
}

func TestComposeDefault(t *testing.T) {
	t.Parallel()
	p, env := mustLoadCompose(t, composeDefault)
	for _, problem := range checkComposeDefault(p, env) {
		t.Errorf("%s: %s", composeDefault, problem)
	}
}

func TestComposePostgres(t *testing.T) {
	t.Parallel()
	p, env := mustLoadCompose(t, composePostgres)
	for _, problem := range checkComposePostgres(p, env) {
		t.Errorf("%s: %s", composePostgres, problem)
	}
}

// TestComposeChecksCatchBreakage breaks loaded projects in the ways the checks are
// for, and wants each one caught.
func TestComposeChecksCatchBreakage(t *testing.T) {
	t.Parallel()
	setEnv := func(s *types.ServiceConfig, name, value string) {
		s.Environment = orEmpty(s.Environment)
		s.Environment[name] = &value
	}
	cases := []struct {
		name, file string
		breakIt    func(p *types.Project)
		want       string
	}{
		{"strata waits for kurrentdb only to start", composeDefault, func(p *types.Project) {
			s := p.Services["strata"]
			s.DependsOn["kurrentdb"] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: true}
			p.Services["strata"] = s
		}, "depends on kurrentdb with condition"},
		{"strata does not wait for postgres", composePostgres, func(p *types.Project) {
			s := p.Services["strata"]
			delete(s.DependsOn, "postgres")
			p.Services["strata"] = s
		}, "does not depend on postgres"},
		{"kurrentdb without healthcheck", composeDefault, func(p *types.Project) {
			k := p.Services["kurrentdb"]
			k.HealthCheck = nil
			p.Services["kurrentdb"] = k
		}, "kurrentdb is depended on by strata but has no healthcheck"},
		{"event store over TLS", composeDefault, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "STRATA_EVENT_STORE", "esdb://kurrentdb:2113?tls=true")
			p.Services["strata"] = s
		}, "tls=false"},
		{"event store on localhost", composeDefault, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "STRATA_EVENT_STORE", "esdb://localhost:2113?tls=false")
			p.Services["strata"] = s
		}, "does not point at the kurrentdb service"},
		{"event store on PostgreSQL", composeDefault, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "STRATA_EVENT_STORE", "postgres://strata:strata@postgres:5432/strata")
			p.Services["strata"] = s
		}, "is not an esdb:// URL"},
		{"postgres-only file sets an event store", composePostgres, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "STRATA_EVENT_STORE", "esdb://kurrentdb:2113?tls=false")
			p.Services["strata"] = s
		}, "sets STRATA_EVENT_STORE"},
		{"postgres-only file runs kurrentdb", composePostgres, func(p *types.Project) {
			k := types.ServiceConfig{Name: "kurrentdb"}
			k.Image = "kurrentplatform/kurrentdb:25.1.3"
			p.Services["kurrentdb"] = k
		}, "runs KurrentDB"},
		{"kurrentdb data in the container", composeDefault, func(p *types.Project) {
			k := p.Services["kurrentdb"]
			k.Volumes = nil
			p.Services["kurrentdb"] = k
		}, "kurrentdb keeps /var/lib/kurrentdb on no volume"},
		{"postgres data on a bind mount", composePostgres, func(p *types.Project) {
			pg := p.Services["postgres"]
			pg.Volumes = []types.ServiceVolumeConfig{{Type: types.VolumeTypeBind, Source: "/tmp/pg", Target: "/var/lib/postgresql/data"}}
			p.Services["postgres"] = pg
		}, "not a named volume"},
		{"kurrentdb published on every address", composeDefault, func(p *types.Project) {
			k := p.Services["kurrentdb"]
			k.Ports = []types.ServicePortConfig{{Target: 2113, Published: "2113", Protocol: "tcp"}}
			p.Services["kurrentdb"] = k
		}, "want 127.0.0.1 only"},
		{"service without image or build", composeDefault, func(p *types.Project) {
			pg := p.Services["postgres"]
			pg.Image = ""
			p.Services["postgres"] = pg
		}, "postgres has neither image nor build"},
		{"unpinned image", composeDefault, func(p *types.Project) {
			k := p.Services["kurrentdb"]
			k.Image = "kurrentplatform/kurrentdb:latest"
			p.Services["kurrentdb"] = k
		}, "no pinned tag"},
		{"strata published on every address", composePostgres, func(p *types.Project) {
			s := p.Services["strata"]
			s.Ports = []types.ServicePortConfig{{Target: 8080, Published: "8080", Protocol: "tcp"}}
			p.Services["strata"] = s
		}, "strata publishes port 8080 on \"\", want 127.0.0.1 only"},
		{"postgres published on every address", composeDefault, func(p *types.Project) {
			pg := p.Services["postgres"]
			pg.Ports = []types.ServicePortConfig{{Target: 5432, Published: "5432", Protocol: "tcp", HostIP: "0.0.0.0"}}
			p.Services["postgres"] = pg
		}, "postgres publishes port 5432 on \"0.0.0.0\""},
		{"inline owner password", composePostgres, func(p *types.Project) {
			pg := p.Services["postgres"]
			setEnv(&pg, "POSTGRES_PASSWORD", "strata")
			p.Services["postgres"] = pg
		}, "sets POSTGRES_PASSWORD inline"},
		{"password in the database URL", composeDefault, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "STRATA_DATABASE_URL", "postgres://strata_app:hunter2@postgres:5432/strata")
			p.Services["strata"] = s
		}, "password in STRATA_DATABASE_URL's URL"},
		{"server connects as the owner", composePostgres, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "STRATA_DATABASE_URL", "postgres://strata@postgres:5432/strata?sslmode=disable")
			p.Services["strata"] = s
		}, "strata connects as the owner"},
		{"server holds the owner's password", composeDefault, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "PGPASSWORD", "chosen-"+strings.ToLower(ownerPasswordVar))
			p.Services["strata"] = s
		}, "strata holds the owner's password"},
		{"demo on by default", composePostgres, func(p *types.Project) {
			s := p.Services["strata"]
			setEnv(&s, "STRATA_DEMO", "true")
			p.Services["strata"] = s
		}, "the demo must be off by default"},
		{"demo seeded by the command", composeDefault, func(p *types.Project) {
			s := p.Services["strata"]
			s.Command = types.ShellCommand{"sh", "-c", "strata seed && exec strata serve"}
			p.Services["strata"] = s
		}, "the demo is seeded only when STRATA_DEMO says so"},
		{"server starts before the migrations ran", composePostgres, func(p *types.Project) {
			s := p.Services["strata"]
			delete(s.DependsOn, "migrate")
			p.Services["strata"] = s
		}, "does not wait for migrate"},
		{"migrations grant no application role", composeDefault, func(p *types.Project) {
			m := p.Services["migrate"]
			delete(m.Environment, "STRATA_APP_ROLE")
			p.Services["migrate"] = m
		}, "migrate grants STRATA_APP_ROLE"},
		{"migrations run as the application role", composePostgres, func(p *types.Project) {
			m := p.Services["migrate"]
			setEnv(&m, "STRATA_DATABASE_URL", "postgres://strata_app@postgres:5432/strata?sslmode=disable")
			p.Services["migrate"] = m
		}, "migrate connects as \"strata_app\", want the owner"},
		{"no init script creates the application role", composeDefault, func(p *types.Project) {
			pg := p.Services["postgres"]
			pg.Volumes = slices.DeleteFunc(pg.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Type == types.VolumeTypeBind })
			p.Services["postgres"] = pg
		}, "no application role is created"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, env := mustLoadCompose(t, c.file)
			c.breakIt(p)
			check := checkComposeDefault
			if c.file == composePostgres {
				check = checkComposePostgres
			}
			problems := check(p, env)
			if !slices.ContainsFunc(problems, func(s string) bool { return strings.Contains(s, c.want) }) {
				t.Errorf("breakage not caught: want a problem containing %q, got %q", c.want, problems)
			}
		})
	}
}

// TestComposeNeedsTheEnvFile: the compose files hold no password of their own. With
// no .env they refuse to start and say where the passwords go; .env.example names
// every variable they use, ships no password, leaves the demo off, and the real .env
// stays out of git and out of the build context.
func TestComposeNeedsTheEnvFile(t *testing.T) {
	t.Parallel()
	example, err := dotenv.UnmarshalWithLookup(readRepoFile(t, envExample), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{composeDefault, composePostgres} {
		content := readRepoFile(t, name)
		_, err := loadCompose(t, name, content, types.Mapping{})
		if err == nil || !strings.Contains(err.Error(), ".env") {
			t.Errorf("%s without .env: %v, want a refusal that points at .env", name, err)
		}
		for _, m := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)`).FindAllStringSubmatch(content, -1) {
			if _, ok := example[m[1]]; !ok {
				t.Errorf("%s uses ${%s}, which %s does not describe", name, m[1], envExample)
			}
		}
	}
	for k, v := range example {
		if strings.Contains(k, "PASSWORD") && v != "" {
			t.Errorf("%s ships a value for %s: leave it empty, so compose refuses to start until it is chosen", envExample, k)
		}
	}
	for _, k := range []string{ownerPasswordVar, appPasswordVar} {
		if _, ok := example[k]; !ok {
			t.Errorf("%s does not describe %s", envExample, k)
		}
	}
	if example["STRATA_DEMO"] != "false" {
		t.Errorf("%s sets STRATA_DEMO=%q, want false", envExample, example["STRATA_DEMO"])
	}
	for file, pattern := range map[string]string{".gitignore": "/.env", ".dockerignore": ".env"} {
		if !slices.Contains(strings.Split(readRepoFile(t, file), "\n"), pattern) {
			t.Errorf("%s does not list %s", file, pattern)
		}
	}
}

// TestComposeDemoOnlyWhenAsked: the server seeds nothing when .env does not mention
// STRATA_DEMO, and STRATA_DEMO=true in .env (or the shell) reaches it.
func TestComposeDemoOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	for _, name := range []string{composeDefault, composePostgres} {
		for setting, want := range map[string]string{"": "false", "true": "true"} {
			env := composeEnv(t)
			delete(env, "STRATA_DEMO")
			if setting != "" {
				env["STRATA_DEMO"] = setting
			}
			p, err := loadCompose(t, name, readRepoFile(t, name), env)
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := envValue(p.Services["strata"], "STRATA_DEMO"); v != want {
				t.Errorf("%s with STRATA_DEMO %q in .env: strata gets %q, want %q", name, setting, v, want)
			}
		}
	}
}

func orEmpty(m types.MappingWithEquals) types.MappingWithEquals {
	if m == nil {
		return types.MappingWithEquals{}
	}
	return m
}

// TestComposeLoaderValidates makes sure the loader's own validation is on: the schema,
// the references between services and volumes, and interpolation.
func TestComposeLoaderValidates(t *testing.T) {
	t.Parallel()
	const base = `name: strata
services:
  postgres:
    image: postgres:15
    volumes:
      - pgdata:/var/lib/postgresql/data
  strata:
    build: .
    depends_on:
      postgres:
        condition: service_healthy
volumes:
  pgdata:
`
	if _, err := loadCompose(t, "x.yml", base, types.Mapping{}); err != nil {
		t.Fatalf("the minimal project does not load: %v", err)
	}
	for name, content := range map[string]string{
		"unknown condition":  strings.Replace(base, "service_healthy", "service_happy", 1),
		"unknown key":        strings.Replace(base, "    build: .", "    build: .\n    bogus: 1", 1),
		"undeclared volume":  strings.Replace(base, "volumes:\n  pgdata:\n", "", 1),
		"missing dependency": strings.Replace(base, "      postgres:\n        condition", "      kurrentdb:\n        condition", 1),
		"required variable":  strings.Replace(base, "postgres:15", "postgres:${PG_TAG:?set PG_TAG}", 1),
	} {
		if content == base {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if _, err := loadCompose(t, "x.yml", content, types.Mapping{}); err == nil {
			t.Errorf("%s: the loader accepted it", name)
		} else {
			t.Logf("%s: rejected: %v", name, err)
		}
	}
	// Interpolation runs: a default fills an unset variable.
	p, err := loadCompose(t, "x.yml", strings.Replace(base, "postgres:15", "postgres:${PG_TAG:-15}", 1), types.Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Services["postgres"].Image; got != "postgres:15" {
		t.Errorf("interpolated image = %q, want postgres:15", got)
	}
}

// dockerStage is one FROM section of a Dockerfile.
type dockerStage struct {
	image, name  string
	instructions []string // "KEYWORD args", continuation lines joined
}

func parseDockerfile(text string) []dockerStage {
	var stages []dockerStage
	var lines []string
	var cur strings.Builder
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if rest, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(rest + " ")
			continue
		}
		cur.WriteString(line)
		if s := strings.Join(strings.Fields(cur.String()), " "); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	for _, line := range lines {
		keyword, args, _ := strings.Cut(line, " ")
		if strings.EqualFold(keyword, "FROM") {
			f := strings.Fields(args)
			st := dockerStage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, strings.ToUpper(keyword)+" "+args)
		}
	}
	return stages
}

// indexOf is the first instruction with the prefix that contains every one of words,
// or -1.
func (s dockerStage) indexOf(prefix string, words ...string) int {
	for i, in := range s.instructions {
		if !strings.HasPrefix(in, prefix) {
			continue
		}
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(in, w) }) {
			return i
		}
	}
	return -1
}

// checkDockerfile wants the web application built in a node stage, its dist copied
// into the Go stage before `go build`, and a small non-root runtime.
func checkDockerfile(text string) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	stages := parseDockerfile(text)

	nodeAt, goAt := -1, -1
	for i, s := range stages {
		switch {
		case strings.HasPrefix(s.image, "node:") && nodeAt < 0:
			nodeAt = i
		case strings.HasPrefix(s.image, "golang:") && goAt < 0:
			goAt = i
		}
	}
	if nodeAt < 0 {
		return append(problems, "no node stage builds the web application")
	}
	if goAt < 0 {
		return append(problems, "no golang stage builds the server")
	}
	node, golang := stages[nodeAt], stages[goAt]
	if !strings.HasPrefix(node.image, "node:20") {
		bad("node stage image %q, want node:20", node.image)
	}
	if !strings.HasPrefix(golang.image, "golang:1.26") {
		bad("Go stage image %q, want golang:1.26", golang.image)
	}
	if node.name == "" {
		bad("the node stage has no name to copy from")
	}
	ci, build := node.indexOf("RUN", "npm ci"), node.indexOf("RUN", "npm run build")
	if ci < 0 || build < 0 || build < ci {
		bad("the node stage does not run `npm ci`, then `npm run build`")
	}
	if nodeAt > goAt {
		bad("the node stage comes after the Go stage")
	}
	copyDist := -1
	if node.name != "" {
		copyDist = golang.indexOf("COPY", "--from="+node.name+" ", "dist")
	}
	goBuild := golang.indexOf("RUN", "go build")
	switch {
	case copyDist < 0:
		bad("the Go stage does not copy web/dist from the node stage")
	case goBuild < 0:
		bad("the Go stage does not run `go build`")
	case copyDist > goBuild:
		bad("the Go stage copies web/dist after `go build`, so the binary would not embed it")
	default:
		f := strings.Fields(golang.instructions[copyDist])
		if dest := strings.TrimSuffix(f[len(f)-1], "/"); !strings.HasSuffix(dest, "web/dist") {
			bad("web/dist is copied to %q, not web/dist", dest)
		}
		// A `COPY . .` after it would not matter (.dockerignore leaves web/dist out),
		// but the build must see the dist: nothing may remove it in between.
		for _, in := range golang.instructions[copyDist:goBuild] {
			if strings.HasPrefix(in, "RUN") && strings.Contains(in, "web/dist") {
				bad("the Go stage changes web/dist between copying it and `go build`: %s", in)
			}
		}
	}

	final := stages[len(stages)-1]
	if final.image != "debian:bookworm-slim" {
		bad("runtime image %q, want debian:bookworm-slim", final.image)
	}
	if final.indexOf("RUN", "ca-certificates") < 0 {
		bad("the runtime does not install ca-certificates")
	}
	if final.indexOf("COPY", "--from="+golang.name, "strata") < 0 && final.indexOf("COPY", fmt.Sprintf("--from=%d", goAt), "strata") < 0 {
		bad("the runtime does not copy the binary from the Go stage")
	}
	user := ""
	for _, in := range final.instructions {
		if u, ok := strings.CutPrefix(in, "USER "); ok {
			user = u
		}
	}
	if user == "" || user == "root" || user == "0" || strings.HasPrefix(user, "0:") || strings.HasPrefix(user, "root:") {
		bad("the runtime runs as %q, want a non-root USER", user)
	}
	if final.indexOf("EXPOSE", "8080") < 0 {
		bad("the runtime does not EXPOSE 8080")
	}
	if final.indexOf(`CMD ["strata", "serve"]`) < 0 && final.indexOf(`CMD ["strata","serve"]`) < 0 {
		bad(`the runtime CMD is not ["strata", "serve"]`)
	}
	return problems
}

func TestComposeDockerfile(t *testing.T) {
	t.Parallel()
	text := readRepoFile(t, "Dockerfile")
	for _, problem := range checkDockerfile(text) {
		t.Errorf("Dockerfile: %s", problem)
	}

	// The checks catch a Dockerfile that builds the server without the web app.
	var lines []string
	var copyLine string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "COPY --from=") && strings.Contains(l, "dist") {
			copyLine = l
			continue
		}
		lines = append(lines, l)
	}
	if copyLine == "" {
		t.Fatal("no COPY --from=... dist line to break")
	}
	if len(checkDockerfile(strings.Join(lines, "\n"))) == 0 {
		t.Error("a Dockerfile without the web/dist copy passes the checks")
	}
	// ... or copies it in only after `go build`.
	lines = append(lines[:0:0], lines...)
	for i, l := range lines {
		if strings.Contains(l, "go build") {
			lines = slices.Insert(lines, i+1, copyLine)
			break
		}
	}
	if problems := checkDockerfile(strings.Join(lines, "\n")); !slices.ContainsFunc(problems, func(s string) bool {
		return strings.Contains(s, "after `go build`")
	}) {
		t.Errorf("a Dockerfile that copies web/dist after `go build` passes the checks: %q", problems)
	}
	if len(checkDockerfile(strings.ReplaceAll(text, "npm run build", "npm run lint"))) == 0 {
		t.Error("a Dockerfile that never builds the web app passes the checks")
	}
}

// TestComposeDockerignore wants the build context free of local build output,
// dependencies and history.
func TestComposeDockerignore(t *testing.T) {
	t.Parallel()
	var patterns []string
	for _, l := range strings.Split(readRepoFile(t, ".dockerignore"), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, strings.TrimSuffix(strings.TrimPrefix(l, "/"), "/"))
		}
	}
	for _, want := range [][]string{
		{".git"}, {"bin"}, {"test-output"}, {"web/dist"},
		{"**/node_modules", "web/node_modules"},
	} {
		if !slices.ContainsFunc(want, func(w string) bool { return slices.Contains(patterns, w) }) {
			t.Errorf(".dockerignore does not exclude %s", want[0])
		}
	}
}
