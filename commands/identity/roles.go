// Package identity is the command side of users, organizations and memberships, and
// the table of what each role may do.
package identity

import "slices"

// Permission is one action on one module, "risks:write".
type Permission string

// The permissions, per module and action.
const (
	RisksRead         Permission = "risks:read"
	RisksWrite        Permission = "risks:write"
	ControlsRead      Permission = "controls:read"
	ControlsWrite     Permission = "controls:write"
	ControlsTest      Permission = "controls:test"
	AuditsRead        Permission = "audits:read"
	AuditsWrite       Permission = "audits:write"
	FindingsRead      Permission = "findings:read"
	FindingsWrite     Permission = "findings:write"
	FindingsRespond   Permission = "findings:respond"
	CasesRead         Permission = "cases:read"
	CasesWrite        Permission = "cases:write"
	KPIsRead          Permission = "kpis:read"
	KPIsWrite         Permission = "kpis:write"
	VendorsRead       Permission = "vendors:read"
	VendorsWrite      Permission = "vendors:write"
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

// everyoneReads is what any member sees: the registers, never case files.
var everyoneReads = []Permission{RisksRead, ControlsRead, AuditsRead, FindingsRead, KPIsRead, VendorsRead, DashboardRead, MembersRead}

// grants maps each role to its permissions. Investigations are need-to-know: only
// investigators and admins hold cases:read, and confidential cases narrow further.
var grants = map[string][]Permission{
	Admin: {RisksRead, RisksWrite, ControlsRead, ControlsWrite, ControlsTest, AuditsRead, AuditsWrite, FindingsRead, FindingsWrite,
		FindingsRespond, CasesRead, CasesWrite, KPIsRead, KPIsWrite, VendorsRead, VendorsWrite, DashboardRead,
		AuditTrailRead, MembersRead, MembersManage, ProjectionsManage},
	RiskManager:       append(slices.Clone(everyoneReads), RisksWrite, KPIsWrite, VendorsWrite, FindingsRespond),
	ComplianceManager: append(slices.Clone(everyoneReads), ControlsWrite, ControlsTest, VendorsWrite, FindingsRespond, AuditTrailRead),
	// Auditors test controls they do not own: independence is the point of a test.
	Auditor:      append(slices.Clone(everyoneReads), ControlsTest, AuditsWrite, FindingsWrite, AuditTrailRead),
	Investigator: append(slices.Clone(everyoneReads), CasesRead, CasesWrite),
	Viewer:       slices.Clone(everyoneReads),
}

// Permissions returns a role's permissions, sorted; none for an unknown role.
func Permissions(role string) []Permission {
	out := slices.Clone(grants[role])
	slices.Sort(out)
	return out
}

// Allows reports whether role holds p.
func Allows(role string, p Permission) bool { return slices.Contains(grants[role], p) }

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool { return slices.Contains(Roles, role) }
