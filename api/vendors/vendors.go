package vendors

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	cmdvendors "github.com/strata-grc/strata/commands/vendors"
	evvendors "github.com/strata-grc/strata/events/vendors"
	prisks "github.com/strata-grc/strata/projections/risks"
	"github.com/strata-grc/strata/queries"
	qvendors "github.com/strata-grc/strata/queries/vendors"
)

func (h *handlers) mount(r *module.Router) {
	// A vendor's detail describes its risks from the risk register's read model, so
	// reads wait for both projections.
	fresh := r.Fresh(qvendors.Projection, prisks.Name)
	r.GET("/vendors", Read, fresh, h.list)
	r.POST("/vendors", Write, h.create)
	r.PUT("/vendors", Write, h.update)
	r.GET("/vendors/:id", Read, fresh, h.get)
	r.PUT("/vendors/:id", Write, h.update)
	r.DELETE("/vendors/:id", Write, h.remove)
	r.POST("/vendors/:id/reviews", Write, h.review)
	r.GET("/vendors/:id/history", Read, h.history)
}

func (h *handlers) list(c *gin.Context) {
	rest.ServeList(c, filter, h.reader.List, h.respond)
}

// filter reads a vendor list's query parameters; the reader checks their values.
func filter(q url.Values) (qvendors.Filter, error) {
	risk, err := rest.QueryInt(q, "risk_id")
	if err != nil {
		return qvendors.Filter{}, err
	}
	flags, err := rest.QueryBools(q, "overdue_review")
	if err != nil {
		return qvendors.Filter{}, err
	}
	limit, err := rest.QueryLimit(q)
	if err != nil {
		return qvendors.Filter{}, err
	}
	return qvendors.Filter{RiskTier: q.Get("risk_tier"), Status: q.Get("status"), Criticality: q.Get("criticality"),
		OverdueReview: flags[0], RiskID: risk, Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor")}, nil
}

// get answers a vendor's page: current, or with ?as_of= replayed from its stream as
// it stood then.
func (h *handlers) get(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.page().Serve(c, id, true)
}

// respond answers the list's action=get, which ignores other parameters.
func (h *handlers) respond(c *gin.Context, id int64) { h.page().Serve(c, id, false) }

func (h *handlers) page() rest.EntityPage[qvendors.VendorDetail] {
	return rest.EntityPage[qvendors.VendorDetail]{
		Get:     h.reader.Get,
		AsOf:    h.reader.AsOf,
		Version: func(d qvendors.VendorDetail) int64 { return d.Version },
	}
}

// respondWritten answers a mutation with the vendor as its stream now tells it.
func (h *handlers) respondWritten(c *gin.Context, status int, res commands.Result, err error) {
	rest.AnswerWritten(c, status, res, err, h.reader.Current)
}

// input is a create body.
type input struct {
	Name         string  `json:"name"`
	Service      string  `json:"service"`
	Criticality  string  `json:"criticality"`
	RiskTier     string  `json:"risk_tier"`
	Status       string  `json:"status"`
	ContactName  string  `json:"contact_name"`
	ContactEmail string  `json:"contact_email"`
	NextReview   *string `json:"next_review"`
	RiskIDs      []int64 `json:"risk_ids"`
}

func (in input) fields() evvendors.Fields {
	return evvendors.Fields{Name: in.Name, Service: in.Service, Criticality: in.Criticality, RiskTier: in.RiskTier,
		Status: in.Status, ContactName: in.ContactName, ContactEmail: in.ContactEmail, NextReview: in.NextReview,
		RiskIDs: in.RiskIDs}
}

func (h *handlers) create(c *gin.Context) {
	var in input
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.Add(c.Request.Context(), rest.Metadata(c), in.fields())
	if err == nil {
		c.Header("Location", "/api/vendors/"+strconv.FormatInt(res.ID, 10))
	}
	h.respondWritten(c, http.StatusCreated, res, err)
}

func (h *handlers) update(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	res, err := h.commands.Update(c.Request.Context(), rest.Metadata(c), id, ifMatch, json.RawMessage(body))
	h.respondWritten(c, http.StatusOK, res, err)
}

// reviewInput is a review's body.
type reviewInput struct {
	ReviewedAt *string `json:"reviewed_at"`
	Decision   string  `json:"decision"`
	RiskTier   string  `json:"risk_tier"`
	Notes      string  `json:"notes"`
	NextReview *string `json:"next_review"`
}

func (in reviewInput) command() cmdvendors.ReviewVendor {
	return cmdvendors.ReviewVendor{ReviewedAt: in.ReviewedAt, Decision: in.Decision, RiskTier: in.RiskTier,
		Notes: in.Notes, NextReview: in.NextReview}
}

func (h *handlers) review(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	var in reviewInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	ifMatch, err := rest.IfMatch(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	_, res, err := h.commands.Review(c.Request.Context(), rest.Metadata(c), id, ifMatch, in.command())
	h.respondWritten(c, http.StatusCreated, res, err)
}

func (h *handlers) remove(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	// An id in the body is ignored in favour of the path, as a risk's deletion ignores it.
	var in struct {
		ID     json.RawMessage `json:"id"`
		Reason string          `json:"reason"`
	}
	if err := rest.DecodeOptionalJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	ifMatch, err := rest.IfMatch(c)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.Remove(c.Request.Context(), rest.Metadata(c), id, ifMatch, in.Reason)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.Wrote(c, res)
	rest.OK(c, http.StatusOK, gin.H{"id": res.ID, "deleted": true, "version": res.Version})
}

func (h *handlers) history(c *gin.Context) {
	rest.ReadPageByID(c, func(ctx context.Context, orgID, id int64, limit int, cursor string) (queries.Page[queries.Entry], error) {
		return h.reader.History(ctx, orgID, id, limit, cursor)
	})
}
