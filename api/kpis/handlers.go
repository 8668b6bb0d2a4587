package kpis

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	cmdkpis "github.com/strata-grc/strata/commands/kpis"
	ev "github.com/strata-grc/strata/events/kpis"
	qkpis "github.com/strata-grc/strata/queries/kpis"
)

func (h *handlers) mount(r *module.Router) {
	fresh := r.Fresh(qkpis.Projection)
	r.GET("/objectives", Read, fresh, h.listObjectives)
	r.POST("/objectives", Write, h.createObjective)
	r.GET("/objectives/:id", Read, fresh, h.getObjective)
	r.PUT("/objectives/:id", Write, h.updateObjective)
	r.GET("/objectives/:id/history", Read, h.objectiveHistory)
	r.GET("/kpis", Read, fresh, h.listKpis)
	r.POST("/kpis", Write, h.defineKpi)
	r.GET("/kpis/:id", Read, fresh, h.getKpi)
	r.PUT("/kpis/:id", Write, h.updateKpi)
	r.GET("/kpis/:id/performance", Read, h.performance)
	r.POST("/kpis/:id/performance", Write, h.recordValue)
	r.GET("/kpis/:id/history", Read, h.kpiHistory)
}

// listQuery reads the paging and search parameters both lists take, and owner_id.
func listQuery(q url.Values) (owner int64, limit int, err error) {
	if owner, err = rest.QueryInt(q, "owner_id"); err != nil {
		return 0, 0, err
	}
	limit, err = rest.QueryLimit(q)
	return owner, limit, err
}

func (h *handlers) listObjectives(c *gin.Context) {
	rest.ServeList(c, objectiveFilter, h.reader.Objectives, h.respondObjective)
}

// objectiveFilter reads an objective list's query parameters; the reader checks
// their values.
func objectiveFilter(q url.Values) (qkpis.ObjectiveFilter, error) {
	owner, limit, err := listQuery(q)
	if err != nil {
		return qkpis.ObjectiveFilter{}, err
	}
	return qkpis.ObjectiveFilter{OwnerID: owner, Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor")}, nil
}

// getObjective answers an objective's page: current, or with ?as_of= its own fields
// replayed from its stream as they stood then.
func (h *handlers) getObjective(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.objectivePage().Serve(c, id, true)
}

// respondObjective answers the list's action=get, which ignores other parameters.
func (h *handlers) respondObjective(c *gin.Context, id int64) { h.objectivePage().Serve(c, id, false) }

func (h *handlers) objectivePage() rest.EntityPage[qkpis.ObjectiveDetail] {
	return rest.EntityPage[qkpis.ObjectiveDetail]{Get: h.reader.Objective, AsOf: h.reader.AsOfObjective,
		Version: func(d qkpis.ObjectiveDetail) int64 { return d.Version }}
}

func (h *handlers) createObjective(c *gin.Context) {
	var in ev.ObjectiveFields
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.CreateObjective(c.Request.Context(), rest.Metadata(c), in)
	if err == nil {
		c.Header("Location", "/api/objectives/"+strconv.FormatInt(res.ID, 10))
	}
	rest.AnswerWritten(c, http.StatusCreated, res, err, h.reader.CurrentObjective)
}

func (h *handlers) updateObjective(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	res, err := h.commands.UpdateObjective(c.Request.Context(), rest.Metadata(c), id, ifMatch, json.RawMessage(body))
	rest.AnswerWritten(c, http.StatusOK, res, err, h.reader.CurrentObjective)
}

func (h *handlers) objectiveHistory(c *gin.Context) { rest.ReadPageByID(c, h.reader.ObjectiveHistory) }

func (h *handlers) listKpis(c *gin.Context) {
	rest.ServeList(c, kpiFilter, h.reader.Kpis, h.respondKpi)
}

// kpiFilter reads a KPI list's query parameters; the reader checks their values.
func kpiFilter(q url.Values) (qkpis.Filter, error) {
	owner, limit, err := listQuery(q)
	if err != nil {
		return qkpis.Filter{}, err
	}
	objective, err := rest.QueryInt(q, "objective_id")
	if err != nil {
		return qkpis.Filter{}, err
	}
	flags, err := rest.QueryBools(q, "on_target", "stale", "has_value")
	if err != nil {
		return qkpis.Filter{}, err
	}
	return qkpis.Filter{ObjectiveID: objective, OwnerID: owner, OnTarget: flags[0], Stale: flags[1], HasValue: flags[2],
		Frequency: q.Get("frequency"), Q: q.Get("q"), Sort: q.Get("sort"), Limit: limit, Cursor: q.Get("cursor")}, nil
}

// getKpi answers a KPI's page: current, or with ?as_of= replayed from its stream as
// it stood then.
func (h *handlers) getKpi(c *gin.Context) {
	id, err := rest.PathID(c, "id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	h.kpiPage().Serve(c, id, true)
}

// respondKpi answers the list's action=get, which ignores other parameters.
func (h *handlers) respondKpi(c *gin.Context, id int64) { h.kpiPage().Serve(c, id, false) }

func (h *handlers) kpiPage() rest.EntityPage[qkpis.Kpi] {
	return rest.EntityPage[qkpis.Kpi]{Get: h.reader.Kpi, AsOf: h.reader.AsOfKpi,
		Version: func(k qkpis.Kpi) int64 { return k.Version }}
}

// respondKpiWritten answers a mutation with the KPI as its stream now tells it.
func (h *handlers) respondKpiWritten(c *gin.Context, status int, res commands.Result, err error) {
	rest.AnswerWritten(c, status, res, err, h.reader.CurrentKpi)
}

func (h *handlers) defineKpi(c *gin.Context) {
	var in cmdkpis.KpiInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.DefineKpi(c.Request.Context(), rest.Metadata(c), in)
	if err == nil {
		c.Header("Location", "/api/kpis/"+strconv.FormatInt(res.ID, 10))
	}
	h.respondKpiWritten(c, http.StatusCreated, res, err)
}

func (h *handlers) updateKpi(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	res, err := h.commands.UpdateKpi(c.Request.Context(), rest.Metadata(c), id, ifMatch, json.RawMessage(body))
	h.respondKpiWritten(c, http.StatusOK, res, err)
}

// valueInput is the body of a recording or a correction.
type valueInput struct {
	Period  string   `json:"period"`
	Value   *float64 `json:"value"`
	Comment string   `json:"comment"`
}

// recordValue answers 201 when the period had no value, 200 when its value was
// corrected or was this one already; either way with the KPI as it now stands.
func (h *handlers) recordValue(c *gin.Context) {
	id, body, ifMatch, ok := rest.Mutation(c)
	if !ok {
		return
	}
	var in valueInput
	if err := rest.DecodeStrict(body, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := h.commands.RecordValue(c.Request.Context(), rest.Metadata(c), id, ifMatch, in.Period, in.Value, in.Comment)
	status := http.StatusOK
	if len(res.Appended) > 0 {
		if _, first := res.Appended[0].(ev.KpiValueRecorded); first {
			status = http.StatusCreated
		}
	}
	h.respondKpiWritten(c, status, res, err)
}

func (h *handlers) performance(c *gin.Context) { rest.ReadByID(c, h.reader.Performance) }

func (h *handlers) kpiHistory(c *gin.Context) { rest.ReadPageByID(c, h.reader.KpiHistory) }
