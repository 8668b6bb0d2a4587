package authcache_test

import (
	"testing"

	"github.com/strata-grc/strata/api/authcache"
	pidentity "github.com/strata-grc/strata/projections/identity"
)

// The identity projection announces access changes on a channel it names itself (a
// projection must not depend on the API); the cache must listen to that one.
func TestIdentityProjectionAnnouncesOnTheCachesChannel(t *testing.T) {
	if pidentity.AccessChannel != authcache.Channel {
		t.Fatalf("the identity projection announces on %q, the cache listens on %q", pidentity.AccessChannel, authcache.Channel)
	}
}
