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

// blocked returns how long the caller must wait, or 0.
func (t *throttle) blocked(ctx context.Context, email, ip string) (time.Duration, error) {
	keys := throttleKeys(email, ip)
	var until *time.Time
	err := t.pool.QueryRow(ctx, `select max(blocked_until) from login_failures
		where blocked_until > now() and (scope, key) in (($1, $2), ($3, $4), ($5, $6))`,
		keys[0].scope, keys[0].key, keys[1].scope, keys[1].key, keys[2].scope, keys[2].key).Scan(&until)
	if err != nil || until == nil {
		return 0, err
	}
	return time.Until(*until), nil
}

// failed counts a failure on every counter and blocks those over their limit.
func (t *throttle) failed(ctx context.Context, email, ip string) error {
	p := t.policy
	for _, k := range throttleKeys(email, ip) {
		var limit int
		var block string
		switch k.scope {
		case "pair":
			// Doubles from one second at the limit: 1s, 2s, 4s ... up to PairMaxBlock.
			limit = p.PairFailures
			block = `least(make_interval(secs => power(2, least(f.failures - $3, 20))), $5::interval)`
		case "account":
			limit, block = p.AccountFailures, `$5::interval`
		default:
			limit, block = p.AddressFailures, `$5::interval`
		}
		maxBlock := p.PairMaxBlock
		if k.scope == "account" {
			maxBlock = p.AccountBlock
		} else if k.scope == "address" {
			maxBlock = p.AddressBlock
		}
		_, err := t.pool.Exec(ctx, `
			with f as (
				insert into login_failures as l (scope, key, failures, window_start) values ($1, $2, 1, now())
				on conflict (scope, key) do update set
					failures = case when l.window_start < now() - $4::interval then 1 else l.failures + 1 end,
					window_start = case when l.window_start < now() - $4::interval then now() else l.window_start end
				returning l.scope, l.key, l.failures
			)
			update login_failures l set blocked_until = now() + `+block+`
			from f where l.scope = f.scope and l.key = f.key and f.failures >= $3`,
			k.scope, k.key, limit, p.Window, maxBlock)
		if err != nil {
			return err
		}
	}
	return nil
}

// succeeded forgets the account's failures; the address counter stays, so an
// attacker who owns one account cannot reset a spray across others.
func (t *throttle) succeeded(ctx context.Context, email, ip string) error {
	keys := throttleKeys(email, ip)
	_, err := t.pool.Exec(ctx, `delete from login_failures where (scope, key) in (($1, $2), ($3, $4))`,
		keys[0].scope, keys[0].key, keys[1].scope, keys[1].key)
	return err
}
