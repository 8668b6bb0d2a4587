package evidence

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/rest/resttest"
	"github.com/strata-grc/strata/commands/blobs"
)

// FuzzUploadForm sends arbitrary bodies to the upload form reader, as a browser's
// multipart/form-data with a fixed boundary: whatever arrives, the answer is a
// client error or a stored file whose hash and size are the store's own.
func FuzzUploadForm(f *testing.F) {
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nnotes\r\n--B\r\n" +
		"Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B--\r\n"))
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/passwd\"\r\n\r\nx\r\n--B--\r\n"))
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\x00\"\r\n\r\nx\r\n--B"))
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n\xff\xfe\r\n--B--\r\n"))
	dir := f.TempDir()
	store, err := blobs.Dir(dir)
	if err != nil {
		f.Fatal(err)
	}
	files := &Files{Store: store, MaxUpload: 64}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, body []byte) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/", bytes.NewReader(body))
		c.Request.Header.Set("Content-Type", "multipart/form-data; boundary=B")
		file, err := files.receive(c)
		if !resttest.ClientError(t, err) {
			return
		}
		if err == nil && (!blobs.ValidSHA(file.SHA256) || file.Size > 64 || file.FileName == "") {
			t.Fatalf("stored %+v", file)
		}
	})
}
