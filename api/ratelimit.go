package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-grc/strata"
	"github.com/strata-grc/strata/api/rest"
)

// RateLimit is a token bucket per session: Rate requests a second on average, Burst
// at once. Zero values take the defaults (20/s, burst 100); STRATA_RATE_LIMIT and
// STRATA_RATE_BURST set them.
type RateLimit struct {
	Rate  float64
	Burst float64
}

// limiter keeps one bucket per key in memory; buckets idle for a minute are dropped.
type limiter struct {
	cfg     RateLimit
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(cfg RateLimit) *limiter {
	if cfg.Rate <= 0 {
		cfg.Rate = 20
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 100
	}
	return &limiter{cfg: cfg, buckets: map[string]*bucket{}}
}

// take spends a token of key's bucket; when empty it says how long until the next.
func (l *limiter) take(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.at) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.cfg.Burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.cfg.Burst, b.tokens+now.Sub(b.at).Seconds()*l.cfg.Rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.cfg.Rate * float64(time.Second))
}

// limiterKey is the bucket of the session whose token is token.
func limiterKey(token string) string { return "session:" + token }

// move hands from's bucket to to, so a session whose token is replaced keeps the
// budget it has spent instead of starting a fresh one.
func (l *limiter) move(from, to string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[from]; ok {
		l.buckets[to] = b
		delete(l.buckets, from)
	}
}

// limited answers 429 with Retry-After when a caller is over its budget.
func limited(c *gin.Context, wait time.Duration, what string) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	c.Header("Retry-After", strconv.Itoa(secs))
	rest.Fail(c, strata.Errorf(strata.RateLimited, "%s; try again in %d seconds", what, secs))
}
