package kpis

import (
	"fmt"
	"strconv"
	"time"
)

// Frequencies a KPI is measured at.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Annual    = "annual"
)

// Frequencies lists the frequencies, most frequent first.
var Frequencies = []string{Monthly, Quarterly, Annual}

// Directions: whether a KPI is on target at or above its target, or at or below it.
const (
	HigherIsBetter = "higher_is_better"
	LowerIsBetter  = "lower_is_better"
)

// Directions lists the directions.
var Directions = []string{HigherIsBetter, LowerIsBetter}

// Grace is how many days after a period's last day its value may still come in
// before the KPI counts as stale for it.
var Grace = map[string]int{Monthly: 32, Quarterly: 95, Annual: 370}

// formats names each frequency's period format, for error messages.
var formats = map[string]string{Monthly: "YYYY-MM", Quarterly: "YYYY-Qn", Annual: "YYYY"}

// Period is one measurement period of a frequency: a month (N 1-12), a quarter (N
// 1-4) or a year (N 1). Its text form (2026-03, 2026-Q1, 2026) sorts as the periods
// follow each other, among periods of one frequency.
//
// The schema's kpi_due_period function does the same arithmetic in SQL, for lists
// and counts; TestDuePeriodAgreesWithSQL holds the two to the same answers.
type Period struct {
	Frequency string
	Year, N   int
}

// String is the period's text form.
func (p Period) String() string {
	year := fmt.Sprintf("%04d", p.Year)
	switch p.Frequency {
	case Monthly:
		return fmt.Sprintf("%s-%02d", year, p.N)
	case Quarterly:
		return fmt.Sprintf("%s-Q%d", year, p.N)
	}
	return year
}

// months is how many months one period spans.
func (p Period) months() int {
	switch p.Frequency {
	case Monthly:
		return 1
	case Quarterly:
		return 3
	}
	return 12
}

// Start is the period's first day.
func (p Period) Start() time.Time {
	return time.Date(p.Year, time.Month((p.N-1)*p.months()+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the period's last day.
func (p Period) End() time.Time { return p.Start().AddDate(0, p.months(), -1) }

// Prev is the period before p.
func (p Period) Prev() Period {
	if p.N > 1 {
		return Period{Frequency: p.Frequency, Year: p.Year, N: p.N - 1}
	}
	return Period{Frequency: p.Frequency, Year: p.Year - 1, N: 12 / p.months()}
}

// PeriodOf is the period of a frequency that holds day's date.
func PeriodOf(frequency string, day time.Time) Period {
	p := Period{Frequency: frequency, Year: day.Year()}
	p.N = (int(day.Month())-1)/p.months() + 1
	return p
}

// Date is t's UTC calendar date, at midnight UTC.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParsePeriod reads a period of frequency written exactly in its format: 2026-03
// (months 01 to 12), 2026-Q1 (quarters 1 to 4) or 2026, in years 0001 to 9999. It
// says what is wrong otherwise, naming the frequency s belongs to when it is a
// period of another.
func ParsePeriod(frequency, s string) (Period, string) {
	for _, f := range Frequencies {
		p, ok := parseAs(f, s)
		if !ok {
			continue
		}
		if f != frequency {
			return Period{}, fmt.Sprintf("is a %s period; this KPI is %s, so its periods are written %s",
				f, frequency, formats[frequency])
		}
		return p, ""
	}
	return Period{}, fmt.Sprintf("must be a %s period written %s, such as %s", frequency, formats[frequency],
		Period{Frequency: frequency, Year: 2026, N: 1})
}

func parseAs(frequency, s string) (Period, bool) {
	if len(s) < 4 || !digits(s[:4]) {
		return Period{}, false
	}
	year, _ := strconv.Atoi(s[:4])
	if year < 1 {
		return Period{}, false
	}
	p := Period{Frequency: frequency, Year: year, N: 1}
	switch {
	case frequency == Annual && len(s) == 4:
		return p, true
	case frequency == Monthly && len(s) == 7 && s[4] == '-' && digits(s[5:]):
		p.N, _ = strconv.Atoi(s[5:])
		return p, p.N >= 1 && p.N <= 12
	case frequency == Quarterly && len(s) == 7 && s[4:6] == "-Q" && digits(s[6:]):
		p.N, _ = strconv.Atoi(s[6:])
		return p, p.N >= 1 && p.N <= 4
	}
	return Period{}, false
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// DuePeriod is the most recent period of frequency whose value was due by today:
// the last one whose last day plus its grace is before today. It is "" only before
// year 1.
func DuePeriod(frequency string, today time.Time) string {
	// A period is due once its last day is before today minus the grace, that is
	// once the period holding today minus the grace has begun after it.
	p := PeriodOf(frequency, Date(today).AddDate(0, 0, -Grace[frequency])).Prev()
	if p.Year < 1 {
		return ""
	}
	return p.String()
}

// LastDuePeriod is the period a KPI should have a value for by today, or "" when
// none is due yet: DuePeriod, for a KPI that has values already (it has been
// reported on, so every period up to the due one is expected of it), or whose first
// deadline passed after it was defined on definedOn. A KPI without values defined
// after the due period's deadline is not yet expected to have it.
func LastDuePeriod(frequency string, definedOn time.Time, latestPeriod string, today time.Time) string {
	due := DuePeriod(frequency, today)
	if due == "" || latestPeriod == "" && due <= DuePeriod(frequency, definedOn) {
		return ""
	}
	return due
}

// Stale reports whether a KPI lacks a value for its last due period and for every
// later one.
func Stale(frequency string, definedOn time.Time, latestPeriod string, today time.Time) bool {
	due := LastDuePeriod(frequency, definedOn, latestPeriod, today)
	return due != "" && (latestPeriod == "" || latestPeriod < due)
}

// OnTarget compares the latest period's value with the target by direction: nil
// without a value.
func OnTarget(direction string, target float64, latest *float64) *bool {
	if latest == nil {
		return nil
	}
	on := *latest >= target
	if direction == LowerIsBetter {
		on = *latest <= target
	}
	return &on
}
