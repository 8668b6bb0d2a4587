package api

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
)

// notBuilt is what / shows when the binary carries no web application.
const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strata</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Strata</h1>
<p>This server was built without its web application. The API is running: see
<a href="/api/openapi.json">/api/openapi.json</a>.</p>
<p>To include the web application, build it and then the server:</p>
<pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build &amp;&amp; cd .. &amp;&amp; make build</pre>
<p>(<code>make run</code> does both.)</p>
</body></html>
`

// serveWeb answers requests outside the API: a file of the built application when it
// exists, otherwise its index.html, so the application's own routes (/risks/7) load
// on a refresh. Unknown API paths stay JSON 404s.
func (s *Server) serveWeb(c *gin.Context) {
	p := c.Request.URL.Path
	// /api/docs is the application's page that renders the API reference.
	apiPage := p == "/api/docs"
	if (!apiPage && (strings.HasPrefix(p, "/api/") || p == "/api")) || (c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead) {
		rest.Fail(c, strata.Errorf(strata.NotFound, "no such route: %s %s", c.Request.Method, p))
		return
	}
	var index []byte
	err := fs.ErrNotExist
	if s.cfg.Web != nil {
		index, err = fs.ReadFile(s.cfg.Web, "index.html")
	}
	if errors.Is(err, fs.ErrNotExist) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(notBuilt))
		return
	}
	if err != nil {
		rest.Fail(c, err)
		return
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if name != "" && name != "index.html" {
		if st, err := fs.Stat(s.cfg.Web, name); err == nil && !st.IsDir() {
			// Vite names assets by content hash, so they never change.
			if strings.HasPrefix(name, "assets/") {
				c.Header("Cache-Control", "public, max-age=31536000, immutable")
			}
			c.FileFromFS(name, http.FS(s.cfg.Web))
			return
		}
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", index)
}
