package controls

import (
	"fmt"
	"strings"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/commands/text"
	"github.com/strata-grc/strata/events"
	ev "github.com/strata-grc/strata/events/controls"
)

// Framework is the aggregate's state.
type Framework struct {
	ID          int64
	Name        string
	Version     string
	Description string
	// Source and FileName say how the framework came: by hand ("api") or imported
	// from a file.
	Source   string
	FileName string
	// Codes maps each requirement's code, lower-cased, to its id: codes are unique
	// within a framework.
	Codes        map[string]int64
	Requirements map[int64]ev.Requirement
}

// EvolveFramework applies an event to the state.
func EvolveFramework(f Framework, p events.Payload, _ events.Event) Framework {
	switch e := p.(type) {
	case ev.FrameworkCreated:
		f.ID, f.Name, f.Version, f.Description = e.FrameworkID, e.Name, e.Version, e.Description
		f.Source, f.FileName = e.Source, e.FileName
	case ev.RequirementAdded:
		codes := make(map[string]int64, len(f.Codes)+1)
		reqs := make(map[int64]ev.Requirement, len(f.Requirements)+1)
		for k, v := range f.Codes {
			codes[k] = v
		}
		for k, v := range f.Requirements {
			reqs[k] = v
		}
		codes[strings.ToLower(e.Code)], reqs[e.RequirementID] = e.RequirementID, e.Requirement
		f.Codes, f.Requirements = codes, reqs
	}
	return f
}

// NewRequirement is a requirement with the id it will get.
type NewRequirement struct {
	ID int64
	ev.Requirement
	// Line is where the requirement came from in an imported file, for error reports.
	Line int
}

// CreateFramework defines a framework, with its requirements when imported.
type CreateFramework struct {
	FrameworkID  int64
	Name         string
	Version      string
	Description  string
	Source       string
	FileName     string
	Requirements []NewRequirement
}

// AddRequirement adds one requirement to a framework.
type AddRequirement struct{ NewRequirement }

// Limits on a framework's size.
const (
	MaxRequirements = 2000
)

// DecideFramework returns the events a command produces on a framework, or why it is
// refused. exists is false only for CreateFramework.
func DecideFramework(f Framework, exists bool, cmd any) ([]events.Payload, error) {
	switch x := cmd.(type) {
	case CreateFramework:
		if exists {
			return nil, strata.Errorf(strata.Conflict, "framework %d already exists", x.FrameworkID)
		}
		name, version, desc := strings.TrimSpace(x.Name), strings.TrimSpace(x.Version), strings.TrimSpace(x.Description)
		errs := strata.FieldErrors{}
		text.Require(errs, "name", name, text.Name)
		text.Check(errs, "version", version, text.Version)
		text.Check(errs, "description", desc, text.Summary)
		text.Check(errs, "file_name", x.FileName, text.FileName)
		if len(x.Requirements) > MaxRequirements {
			errs.Add("requirements", fmt.Sprintf("must number at most %d", MaxRequirements))
		}
		source := x.Source
		if source == "" {
			source = "api"
		}
		out := []events.Payload{ev.FrameworkCreated{FrameworkID: x.FrameworkID, Name: name, Version: version,
			Description: desc, Source: source, FileName: x.FileName}}
		seen := map[string]string{}
		rowErrs := errs // every problem, the framework's and each row's, is reported at once
		for i, r := range x.Requirements {
			r.Requirement = normalizeRequirement(r.Requirement)
			key := fmt.Sprintf("requirements[%d]", i)
			if r.Line > 0 {
				key = fmt.Sprintf("line %d", r.Line)
			}
			if problem := requirementProblem(r.Requirement); problem != "" {
				rowErrs.Add(key, problem)
				continue
			}
			if first, dup := seen[strings.ToLower(r.Code)]; dup {
				rowErrs.Add(key, fmt.Sprintf("code %s is already used at %s", r.Code, first))
				continue
			}
			seen[strings.ToLower(r.Code)] = key
			out = append(out, ev.RequirementAdded{FrameworkID: x.FrameworkID, RequirementID: r.ID, Requirement: r.Requirement})
		}
		if err := rowErrs.Err(); err != nil {
			return nil, err
		}
		return out, nil
	case AddRequirement:
		if !exists {
			return nil, strata.Errorf(strata.NotFound, "framework not found")
		}
		r := normalizeRequirement(x.Requirement)
		errs := strata.FieldErrors{}
		checkRequirement(errs, r)
		if id, dup := f.Codes[strings.ToLower(r.Code)]; dup && r.Code != "" {
			errs.Add("code", fmt.Sprintf("is already used by requirement %d of this framework", id))
		}
		if err := errs.Err(); err != nil {
			return nil, err
		}
		if len(f.Requirements) >= MaxRequirements {
			return nil, strata.Errorf(strata.Invalid, "a framework may have at most %d requirements", MaxRequirements)
		}
		return []events.Payload{ev.RequirementAdded{FrameworkID: f.ID, RequirementID: x.ID, Requirement: r}}, nil
	}
	return nil, fmt.Errorf("controls: unknown framework command %T", cmd)
}

func normalizeRequirement(r ev.Requirement) ev.Requirement {
	r.Code, r.Title, r.Description = strings.TrimSpace(r.Code), strings.TrimSpace(r.Title), strings.TrimSpace(r.Description)
	return r
}

// requirementProblem describes what is wrong with a requirement, all problems in one
// line, as an import reports them per row.
func requirementProblem(r ev.Requirement) string {
	errs := strata.FieldErrors{}
	checkRequirement(errs, r)
	var parts []string
	for _, k := range []string{"code", "title", "description"} {
		if p, ok := errs[k]; ok {
			parts = append(parts, k+" "+p)
		}
	}
	return strings.Join(parts, "; ")
}

func checkRequirement(errs strata.FieldErrors, r ev.Requirement) {
	text.Require(errs, "code", r.Code, text.Code)
	text.Require(errs, "title", r.Title, text.Title)
	text.Check(errs, "description", r.Description, text.Summary)
}
