package controls

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/strata-grc/strata"
)

// TestOutcome returns the control a test of the organization tested and its result,
// for another module that refers to the test (a finding raised from a failed one). A
// test of another organization is not found. It reads the read model, so a test
// recorded a moment ago is found once the projection has caught up with it.
func (r *Reader) TestOutcome(ctx context.Context, orgID, testID int64) (controlID int64, result string, err error) {
	err = r.pool.QueryRow(ctx, `select control_id, result from control_tests where id = $1 and org_id = $2`, testID, orgID).
		Scan(&controlID, &result)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", strata.Errorf(strata.NotFound, "control test not found")
	}
	if err != nil {
		return 0, "", err
	}
	return controlID, result, nil
}
