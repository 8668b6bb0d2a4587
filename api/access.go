package api

import (
	"context"
	"strconv"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/sessionstore"
	"github.com/strata-grc/strata/commands/identity"
	qidentity "github.com/strata-grc/strata/queries/identity"
)

const sessionName = "strata_session"

// Principal is who is acting, for which organization, with which role.
type Principal = rest.Principal

// sessionIDs reads the user and organization a session is logged in as.
func sessionIDs(sess sessions.Session) (user, org int64, ok bool) {
	u, _ := sess.Get(sessionstore.UserIDKey).(string)
	o, _ := sess.Get(sessionstore.OrgIDKey).(string)
	user, err1 := strconv.ParseInt(u, 10, 64)
	org, err2 := strconv.ParseInt(o, 10, 64)
	return user, org, err1 == nil && err2 == nil && user > 0 && org > 0
}

// authenticate admits requests of a live session whose user is enabled and still a
// member of the session's organization, checked on every request so a removal or a
// disabled account takes effect at once. It also spends the caller's rate budget.
func (s *Server) authenticate(c *gin.Context) {
	if !s.sessionLoaded(c) {
		return
	}
	sess := sessions.Default(c)
	userID, orgID, ok := sessionIDs(sess)
	if !ok {
		rest.Fail(c, strata.Errorf(strata.AuthRequired, "log in first"))
		return
	}
	if allowed, wait := s.limiter.take(limiterKey(sess.ID()), time.Now()); !allowed {
		limited(c, wait, "too many requests from this session")
		return
	}
	access, err := s.access(c.Request.Context(), userID, orgID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if access.User.Disabled || access.Org.Role == "" {
		s.endSession(c, sess)
		rest.Fail(c, strata.Errorf(strata.AuthRequired, "the session is no longer valid; log in again"))
		return
	}
	rest.SetCaller(c, Principal{
		OrgID: orgID, OrgName: access.Org.Name, UserID: userID, Name: access.User.Name, Email: access.User.Email,
		Role: access.Org.Role, Permissions: s.cfg.Roles.Permissions(access.Org.Role),
	})
	c.Next()
}

// access is the user's access to the organization, remembered from an earlier
// request while nothing has changed it.
func (s *Server) access(ctx context.Context, userID, orgID int64) (qidentity.Access, error) {
	if a, ok := s.cfg.Auth.Access(userID, orgID); ok {
		return a, nil
	}
	gen, _ := s.cfg.Auth.Generation()
	a, err := s.cfg.IdentityReader.Access(ctx, userID, orgID)
	if err == nil {
		s.cfg.Auth.PutAccess(gen, userID, orgID, a)
	}
	return a, err
}

// sessionLoaded answers 503 and reports false when the session the request's cookie
// names could not be read (the database is down): the session may well be valid, and
// answering as if there were none would log its user out over a database restart.
func (s *Server) sessionLoaded(c *gin.Context) bool {
	if _, err := s.cfg.Sessions.Get(c.Request, sessionName); err != nil {
		rest.Fail(c, err)
		return false
	}
	return true
}

// allow declares the permission a route needs; it stands beside the handler in each
// module's route list.
func (s *Server) allow(p identity.Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.cfg.Roles.Allows(rest.Caller(c).Role, p) {
			rest.Fail(c, strata.Errorf(strata.PermissionDenied, "your role does not allow %s", p))
			return
		}
		c.Next()
	}
}

// endSession forgets a session server-side and tells the browser to drop its cookie.
func (s *Server) endSession(c *gin.Context, sess sessions.Session) {
	sess.Clear()
	sess.Options(sessions.Options{Path: "/", MaxAge: -1})
	_ = sess.Save()
}

// refuseCrossOrigin stops state-changing requests that a browser sent from another
// origin (cross-site request forgery), using the browser's Sec-Fetch-Site and Origin
// headers; clients that are not browsers send neither and pass.
func (s *Server) refuseCrossOrigin(c *gin.Context) {
	if err := s.csrf.Check(c.Request); err != nil {
		rest.Fail(c, strata.Errorf(strata.PermissionDenied, "cross-origin request refused"))
		return
	}
	c.Next()
}
