package api

import (
	"github.com/gin-gonic/gin"
)

// contentSecurityPolicy admits only what the built web application loads: its own
// scripts (no inline script and no eval anywhere in the build), its own styles plus
// the style elements its component library and the API reference insert at run time,
// images and fonts of its own or inlined as data: URLs, and requests to this origin.
// Nothing may frame the application, change its base URL or post forms elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// hsts tells browsers to reach this host over HTTPS only, for a year. Subdomains are
// left out: they may be other services the operator did not put behind TLS.
const hsts = "max-age=31536000"

// securityHeaders sets the browser protections on every answer, API and web alike:
// JSON is never sniffed into HTML, no page can be framed (clickjacking), and URLs,
// which carry ids and search terms, do not leak to other sites through Referer.
// Strict-Transport-Security is sent only when the session cookie is Secure: over
// plain HTTP it would be ignored, or lock a development setup out.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.cfg.Sessions.Secure(c.Request) {
		h.Set("Strict-Transport-Security", hsts)
	}
	c.Next()
}
