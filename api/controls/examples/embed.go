// Package examples holds the example framework files: the demo seed imports them, and
// they show users a working file of each format (see docs/controls.md, "Framework
// files") that they can copy and adapt.
package examples

import "embed"

// Files are the example frameworks, one JSON and one CSV, at the top of the FS.
//
//go:embed *.json *.csv
var Files embed.FS
