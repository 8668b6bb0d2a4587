package blobs_test

import (
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/strata-grc/strata/commands/blobs"
)

// The benchmarks measure a 100 MiB file going into a store and back out (MB/s, and the
// bytes allocated per operation, which stay a small constant because nothing holds the
// file). BenchmarkSHA256 is the floor: hashing the same file without storing it, to set
// beside `sha256sum` of the file on the same machine.
//
//	go test -run '^$' -bench . -benchtime 5x ./commands/blobs/
const benchSize = 100 << 20

// benchFile writes benchSize random bytes to a file, without holding them in memory.
func benchFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "evidence.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := io.CopyN(f, rand.NewChaCha8([32]byte{1}), benchSize); err != nil {
		b.Fatal(err)
	}
	return path
}

func putFile(b *testing.B, s blobs.Store, path string) blobs.Blob {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	blob, err := s.Put(b.Context(), f, benchSize)
	if err != nil {
		b.Fatal(err)
	}
	return blob
}

// readVerified reads a blob as a download does, through a HashingReader.
func readVerified(b *testing.B, s blobs.Store, sha string) {
	rc, _, err := s.Open(b.Context(), sha)
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	// A plain writer, as a response is: io.Discard's ReadFrom would read in its own small pieces.
	if n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, blobs.NewHashingReader(rc, sha), make([]byte, 256<<10)); err != nil || n != benchSize {
		b.Fatalf("read %d bytes: %v", n, err)
	}
}

func benchPut(b *testing.B, s blobs.Store) {
	path := benchFile(b)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	defer peakHeap(b)()
	b.ResetTimer()
	for b.Loop() {
		putFile(b, s, path)
	}
}

func benchOpen(b *testing.B, s blobs.Store) {
	blob := putFile(b, s, benchFile(b))
	b.SetBytes(benchSize)
	b.ReportAllocs()
	defer peakHeap(b)()
	b.ResetTimer()
	for b.Loop() {
		readVerified(b, s, blob.SHA256)
	}
}

// peakHeap samples the live heap while the benchmark runs and reports its peak above
// where it started, in MiB: what a 100 MiB file costs in memory while it streams.
func peakHeap(b *testing.B) (stop func()) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak {
				peak = v - base
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	}
}

func benchDir(b *testing.B) blobs.Store {
	d, err := blobs.Dir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func BenchmarkPut100MiB(b *testing.B)  { benchPut(b, benchDir(b)) }
func BenchmarkOpen100MiB(b *testing.B) { benchOpen(b, benchDir(b)) }

func BenchmarkS3Put100MiB(b *testing.B)  { benchPut(b, newS3(b, s3URL(b), blobs.S3Options{})) }
func BenchmarkS3Open100MiB(b *testing.B) { benchOpen(b, newS3(b, s3URL(b), blobs.S3Options{})) }

func BenchmarkSHA256(b *testing.B) {
	path := benchFile(b)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, f, make([]byte, 256<<10)); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
