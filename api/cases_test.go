package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-grc/strata/api"
	"github.com/strata-grc/strata/cmd/strata/app"
	"github.com/strata-grc/strata/commands/blobs"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/schema/testdb"
)

type caseView struct {
	ID            int64          `json:"id"`
	Title         string         `json:"title"`
	Status        string         `json:"status"`
	Priority      string         `json:"priority"`
	AssigneeID    *int64         `json:"assignee_id"`
	Confidential  bool           `json:"confidential"`
	Resolution    *string        `json:"resolution"`
	EvidenceCount int64          `json:"evidence_count"`
	Evidence      []evidenceView `json:"evidence"`
	Version       int64          `json:"version"`
}

type evidenceView struct {
	ID            int64  `json:"id"`
	FileName      string `json:"file_name"`
	ContentType   string `json:"content_type"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
	Description   string `json:"description"`
	UploadedBy    int64  `json:"uploaded_by"`
	Integrity     string `json:"integrity"`
	DownloadCount int64  `json:"download_count"`
}

type custodyView struct {
	Action    string  `json:"action"`
	ActorID   int64   `json:"actor_id"`
	ActorName string  `json:"actor_name"`
	IP        string  `json:"ip"`
	UserAgent string  `json:"user_agent"`
	SHA256    string  `json:"sha256"`
	Result    *string `json:"result"`
	Reason    *string `json:"reason"`
}

func casePath(id int64) string { return "/api/cases/" + strconv.FormatInt(id, 10) }

// caseEnv is Strata with its blob store in a directory the test can reach into, and
// uploads capped at maxUpload, logged in as an investigator.
func caseEnv(t *testing.T, maxUpload int64) (*env, string) {
	t.Helper()
	dir := t.TempDir()
	store, err := blobs.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, start, _ := newStoppedEnvWith(t, testdb.New(t), app.Options{Blobs: store, MaxUpload: maxUpload})
	start()
	e.loginAs(api.Principal{OrgID: 1, Name: "Ida Investigator", Role: identity.Investigator})
	return e, dir
}

func (e *env) newCase(fields map[string]any) caseView {
	e.t.Helper()
	return auditWrite[caseView](e, "POST", "/api/cases", http.StatusCreated, fields)
}

// upload sends a file as a browser's form does, the description first.
func (e *env) upload(path, name string, content []byte, description string) *reply {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if description != "" {
		_ = w.WriteField("description", description)
	}
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(content)
	_ = w.Close()
	return e.do("POST", path, body.Bytes(), "Content-Type", w.FormDataContentType())
}

// download fetches a file; err is set when the transfer broke off.
func (e *env) download(path string) (*http.Response, []byte, error) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.URL+path, nil)
	req.Header.Set("User-Agent", "case-test-agent")
	resp, err := e.Client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestCaseLifecycleWithEvidence(t *testing.T) {
	t.Parallel()
	e, _ := caseEnv(t, 1<<20)
	me := e.userID(e.Email)
	c := e.newCase(map[string]any{"title": "Duplicate invoices", "type": "fraud", "priority": "high"})
	if c.Status != "new" || c.Priority != "high" || c.Version != 1 {
		t.Fatalf("new case %+v", c)
	}
	wantErr(t, e.do("PUT", casePath(c.ID)+"/status", map[string]any{"status": "in_progress"}), http.StatusBadRequest, "VALIDATION_ERROR", "status")
	c = auditWrite[caseView](e, "PUT", casePath(c.ID)+"/assignee", http.StatusOK, map[string]any{"assignee_id": me})
	if c.Status != "assigned" || c.AssigneeID == nil || *c.AssigneeID != me {
		t.Fatalf("assigned case %+v", c)
	}
	c = auditWrite[caseView](e, "PUT", casePath(c.ID)+"/status", http.StatusOK, map[string]any{"status": "in_progress"})

	content := []byte("invoice,amount\n4471,18250.00\n4471,18250.00\n")
	r := e.upload(casePath(c.ID)+"/evidence", `C:\fakepath\invoices.csv`, content, "Both payments")
	wantOK(t, r, http.StatusCreated)
	var ev evidenceView
	r.into(t, &ev)
	if ev.SHA256 != sha(content) || ev.Size != int64(len(content)) || ev.FileName != "invoices.csv" || ev.Description != "Both payments" || ev.UploadedBy != me {
		t.Fatalf("uploaded %+v", ev)
	}
	filePath := casePath(c.ID) + "/evidence/" + strconv.FormatInt(ev.ID, 10)

	resp, raw, err := e.download(filePath + "?reason=" + "legal%20review")
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(raw, content) {
		t.Fatalf("download: %v %v %q", err, resp, raw)
	}
	for header, want := range map[string]string{
		"X-Content-Sha256": sha(content), "X-Content-Type-Options": "nosniff",
		"Content-Disposition": `attachment; filename=invoices.csv`, "Content-Length": strconv.Itoa(len(content)),
	} {
		if got := resp.Header.Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	verified := auditWrite[map[string]any](e, "POST", filePath+"/verify", http.StatusOK, nil)
	if verified["result"] != "match" || verified["actual"] != sha(content) {
		t.Fatalf("verify %v", verified)
	}

	var custody []custodyView
	r = e.read(filePath + "/custody")
	wantOK(t, r, http.StatusOK)
	r.into(t, &custody)
	actions := []string{}
	for _, x := range custody {
		actions = append(actions, x.Action)
		if x.ActorID != me || x.SHA256 != sha(content) || x.IP == "" {
			t.Errorf("custody entry %+v", x)
		}
	}
	if !slices.Equal(actions, []string{"uploaded", "downloaded", "verified"}) {
		t.Fatalf("custody %v", actions)
	}
	if custody[1].Reason == nil || *custody[1].Reason != "legal review" || custody[1].UserAgent != "case-test-agent" ||
		custody[2].Result == nil || *custody[2].Result != "match" {
		t.Fatalf("custody details %+v", custody)
	}

	resp, raw, err = e.download(casePath(c.ID) + "/custody.csv")
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %v %v", err, resp)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][3] != "action" || rows[1][3] != "uploaded" || rows[2][10] != "legal review" || rows[3][9] != "match" {
		t.Fatalf("export rows %q (%v)", rows, err)
	}

	c = auditWrite[caseView](e, "PUT", casePath(c.ID)+"/status", http.StatusOK, map[string]any{"status": "review"})
	wantErr(t, e.do("PUT", casePath(c.ID)+"/status", map[string]any{"status": "completed"}), http.StatusBadRequest, "VALIDATION_ERROR", "resolution")
	c = auditWrite[caseView](e, "PUT", casePath(c.ID)+"/status", http.StatusOK,
		map[string]any{"status": "completed", "resolution": "substantiated", "comment": "Reported to the committee"})
	if c.Status != "completed" || c.Resolution == nil || *c.Resolution != "substantiated" || c.EvidenceCount != 1 {
		t.Fatalf("completed %+v", c)
	}
	wantErr(t, e.upload(casePath(c.ID)+"/evidence", "late.txt", []byte("late"), ""), http.StatusBadRequest, "VALIDATION_ERROR")
	// A download stays possible on a completed case and does not make its version stale.
	if _, _, err := e.download(filePath); err != nil {
		t.Fatal(err)
	}
	got := auditWrite[caseView](e, "GET", casePath(c.ID), http.StatusOK, nil)
	if got.Version != c.Version || len(got.Evidence) != 1 || got.Evidence[0].DownloadCount != 2 {
		t.Fatalf("detail after download %+v (version was %d)", got, c.Version)
	}
}

func TestEvidenceUploadLimit(t *testing.T) {
	t.Parallel()
	const limit = 4 << 10
	e, dir := caseEnv(t, limit)
	c := e.newCase(map[string]any{"title": "Limits"})
	wantOK(t, e.upload(casePath(c.ID)+"/evidence", "exact.bin", bytes.Repeat([]byte("a"), limit), ""), http.StatusCreated)
	// Over the limit but inside the form's framing allowance: the store refuses it.
	wantErr(t, e.upload(casePath(c.ID)+"/evidence", "over.bin", bytes.Repeat([]byte("b"), limit+1), ""), http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
	// Far over: refused from its declared length before it is read.
	wantErr(t, e.upload(casePath(c.ID)+"/evidence", "huge.bin", bytes.Repeat([]byte("c"), 256<<10), ""), http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
	// Far over without a declared length: refused while it is read.
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", "chunked.bin")
	_, _ = part.Write(bytes.Repeat([]byte("d"), 256<<10))
	_ = w.Close()
	req, _ := http.NewRequest("POST", e.URL+casePath(c.ID)+"/evidence", io.MultiReader(&body))
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.ContentLength = -1
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked upload: %d", resp.StatusCode)
	}
	wantErr(t, e.do("POST", casePath(c.ID)+"/evidence", map[string]string{"file": "x"}), http.StatusBadRequest, "VALIDATION_ERROR", "file")
	wantErr(t, e.upload(casePath(c.ID)+"/evidence", "", []byte("no name"), ""), http.StatusBadRequest, "VALIDATION_ERROR", "file")

	// Only the accepted file is stored, and nothing half-written is left behind.
	var stored []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			stored = append(stored, filepath.Base(p))
		}
		return nil
	})
	if want := sha(bytes.Repeat([]byte("a"), limit)); len(stored) != 1 || stored[0] != want {
		t.Fatalf("stored %v, want only %s", stored, want)
	}
	got := auditWrite[caseView](e, "GET", casePath(c.ID), http.StatusOK, nil)
	if got.EvidenceCount != 1 {
		t.Fatalf("evidence count %d", got.EvidenceCount)
	}
}

func TestAlteredEvidenceIsRefusedAndRecorded(t *testing.T) {
	t.Parallel()
	e, dir := caseEnv(t, 1<<20)
	c := e.newCase(map[string]any{"title": "Tampering"})
	content := bytes.Repeat([]byte("original evidence "), 10000) // larger than the held-back chunk
	r := e.upload(casePath(c.ID)+"/evidence", "ledger.txt", content, "")
	wantOK(t, r, http.StatusCreated)
	var ev evidenceView
	r.into(t, &ev)
	filePath := casePath(c.ID) + "/evidence/" + strconv.FormatInt(ev.ID, 10)

	// Someone with access to the disk rewrites the file in place.
	var blobPath string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && filepath.Base(p) == ev.SHA256 {
			blobPath = p
		}
		return nil
	})
	altered := bytes.Clone(content)
	altered[len(altered)-1] = '!'
	if err := os.WriteFile(blobPath, altered, 0o640); err != nil {
		t.Fatal(err)
	}

	resp, raw, err := e.download(filePath)
	if err == nil || resp.StatusCode != http.StatusOK || len(raw) >= len(content) {
		t.Fatalf("altered download: status %v, %d of %d bytes, err %v: the client must not get it whole", resp, len(raw), len(content), err)
	}
	wantErr(t, e.do("GET", filePath, nil), http.StatusConflict, "CONFLICT")
	verified := auditWrite[map[string]any](e, "POST", filePath+"/verify", http.StatusOK, nil)
	if verified["result"] != "mismatch" || verified["actual"] != sha(altered) {
		t.Fatalf("verify %v", verified)
	}
	e.settle()
	var custody []custodyView
	wantOK(t, e.read(filePath+"/custody"), http.StatusOK)
	e.read(filePath+"/custody").into(t, &custody)
	var results []string
	for _, x := range custody {
		if x.Result != nil {
			results = append(results, x.Action+":"+*x.Result)
		} else {
			results = append(results, x.Action)
		}
	}
	if !slices.Equal(results, []string{"uploaded", "downloaded", "verified:mismatch", "verified:mismatch"}) {
		t.Fatalf("custody %v", results)
	}

	// Restored from a backup, it checks out again and is handed out.
	if err := os.WriteFile(blobPath, content, 0o640); err != nil {
		t.Fatal(err)
	}
	if v := auditWrite[map[string]any](e, "POST", filePath+"/verify", http.StatusOK, nil); v["result"] != "match" {
		t.Fatalf("after restore %v", v)
	}
	if resp, raw, err := e.download(filePath); err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(raw, content) {
		t.Fatalf("restored download: %v %v", err, resp)
	}
	// A missing file is recorded and refused too.
	if err := os.Remove(blobPath); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do("GET", filePath, nil), http.StatusConflict, "CONFLICT")
	if v := auditWrite[map[string]any](e, "POST", filePath+"/verify", http.StatusOK, nil); v["result"] != "mismatch" || v["actual"] != nil {
		t.Fatalf("missing file %v", v)
	}
}

// TestConfidentialCaseExistsOnlyForThoseWhoMayKnow walks every case route as an
// investigator who is neither the case's creator nor its assignee: each answers as
// if the case did not exist, and lists, counts and charts leave it out.
func TestConfidentialCaseExistsOnlyForThoseWhoMayKnow(t *testing.T) {
	t.Parallel()
	e, _ := caseEnv(t, 1<<20)
	creator := e.userID(e.Email)
	secret := e.newCase(map[string]any{"title": "Board member expenses", "confidential": true, "priority": "urgent"})
	open := e.newCase(map[string]any{"title": "Stock shortfall", "priority": "urgent"})
	r := e.upload(casePath(secret.ID)+"/evidence", "statement.txt", []byte("statement"), "")
	wantOK(t, r, http.StatusCreated)
	var ev evidenceView
	r.into(t, &ev)

	other := e.loggedIn(e.createUser(1, "Olaf Other", identity.Investigator))
	admin := e.loggedIn(e.createUser(1, "Ada Admin", identity.Admin))
	assignee := e.loggedIn(e.createUser(1, "Asa Assignee", identity.Investigator))
	e.settle()

	file := casePath(secret.ID) + "/evidence/" + strconv.FormatInt(ev.ID, 10)
	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", casePath(secret.ID), nil},
		{"GET", "/api/cases?action=get&id=" + strconv.FormatInt(secret.ID, 10), nil},
		{"PUT", casePath(secret.ID), map[string]any{"title": "x"}},
		{"PUT", "/api/cases", map[string]any{"id": secret.ID, "title": "x"}},
		{"PUT", casePath(secret.ID) + "/status", map[string]any{"status": "in_progress"}},
		{"PUT", casePath(secret.ID) + "/assignee", map[string]any{"assignee_id": nil}},
		{"GET", casePath(secret.ID) + "/history", nil},
		{"GET", file, nil},
		{"GET", file + "/custody", nil},
		{"POST", file + "/verify", nil},
		{"GET", casePath(secret.ID) + "/custody.csv", nil},
	}
	for _, rt := range routes {
		wantErr(t, other.do(rt.method, rt.path, rt.body), http.StatusNotFound, "NOT_FOUND")
	}
	wantErr(t, other.upload(casePath(secret.ID)+"/evidence", "x.txt", []byte("x"), ""), http.StatusNotFound, "NOT_FOUND")

	ids := func(who *env, query string) []int64 {
		var list []caseView
		r := who.read("/api/cases" + query)
		wantOK(t, r, http.StatusOK)
		r.into(t, &list)
		var out []int64
		for _, c := range list {
			out = append(out, c.ID)
		}
		return out
	}
	counts := func(who *env) (open, urgent int64, chart []int64) {
		var d map[string]int64
		who.read("/api/dashboard").into(t, &d)
		var ch struct {
			Values []int64 `json:"values"`
		}
		r := who.read("/api/dashboard/charts?chart_type=cases_by_status")
		wantOK(t, r, http.StatusOK)
		r.into(t, &ch)
		return d["cases_open"], d["cases_urgent"], ch.Values
	}
	if got := ids(other, ""); !slices.Equal(got, []int64{open.ID}) {
		t.Fatalf("other's list %v", got)
	}
	if got := ids(other, "?confidential=true"); len(got) != 0 {
		t.Fatalf("other's confidential list %v", got)
	}
	if o, u, ch := counts(other); o != 1 || u != 1 || ch[0] != 1 {
		t.Fatalf("other's counts %d %d %v", o, u, ch)
	}
	for _, who := range []*env{e, admin} {
		if got := ids(who, "?sort=created_at"); !slices.Equal(got, []int64{secret.ID, open.ID}) {
			t.Fatalf("%s's list %v", who.Email, got)
		}
		if o, u, ch := counts(who); o != 2 || u != 2 || ch[0] != 2 {
			t.Fatalf("%s's counts %d %d %v", who.Email, o, u, ch)
		}
		wantOK(t, who.read(casePath(secret.ID)), http.StatusOK)
	}
	wantErr(t, assignee.do("GET", casePath(secret.ID), nil), http.StatusNotFound, "NOT_FOUND")
	auditWrite[caseView](e, "PUT", casePath(secret.ID)+"/assignee", http.StatusOK, map[string]any{"assignee_id": assignee.userID(assignee.Email)})
	e.settle()
	wantOK(t, assignee.read(casePath(secret.ID)), http.StatusOK)
	if _, _, err := assignee.download(file); err != nil {
		t.Fatal(err)
	}
	// An assignee must be able to investigate; the creator keeps sight of the case.
	viewer := e.createUser(1, "Vic Viewer", identity.Viewer)
	wantErr(t, e.do("PUT", casePath(open.ID)+"/assignee", map[string]any{"assignee_id": e.userID(viewer)}), http.StatusBadRequest, "VALIDATION_ERROR", "assignee_id")
	if creator != e.userID(e.Email) {
		t.Fatal("creator changed")
	}
}

func TestCasesAreForInvestigatorsOnly(t *testing.T) {
	t.Parallel()
	e, _ := caseEnv(t, 1<<20)
	c := e.newCase(map[string]any{"title": "Need to know"})
	for _, role := range []string{identity.Viewer, identity.Auditor, identity.ComplianceManager, identity.RiskManager} {
		who := e.loggedIn(e.createUser(1, "Someone "+role, role))
		wantErr(t, who.do("GET", "/api/cases", nil), http.StatusForbidden, "PERMISSION_DENIED")
		wantErr(t, who.do("GET", casePath(c.ID), nil), http.StatusForbidden, "PERMISSION_DENIED")
		wantErr(t, who.do("GET", "/api/dashboard/charts?chart_type=cases_by_status", nil), http.StatusForbidden, "PERMISSION_DENIED")
		var d map[string]int64
		r := who.read("/api/dashboard")
		wantOK(t, r, http.StatusOK)
		r.into(t, &d)
		if _, ok := d["cases_open"]; ok {
			t.Fatalf("%s sees cases_open", role)
		}
		if _, ok := d["findings_open"]; !ok {
			t.Fatalf("%s lost the other counts: %v", role, d)
		}
	}
}

func TestAuditAttachments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	g := e.newEngagement("Payments")
	p := auditWrite[procedureView](e, "POST", engagementPath(g.ID)+"/procedures", http.StatusCreated, map[string]any{"title": "Sample 25 payments"})
	f1 := e.newFinding(g.ID, map[string]any{"title": "Missing approvals"})
	f2 := e.newFinding(g.ID, map[string]any{"title": "Late reconciliations"})
	procFiles := engagementPath(g.ID) + "/procedures/" + strconv.FormatInt(p.ID, 10) + "/attachments"

	for _, base := range []string{procFiles, findingPath(f1.ID) + "/attachments"} {
		content := []byte("workpaper for " + base)
		r := e.upload(base, "wp.txt", content, "sample sheet")
		wantOK(t, r, http.StatusCreated)
		var ev evidenceView
		r.into(t, &ev)
		if ev.SHA256 != sha(content) {
			t.Fatalf("%s: %+v", base, ev)
		}
		file := base + "/" + strconv.FormatInt(ev.ID, 10)
		if resp, raw, err := e.download(file + "?reason=review"); err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(raw, content) {
			t.Fatalf("%s: download %v %v", base, err, resp)
		}
		if v := auditWrite[map[string]any](e, "POST", file+"/verify", http.StatusOK, nil); v["result"] != "match" {
			t.Fatalf("%s: verify %v", base, v)
		}
		e.settle()
		var list []evidenceView
		r = e.read(base)
		wantOK(t, r, http.StatusOK)
		r.into(t, &list)
		if len(list) != 1 || list[0].ID != ev.ID || list[0].DownloadCount != 1 || list[0].Integrity != "match" {
			t.Fatalf("%s: list %+v", base, list)
		}
		var custody []custodyView
		e.read(file+"/custody").into(t, &custody)
		if len(custody) != 3 {
			t.Fatalf("%s: custody %+v", base, custody)
		}
		// Another finding's route does not reach the file.
		other := findingPath(f2.ID) + "/attachments/" + strconv.FormatInt(ev.ID, 10)
		wantErr(t, e.do("GET", other, nil), http.StatusNotFound, "NOT_FOUND")
	}
	// A signed-off procedure's workpapers are final; a closed engagement takes no files.
	wantErr(t, e.upload(engagementPath(g.ID)+"/procedures/999999/attachments", "x.txt", []byte("x"), ""), http.StatusNotFound, "NOT_FOUND")
	viewer := e.loggedIn(e.createUser(1, "Read Only", identity.Viewer))
	wantErr(t, viewer.upload(procFiles, "x.txt", []byte("x"), ""), http.StatusForbidden, "PERMISSION_DENIED")
}
