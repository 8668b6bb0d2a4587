package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	evidentity "github.com/strata-grc/strata/events/identity"
	evtrail "github.com/strata-grc/strata/events/trail"
	qtrail "github.com/strata-grc/strata/queries/trail"
)

// The trail is one route for both answers, a page as JSON or every row as CSV, so it
// has a download's time: an export of a large organization outlasts a request's.
func (s *Server) mountTrail(r *module.Router) {
	r.Download("/audit-trail", identity.AuditTrailRead, r.Fresh(qtrail.Projection), s.auditTrail)
}

// trailViewer is the caller as the trail sees it: rows about records the caller may
// not know of are left out.
func trailViewer(c *gin.Context) qtrail.Viewer {
	p := rest.Caller(c)
	return qtrail.Viewer{UserID: p.UserID, Admin: p.Role == identity.Admin}
}

// wantsCSV tells an export from a page: format=csv, or a client that accepts CSV
// and not JSON.
func wantsCSV(c *gin.Context) (bool, error) {
	switch c.Query("format") {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, rest.FieldErr("format", "must be json or csv")
	}
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "text/csv") && !strings.Contains(accept, "application/json"), nil
}

func (s *Server) auditTrail(c *gin.Context) {
	asCSV, err := wantsCSV(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	f, err := s.cfg.Trail.ParseFilter(c.Request.URL.Query())
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if asCSV {
		if f.Cursor != "" {
			rest.Fail(c, rest.FieldErr("cursor", "an export has every row; leave the cursor out"))
			return
		}
		s.exportTrail(c, f)
		return
	}
	page, err := s.cfg.Trail.Page(c.Request.Context(), rest.Caller(c).OrgID, trailViewer(c), f)
	rest.RespondPage(c, page, err)
}

// trailColumns are an export's columns, the JSON rows' members in order.
var trailColumns = []string{"position", "event_id", "at", "type", "entity_type", "entity_id", "actor_id", "actor_name",
	"ip", "user_agent", "request_id", "changes", "comment"}

// exportFlush is how many rows an export writes between flushes to the client.
const exportFlush = 1000

// exportTrail streams every row the filter matches as CSV, in constant memory, and
// records the export in the organization's stream: who exported, with which filter,
// how many rows, and whether it broke off.
func (s *Server) exportTrail(c *gin.Context, f qtrail.Filter) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="audit-trail.csv"`)
	c.Header("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	_ = w.Write(trailColumns)
	n, err := s.cfg.Trail.Each(c.Request.Context(), rest.Caller(c).OrgID, trailViewer(c), f, func(r qtrail.Row) error {
		if err := w.Write([]string{strconv.FormatInt(r.Position, 10), r.EventID, r.At.Format(time.RFC3339Nano), r.Type,
			r.EntityType, strconv.FormatInt(r.EntityID, 10), strconv.FormatInt(r.ActorID, 10), rest.CSVCell(r.ActorName),
			rest.CSVCell(r.IP), rest.CSVCell(r.UserAgent), rest.CSVCell(r.RequestID), rest.CSVCell(string(r.Changes)),
			rest.CSVCell(r.Comment)}); err != nil {
			return err
		}
		return nil
	}, func() error {
		w.Flush()
		c.Writer.Flush()
		return w.Error()
	})
	w.Flush()
	if err != nil {
		// The status is sent; a short export must not pass for a whole one, so the last
		// line says it broke off.
		_ = csv.NewWriter(c.Writer).Write([]string{"export interrupted: " + rest.RequestID(c)})
	}
	c.Writer.Flush()
	// The record is written whatever became of the client: an export that was cut off
	// still handed out what it sent.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 10*time.Second)
	defer cancel()
	if rerr := s.recordExport(ctx, c, f, n, err == nil); rerr != nil {
		s.cfg.Logger.ErrorContext(ctx, "audit trail export not recorded", "request_id", rest.RequestID(c), "err", rerr)
	}
}

func (s *Server) recordExport(ctx context.Context, c *gin.Context, f qtrail.Filter, rows int64, complete bool) error {
	meta := rest.Metadata(c)
	e, err := evtrail.Encode(evtrail.AuditTrailExported{OrgID: meta.OrgID, Format: "csv", Filter: f.Params(),
		Rows: rows, Complete: complete})
	if err != nil {
		return err
	}
	res, err := s.cfg.Store.Append(ctx, evidentity.OrganizationStream(meta.OrgID), events.Any(), meta, e)
	if err != nil {
		return err
	}
	// The caller's next read of the trail waits for the record, as after any write.
	rest.WrotePosition(c, commands.Result{Stream: res.StreamID, StreamVersion: res.ToVersion, Position: res.Position, Changed: true})
	return nil
}
