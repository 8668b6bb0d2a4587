// Package risks holds the Risk Management events. Their names are stored in the log
// and never change.
package risks

import (
	"encoding/json"
	"strconv"

	"github.com/strata-grc/strata/events"
)

// StreamPrefix starts the name of every risk's stream: risk-42.
const StreamPrefix = "risk-"

// Stream names the stream of one risk.
func Stream(id int64) string { return StreamPrefix + strconv.FormatInt(id, 10) }

// Fields are a risk's editable fields, as events carry them.
type Fields struct {
	Title              string  `json:"title"`
	Description        string  `json:"description"`
	Category           string  `json:"category"`
	Status             string  `json:"status"`
	Likelihood         int     `json:"likelihood"`
	Impact             int     `json:"impact"`
	ResidualLikelihood *int    `json:"residual_likelihood"`
	ResidualImpact     *int    `json:"residual_impact"`
	OwnerID            *int64  `json:"owner_id"`
	ReviewDate         *string `json:"review_date"` // YYYY-MM-DD
}

// RiskCreated: a risk was identified.
type RiskCreated struct {
	RiskID int64 `json:"risk_id"`
	Fields
}

// RiskUpdated: some fields changed. Set holds only the changed fields with their new
// values, Previous the same fields as they were.
type RiskUpdated struct {
	RiskID   int64           `json:"risk_id"`
	Set      json.RawMessage `json:"set"`
	Previous json.RawMessage `json:"previous"`
}

// RiskDeleted: the risk was withdrawn; its history stays.
type RiskDeleted struct {
	RiskID int64  `json:"risk_id"`
	Reason string `json:"reason,omitempty"`
}

// Response is a planned treatment of a risk.
type Response struct {
	Type        string  `json:"type"`
	Description string  `json:"description"`
	OwnerID     *int64  `json:"owner_id"`
	DueDate     *string `json:"due_date"`
	Status      string  `json:"status"`
}

// RiskResponseAdded: a treatment was planned.
type RiskResponseAdded struct {
	RiskID     int64 `json:"risk_id"`
	ResponseID int64 `json:"response_id"`
	Response
	CompletedAt *string `json:"completed_at,omitempty"` // RFC 3339, when added as done
}

// RiskResponseUpdated: a treatment changed; Set and Previous as in RiskUpdated.
type RiskResponseUpdated struct {
	RiskID      int64           `json:"risk_id"`
	ResponseID  int64           `json:"response_id"`
	Set         json.RawMessage `json:"set"`
	Previous    json.RawMessage `json:"previous"`
	CompletedAt *string         `json:"completed_at,omitempty"` // RFC 3339, when the status became done
}

// RiskControlMapped: a control now mitigates the risk.
type RiskControlMapped struct {
	RiskID    int64 `json:"risk_id"`
	ControlID int64 `json:"control_id"`
}

// RiskControlUnmapped: a control no longer mitigates the risk.
type RiskControlUnmapped struct {
	RiskID    int64 `json:"risk_id"`
	ControlID int64 `json:"control_id"`
}

func (RiskCreated) EventType() string         { return "RiskCreated" }
func (RiskUpdated) EventType() string         { return "RiskUpdated" }
func (RiskDeleted) EventType() string         { return "RiskDeleted" }
func (RiskResponseAdded) EventType() string   { return "RiskResponseAdded" }
func (RiskResponseUpdated) EventType() string { return "RiskResponseUpdated" }
func (RiskControlMapped) EventType() string   { return "RiskControlMapped" }
func (RiskControlUnmapped) EventType() string { return "RiskControlUnmapped" }

// Register adds the module's events to r.
func Register(r *events.Registry) {
	events.Register[RiskCreated](r, 1)
	events.Register[RiskUpdated](r, 1)
	events.Register[RiskDeleted](r, 1)
	events.Register[RiskResponseAdded](r, 1)
	events.Register[RiskResponseUpdated](r, 1)
	events.Register[RiskControlMapped](r, 1)
	events.Register[RiskControlUnmapped](r, 1)
}
