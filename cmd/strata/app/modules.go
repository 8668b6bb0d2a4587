package app

import (
	"github.com/strata-grc/strata/api/audits"
	"github.com/strata-grc/strata/api/cases"
	"github.com/strata-grc/strata/api/controls"
	"github.com/strata-grc/strata/api/kpis"
	"github.com/strata-grc/strata/api/module"
	"github.com/strata-grc/strata/api/risks"
	"github.com/strata-grc/strata/api/vendors"
)

// Modules is the one list of Strata's modules. They are built in this order, and a
// module may need what those before it provide (risks need the control library; audits need both).
// Stream kinds, projections, the role table, the API description and the dashboard
// are all derived from it.
var Modules = []module.Module{
	controls.Module,
	risks.Module,
	audits.Module,
	cases.Module,
	kpis.Module,
	vendors.Module,
}
