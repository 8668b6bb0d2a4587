// Package web holds the built web application, embedded so that `strata serve` is the
// whole product. A clean clone has only dist/.keep: the server then explains how to
// build the application instead of serving it.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built application (index.html and its assets at the root).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is part of the embed pattern, so this cannot happen
	}
	return sub
}
