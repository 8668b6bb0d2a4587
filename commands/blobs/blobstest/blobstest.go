// Package blobstest is the contract every blob store keeps, as one test suite that each
// store's tests run against a real instance of it.
package blobstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands/blobs"
)

// Target is a store under test together with the means to look behind it.
type Target struct {
	Store blobs.Store
	// Tamper replaces the stored content of the blob named sha without going through the
	// store, as a failing disk or a person with access to the storage could.
	Tamper func(t *testing.T, sha string, content []byte)
	// Leftovers lists what unfinished uploads left behind (temporary files, incomplete
	// multipart uploads). A Put that failed must leave it empty.
	Leftovers func(t *testing.T) []string
}

// Run runs the contract against fresh targets; newTarget makes one for each test, empty
// and unseen by the others, and cleans it up with t.Cleanup.
func Run(t *testing.T, newTarget func(t *testing.T) Target) {
	tests := []struct {
		name string
		fn   func(t *testing.T, tg Target)
	}{
		{"RoundTrip", roundTrip},
		{"SameContentStoredOnce", sameContentStoredOnce},
		{"StoringAgainMakesYoung", storingAgainMakesYoung},
		{"OverLimit", overLimit},
		{"EndlessSourceStopsAtLimit", endlessSource},
		{"ExactLimit", exactLimit},
		{"Empty", empty},
		{"CancelledMidStream", cancelledMidStream},
		{"CancelledBefore", cancelledBefore},
		{"FailingSource", failingSource},
		{"ConcurrentSameContent", concurrentSameContent},
		{"Delete", deleteBlob},
		{"OpenMissing", openMissing},
		{"InvalidNames", invalidNames},
		{"WalkStops", walkStops},
		{"HashingReaderDetectsTampering", hashingReader},
		{"Collect", collect},
		{"CollectRefusesOnLookupError", collectLookupError},
		{"VerifyAll", verifyAll},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newTarget(t))
		})
	}
}

// Content returns n random bytes, different at each call.
func Content(n int) []byte {
	var seed [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(seed[i*8:], rand.Uint64())
	}
	b := make([]byte, n)
	rand.NewChaCha8(seed).Read(b)
	return b
}

// SHA returns the name a blob with content b has.
func SHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

const noLimit = 1 << 40

func put(t *testing.T, s blobs.Store, content []byte) blobs.Blob {
	t.Helper()
	b, err := s.Put(t.Context(), bytes.NewReader(content), noLimit)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if want := SHA(content); b.SHA256 != want || b.Size != int64(len(content)) {
		t.Fatalf("Put = %+v, want {%s %d}", b, want, len(content))
	}
	return b
}

func read(t *testing.T, s blobs.Store, sha string) []byte {
	t.Helper()
	rc, size, err := s.Open(t.Context(), sha)
	if err != nil {
		t.Fatalf("Open(%s): %v", sha, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", sha, err)
	}
	if int64(len(got)) != size {
		t.Fatalf("Open(%s) said %d bytes and gave %d", sha, size, len(got))
	}
	return got
}

func walk(t *testing.T, s blobs.Store) []blobs.Info {
	t.Helper()
	var all []blobs.Info
	if err := s.Walk(t.Context(), func(in blobs.Info) error {
		all = append(all, in)
		return nil
	}); err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return all
}

func shas(infos []blobs.Info) []string {
	var s []string
	for _, in := range infos {
		s = append(s, in.SHA256)
	}
	slices.Sort(s)
	return s
}

// nothingLeft checks that a failed Put left neither a blob nor anything unfinished.
func nothingLeft(t *testing.T, tg Target) {
	t.Helper()
	if got := walk(t, tg.Store); len(got) != 0 {
		t.Errorf("Walk after a failed Put = %v, want nothing", got)
	}
	if left := tg.Leftovers(t); len(left) != 0 {
		t.Errorf("a failed Put left %v", left)
	}
}

func roundTrip(t *testing.T, tg Target) {
	// Longer than any copy buffer and not a multiple of one.
	content := Content(3<<20 + 17)
	before := time.Now().Add(-2 * time.Second)
	b := put(t, tg.Store, content)
	if got := read(t, tg.Store, b.SHA256); !bytes.Equal(got, content) {
		t.Fatalf("Open gave %d bytes unlike the %d stored", len(got), len(content))
	}
	actual, err := blobs.Hash(t.Context(), tg.Store, b.SHA256)
	if err != nil || actual != b.SHA256 {
		t.Fatalf("Hash = %q, %v; want %s", actual, err, b.SHA256)
	}
	all := walk(t, tg.Store)
	if len(all) != 1 || all[0].SHA256 != b.SHA256 || all[0].Size != b.Size {
		t.Fatalf("Walk = %+v, want the one blob %+v", all, b)
	}
	if mt := all[0].ModTime; mt.Before(before) || mt.After(time.Now().Add(2*time.Second)) {
		t.Errorf("ModTime %s is not the time of the Put (%s)", mt, time.Now())
	}
	if left := tg.Leftovers(t); len(left) != 0 {
		t.Errorf("a Put left %v", left)
	}
	if s := tg.Store.String(); s == "" {
		t.Error("String() is empty")
	}
}

func sameContentStoredOnce(t *testing.T, tg Target) {
	content := Content(100 << 10)
	a := put(t, tg.Store, content)
	// A reader of another kind, which hides any WriterTo or Seeker.
	b, err := tg.Store.Put(t.Context(), io.MultiReader(bytes.NewReader(content[:10]), bytes.NewReader(content[10:])), noLimit)
	if err != nil || b != a {
		t.Fatalf("second Put = %+v, %v; want %+v", b, err, a)
	}
	if got := walk(t, tg.Store); len(got) != 1 {
		t.Fatalf("Walk = %+v, want one blob", got)
	}
	if got := read(t, tg.Store, a.SHA256); !bytes.Equal(got, content) {
		t.Fatal("content changed by the second Put")
	}
	if left := tg.Leftovers(t); len(left) != 0 {
		t.Errorf("Puts left %v", left)
	}
}

// storingAgainMakesYoung: the collector's age guard must cover content stored again,
// whose reference is about to be recorded, even when the first copy was an orphan.
func storingAgainMakesYoung(t *testing.T, tg Target) {
	content := Content(1000)
	b := put(t, tg.Store, content)
	first := walk(t, tg.Store)[0].ModTime
	// Object stores keep times to the second.
	time.Sleep(1100 * time.Millisecond)
	put(t, tg.Store, content)
	all := walk(t, tg.Store)
	if len(all) != 1 || !all[0].ModTime.After(first) {
		t.Fatalf("after storing %s again Walk = %+v; want one blob newer than %s", b.SHA256, all, first)
	}
}

func overLimit(t *testing.T, tg Target) {
	content := Content(1 << 20)
	_, err := tg.Store.Put(t.Context(), bytes.NewReader(content), int64(len(content)-1))
	if !errors.Is(err, blobs.ErrTooLarge) {
		t.Fatalf("Put of %d bytes with limit %d: %v, want ErrTooLarge", len(content), len(content)-1, err)
	}
	nothingLeft(t, tg)
}

// endless never ends, counting what was read from it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e.n + int64(i))
	}
	e.n += int64(len(p))
	return len(p), nil
}

func endlessSource(t *testing.T, tg Target) {
	src := &endless{}
	const limit = 5 << 20
	if _, err := tg.Store.Put(t.Context(), src, limit); !errors.Is(err, blobs.ErrTooLarge) {
		t.Fatalf("Put of an endless source: %v, want ErrTooLarge", err)
	}
	// Reading stops right after the limit, not at some multiple of it.
	if src.n > limit+1<<20 {
		t.Errorf("read %d bytes of an endless source with limit %d", src.n, limit)
	}
	nothingLeft(t, tg)
}

func exactLimit(t *testing.T, tg Target) {
	content := Content(64<<10 + 3)
	b, err := tg.Store.Put(t.Context(), bytes.NewReader(content), int64(len(content)))
	if err != nil || b.SHA256 != SHA(content) {
		t.Fatalf("Put at exactly the limit = %+v, %v", b, err)
	}
	if got := read(t, tg.Store, b.SHA256); !bytes.Equal(got, content) {
		t.Fatal("content differs")
	}
}

func empty(t *testing.T, tg Target) {
	b, err := tg.Store.Put(t.Context(), strings.NewReader(""), 0)
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err != nil || b.SHA256 != emptySHA || b.Size != 0 {
		t.Fatalf("Put of nothing = %+v, %v", b, err)
	}
	if got := read(t, tg.Store, emptySHA); len(got) != 0 {
		t.Fatalf("empty blob reads as %d bytes", len(got))
	}
	if all := walk(t, tg.Store); len(all) != 1 || all[0].Size != 0 {
		t.Fatalf("Walk = %+v", all)
	}
}

// cancelling gives content and cancels its request once half of it has been read, as
// a client that goes away during an upload does.
type cancelling struct {
	r      io.Reader
	n, at  int
	cancel context.CancelFunc
}

func (c *cancelling) Read(p []byte) (int, error) {
	if c.n >= c.at {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func cancelledMidStream(t *testing.T, tg Target) {
	content := Content(4 << 20)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := &cancelling{r: bytes.NewReader(content), at: len(content) / 2, cancel: cancel}
	_, err := tg.Store.Put(ctx, src, noLimit)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put cancelled midway: %v, want context.Canceled", err)
	}
	if src.n == len(content) {
		t.Error("Put went on reading after its request was cancelled")
	}
	nothingLeft(t, tg)
}

func cancelledBefore(t *testing.T, tg Target) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := tg.Store.Put(ctx, bytes.NewReader(Content(10)), noLimit); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled request: %v", err)
	}
	nothingLeft(t, tg)
}

var errBroken = errors.New("connection reset")

func failingSource(t *testing.T, tg Target) {
	src := io.MultiReader(bytes.NewReader(Content(300<<10)), iotestErr{errBroken})
	if _, err := tg.Store.Put(t.Context(), src, noLimit); !errors.Is(err, errBroken) {
		t.Fatalf("Put of a broken source: %v, want its error", err)
	}
	nothingLeft(t, tg)
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

func concurrentSameContent(t *testing.T, tg Target) {
	content := Content(1<<20 + 5)
	want := SHA(content)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	got := make([]blobs.Blob, 8)
	for i := range errs {
		wg.Go(func() {
			got[i], errs[i] = tg.Store.Put(t.Context(), bytes.NewReader(content), noLimit)
		})
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil || got[i].SHA256 != want {
			t.Errorf("Put %d = %+v, %v", i, got[i], errs[i])
		}
	}
	if all := walk(t, tg.Store); len(all) != 1 {
		t.Fatalf("Walk after 8 Puts of one content = %+v, want one blob", all)
	}
	if !bytes.Equal(read(t, tg.Store, want), content) {
		t.Fatal("content differs")
	}
	if left := tg.Leftovers(t); len(left) != 0 {
		t.Errorf("Puts left %v", left)
	}
}

func deleteBlob(t *testing.T, tg Target) {
	ctx := t.Context()
	keep := put(t, tg.Store, Content(200))
	gone := put(t, tg.Store, Content(300))
	if err := tg.Store.Delete(ctx, gone.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, _, err := tg.Store.Open(ctx, gone.SHA256); !errors.Is(err, blobs.ErrNotFound) {
		t.Fatalf("Open after Delete: %v, want ErrNotFound", err)
	}
	if got := shas(walk(t, tg.Store)); !slices.Equal(got, []string{keep.SHA256}) {
		t.Fatalf("Walk after Delete = %v, want only %s", got, keep.SHA256)
	}
	if err := tg.Store.Delete(ctx, gone.SHA256); err != nil {
		t.Fatalf("Delete of an absent blob: %v", err)
	}
	if err := tg.Store.Delete(ctx, "../"+keep.SHA256); err != nil {
		t.Fatalf("Delete of an impossible name: %v", err)
	}
	read(t, tg.Store, keep.SHA256)
}

func openMissing(t *testing.T, tg Target) {
	missing := SHA([]byte("never stored"))
	if _, _, err := tg.Store.Open(t.Context(), missing); !errors.Is(err, blobs.ErrNotFound) {
		t.Fatalf("Open of a missing blob: %v, want ErrNotFound", err)
	}
	if _, err := blobs.Hash(t.Context(), tg.Store, missing); !errors.Is(err, blobs.ErrNotFound) {
		t.Fatalf("Hash of a missing blob: %v, want ErrNotFound", err)
	}
}

func invalidNames(t *testing.T, tg Target) {
	b := put(t, tg.Store, Content(50))
	for _, name := range []string{
		"", "../x", "../../../etc/passwd", strings.ToUpper(b.SHA256), b.SHA256[:63], b.SHA256 + "0",
		b.SHA256[:2] + "/" + b.SHA256[2:4] + "/" + b.SHA256, "tmp", b.SHA256[:63] + "g", " " + b.SHA256[1:],
	} {
		if _, _, err := tg.Store.Open(t.Context(), name); !errors.Is(err, blobs.ErrNotFound) {
			t.Errorf("Open(%q): %v, want ErrNotFound", name, err)
		}
	}
}

var errStop = errors.New("stop")

func walkStops(t *testing.T, tg Target) {
	for i := range 3 {
		put(t, tg.Store, Content(10+i))
	}
	calls := 0
	err := tg.Store.Walk(t.Context(), func(blobs.Info) error {
		calls++
		return errStop
	})
	if !errors.Is(err, errStop) || calls != 1 {
		t.Fatalf("Walk whose fn fails = %v after %d calls; want errStop after 1", err, calls)
	}
}

func hashingReader(t *testing.T, tg Target) {
	content := Content(2<<20 + 1)
	b := put(t, tg.Store, content)

	rc, _, err := tg.Store.Open(t.Context(), b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	hr := blobs.NewHashingReader(rc, b.SHA256)
	got, err := io.ReadAll(hr)
	rc.Close()
	if err != nil || !bytes.Equal(got, content) || hr.Sum() != b.SHA256 || hr.N() != b.Size {
		t.Fatalf("intact blob through HashingReader: %d bytes, %v, sum %s", len(got), err, hr.Sum())
	}

	// The same length with one byte changed, which only the hash can tell.
	tampered := bytes.Clone(content)
	tampered[len(tampered)/2] ^= 1
	tg.Tamper(t, b.SHA256, tampered)

	rc, _, err = tg.Store.Open(t.Context(), b.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	hr = blobs.NewHashingReader(rc, b.SHA256)
	_, err = io.Copy(io.Discard, hr)
	if !errors.Is(err, blobs.ErrMismatch) {
		t.Fatalf("tampered blob through HashingReader: %v, want ErrMismatch", err)
	}
	if hr.Sum() != SHA(tampered) {
		t.Errorf("Sum = %s, want the tampered content's %s", hr.Sum(), SHA(tampered))
	}
	if _, err := hr.Read(make([]byte, 10)); !errors.Is(err, blobs.ErrMismatch) {
		t.Errorf("reading on after the mismatch: %v", err)
	}
	actual, err := blobs.Hash(t.Context(), tg.Store, b.SHA256)
	if err != nil || actual != SHA(tampered) {
		t.Errorf("Hash of the tampered blob = %s, %v; want %s", actual, err, SHA(tampered))
	}
}

func collect(t *testing.T, tg Target) {
	ctx := t.Context()
	ref := put(t, tg.Store, Content(1000))
	orphans := []string{put(t, tg.Store, Content(2000)).SHA256, put(t, tg.Store, Content(3000)).SHA256}
	slices.Sort(orphans)
	referenced := func(_ context.Context, sha string) (bool, error) { return sha == ref.SHA256, nil }

	// Everything was stored just now: the guard keeps it all.
	rep, err := blobs.Collect(ctx, tg.Store, referenced, time.Hour, time.Now(), false)
	if err != nil || rep.Scanned != 3 || rep.Young != 3 || rep.Deleted != 0 {
		t.Fatalf("Collect of young blobs = %+v, %v", rep, err)
	}

	// An hour on, with a minute's guard: the orphans go, once the dry run has only told.
	later := time.Now().Add(time.Hour)
	rep, err = blobs.Collect(ctx, tg.Store, referenced, time.Minute, later, true)
	slices.Sort(rep.DeletedSHAs)
	if err != nil || rep.Deleted != 2 || rep.Kept != 1 || rep.DeletedBytes != 5000 || !slices.Equal(rep.DeletedSHAs, orphans) || !rep.DryRun {
		t.Fatalf("dry run = %+v, %v", rep, err)
	}
	if got := walk(t, tg.Store); len(got) != 3 {
		t.Fatalf("the dry run deleted: %v", shas(got))
	}
	rep, err = blobs.Collect(ctx, tg.Store, referenced, time.Minute, later, false)
	slices.Sort(rep.DeletedSHAs)
	if err != nil || rep.Scanned != 3 || rep.Deleted != 2 || rep.Kept != 1 || !slices.Equal(rep.DeletedSHAs, orphans) {
		t.Fatalf("Collect = %+v, %v", rep, err)
	}
	if got := shas(walk(t, tg.Store)); !slices.Equal(got, []string{ref.SHA256}) {
		t.Fatalf("after Collect: %v, want only the referenced %s", got, ref.SHA256)
	}
}

func collectLookupError(t *testing.T, tg Target) {
	put(t, tg.Store, Content(10))
	put(t, tg.Store, Content(11))
	errDB := errors.New("database down")
	_, err := blobs.Collect(t.Context(), tg.Store, func(context.Context, string) (bool, error) { return false, errDB },
		time.Minute, time.Now().Add(time.Hour), false)
	if !errors.Is(err, errDB) {
		t.Fatalf("Collect with a failing lookup: %v", err)
	}
	if got := walk(t, tg.Store); len(got) != 2 {
		t.Fatalf("Collect deleted without knowing: %d left", len(got))
	}
}

func verifyAll(t *testing.T, tg Target) {
	good := put(t, tg.Store, Content(4000))
	badContent := Content(5000)
	bad := put(t, tg.Store, badContent)
	tampered := bytes.Clone(badContent)
	tampered[0] ^= 0xff
	tg.Tamper(t, bad.SHA256, tampered)

	heard := map[string]error{}
	actuals := map[string]string{}
	rep, err := blobs.VerifyAll(t.Context(), tg.Store, func(in blobs.Info, actual string, err error) {
		heard[in.SHA256] = err
		actuals[in.SHA256] = actual
	})
	if err != nil || rep.Checked != 2 || rep.Intact != 1 || rep.Mismatched != 1 || rep.Failed != 0 || rep.Bytes != 9000 {
		t.Fatalf("VerifyAll = %+v, %v", rep, err)
	}
	if err, ok := heard[good.SHA256]; !ok || err != nil || actuals[good.SHA256] != good.SHA256 {
		t.Errorf("intact blob reported as %v (%s)", err, actuals[good.SHA256])
	}
	if err := heard[bad.SHA256]; !errors.Is(err, blobs.ErrMismatch) || actuals[bad.SHA256] != SHA(tampered) {
		t.Errorf("tampered blob reported as %v (%s)", err, actuals[bad.SHA256])
	}
}
