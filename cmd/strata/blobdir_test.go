package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives the commands these tests run, in this process and in the child
// processes they start, a blob store of their own: the default, data/blobs under the
// working directory, would be the source tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "strata-cmd-blobs-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("STRATA_BLOB_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
