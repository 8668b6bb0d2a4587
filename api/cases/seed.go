package cases

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/commands/blobs"
	cmdcases "github.com/strata-grc/strata/commands/cases"
	"github.com/strata-grc/strata/commands/identity"
	"github.com/strata-grc/strata/events"
	evcases "github.com/strata-grc/strata/events/cases"
	evevidence "github.com/strata-grc/strata/events/evidence"
)

// demoCase is one demo case and how far its investigation has gone.
type demoCase struct {
	fields evcases.Fields
	// status is where the case ends up.
	status     string
	resolution string
	// files are attached while the case is worked: name and content.
	files [][2]string
}

var demoCases = []demoCase{
	{fields: evcases.Fields{Title: "Duplicate supplier invoices paid twice", Type: "fraud", Priority: "high", Reporter: "Accounts payable clerk",
		Description: "Two invoices with the same number and amount were paid a week apart to the same supplier."},
		status: cmdcases.Review, files: [][2]string{{"invoice-4471.csv", "invoice,supplier,amount,paid\n4471,Northwind Ltd,18250.00,2026-10-02\n4471,Northwind Ltd,18250.00,2026-10-09\n"},
			{"ap-interview-notes.txt", "Interview with the AP clerk, 14 Oct: the second payment was released from the manual queue.\n"}}},
	{fields: evcases.Fields{Title: "Hotline report: expense claims for cancelled trips", Type: "misconduct", Priority: "medium", Reporter: "Ethics hotline",
		Description: "An anonymous report says a manager claims travel that was cancelled."},
		status: cmdcases.InProgress, files: [][2]string{{"hotline-report-2211.txt", "Report 2211 received by the ethics hotline on 3 Nov.\n"}}},
	{fields: evcases.Fields{Title: "Laptop lost with unencrypted customer export", Type: "data breach", Priority: "urgent", Reporter: "Service desk",
		Description: "A sales laptop was stolen from a car; it held a customer export made outside the CRM.", Confidential: true},
		status: cmdcases.InProgress, files: [][2]string{{"police-report.txt", "Police reference 26/118734, filed 21 Nov.\n"}}},
	{fields: evcases.Fields{Title: "Warehouse stock count shortfall", Type: "theft", Priority: "high", Reporter: "Warehouse manager",
		Description: "The quarterly count is 312 units short on high-value items."},
		status: cmdcases.Assigned},
	{fields: evcases.Fields{Title: "Conflict of interest in vendor selection", Type: "conflict of interest", Priority: "medium", Reporter: "Procurement lead",
		Description: "A buyer's relative is a director of the winning bidder.", Confidential: true},
		status: cmdcases.Completed, resolution: "substantiated", files: [][2]string{{"companies-register-extract.txt", "Director appointed 2025-03-01.\n"}}},
	{fields: evcases.Fields{Title: "Phishing email reported by finance", Type: "security incident", Priority: "low", Reporter: "Finance team",
		Description: "A payment-change request arrived from a look-alike domain."},
		status: cmdcases.Completed, resolution: "unsubstantiated"},
	{fields: evcases.Fields{Title: "Overtime approved by the claimant", Type: "misconduct", Priority: "medium", Reporter: "Payroll",
		Description: "Overtime claims were approved by the same person who made them."},
		status: cmdcases.New},
}

// seed returns the investigations demo: cases in every status, two confidential,
// with evidence files that have been downloaded and checked, so the chain of custody
// has something to show. An organization that has cases gets none.
func seed(pool *pgxpool.Pool, h *cmdcases.Handler, store blobs.Store) func(context.Context, *module.Seeding) error {
	return func(ctx context.Context, s *module.Seeding) error {
		if s.Existing {
			var has bool
			if err := pool.QueryRow(ctx, `select exists (select 1 from events where org_id = $1 and type = 'CaseOpened')`,
				s.OrgID).Scan(&has); err != nil {
				return err
			}
			if has {
				fmt.Fprintln(s.Out, "investigations: the organization has cases already; nothing seeded")
				return nil
			}
		}
		start := time.Now()
		investigator := s.People[identity.Investigator]
		all := cmdcases.Viewer{Admin: true}
		files := 0
		for i, d := range demoCases {
			as := func(step string) events.Metadata {
				return s.As(identity.Investigator, fmt.Sprintf("case-%d-%s", i, step))
			}
			res, err := h.Open(ctx, as("open"), d.fields)
			if err != nil {
				return fmt.Errorf("case %q: %w", d.fields.Title, err)
			}
			id := res.ID
			if d.status != cmdcases.New {
				if _, err := h.Assign(ctx, as("assign"), all, id, nil, &investigator.ID); err != nil {
					return err
				}
			}
			path := statusPath(d.status)
			for j, to := range path {
				if to == cmdcases.Completed {
					// Evidence is gathered before the case closes.
					break
				}
				if _, err := h.ChangeStatus(ctx, as(fmt.Sprintf("status-%d", j)), all, id, nil, to, "", ""); err != nil {
					return err
				}
			}
			for k, f := range d.files {
				blob, err := store.Put(ctx, bytes.NewReader([]byte(f[1])), int64(len(f[1])))
				if err != nil {
					return err
				}
				file := evevidence.File{FileName: f[0], ContentType: "text/plain", Size: blob.Size, SHA256: blob.SHA256,
					Description: "Collected during the investigation."}
				up, err := h.AttachEvidence(ctx, as(fmt.Sprintf("file-%d", k)), all, id, file)
				if err != nil {
					return err
				}
				files++
				if _, _, err := h.RecordDownload(ctx, s.As(identity.Admin, fmt.Sprintf("case-%d-download-%d", i, k)), all, id, up.ID, "Review by the legal team"); err != nil {
					return err
				}
				if _, err := h.RecordVerification(ctx, as(fmt.Sprintf("verify-%d", k)), all, id, up.ID, blob.SHA256, evevidence.Match, "verify"); err != nil {
					return err
				}
			}
			if d.status == cmdcases.Completed {
				if _, err := h.ChangeStatus(ctx, as("complete"), all, id, nil, cmdcases.Completed,
					"Closing note: findings reported to the audit committee.", d.resolution); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(s.Out, "investigations: %d cases with %d evidence files in %s\n", len(demoCases), files, time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// statusPath is the moves from assigned that bring a case to status.
func statusPath(status string) []string {
	order := []string{cmdcases.InProgress, cmdcases.Review, cmdcases.Completed}
	for i, s := range order {
		if s == status {
			return order[:i+1]
		}
	}
	return nil
}
