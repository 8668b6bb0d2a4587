package module

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/commands/identity"
)

// Route is one served route, the permission it needs and the module serving it; the
// server keeps a table of them, from which the central tests (role matrix, tenancy,
// error replies, OpenAPI coverage) are derived.
type Route struct {
	Method, Path string
	Permission   identity.Permission
	Module       string
}

// Router mounts one module's routes under an API prefix. Every route names its
// permission, checked before any handler runs.
type Router struct {
	group    *gin.RouterGroup
	module   string
	allow    func(identity.Permission) gin.HandlerFunc
	fresh    func(...string) gin.HandlerFunc
	record   func(Route)
	transfer func(path string, bodyLimit int64)
}

// NewRouter is how the server hands a module its part of the router: allow checks a
// permission, fresh waits for projections to reach the caller's writes, record notes
// each route in the route table, transfer marks a route that moves a file (its body
// limit, 0 for a download), which the server gives the time a large file takes.
func NewRouter(group *gin.RouterGroup, module string, allow func(identity.Permission) gin.HandlerFunc,
	fresh func(...string) gin.HandlerFunc, record func(Route), transfer func(path string, bodyLimit int64)) *Router {
	return &Router{group: group, module: module, allow: allow, fresh: fresh, record: record, transfer: transfer}
}

// Handle serves method on path for callers holding p.
func (r *Router) Handle(method, path string, p identity.Permission, handlers ...gin.HandlerFunc) {
	if p == "" {
		panic(fmt.Sprintf("module %s: %s %s names no permission", r.module, method, path))
	}
	r.group.Handle(method, path, append([]gin.HandlerFunc{r.allow(p)}, handlers...)...)
	r.record(Route{Method: method, Path: r.group.BasePath() + path, Permission: p, Module: r.module})
}

// GET serves a read.
func (r *Router) GET(path string, p identity.Permission, handlers ...gin.HandlerFunc) {
	r.Handle(http.MethodGet, path, p, handlers...)
}

// POST serves a creation or an action.
func (r *Router) POST(path string, p identity.Permission, handlers ...gin.HandlerFunc) {
	r.Handle(http.MethodPost, path, p, handlers...)
}

// PUT serves a change.
func (r *Router) PUT(path string, p identity.Permission, handlers ...gin.HandlerFunc) {
	r.Handle(http.MethodPut, path, p, handlers...)
}

// DELETE serves a removal.
func (r *Router) DELETE(path string, p identity.Permission, handlers ...gin.HandlerFunc) {
	r.Handle(http.MethodDelete, path, p, handlers...)
}

// Upload serves a POST that receives a file of up to limit bytes as
// multipart/form-data: its body may exceed the JSON body limit by the form's framing,
// and it has the server's transfer time rather than a request's.
func (r *Router) Upload(path string, p identity.Permission, limit int64, handlers ...gin.HandlerFunc) {
	r.transfer(r.group.BasePath()+path, limit+uploadFraming)
	r.POST(path, p, handlers...)
}

// Download serves a GET that sends a file: it has the server's transfer time.
func (r *Router) Download(path string, p identity.Permission, handlers ...gin.HandlerFunc) {
	r.transfer(r.group.BasePath()+path, 0)
	r.GET(path, p, handlers...)
}

// Stream serves a GET that keeps its connection open to push events (server-sent
// events): like a download, it has the server's transfer time.
func (r *Router) Stream(path string, p identity.Permission, handlers ...gin.HandlerFunc) {
	r.Download(path, p, handlers...)
}

// uploadFraming is what a multipart form adds around its file: boundaries, part
// headers and the short text fields beside it.
const uploadFraming = 64 << 10

// Fresh makes a read wait, bounded, until the named projections have applied the
// caller's last write (read-your-writes).
func (r *Router) Fresh(projections ...string) gin.HandlerFunc { return r.fresh(projections...) }
