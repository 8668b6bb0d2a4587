package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands/identity"
	qseal "github.com/strata-grc/strata/queries/seal"
)

// sealBudget bounds one verification over HTTP: a very large organization is checked
// as far as it gets in that time (the answer says so) rather than holding a request
// and a processor for minutes. `strata trail verify` has no such bound.
const sealBudget = 20 * time.Second

// sealMargin is kept back from the request's deadline to write the answer.
const sealMargin = 3 * time.Second

func (s *Server) mountSeal(r *module.Router) {
	r.GET("/audit-trail/verify", identity.AuditTrailRead, s.verifySeal)
	r.GET("/audit-trail/public-key", identity.AuditTrailRead, s.sealPublicKey)
}

// sealVerification is the answer of GET /api/audit-trail/verify. Places in the log
// are the organization's own sequence numbers, never global positions, which would
// tell how much other organizations write.
type sealVerification struct {
	Events          int64           `json:"events"`
	Pending         int64           `json:"pending"`
	VerifiedThrough *int64          `json:"verified_through"`
	OK              bool            `json:"ok"`
	FirstBroken     *int64          `json:"first_broken"`
	Complete        bool            `json:"complete"`
	TreeSize        int64           `json:"tree_size"`
	Checkpoints     int             `json:"checkpoints"`
	ProblemCount    int             `json:"problem_count"`
	Problems        []qseal.Problem `json:"problems"`
	CheckedAt       time.Time       `json:"checked_at"`
}

func (s *Server) verifySeal(c *gin.Context) {
	if s.cfg.Seal == nil {
		rest.Fail(c, strata.Errorf(strata.NotFound, "verifying the sealed log needs the event log in PostgreSQL"))
		return
	}
	ctx := c.Request.Context()
	deadline := time.Now().Add(sealBudget)
	if d, ok := ctx.Deadline(); ok && d.Add(-sealMargin).Before(deadline) {
		deadline = d.Add(-sealMargin)
	}
	r, err := s.cfg.Seal.Verify(ctx, rest.Caller(c).OrgID, qseal.Options{Deadline: deadline})
	if err != nil {
		rest.Fail(c, err)
		return
	}
	out := sealVerification{Events: r.Events, Pending: r.Pending, OK: r.OK(), Complete: r.Complete, TreeSize: r.TreeSize,
		Checkpoints: r.Checkpoints, ProblemCount: r.ProblemCount, Problems: r.Problems, CheckedAt: time.Now().UTC()}
	if out.Problems == nil {
		out.Problems = []qseal.Problem{}
	}
	if r.VerifiedThrough > 0 {
		out.VerifiedThrough = &r.VerifiedThrough
	}
	if r.FirstBroken > 0 {
		out.FirstBroken = &r.FirstBroken
	}
	rest.OK(c, http.StatusOK, out)
}

// sealPublicKey answers the key that verifies the checkpoints, so a holder of
// exported checkpoints can check them without the server.
func (s *Server) sealPublicKey(c *gin.Context) {
	var key *string
	if s.cfg.Seal != nil {
		if keys := s.cfg.Seal.PublicKeys(); len(keys) > 0 {
			key = &keys[0]
		}
	}
	rest.OK(c, http.StatusOK, gin.H{"public_key": key, "algorithm": "ed25519", "signed": key != nil})
}
