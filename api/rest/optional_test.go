package rest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
)

// TestDecodeOptionalJSON: an empty body, sent with a length of 0, chunked or as
// blanks, leaves the value alone; anything else is decoded strictly, and an oversized
// body is PAYLOAD_TOO_LARGE.
func TestDecodeOptionalJSON(t *testing.T) {
	gin.SetMode(gin.TestMode)
	decode := func(body io.Reader, chunked bool, limit int64) (string, error) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodPost, "/", body)
		if chunked {
			c.Request.ContentLength = -1
		}
		if limit > 0 {
			c.Request.Body = http.MaxBytesReader(nil, c.Request.Body, limit)
		}
		in := struct {
			Comment string `json:"comment"`
		}{Comment: "kept"}
		err := DecodeOptionalJSON(c, &in)
		return in.Comment, err
	}
	for name, body := range map[string]io.Reader{"none": http.NoBody, "chunked empty": strings.NewReader(""), "blanks": strings.NewReader(" \n")} {
		if got, err := decode(body, name == "chunked empty", 0); err != nil || got != "kept" {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	if got, err := decode(strings.NewReader(`{"comment":"ok"}`), true, 0); err != nil || got != "ok" {
		t.Errorf("a body: %q, %v", got, err)
	}
	if _, err := decode(strings.NewReader(`{"comment":"ok","x":1}`), false, 0); strata.ErrorCode(err) != strata.Invalid {
		t.Errorf("an unknown field: %v", err)
	}
	if _, err := decode(strings.NewReader(`{"comment":"`+strings.Repeat("a", 100)+`"}`), false, 20); strata.ErrorCode(err) != strata.PayloadTooLarge {
		t.Errorf("an oversized body: %v", err)
	}
}
