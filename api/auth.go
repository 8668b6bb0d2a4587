package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
	"github.com/strata-grc/strata/api/sessionstore"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	evidentity "github.com/strata-grc/strata/events/identity"
	qidentity "github.com/strata-grc/strata/queries/identity"
)

func (s *Server) mountAuth(public, authed *gin.RouterGroup) {
	public.POST("/auth/login", s.login)
	public.POST("/auth/logout", s.logout)
	public.GET("/auth/status", s.authStatus)
	authed.POST("/auth/organization", s.switchOrganization)
	authed.PUT("/auth/password", s.changePassword)
	authed.GET("/auth/sessions", s.listSessions)
	authed.DELETE("/auth/sessions/:session_id", s.revokeSession)
}

// badCredentials is the one answer to every failed login, so the reply does not tell
// which accounts exist or which part was wrong.
var badCredentials = strata.Errorf(strata.AuthRequired, "the email or password is not correct")

// anonymousMeta files an event caused by someone not (yet) logged in.
func anonymousMeta(c *gin.Context, orgID int64) events.Metadata {
	return rest.MetadataAs(c, orgID, 0, events.Anonymous)
}

// loginInput is a login body.
type loginInput struct {
	Email          string `json:"email"`
	Password       string `json:"password"`
	OrganizationID int64  `json:"organization_id"`
}

// validate refuses what no account could match before anything is looked up or
// counted: the throttle and the account lookup store and query the email.
func (in loginInput) validate() error {
	errs := strata.FieldErrors{}
	text.Require(errs, "email", strings.TrimSpace(in.Email), text.Email)
	text.Password(errs, "password", in.Password)
	return errs.Err()
}

func (s *Server) login(c *gin.Context) {
	var in loginInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if err := in.validate(); err != nil {
		rest.Fail(c, err)
		return
	}
	ctx, ip := c.Request.Context(), c.ClientIP()
	if wait, err := s.throttle.attempt(ctx, in.Email, ip); err != nil {
		rest.Fail(c, err)
		return
	} else if wait > 0 {
		limited(c, wait, "too many failed logins")
		return
	}
	userID, valid, err := s.cfg.Identity.Authenticate(ctx, in.Email, in.Password)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if !valid {
		s.loginFailed(c, userID, "bad_password")
		return
	}
	user, _, err := s.cfg.Identity.LoadUser(ctx, userID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if user.Disabled {
		s.loginFailed(c, userID, "disabled")
		return
	}
	orgs, err := s.organizationsOf(ctx, userID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if len(orgs) == 0 {
		s.loginFailed(c, userID, "no_membership")
		return
	}
	org := orgs[0]
	if in.OrganizationID != 0 {
		i := slices.IndexFunc(orgs, func(o qidentity.Organization) bool { return o.ID == in.OrganizationID })
		if i < 0 {
			// The password was right, but the answer must not tell so: a correct
			// password would otherwise be confirmed by naming any organization.
			s.loginFailed(c, userID, "not_member")
			return
		}
		org = orgs[i]
	}

	// A new session id at login: whatever id the browser had before (perhaps planted
	// by someone else) is worthless afterwards.
	raw, err := s.cfg.Sessions.Get(c.Request, sessionName)
	if err == nil {
		err = s.cfg.Sessions.Regenerate(ctx, raw)
	}
	if err != nil {
		rest.Fail(c, err)
		return
	}
	sess := sessions.Default(c)
	sess.Clear()
	sess.Set(sessionstore.UserIDKey, strconv.FormatInt(userID, 10))
	sess.Set(sessionstore.OrgIDKey, strconv.FormatInt(org.ID, 10))
	if err := sess.Save(); err != nil {
		rest.Fail(c, err)
		return
	}
	meta := rest.MetadataAs(c, org.ID, userID, user.Name)
	if _, err := s.cfg.Identity.RecordSecurityEvent(ctx, meta, userID,
		evidentity.LoginSucceeded{UserID: userID, OrgID: org.ID, Session: sessionstore.PublicID(raw.ID)}); err != nil {
		rest.Fail(c, err)
		return
	}
	if err := s.throttle.succeeded(ctx, in.Email, ip); err != nil {
		rest.Fail(c, err)
		return
	}
	if err := s.capSessions(c, meta, userID); err != nil {
		rest.Fail(c, err)
		return
	}
	me := qidentity.User{ID: userID, Email: user.Email, Name: user.Name}
	rest.OK(c, http.StatusOK, gin.H{"user": me, "organization": org, "organizations": orgs, "permissions": s.cfg.Roles.Permissions(org.Role)})
}

// capSessions ends the user's oldest sessions beyond MaxSessions, so a stolen
// password cannot pile up sessions unnoticed and the list stays readable. Each ended
// session is filed in the audit trail as the user's logout.
func (s *Server) capSessions(c *gin.Context, meta events.Metadata, userID int64) error {
	ctx := c.Request.Context()
	ended, err := s.cfg.Sessions.CapForUser(ctx, userID, s.cfg.MaxSessions)
	if err != nil {
		return err
	}
	for _, id := range ended {
		if _, err := s.cfg.Identity.RecordSecurityEvent(ctx, meta, userID,
			evidentity.LoggedOut{UserID: userID, Session: id, Reason: "session_limit"}); err != nil {
			return err
		}
	}
	return nil
}

// rotateSession gives the request's session a new token, applies set to its values
// and saves it. The old token is dead afterwards, so whoever learned it (from a
// shared machine, a log, a fixation before login) holds nothing once the session
// gains new rights (another organization) or its password changes. The session's
// rate budget and its read-your-writes position move to the new token.
func (s *Server) rotateSession(c *gin.Context, set func(sessions.Session)) error {
	raw, err := s.cfg.Sessions.Get(c.Request, sessionName)
	if err != nil {
		return err
	}
	old := raw.ID
	if err := s.cfg.Sessions.Regenerate(c.Request.Context(), raw); err != nil {
		return err
	}
	set(sessions.Default(c))
	// Saved through the store itself: the middleware's Save skips a session whose
	// values did not change, and this one must get its new token whatever set did.
	if err := s.cfg.Sessions.Save(c.Request, c.Writer, raw); err != nil {
		return err
	}
	if old != "" && raw.ID != "" {
		s.limiter.move(limiterKey(old), limiterKey(raw.ID))
		s.lastWrites.move(sessionstore.PublicID(old), sessionstore.PublicID(raw.ID), time.Now())
	}
	return nil
}

// loginFailed answers a failed login, then files the failure of an existing account
// in its audit trail (the attempt was counted before the password was checked).
//
// The answer goes out before the filing, complete, so a failure with an existing
// email takes as long to answer as one with an unknown email, which files nothing:
// otherwise the event write would tell an attacker which emails have accounts. A
// filing that fails is logged; the caller has had the answer already. Unknown emails
// are counted but not filed: there is no organization to file them under, and an
// attacker must not be able to grow the log.
//
// The connection closes after every failed login, with or without an account: a next
// request on it would otherwise wait for the filing and time it.
func (s *Server) loginFailed(c *gin.Context, userID int64, reason string) {
	c.Header("Connection", "close")
	rest.AnswerNow(c, badCredentials)
	if userID <= 0 {
		return
	}
	// The caller may hang up once answered; the filing goes on without it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), s.cfg.RequestTimeout)
	defer cancel()
	err := func() error {
		user, found, err := s.cfg.Identity.LoadUser(ctx, userID)
		if err != nil || !found {
			return err
		}
		org := user.HomeOrgID
		if orgs, err := s.cfg.IdentityReader.Organizations(ctx, userID); err == nil && len(orgs) > 0 {
			org = orgs[0].ID
		}
		_, err = s.cfg.Identity.RecordSecurityEvent(ctx, anonymousMeta(c, org), userID,
			evidentity.LoginFailed{UserID: userID, Reason: reason})
		return err
	}()
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "a failed login could not be filed", "request_id", rest.RequestID(c),
			"user_id", userID, "reason", reason, "err", err)
	}
}

// organizationsOf reads a user's memberships; a user registered a moment ago may not
// be in the read model yet, so an empty answer waits for the identity projection to
// reach the head of the log once.
func (s *Server) organizationsOf(ctx context.Context, userID int64) ([]qidentity.Organization, error) {
	orgs, err := s.cfg.IdentityReader.Organizations(ctx, userID)
	if err != nil || len(orgs) > 0 || s.cfg.Tracker == nil {
		return orgs, err
	}
	var head int64
	if err := s.cfg.Pool.QueryRow(ctx, `select coalesce(max(global_position), 0) from events`).Scan(&head); err != nil || head == 0 {
		return orgs, err
	}
	pos, err := s.cfg.Store.PositionOf(ctx, head)
	if err != nil {
		return orgs, err
	}
	wctx, cancel := context.WithTimeout(ctx, s.cfg.ConsistencyWait)
	defer cancel()
	s.cfg.Tracker.Wait(wctx, []string{qidentity.Projection}, pos)
	return s.cfg.IdentityReader.Organizations(ctx, userID)
}

// logout ends the session first and records it after, so a failure to record never
// leaves the session alive.
func (s *Server) logout(c *gin.Context) {
	if !s.sessionLoaded(c) {
		return
	}
	sess := sessions.Default(c)
	userID, orgID, loggedIn := sessionIDs(sess)
	public := sessionstore.PublicID(sess.ID())
	s.endSession(c, sess)
	if loggedIn {
		ctx := c.Request.Context()
		u, found, err := s.cfg.Identity.LoadUser(ctx, userID)
		if err == nil && found {
			meta := rest.MetadataAs(c, orgID, userID, u.Name)
			_, err = s.cfg.Identity.RecordSecurityEvent(ctx, meta, userID,
				evidentity.LoggedOut{UserID: userID, Session: public, Reason: "logout"})
		}
		if err != nil {
			rest.Fail(c, err)
			return
		}
	}
	rest.OK(c, http.StatusOK, gin.H{})
}

func (s *Server) authStatus(c *gin.Context) {
	if !s.sessionLoaded(c) {
		return
	}
	sess := sessions.Default(c)
	userID, orgID, found := sessionIDs(sess)
	if !found {
		rest.OK(c, http.StatusOK, gin.H{"authenticated": false})
		return
	}
	ctx := c.Request.Context()
	access, err := s.cfg.IdentityReader.Access(ctx, userID, orgID)
	if strata.ErrorCode(err) == strata.AuthRequired || (err == nil && (access.User.Disabled || access.Org.Role == "")) {
		rest.OK(c, http.StatusOK, gin.H{"authenticated": false})
		return
	}
	if err != nil {
		rest.Fail(c, err)
		return
	}
	orgs, err := s.cfg.IdentityReader.Organizations(ctx, userID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, gin.H{"authenticated": true, "user": access.User, "organization": access.Org,
		"organizations": orgs, "permissions": s.cfg.Roles.Permissions(access.Org.Role)})

}

// switchInput is the body of an organization switch.
type switchInput struct {
	OrganizationID *int64 `json:"organization_id"`
}

func (in switchInput) validate() error {
	if in.OrganizationID == nil || *in.OrganizationID <= 0 {
		return rest.FieldErr("organization_id", "must be a positive integer")
	}
	return nil
}

func (s *Server) switchOrganization(c *gin.Context) {
	var in switchInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if err := in.validate(); err != nil {
		rest.Fail(c, err)
		return
	}
	p := rest.Caller(c)
	access, err := s.cfg.IdentityReader.Access(c.Request.Context(), p.UserID, *in.OrganizationID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if access.Org.Role == "" {
		rest.Fail(c, strata.Errorf(strata.NotFound, "organization not found"))
		return
	}
	if *in.OrganizationID != p.OrgID {
		meta := rest.Metadata(c)
		meta.OrgID = *in.OrganizationID
		if _, err := s.cfg.Identity.RecordSecurityEvent(c.Request.Context(), meta, p.UserID,
			evidentity.OrganizationSwitched{UserID: p.UserID, From: p.OrgID, To: *in.OrganizationID}); err != nil {
			rest.Fail(c, err)
			return
		}
		if err := s.rotateSession(c, func(sess sessions.Session) {
			sess.Set(sessionstore.OrgIDKey, strconv.FormatInt(*in.OrganizationID, 10))
		}); err != nil {
			rest.Fail(c, err)
			return
		}
	}
	rest.OK(c, http.StatusOK, gin.H{"organization": access.Org, "permissions": s.cfg.Roles.Permissions(access.Org.Role)})
}

// passwordInput is the body of a password change.
type passwordInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// validate checks both passwords' form before the current one costs a hash.
func (in passwordInput) validate() error {
	errs := strata.FieldErrors{}
	text.Password(errs, "current_password", in.CurrentPassword)
	text.NewPassword(errs, "new_password", in.NewPassword)
	return errs.Err()
}

func (s *Server) changePassword(c *gin.Context) {
	var in passwordInput
	if err := rest.DecodeJSON(c, &in); err != nil {
		rest.Fail(c, err)
		return
	}
	if err := in.validate(); err != nil {
		rest.Fail(c, err)
		return
	}
	p := rest.Caller(c)
	ctx := c.Request.Context()
	// Guesses at the current password count like failed logins, so a stolen session
	// cannot be used to find the password out.
	if wait, err := s.throttle.attempt(ctx, p.Email, c.ClientIP()); err != nil {
		rest.Fail(c, err)
		return
	} else if wait > 0 {
		limited(c, wait, "too many wrong passwords")
		return
	}
	if _, valid, err := s.cfg.Identity.Authenticate(ctx, p.Email, in.CurrentPassword); err != nil {
		rest.Fail(c, err)
		return
	} else if !valid {
		rest.Fail(c, rest.FieldErr("current_password", "is not correct"))
		return
	}
	if err := s.throttle.succeeded(ctx, p.Email, c.ClientIP()); err != nil {
		rest.Fail(c, err)
		return
	}
	if _, err := s.cfg.Identity.ChangePassword(ctx, rest.Metadata(c), p.UserID, in.NewPassword); err != nil {
		var e *strata.Error
		if errors.As(err, &e) && e.Fields["password"] != "" {
			err = rest.FieldErr("new_password", e.Fields["password"])
		}
		rest.Fail(c, err)
		return
	}
	// Other sessions may belong to whoever learned the old password, and so may this
	// session's token: it is replaced, the others are ended.
	if err := s.rotateSession(c, func(sessions.Session) {}); err != nil {
		rest.Fail(c, err)
		return
	}
	current := sessionstore.PublicID(sessions.Default(c).ID())
	infos, err := s.cfg.Sessions.ListForUser(ctx, p.UserID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	ended := 0
	for _, info := range infos {
		if info.ID == current {
			continue
		}
		gone, err := s.cfg.Sessions.RevokeForUser(ctx, p.UserID, info.ID)
		if err != nil {
			rest.Fail(c, err)
			return
		}
		if gone {
			ended++
		}
	}
	rest.OK(c, http.StatusOK, gin.H{"other_sessions_ended": ended})
}

type sessionView struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

func (s *Server) listSessions(c *gin.Context) {
	infos, err := s.cfg.Sessions.ListForUser(c.Request.Context(), rest.Caller(c).UserID)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	current := sessionstore.PublicID(sessions.Default(c).ID())
	out := make([]sessionView, len(infos))
	for i, in := range infos {
		out[i] = sessionView{ID: in.ID, Current: in.ID == current, CreatedAt: in.CreatedAt, LastSeenAt: in.LastSeenAt,
			ExpiresAt: in.ExpiresAt, IP: in.IP, UserAgent: in.UserAgent}
	}
	rest.OK(c, http.StatusOK, out)
}

func (s *Server) revokeSession(c *gin.Context) {
	p := rest.Caller(c)
	id := c.Param("session_id")
	gone, err := s.cfg.Sessions.RevokeForUser(c.Request.Context(), p.UserID, id)
	if err != nil {
		rest.Fail(c, err)
		return
	}
	if !gone {
		rest.Fail(c, strata.Errorf(strata.NotFound, "session not found"))
		return
	}
	if _, err := s.cfg.Identity.RecordSecurityEvent(c.Request.Context(), rest.Metadata(c), p.UserID,
		evidentity.LoggedOut{UserID: p.UserID, Session: id, Reason: "revoked"}); err != nil {
		rest.Fail(c, err)
		return
	}
	rest.OK(c, http.StatusOK, gin.H{"id": id, "revoked": true})
}
