package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-grc/strata/schema/testdb"
)

// BenchmarkEvidenceTransfer uploads and downloads a 100 MiB file through `strata
// serve` as users run it, and prints the rates next to sha256sum reading the same
// file in the same run (a floor for anything that must hash every byte), with the
// server's resident memory above idle while it receives the file.
//
//	go test -run '^$' -bench BenchmarkEvidenceTransfer -benchtime 1x ./cmd/strata
func BenchmarkEvidenceTransfer(b *testing.B) {
	const size = 100 << 20
	dir := b.TempDir()
	file := filepath.Join(dir, "evidence.bin")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		b.Fatal(err)
	}
	f.Close()

	bin := buildStrata(b)
	dbURL := schemaURL(testdb.New(b))
	const email, password = "bench-investigator@example.com", "benchmark investigator password"
	strataCLI(b, bin, dbURL, password+"\n", "admin", "create-user", "--email", email,
		"--name", "Bench Investigator", "--org", "Bench", "--role", "investigator")
	srv := newSoakServer(b, bin, dbURL)
	srv.start(b)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	waitServing(b, client, srv.base())
	post(b, client, srv.base()+"/api/auth/login", map[string]string{"email": email, "password": password})
	var created struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	json.Unmarshal(post(b, client, srv.base()+"/api/cases", map[string]string{"title": "Transfer benchmark"}), &created)
	evidenceURL := srv.base() + "/api/cases/" + strconv.FormatInt(created.Data.ID, 10) + "/evidence"

	for i := 0; i < b.N; i++ {
		began := time.Now()
		out, err := exec.Command("sha256sum", file).Output()
		if err != nil {
			b.Fatal(err)
		}
		sumTime := time.Since(began)
		want := strings.Fields(string(out))[0]

		idle := rssKB(b, srv.cmd.Process.Pid)
		peak, stop := watchRSS(srv.cmd.Process.Pid)
		began = time.Now()
		raw := upload(b, client, evidenceURL, file)
		upTime := time.Since(began)
		stop()
		var up struct {
			Data struct {
				ID     int64  `json:"id"`
				SHA256 string `json:"sha256"`
			} `json:"data"`
		}
		json.Unmarshal(raw, &up)
		if up.Data.SHA256 != want {
			b.Fatalf("uploaded hash %q, sha256sum %q (%s)", up.Data.SHA256, want, raw)
		}

		began = time.Now()
		resp, err := client.Get(evidenceURL + "/" + strconv.FormatInt(up.Data.ID, 10))
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		downTime := time.Since(began)
		if err != nil || n != size || resp.Header.Get("X-Content-SHA256") != want {
			b.Fatalf("download: %d bytes, %v, hash %q", n, err, resp.Header.Get("X-Content-SHA256"))
		}

		mb := float64(size) / (1 << 20)
		b.ReportMetric(mb/sumTime.Seconds(), "sha256sum-MB/s")
		b.ReportMetric(mb/upTime.Seconds(), "upload-MB/s")
		b.ReportMetric(mb/downTime.Seconds(), "download-MB/s")
		b.ReportMetric(float64(peak()-idle)/1024, "upload-RSS-above-idle-MB")
		fmt.Printf("100 MiB: sha256sum %.0f MB/s; upload %.0f MB/s (%.2f× sha256sum); download %.0f MB/s (%.2f× sha256sum); "+
			"server RSS idle %.1f MB, peak during upload %.1f MB (+%.1f MB)\n",
			mb/sumTime.Seconds(), mb/upTime.Seconds(), sumTime.Seconds()/upTime.Seconds(),
			mb/downTime.Seconds(), sumTime.Seconds()/downTime.Seconds(),
			float64(idle)/1024, float64(peak())/1024, float64(peak()-idle)/1024)
	}
}

func waitServing(b *testing.B, client *http.Client, base string) {
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("server not ready: %v", err)
		}
	}
}

func post(b *testing.B, client *http.Client, url string, body any) []byte {
	raw, _ := json.Marshal(body)
	resp, err := client.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		b.Fatalf("POST %s: %d %s", url, resp.StatusCode, out)
	}
	return out
}

// upload streams file as a multipart form, as a browser does, without holding it.
func upload(b *testing.B, client *http.Client, url, file string) []byte {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		part, err := w.CreateFormFile("file", filepath.Base(file))
		if err == nil {
			var f *os.File
			if f, err = os.Open(file); err == nil {
				_, err = io.Copy(part, f)
				f.Close()
			}
		}
		if err == nil {
			err = w.Close()
		}
		pw.CloseWithError(err)
	}()
	resp, err := client.Post(url, w.FormDataContentType(), pr)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("upload: %d %s", resp.StatusCode, out)
	}
	return out
}

// rssKB reads a process's resident set size.
func rssKB(b *testing.B, pid int) int64 {
	kb, err := readRSS(pid)
	if err != nil {
		b.Fatal(err)
	}
	return kb
}

func readRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

// watchRSS samples a process's resident size every 5 ms until stop; peak is the
// largest seen.
func watchRSS(pid int) (peak func() int64, stop func()) {
	var mu sync.Mutex
	var highest int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			if kb, err := readRSS(pid); err == nil {
				mu.Lock()
				highest = max(highest, kb)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int64 { mu.Lock(); defer mu.Unlock(); return highest }, func() { close(done); <-finished }
}
