package main

import (
	"fmt"
	"math"
	"runtime/debug"
)

// defaultMemoryLimit is the Go runtime's soft memory limit for a strata process when
// GOMEMLIMIT is not set. What the server keeps is small (45 to 65 MB of heap over an
// organization of 1,000,000 events), but with no limit the collector lets the heap
// grow to twice what is live before it collects, so a burst (a trail export, an
// as_of replay and the dashboards at once) peaked at 171 MB resident in
// BenchmarkServerMemory, and at 126 MB with this limit. Near the limit the collector
// runs sooner and hands freed memory back to the system; the limit is soft, so a
// process whose live data outgrows it spends more time collecting (at most about half
// its processor, by the runtime's own guard) rather than failing. GOMEMLIMIT, set to a
// size or to "off", replaces it.
const defaultMemoryLimit = 100 << 20

// setMemoryLimit applies the default limit unless GOMEMLIMIT chose one (the runtime
// applied that at start), and returns the limit in force.
func setMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1)
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	return defaultMemoryLimit
}

// memoryLimitText says what a limit is, for the server's log.
func memoryLimitText(limit int64) string {
	if limit == math.MaxInt64 {
		return "none"
	}
	return fmt.Sprintf("%d MiB", limit>>20)
}
