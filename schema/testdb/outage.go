package testdb

import (
	"context"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Outage stands between a pool and the database, so a test can take the database
// away (as a restart or a network failure would) and bring it back without touching
// the server every other test uses.
type Outage struct {
	t      testing.TB
	target string
	ln     net.Listener

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

// PoolThroughOutage returns a pool on db's schema, with the production settings,
// whose connections pass through the returned Outage.
func PoolThroughOutage(t testing.TB, db *DB) (*pgxpool.Pool, *Outage) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := db.Config.Copy()
	o := &Outage{t: t, ln: ln, conns: map[net.Conn]bool{},
		target: net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))}
	go o.accept()
	addr := ln.Addr().(*net.TCPAddr)
	cfg.ConnConfig.Host, cfg.ConnConfig.Port = "127.0.0.1", uint16(addr.Port)
	cfg.ConnConfig.Fallbacks = nil
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		_ = ln.Close()
		o.Cut()
	})
	return pool, o
}

// Cut drops every open connection and refuses new ones until Restore.
func (o *Outage) Cut() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = true
	for c := range o.conns {
		_ = c.Close()
	}
}

// Restore lets connections through again.
func (o *Outage) Restore() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = false
}

func (o *Outage) accept() {
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.mu.Lock()
		down := o.down
		o.mu.Unlock()
		if down {
			_ = c.Close()
			continue
		}
		go o.pipe(c)
	}
}

func (o *Outage) pipe(client net.Conn) {
	server, err := net.Dial("tcp", o.target)
	if err != nil {
		_ = client.Close()
		return
	}
	o.mu.Lock()
	if o.down {
		o.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	o.conns[client], o.conns[server] = true, true
	o.mu.Unlock()
	done := make(chan struct{}, 2)
	copyHalf := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go copyHalf(server, client)
	go copyHalf(client, server)
	<-done
	_ = client.Close()
	_ = server.Close()
	<-done
	o.mu.Lock()
	delete(o.conns, client)
	delete(o.conns, server)
	o.mu.Unlock()
}
