package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/identity"
)

func (s *Server) mountMembers(g *gin.RouterGroup) {
	g.GET("/members", s.allow(identity.MembersRead), s.listMembers)
	g.POST("/members", s.allow(identity.MembersManage), s.addMember)
	g.PUT("/members/:user_id", s.allow(identity.MembersManage), s.changeMemberRole)
	g.DELETE("/members/:user_id", s.allow(identity.MembersManage), s.removeMember)
}

func (s *Server) listMembers(c *gin.Context) {
	members, err := s.cfg.IdentityReader.Members(c.Request.Context(), principal(c).OrgID)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, members)
}

// addMember adds an existing account by email, or creates the account first when a
// name and password come with it.
func (s *Server) addMember(c *gin.Context) {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Password string `json:"password"`
		Role     string `json:"role"`
	}
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if !identity.ValidRole(in.Role) {
		fail(c, fieldErr("role", "must be one of admin, risk_manager, compliance_manager, auditor, investigator, viewer"))
		return
	}
	ctx, meta := c.Request.Context(), metadata(c)
	userID, err := s.cfg.Identity.UserIDByEmail(ctx, in.Email)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if userID != 0 {
		if _, member, err := s.cfg.Identity.Membership(ctx, principal(c).OrgID, userID); err != nil {
			fail(c, err)
			return
		} else if member {
			fail(c, fieldErr("email", "is already a member; change the role with PUT /api/members/{user_id}"))
			return
		}
	}
	if userID == 0 {
		if in.Name == "" && in.Password == "" {
			fail(c, fieldErr("email", "has no account yet; send name and password to create one"))
			return
		}
		res, err := s.cfg.Identity.RegisterUser(ctx, meta, in.Email, in.Name, in.Password)
		if err != nil {
			fail(c, err)
			return
		}
		userID, status = res.ID, http.StatusCreated
	}
	res, err := s.cfg.Identity.SetMembership(ctx, meta, userID, in.Role)
	if err != nil {
		fail(c, err)
		return
	}
	s.wrotePosition(c, res)
	ok(c, status, gin.H{"user_id": userID, "role": in.Role})
}

func (s *Server) changeMemberRole(c *gin.Context) {
	userID, err := pathID(c, "user_id")
	if err != nil {
		fail(c, err)
		return
	}
	var in struct {
		Role string `json:"role"`
	}
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	if in.Role == "" {
		fail(c, fieldErr("role", "is required"))
		return
	}
	s.setMembership(c, userID, in.Role)
}

func (s *Server) removeMember(c *gin.Context) {
	userID, err := pathID(c, "user_id")
	if err != nil {
		fail(c, err)
		return
	}
	s.setMembership(c, userID, "")
}

// setMembership changes a member of the caller's organization; someone who is not a
// member is not found, whether or not their account exists.
func (s *Server) setMembership(c *gin.Context, userID int64, role string) {
	ctx, p := c.Request.Context(), principal(c)
	if _, member, err := s.cfg.Identity.Membership(ctx, p.OrgID, userID); err != nil {
		fail(c, err)
		return
	} else if !member {
		fail(c, strata.Errorf(strata.NotFound, "member not found"))
		return
	}
	res, err := s.cfg.Identity.SetMembership(ctx, metadata(c), userID, role)
	if err != nil {
		fail(c, err)
		return
	}
	s.wrotePosition(c, res)
	if role == "" {
		ok(c, http.StatusOK, gin.H{"user_id": userID, "removed": true})
		return
	}
	ok(c, http.StatusOK, gin.H{"user_id": userID, "role": role})
}
