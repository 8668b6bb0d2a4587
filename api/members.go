package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/commands"
	"github.com/strata-grc/strata/commands/identity"
	qidentity "github.com/strata-grc/strata/queries/identity"
)

func (s *Server) mountMembers(r *module.Router) {
	r.GET("/members", identity.MembersRead, s.listMembers)
	r.POST("/members", identity.MembersManage, s.addMember)
	r.PUT("/members/:user_id", identity.MembersManage, s.changeMemberRole)
	r.DELETE("/members/:user_id", identity.MembersManage, s.removeMember)
}

func (s *Server) listMembers(c *gin.Context) {
	members, err := s.cfg.IdentityReader.Members(c.Request.Context(), rest.Caller(c).OrgID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, members)
}

// addMember creates an account and makes it a member of the caller's organization.
// memberInput is the body that adds a member.
type memberInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

// validate checks the whole body; the handler looks the email up only when it passed,
// so a value PostgreSQL would refuse is a 400 naming its field, never a query.
func (in memberInput) validate() strata.FieldErrors {
	errs := strata.FieldErrors{}
	var fields *strata.Error
	if err := identity.ValidateAccount(strings.TrimSpace(in.Email), strings.TrimSpace(in.Name), in.Password); errors.As(err, &fields) {
		maps.Copy(errs, fields.Fields)
	}
	if !identity.ValidRole(in.Role) {
		errs.Add("role", "must be one of "+strings.Join(identity.Roles, ", "))
	}
	return errs
}

func (s *Server) addMember(c *gin.Context) {
	var in memberInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	errs := in.validate()
	if _, bad := errs["role"]; bad {
		rest.Fail(c, errs.Err())
		return
	}
	ctx, meta := c.Request.Context(), rest.Metadata(c)
	if _, bad := errs["email"]; !bad {
		userID, err := s.cfg.Identity.UserIDByEmail(ctx, in.Email)
		if err != nil {
			rest.Fail(c, err)
			return
		}
		// An organization's admin sets the password of the accounts it creates, so it
		// may not attach an account that exists already: whoever created that account
		// would then hold a login into this organization. Existing accounts join
		// another organization through an operator (strata admin create-user).
		if userID != 0 {
			rest.Fail(c, rest.FieldErr("email", "already has an account; ask an operator to add it to this organization"))
			return
		}
	}
	if err := errs.Err(); err != nil {
		rest.Fail(c, err)
		return
	}
	res, err := s.cfg.Identity.RegisterUser(ctx, meta, in.Email, in.Name, in.Password)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	userID := res.ID
	if res, err = s.cfg.Identity.SetMembership(ctx, meta, userID, in.Role); err != nil {
		rest.Fail(c, err)
		return
	}
	s.membershipChanged(c, res)
	rest.OK(c, http.StatusCreated, gin.H{"user_id": userID, "role": in.Role})
}

// membershipChanged answers a membership write once the identity read model shows it
// (bounded by the consistency wait), so the member's next request, which authorizes
// against that read model, already sees the change.
func (s *Server) membershipChanged(c *gin.Context, res commands.Result) {
	rest.WrotePosition(c, res)
	if !res.Changed || s.cfg.Tracker == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.cfg.ConsistencyWait)
	defer cancel()
	if !s.cfg.Tracker.Wait(ctx, []string{qidentity.Projection}, res.Position) {
		c.Header("X-Read-Stale", "true")
	}
	// The projection's announcement reaches this process a moment later; the next
	// request must not find the access remembered from before.
	s.cfg.Auth.ForgetAccess()
}

func (s *Server) changeMemberRole(c *gin.Context) {
	userID, err := rest.PathID(c, "user_id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if in.Role == "" {
		rest.Fail(c, rest.FieldErr("role", "is required"))
		return
	}
	s.setMembership(c, userID, in.Role)
}

func (s *Server) removeMember(c *gin.Context) {
	userID, err := rest.PathID(c, "user_id")
	if err != nil {
		rest.Fail(c, err)
		return
	}
	s.setMembership(c, userID, "")
}

// setMembership changes a member of the caller's organization; someone who is not a
// member is not found, whether or not their account exists.
func (s *Server) setMembership(c *gin.Context, userID int64, role string) {
	ctx, p := c.Request.Context(), rest.Caller(c)
	if _, member, err := s.cfg.Identity.Membership(ctx, p.OrgID, userID); err != nil {
		rest.Fail(c, err)
		return
	} else if !member {
		rest.Fail(c, strata.Errorf(strata.NotFound, "member not found"))
		return
	}
	res, err := s.cfg.Identity.SetMembership(ctx, rest.Metadata(c), userID, role)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if role == "" {
		// The sessions acting in this organization end now, not at their next check.
		if _, err := s.cfg.Sessions.RevokeForUserInOrg(ctx, userID, p.OrgID); err != nil {
			rest.Fail(c, err)
			return
		}
	}
	s.membershipChanged(c, res)
	if role == "" {
		rest.OK(c, http.StatusOK, gin.H{"user_id": userID, "removed": true})
		return
	}
	rest.OK(c, http.StatusOK, gin.H{"user_id": userID, "role": role})
}
