package api_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkImportMemory sends each 1 MiB import shape to a running server and prints
// how far the process's resident memory rose above where it stood before the
// request: the kernel's high-water mark (VmHWM), reset just before the request by
// writing 5 to /proc/self/clear_refs, minus VmRSS at that moment, after a collection
// returned free memory to the system. Client and server share the process, so the
// figure includes the client's side of the request and is an upper bound for the
// server's.
//
//	go test -run '^$' -bench BenchmarkImportMemory -benchtime 1x ./api
func BenchmarkImportMemory(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("the peak resident size cannot be reset here: %v", err)
	}
	e := newBenchEnv(b)
	e.start()
	c := e.client()
	defer benchClose(c)
	run := 0
	for _, s := range importShapes {
		b.Run(s.name, func(b *testing.B) {
			var worst int64
			var status, answer int
			for b.Loop() {
				run++
				body := s.body(run)
				b.StopTimer()
				runtime.GC()
				debug.FreeOSMemory()
				base := procStatusKB(b, "VmRSS")
				if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				resp, err := c.Post(e.url+"/api/frameworks/import", s.contentType, bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				b.StopTimer()
				worst = max(worst, procStatusKB(b, "VmHWM")-base)
				status, answer = resp.StatusCode, int(n)
				if status != s.status && status != http.StatusRequestEntityTooLarge {
					b.Fatalf("status %d, want %d", status, s.status)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(worst)/1024, "peak-RSS-MB")
			fmt.Printf("import %-72s %7d bytes -> %d, %6d-byte answer, peak RSS +%.1f MB\n",
				s.name, len(s.body(0)), status, answer, float64(worst)/1024)
		})
	}
}

// procStatusKB reads a kB figure from /proc/self/status.
func procStatusKB(b *testing.B, key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			v, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return v
		}
	}
	b.Fatalf("no %s in /proc/self/status", key)
	return 0
}
