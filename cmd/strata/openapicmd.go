package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/strata-grc/strata/cmd/strata/app"
)

// openAPICommand writes the API description the server publishes, indented, to out or
// to the file -o names, so it can be linted or read without a running server or a
// database.
func openAPICommand(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("strata openapi", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("o", "", "write the document to `FILE` instead of standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("openapi: unexpected argument %q", fs.Arg(0))
	}
	doc, err := app.OpenAPI()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	if *file == "" {
		_, err = out.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(*file, buf.Bytes(), 0o644)
}
