package main

import (
	"strings"
	"testing"
	"time"
)

func TestServerConfigFromEnvironment(t *testing.T) {
	t.Setenv("STRATA_RATE_LIMIT", "2.5")
	t.Setenv("STRATA_RATE_BURST", "7")
	t.Setenv("STRATA_MAX_SESSIONS", "3")
	t.Setenv("STRATA_SWEEP_INTERVAL", "90s")
	t.Setenv("STRATA_METRICS_TOKEN", "0123456789abcdef")
	t.Setenv("STRATA_METRICS_ADDR", "127.0.0.1:0")
	cfg, metricsAddr, err := serverConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RateLimit.Rate != 2.5 || cfg.RateLimit.Burst != 7 || cfg.MaxSessions != 3 || cfg.SweepInterval != 90*time.Second ||
		cfg.MetricsToken != "0123456789abcdef" || !cfg.MetricsElsewhere || metricsAddr != "127.0.0.1:0" {
		t.Fatalf("config %+v, metrics address %q", cfg, metricsAddr)
	}

	// Unset means the defaults (zero here; api.New fills them in), and metrics stay on
	// the main listener's terms.
	for _, name := range []string{"STRATA_RATE_LIMIT", "STRATA_RATE_BURST", "STRATA_MAX_SESSIONS", "STRATA_SWEEP_INTERVAL",
		"STRATA_METRICS_TOKEN", "STRATA_METRICS_ADDR"} {
		t.Setenv(name, "")
	}
	if cfg, addr, err := serverConfig(); err != nil || cfg.RateLimit.Rate != 0 || cfg.MaxSessions != 0 || cfg.MetricsElsewhere || addr != "" {
		t.Fatalf("unset: %+v %q %v", cfg, addr, err)
	}

	// A mistyped limit stops the server instead of leaving it at a default.
	for name, bad := range map[string][]string{
		"STRATA_RATE_LIMIT":     {"abc", "0", "-1", "NaN", "Inf"},
		"STRATA_RATE_BURST":     {"1.5", "0", "-3", "many"},
		"STRATA_MAX_SESSIONS":   {"0", "ten"},
		"STRATA_SWEEP_INTERVAL": {"5", "-1m", "0s"},
		"STRATA_METRICS_TOKEN":  {"short"},
	} {
		for _, v := range bad {
			t.Setenv(name, v)
			if _, _, err := serverConfig(); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%q: err %v", name, v, err)
			}
		}
		t.Setenv(name, "")
	}
}
