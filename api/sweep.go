package api

import (
	"context"
	"fmt"
	"time"
)

// Swept is what one sweep deleted.
type Swept struct {
	Sessions      int64
	LoginFailures int64
}

// Sweep deletes expired sessions and login-failure counters older than the throttle
// window. Neither is read once dead, so sweeping changes no answer; it keeps both
// tables from growing with every visitor and every guessed address.
func (s *Server) Sweep(ctx context.Context) (Swept, error) {
	var out Swept
	var err error
	if out.Sessions, err = s.cfg.Sessions.Sweep(ctx); err != nil {
		return out, err
	}
	if out.LoginFailures, err = s.throttle.sweep(ctx); err != nil {
		return out, fmt.Errorf("sweep login failures: %w", err)
	}
	return out, nil
}

// RunSweeper sweeps every SweepInterval until ctx ends. A failed sweep is logged and
// the next one tries again: nothing depends on a sweep succeeding. Every process may
// run one; concurrent sweeps only delete the same rows.
func (s *Server) RunSweeper(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		swept, err := s.Sweep(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			s.cfg.Logger.Warn("sweep failed", "err", err)
		case swept.Sessions+swept.LoginFailures > 0:
			s.cfg.Logger.Debug("swept", "sessions", swept.Sessions, "login_failures", swept.LoginFailures)
		}
	}
}
