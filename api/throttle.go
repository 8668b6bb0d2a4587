package api

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ThrottlePolicy limits failed logins. Three counters run side by side, each in a
// window that starts at its first failure:
//   - per account and address: the tight one, which stops guessing at one account
//     from one place and grows its block with every further failure;
//   - per account: looser and with a short block, so an attacker spreading guesses
//     over many addresses is slowed without locking the real user out for long;
//   - per address: stops one address from spraying many accounts.
type ThrottlePolicy struct {
	Window          time.Duration // how long failures are remembered (default 15m)
	PairFailures    int           // failures per account+address before blocking (default 5)
	PairMaxBlock    time.Duration // longest block per account+address (default 15m)
	AccountFailures int           // failures per account from anywhere (default 20)
	AccountBlock    time.Duration // block per account (default 1m)
	AddressFailures int           // failures per address across accounts (default 50)
	AddressBlock    time.Duration // block per address (default 15m)
}

func (p *ThrottlePolicy) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defN := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&p.Window, 15*time.Minute)
	defN(&p.PairFailures, 5)
	def(&p.PairMaxBlock, 15*time.Minute)
	defN(&p.AccountFailures, 20)
	def(&p.AccountBlock, time.Minute)
	defN(&p.AddressFailures, 50)
	def(&p.AddressBlock, 15*time.Minute)
}

// throttle keeps the counters in PostgreSQL so every server process sees them.
type throttle struct {
	pool   *pgxpool.Pool
	policy ThrottlePolicy
}

type throttleKey struct{ scope, key string }

func throttleKeys(email, ip string) []throttleKey {
	account := strings.ToLower(strings.TrimSpace(email))
	return []throttleKey{{"pair", account + "|" + ip}, {"account", account}, {"address", ip}}
}

// attempt counts a login attempt on every counter before the password is checked, in
// one statement per counter, so simultaneous guesses cannot all slip in before the
// first failure is recorded: one that finds a counter blocked by a concurrent attempt
// is refused. It returns how long the caller must wait; a successful login gives the
// attempt back (succeeded).
func (t *throttle) attempt(ctx context.Context, email, ip string) (time.Duration, error) {
	// A caller already blocked is refused without counting: a real user retrying
	// while blocked must not lengthen their own block.
	keys := throttleKeys(email, ip)
	var left *float64
	err := t.pool.QueryRow(ctx, `select extract(epoch from max(blocked_until) - now())::float8 from login_failures
		where blocked_until > now() and (scope, key) in (($1, $2), ($3, $4), ($5, $6))`,
		keys[0].scope, keys[0].key, keys[1].scope, keys[1].key, keys[2].scope, keys[2].key).Scan(&left)
	if err != nil {
		return 0, err
	}
	if left != nil && *left > 0 {
		return time.Duration(*left * float64(time.Second)), nil
	}
	p := t.policy
	var wait time.Duration
	for _, k := range keys {
		limit, block := p.AddressFailures, `$5::interval`
		maxBlock := p.AddressBlock
		switch k.scope {
		case "pair":
			// Doubles from one second at the limit: 1s, 2s, 4s ... up to PairMaxBlock.
			limit, maxBlock = p.PairFailures, p.PairMaxBlock
			block = `least(make_interval(secs => power(2, least(F - $3, 20))), $5::interval)`
		case "account":
			limit, maxBlock = p.AccountFailures, p.AccountBlock
		}
		// F is the count including this attempt; a fresh window starts at 1.
		const f = `(case when l.window_start < now() - $4::interval then 1 else l.failures + 1 end)`
		blockF := strings.ReplaceAll(block, "F", f)
		block1 := strings.ReplaceAll(block, "F", "1")
		var refused bool
		var left float64
		err := t.pool.QueryRow(ctx, `
			insert into login_failures as l (scope, key, failures, window_start, blocked_until)
			values ($1, $2, 1, now(), case when 1 >= $3 then now() + `+block1+` end)
			on conflict (scope, key) do update set
				refused = coalesce(l.blocked_until > now(), false),
				failures = `+f+`,
				window_start = case when l.window_start < now() - $4::interval then now() else l.window_start end,
				blocked_until = case when l.blocked_until > now() then l.blocked_until
				                     when `+f+` >= $3 then now() + `+blockF+`
				                     else l.blocked_until end
			returning refused, coalesce(extract(epoch from blocked_until - now()), 0)::float8`,
			k.scope, k.key, limit, p.Window, maxBlock).Scan(&refused, &left)
		if err != nil {
			return 0, err
		}
		// The time left is the database's own arithmetic: its clock set the block.
		if refused && left > 0 {
			wait = max(wait, time.Duration(left*float64(time.Second)))
		}
	}
	return wait, nil
}

// succeeded forgets the account's failures and gives back the address's count for
// this attempt; the rest of the address counter stays, so an attacker who owns one
// account cannot reset a spray across others.
func (t *throttle) succeeded(ctx context.Context, email, ip string) error {
	keys := throttleKeys(email, ip)
	_, err := t.pool.Exec(ctx, `
		with forget as (delete from login_failures where (scope, key) in (($1, $2), ($3, $4)))
		update login_failures set failures = greatest(failures - 1, 0) where scope = $5 and key = $6`,
		keys[0].scope, keys[0].key, keys[1].scope, keys[1].key, keys[2].scope, keys[2].key)
	return err
}

// sweep deletes counters whose window has passed and that block no one: the next
// attempt would start them afresh anyway, so they only take room. It returns how
// many went.
func (t *throttle) sweep(ctx context.Context) (int64, error) {
	tag, err := t.pool.Exec(ctx, `delete from login_failures
		where window_start < now() - $1::interval and (blocked_until is null or blocked_until <= now())`, t.policy.Window)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
