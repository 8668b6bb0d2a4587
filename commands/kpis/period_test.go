package kpis

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strata-grc/strata/schema/testdb"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	cases := []struct {
		frequency, in string
		want          string // the period read back, "" when refused
		problem       string // a word the refusal must hold
	}{
		{Monthly, "2026-03", "2026-03", ""},
		{Monthly, "2026-12", "2026-12", ""},
		{Monthly, "0001-01", "0001-01", ""},
		{Monthly, "2026-13", "", "YYYY-MM"},
		{Monthly, "2026-00", "", "YYYY-MM"},
		{Monthly, "2026-1", "", "YYYY-MM"},
		{Monthly, "2026-3", "", "YYYY-MM"},
		{Monthly, "26-03", "", "YYYY-MM"},
		{Monthly, "0000-01", "", "YYYY-MM"},
		{Monthly, " 2026-03", "", "YYYY-MM"},
		{Monthly, "2026-03 ", "", "YYYY-MM"},
		{Monthly, "2026/03", "", "YYYY-MM"},
		{Monthly, "2026-+3", "", "YYYY-MM"},
		{Monthly, "2026-Q1", "", "quarterly period"},
		{Monthly, "2026", "", "annual period"},
		{Quarterly, "2026-Q1", "2026-Q1", ""},
		{Quarterly, "2026-Q4", "2026-Q4", ""},
		{Quarterly, "2026-Q5", "", "YYYY-Qn"},
		{Quarterly, "2026-Q0", "", "YYYY-Qn"},
		{Quarterly, "2026-q1", "", "YYYY-Qn"},
		{Quarterly, "2026-Q01", "", "YYYY-Qn"},
		{Quarterly, "2026-03", "", "monthly period"},
		{Annual, "2026", "2026", ""},
		{Annual, "2026-1", "", "YYYY"},
		{Annual, "20261", "", "YYYY"},
		{Annual, "0000", "", "YYYY"},
		{Annual, "2026-Q2", "", "quarterly period"},
		{Annual, "", "", "YYYY"},
	}
	for _, c := range cases {
		p, problem := ParsePeriod(c.frequency, c.in)
		switch {
		case c.want != "" && (problem != "" || p.String() != c.want):
			t.Errorf("%s %q: %v %q, want %s", c.frequency, c.in, p, problem, c.want)
		case c.want == "" && !strings.Contains(problem, c.problem):
			t.Errorf("%s %q: problem %q, want one naming %q", c.frequency, c.in, problem, c.problem)
		}
	}
}

func TestPeriodBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		p          Period
		start, end string
		prev       string
	}{
		{Period{Monthly, 2026, 2}, "2026-02-01", "2026-02-28", "2026-01"},
		{Period{Monthly, 2024, 2}, "2024-02-01", "2024-02-29", "2024-01"},
		{Period{Monthly, 2026, 1}, "2026-01-01", "2026-01-31", "2025-12"},
		{Period{Quarterly, 2026, 4}, "2026-10-01", "2026-12-31", "2026-Q3"},
		{Period{Quarterly, 2026, 1}, "2026-01-01", "2026-03-31", "2025-Q4"},
		{Period{Annual, 2026, 1}, "2026-01-01", "2026-12-31", "2025"},
	}
	for _, c := range cases {
		if got := c.p.Start().Format(time.DateOnly); got != c.start {
			t.Errorf("%s starts %s, want %s", c.p, got, c.start)
		}
		if got := c.p.End().Format(time.DateOnly); got != c.end {
			t.Errorf("%s ends %s, want %s", c.p, got, c.end)
		}
		if got := c.p.Prev().String(); got != c.prev {
			t.Errorf("%s comes after %s, want %s", c.p, got, c.prev)
		}
		if got := PeriodOf(c.p.Frequency, c.p.End()); got != c.p {
			t.Errorf("the period of %s's last day is %s", c.p, got)
		}
	}
}

// TestDuePeriod walks each frequency's first due date: the day after the period's
// last day plus its grace.
func TestDuePeriod(t *testing.T) {
	t.Parallel()
	cases := []struct {
		frequency, today, want string
	}{
		// January's due date is 31 January + 32 days = 4 March.
		{Monthly, "2026-03-04", "2025-12"},
		{Monthly, "2026-03-05", "2026-01"},
		// February 2024 ends on the 29th: 29 February + 32 days = 1 April.
		{Monthly, "2024-04-01", "2024-01"},
		{Monthly, "2024-04-02", "2024-02"},
		{Monthly, "2026-01-01", "2025-10"},
		// The first quarter's due date is 31 March + 95 days = 4 July.
		{Quarterly, "2026-07-04", "2025-Q4"},
		{Quarterly, "2026-07-05", "2026-Q1"},
		{Quarterly, "2026-01-03", "2025-Q2"},
		{Quarterly, "2026-01-04", "2025-Q3"},
		// 2025's due date is 31 December 2025 + 370 days = 5 January 2027.
		{Annual, "2027-01-05", "2024"},
		{Annual, "2027-01-06", "2025"},
	}
	for _, c := range cases {
		if got := DuePeriod(c.frequency, day(c.today)); got != c.want {
			t.Errorf("%s on %s: due %s, want %s", c.frequency, c.today, got, c.want)
		}
	}
	// The instant's UTC date counts, not its local one.
	late := time.Date(2026, 3, 4, 23, 30, 0, 0, time.FixedZone("UTC-2", -2*3600))
	if got := DuePeriod(Monthly, late); got != "2026-01" {
		t.Errorf("late on 4 March at UTC-2 (5 March UTC): due %s", got)
	}
}

func TestStale(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                       string
		frequency, defined, latest string
		today, wantDue             string
		wantStale                  bool
	}{
		{"no value, December due after the KPI was defined", Monthly, "2026-01-10", "", "2026-02-10", "2025-12", true},
		{"no value, defined after December's due date", Monthly, "2026-02-10", "", "2026-02-20", "", false},
		{"no value, January due since", Monthly, "2026-02-10", "", "2026-03-10", "2026-01", true},
		{"defined on the due date itself", Monthly, "2026-02-01", "", "2026-02-02", "2025-12", true},
		{"the due period has a value", Monthly, "2026-02-10", "2026-01", "2026-03-10", "2026-01", false},
		{"a later period has a value", Monthly, "2026-02-10", "2026-02", "2026-03-10", "2026-01", false},
		{"values stop before the due period", Monthly, "2026-02-10", "2025-11", "2026-02-20", "2025-12", true},
		{"quarterly, the due quarter missing", Quarterly, "2026-01-01", "2026-Q1", "2026-10-10", "2026-Q2", true},
		{"quarterly, within the grace", Quarterly, "2026-01-01", "2026-Q1", "2026-10-02", "2026-Q1", false},
		{"annual, up to date", Annual, "2024-06-01", "2024", "2026-01-06", "2024", false},
		{"annual, a year missing", Annual, "2024-06-01", "2024", "2027-01-06", "2025", true},
		{"annual, just defined", Annual, "2026-12-06", "", "2026-12-06", "", false},
	}
	for _, c := range cases {
		due := LastDuePeriod(c.frequency, day(c.defined), c.latest, day(c.today))
		stale := Stale(c.frequency, day(c.defined), c.latest, day(c.today))
		if due != c.wantDue || stale != c.wantStale {
			t.Errorf("%s: last due %q stale %v, want %q %v", c.name, due, stale, c.wantDue, c.wantStale)
		}
	}
}

func TestOnTarget(t *testing.T) {
	t.Parallel()
	v := func(f float64) *float64 { return &f }
	cases := []struct {
		direction string
		target    float64
		latest    *float64
		want      string
	}{
		{HigherIsBetter, 95, v(95), "true"},
		{HigherIsBetter, 95, v(96.5), "true"},
		{HigherIsBetter, 95, v(94.99), "false"},
		{LowerIsBetter, 4, v(4), "true"},
		{LowerIsBetter, 4, v(3.2), "true"},
		{LowerIsBetter, 4, v(4.01), "false"},
		{LowerIsBetter, 0, v(-1), "true"},
		{HigherIsBetter, 95, nil, "null"},
		{LowerIsBetter, 4, nil, "null"},
	}
	for _, c := range cases {
		got := "null"
		if on := OnTarget(c.direction, c.target, c.latest); on != nil {
			got = map[bool]string{true: "true", false: "false"}[*on]
		}
		if got != c.want {
			t.Errorf("%s target %v latest %v: %s, want %s", c.direction, c.target, c.latest, got, c.want)
		}
	}
}

// TestDuePeriodAgreesWithSQL holds the schema's kpi_due_period, kpi_last_due and
// kpi_stale to the Go rule, day by day over five years.
func TestDuePeriodAgreesWithSQL(t *testing.T) {
	t.Parallel()
	db := testdb.New(t)
	ctx := context.Background()
	rows, err := db.Pool.Query(ctx, `select d::date, f, kpi_due_period(f, d::date),
			kpi_last_due(f, date '2025-05-15', null, d::date), kpi_stale(f, date '2025-05-15', null, d::date),
			kpi_last_due(f, date '2025-05-15', l, d::date), kpi_stale(f, date '2025-05-15', l, d::date), l
		from generate_series(date '2023-12-25', date '2028-01-10', interval '1 day') d
		cross join (values ('monthly', '2026-02'), ('quarterly', '2026-Q1'), ('annual', '2025')) as x(f, l)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	defined := day("2025-05-15")
	for rows.Next() {
		var today time.Time
		var f, due, latest string
		var lastDue, lastDueWith *string
		var stale, staleWith bool
		if err := rows.Scan(&today, &f, &due, &lastDue, &stale, &lastDueWith, &staleWith, &latest); err != nil {
			t.Fatal(err)
		}
		n++
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		if want := DuePeriod(f, today); due != want {
			t.Fatalf("%s on %s: SQL due %s, Go %s", f, today.Format(time.DateOnly), due, want)
		}
		if want := LastDuePeriod(f, defined, "", today); str(lastDue) != want || stale != Stale(f, defined, "", today) {
			t.Fatalf("%s on %s without values: SQL %q %v, Go %q %v", f, today.Format(time.DateOnly), str(lastDue), stale, want, !stale)
		}
		if want := LastDuePeriod(f, defined, latest, today); str(lastDueWith) != want || staleWith != Stale(f, defined, latest, today) {
			t.Fatalf("%s on %s with %s: SQL %q %v, Go %q %v", f, today.Format(time.DateOnly), latest, str(lastDueWith), staleWith, want, !staleWith)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 4000 {
		t.Fatalf("compared %d days", n)
	}
}
