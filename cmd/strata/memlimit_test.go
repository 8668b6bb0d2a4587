package main

import (
	"runtime/debug"
	"testing"
)

// With GOMEMLIMIT unset a strata process takes the default soft limit; with it set,
// the limit the runtime read from it stays.
func TestMemoryLimit(t *testing.T) {
	was := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(was) })

	debug.SetMemoryLimit(77 << 20) // as the runtime would have from GOMEMLIMIT=77MiB
	if got := setMemoryLimit(func(string) string { return "77MiB" }); got != 77<<20 || debug.SetMemoryLimit(-1) != 77<<20 {
		t.Fatalf("GOMEMLIMIT set: limit %d, in force %d; want the runtime's %d", got, debug.SetMemoryLimit(-1), 77<<20)
	}
	if got := setMemoryLimit(func(string) string { return "" }); got != defaultMemoryLimit || debug.SetMemoryLimit(-1) != defaultMemoryLimit {
		t.Fatalf("GOMEMLIMIT unset: limit %d, in force %d; want %d", got, debug.SetMemoryLimit(-1), defaultMemoryLimit)
	}
	if memoryLimitText(defaultMemoryLimit) != "100 MiB" {
		t.Fatalf("the default reads %q", memoryLimitText(defaultMemoryLimit))
	}
}
