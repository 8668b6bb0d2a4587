// Package identity is the command side of users, organizations and memberships, and
// the table of what each role may do.
package identity

import (
	"fmt"
	"slices"
)

// Permission is one action on one module, "risks:write".
type Permission string

// The permissions of the core; each module declares its own.
const (
	DashboardRead     Permission = "dashboard:read"
	AuditTrailRead    Permission = "audit_trail:read"
	MembersRead       Permission = "members:read"
	MembersManage     Permission = "members:manage"
	ProjectionsManage Permission = "projections:manage"
)

// Roles a member may hold.
const (
	Admin             = "admin"
	RiskManager       = "risk_manager"
	ComplianceManager = "compliance_manager"
	Auditor           = "auditor"
	Investigator      = "investigator"
	Viewer            = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []string{Admin, RiskManager, ComplianceManager, Auditor, Investigator, Viewer}

// Everyone is every role, for what any member may do.
var Everyone = slices.Clone(Roles)

// Grant gives a permission to roles. The admin holds every permission and need not be
// named.
type Grant struct {
	Permission Permission
	Roles      []string
}

// CoreGrants are the core's permissions: any member sees the dashboard and who the
// members are; the audit trail is for those who audit.
var CoreGrants = []Grant{
	{DashboardRead, Everyone},
	{MembersRead, Everyone},
	{MembersManage, nil},
	{AuditTrailRead, []string{ComplianceManager, Auditor}},
	{ProjectionsManage, nil},
}

// RoleTable is what each role may do, composed from the core's grants and each
// module's.
type RoleTable struct {
	grants map[string][]Permission
}

// NewRoleTable composes grants; a permission granted twice or to an unknown role is
// refused, so two modules cannot quietly claim one name.
func NewRoleTable(grants ...Grant) (*RoleTable, error) {
	t := &RoleTable{grants: map[string][]Permission{}}
	seen := map[Permission]bool{}
	for _, g := range grants {
		if g.Permission == "" || seen[g.Permission] {
			return nil, fmt.Errorf("roles: permission %q granted twice or unnamed", g.Permission)
		}
		seen[g.Permission] = true
		t.grants[Admin] = append(t.grants[Admin], g.Permission)
		for _, role := range g.Roles {
			if !ValidRole(role) {
				return nil, fmt.Errorf("roles: %s is granted to unknown role %q", g.Permission, role)
			}
			if role != Admin {
				t.grants[role] = append(t.grants[role], g.Permission)
			}
		}
	}
	return t, nil
}

// Permissions returns a role's permissions, sorted; none for an unknown role.
func (t *RoleTable) Permissions(role string) []Permission {
	out := slices.Clone(t.grants[role])
	slices.Sort(out)
	return out
}

// Allows reports whether role holds p.
func (t *RoleTable) Allows(role string, p Permission) bool { return slices.Contains(t.grants[role], p) }

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool { return slices.Contains(Roles, role) }
