package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	pseal "github.com/strata-grc/strata/projections/seal"
)

const keysUsage = "usage: strata keys generate [-o FILE] [--name NAME]"

// keysCmd runs `strata keys generate`: a new Ed25519 key for signing the log's
// checkpoints, written to a file only its owner may read, and its public key printed
// for whoever will verify checkpoints.
func keysCmd(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "generate" {
		return errors.New(keysUsage)
	}
	out := fs.String("o", "strata-signing.key", "file to write the private key to (created with mode 0600; never replaced)")
	name := fs.String("name", "strata", "the key's name, written in every signature it makes")
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(positional) != 0 {
		return errors.New(keysUsage)
	}
	private, public, err := pseal.GenerateKey(*name)
	if err != nil {
		return err
	}
	if err := pseal.WriteKeyFile(*out, private); err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	fmt.Fprintf(stdout, "wrote the signing key to %s (mode 0600); run the server with %s=%s\npublic key: %s\n",
		*out, pseal.EnvSigningKey, *out, public)
	return nil
}
