package schema_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/schema"
	"github.com/strata-grc/strata/schema/testdb"
)

// TestPoolSessionSettings: every pooled session runs with the bounds PoolSettings
// give and without JIT, unless the URL says otherwise.
func TestPoolSessionSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		url, jit string
	}{{testdb.URL(), "off"}, {withParam(testdb.URL(), "jit=on"), "on"}} {
		pool, err := schema.NewPool(ctx, c.url, schema.PoolSettings{StatementTimeout: 7 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var jit, timeout, lock string
		err = pool.QueryRow(ctx, `select current_setting('jit'), current_setting('statement_timeout'), current_setting('lock_timeout')`).
			Scan(&jit, &timeout, &lock)
		pool.Close()
		if err != nil {
			t.Fatal(err)
		}
		if jit != c.jit || timeout != "7s" || lock != "5s" {
			t.Errorf("%s: jit %s, statement_timeout %s, lock_timeout %s; want jit %s, 7s, 5s", c.url, jit, timeout, lock, c.jit)
		}
	}
}

func withParam(url, param string) string {
	if strings.Contains(url, "?") {
		return url + "&" + param
	}
	return url + "?" + param
}
