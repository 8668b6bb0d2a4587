// Package risktest makes realistic risks for benchmarks: titles, descriptions and
// categories drawn from word lists, so searches and indexes work on text shaped like a
// real register's rather than on "risk 1, risk 2".
package risktest

import (
	"math/rand/v2"
	"strings"
	"time"

	cmdrisks "github.com/strata-grc/strata/commands/risks"
	evrisks "github.com/strata-grc/strata/events/risks"
)

// Word lists: Words carry meaning (and are what searches look for), Filler joins them.
var (
	Words = []string{"vendor", "outage", "phishing", "ransomware", "breach", "compliance", "payroll",
		"datacenter", "supplier", "insider", "fraud", "backup", "firewall", "regulatory", "privacy",
		"cloud", "latency", "credential", "contract", "audit", "flood", "pandemic", "currency", "patching"}
	Categories = []string{"Operational", "Security", "Compliance", "Financial", "Strategic", "Legal",
		"Technology", "Third Party"}
	Filler = []string{"the", "of", "a", "could", "lead", "to", "loss", "customer", "data", "service",
		"disruption", "if", "not", "addressed", "within", "quarter", "because", "controls", "are", "weak",
		"and", "monitoring", "is", "limited", "for", "critical", "systems", "teams"}
)

// Pick is one element of xs.
func Pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// Title is a short title such as "Vendor outage risk: payroll".
func Title(rng *rand.Rand) string {
	w := Pick(rng, Words)
	return strings.ToUpper(w[:1]) + w[1:] + " " + Pick(rng, Words) + " risk: " + Pick(rng, Words)
}

// Description is a sentence of 25 to 54 words, one in six of them meaningful.
func Description(rng *rand.Rand) string {
	parts := make([]string, 25+rng.IntN(30))
	for i := range parts {
		if rng.IntN(6) == 0 {
			parts[i] = Pick(rng, Words)
		} else {
			parts[i] = Pick(rng, Filler)
		}
	}
	s := strings.Join(parts, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// Fields is a risk as a user would enter it: an owner among 50 users, residual scores
// on half of them, a review date on two in three.
func Fields(rng *rand.Rand) evrisks.Fields {
	owner := int64(1 + rng.IntN(50))
	f := evrisks.Fields{
		Title: Title(rng), Description: Description(rng), Category: Pick(rng, Categories),
		Status: Pick(rng, cmdrisks.Statuses), Likelihood: 1 + rng.IntN(5), Impact: 1 + rng.IntN(5),
		OwnerID: &owner,
	}
	if rng.IntN(2) == 0 {
		rl, ri := 1+rng.IntN(f.Likelihood), 1+rng.IntN(f.Impact)
		f.ResidualLikelihood, f.ResidualImpact = &rl, &ri
	}
	if rng.IntN(3) > 0 {
		d := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		f.ReviewDate = &d
	}
	return f
}
