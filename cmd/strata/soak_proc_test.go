package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The processes the crash soak drives: the strata binary as users run it, and a
// PostgreSQL cluster of its own that it may stop and start without disturbing
// anything else on the machine.

// buildStrata compiles this command into a temporary directory: the soak kills the
// process users run, not a test double of it.
func buildStrata(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "strata")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freePort finds a loopback port nothing listens on now. The soak needs the same
// address across restarts, so it cannot let each process pick its own.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// cleanEnv is the environment without Strata's own settings, so a developer's
// STRATA_EVENT_STORE or pool size cannot change what the soak tests; files go to the
// tests' own blob directory (TestMain's).
func cleanEnv(extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "STRATA_") || strings.HasPrefix(kv, "DATABASE_URL=")
	})
	return append(append(env, "STRATA_BLOB_DIR="+os.Getenv("STRATA_BLOB_DIR")), extra...)
}

// strataCLI runs one command of the binary against dbURL.
func strataCLI(t testing.TB, bin, dbURL, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--database-url", dbURL)...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("strata %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// soakServer is `strata serve` as a child process on a fixed address.
type soakServer struct {
	bin, dbURL, addr, logPath string
	cmd                       *exec.Cmd
	done                      chan struct{} // closed when the process has exited
	starts                    int
}

func newSoakServer(t testing.TB, bin, dbURL string) *soakServer {
	s := &soakServer{bin: bin, dbURL: dbURL, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		logPath: filepath.Join(t.TempDir(), "serve.log")}
	t.Cleanup(s.kill)
	return s
}

func (s *soakServer) base() string { return "http://" + s.addr }

func (s *soakServer) start(t testing.TB) {
	t.Helper()
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	s.starts++
	fmt.Fprintf(log, "--- start %d\n", s.starts)
	cmd := exec.Command(s.bin, "serve", "--addr", s.addr, "--database-url", s.dbURL)
	// Requests give up well before the writers' clients do, so once every writer has
	// its answer no request is left running in the server.
	cmd.Env = cleanEnv("STRATA_REQUEST_TIMEOUT=10s", "STRATA_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("start strata serve: %v", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) {
		_ = cmd.Wait()
		log.Close()
		close(done)
	}(s.done)
}

// kill sends SIGKILL: no shutdown hook, deferred call or flush runs.
func (s *soakServer) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.cmd = nil
}

// exited reports whether the process ended without being killed by the soak.
func (s *soakServer) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// logTail is the end of the server's output, for a failure message.
func (s *soakServer) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// ready reports whether /readyz answers 200.
func (s *soakServer) ready() bool {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(s.base() + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// pgCluster is a throwaway PostgreSQL cluster in a temporary directory.
type pgCluster struct {
	binDir, dir string
	port        int
	runAs       []string // runuser prefix when the soak runs as root
}

// pgBinDir finds PostgreSQL's server programs: STRATA_SOAK_PG_BIN, initdb on the
// PATH, or the newest Debian-style /usr/lib/postgresql/N/bin.
func pgBinDir() string {
	if d := os.Getenv("STRATA_SOAK_PG_BIN"); d != "" {
		return d
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real)
		}
		return filepath.Dir(p)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// startCluster initializes and starts a cluster of the soak's own, or skips the test
// saying what is missing. PostgreSQL refuses to run as root, so as root the cluster
// belongs to the postgres user.
func startCluster(t *testing.T) *pgCluster {
	t.Helper()
	bin := pgBinDir()
	if bin == "" {
		t.Skip("the crash soak restarts a PostgreSQL cluster of its own and found no initdb " +
			"(install the PostgreSQL server, or set STRATA_SOAK_PG_BIN to its bin directory)")
	}
	dir, err := os.MkdirTemp("", "strata-soak-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &pgCluster{binDir: bin, dir: dir, port: freePort(t)}
	t.Cleanup(func() {
		if t.Failed() && os.Getenv("STRATA_SOAK_KEEP") != "" {
			t.Logf("kept the cluster in %s, running on port %d", dir, c.port)
			return
		}
		_ = c.pgctl("stop", "-m", "immediate")
		_ = os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("the crash soak runs as root and needs a postgres user to own its PostgreSQL cluster")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.runAs = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := c.command("initdb", "-D", c.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	if err := c.start(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *pgCluster) data() string { return filepath.Join(c.dir, "data") }

func (c *pgCluster) command(program string, args ...string) *exec.Cmd {
	argv := append(slices.Clone(c.runAs), append([]string{filepath.Join(c.binDir, program)}, args...)...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = cleanEnv()
	return cmd
}

func (c *pgCluster) pgctl(args ...string) error {
	out, err := c.command("pg_ctl", append([]string{"-D", c.data(), "-w"}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func (c *pgCluster) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.port, c.dir)
	if os.Getenv("STRATA_SOAK_KEEP") != "" {
		// A kept cluster is for finding out what happened: its log has every change.
		opts += " -c log_statement=mod -c log_line_prefix='%m [%p] %x '"
	}
	return c.pgctl("-l", filepath.Join(c.dir, "postgres.log"), "-o", opts, "start")
}

// stop shuts the cluster down: "fast" ends sessions cleanly, "immediate" is a crash
// that the next start recovers from the write-ahead log.
func (c *pgCluster) stop(mode string) error { return c.pgctl("-m", mode, "stop") }

func (c *pgCluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}
