package seal

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// EnvSigningKey names the file holding the checkpoint signing key.
const EnvSigningKey = "STRATA_SIGNING_KEY"

// Key is a checkpoint signing key: an Ed25519 key in the text form of
// golang.org/x/mod/sumdb/note ("PRIVATE+KEY+name+hash+key"), and its public half
// ("name+hash+key"), which is what verifiers are given.
type Key struct {
	Signer note.Signer
	// Public is the verifier key in note form.
	Public string
}

// GenerateKey makes a new signing key named name and returns the private key's text
// (for the key file) and the public key.
func GenerateKey(name string) (private, public string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

// WriteKeyFile writes a new key file readable by its owner only, refusing to replace
// an existing file: a key that signed checkpoints must not be lost by a typo.
func WriteKeyFile(path, private string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(private + "\n"); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// LoadKey reads a key file. The file must be readable by its owner alone (mode 0600
// or stricter): a signing key that others can read signs nothing worth trusting.
func LoadKey(path string) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("signing key %s: not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("signing key %s: mode %04o lets others read it; want 0600 (chmod 600 %s)", path, perm, path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return ParseKey(strings.TrimSpace(string(raw)))
}

// ParseKey reads a private key in note form.
func ParseKey(private string) (*Key, error) {
	signer, err := note.NewSigner(private)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	// note keeps the public half to itself; it is the seed's, after the name, the
	// key hash and the algorithm byte.
	parts := strings.SplitN(private, "+", 5)
	if len(parts) != 5 {
		return nil, errors.New("signing key: want PRIVATE+KEY+name+hash+key")
	}
	seed, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(seed) != 1+ed25519.SeedSize || seed[0] != 1 {
		return nil, errors.New("signing key: not an Ed25519 key")
	}
	pub := ed25519.NewKeyFromSeed(seed[1:]).Public().(ed25519.PublicKey)
	public, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, err
	}
	return &Key{Signer: signer, Public: public}, nil
}

// Verifiers turns public keys in note form into the set note.Open checks against.
func Verifiers(public ...string) (note.Verifiers, error) {
	var list []note.Verifier
	for _, p := range public {
		v, err := note.NewVerifier(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("public key %.60q: %w", p, err)
		}
		list = append(list, v)
	}
	return note.VerifierList(list...), nil
}
