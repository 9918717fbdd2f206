// Command mutation breaks the client on purpose, one rule at a time, and checks that the
// tests named for each rule fail. It copies the module to a temporary directory, applies each
// mutation there, runs `go test -run` on the tests that should catch it, and restores the
// file. `make mutation` runs it; it exits non-zero when a mutation survives or no longer
// applies (the code moved: update its pattern).
//
// Each mutation is a guarantee the project claims: no duplicate create, no orphan, list
// sharing, pacing, fail-fast. A test proves a guarantee only if breaking the guarantee makes
// it fail; this keeps that true as the code changes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// mutation replaces old (which must occur exactly once) with new in file, and expects the
// tests matching run in pkg to fail.
type mutation struct {
	name, file, old, new, pkg, run string
}

var mutations = []mutation{
	{"M1 adopt ignores remote", "internal/panel/databases.go", "db != nil && db.Remote == in.Remote", "db != nil", "./internal/panel/", "TestLookupTakesOnlyTheDatabaseAskedFor"},
	{"M2 end-of-write bump no-op", "internal/panel/record.go", "\t\tr := k.recordLocked(key)\n\t\tr.bumpLocked()\n", "\t\tr := k.recordLocked(key)\n", "./internal/panel/", "TestReadAfterWrite"},
	{"M3 no epoch check", "internal/panel/pace.go", "if t.epoch != g.epoch {", "if false {", "./internal/panel/", "TestAnswersFromAnEndedWindowAreIgnored"},
	{"M4 no alone correction", "internal/panel/pace.go", "if t.alone || g.left < 0 || left < g.left {", "if g.left < 0 || left < g.left {", "./internal/panel/", "TestALoneRequestMayRaiseTheCount"},
	{"M5 no create-slot refund", "internal/panel/pace.go", "\t\t\tw.left++\n", "", "./internal/panel/", "TestCreateSlotIsRefundedAfterAClientLimit429"},
	{"M6 windowMargin 0", "internal/panel/pace.go", "const windowMargin = time.Second", "const windowMargin = 0", "./internal/panel/", "TestWorkedOutCreateWindowsArePadded|TestCreatesOnOneServerFollowPelicansThrottle"},
	{"M7 dial errors possibly applied", "internal/panel/retry.go", "return errors.As(err, &te) && sent", "return errors.As(err, &te)", "./internal/panel/", "TestCreatesThePanelNeverReceivedAreSentAgain|TestNothingListening"},
	{"G1 create sent again", "internal/panel/client.go", "\t\t\tif c.sendOnce {\n\t\t\t\treturn res, cl.finish(ctx, c, res, err)\n\t\t\t}\n", "", "./internal/panel/", "TestUnansweredCreateIsLookedUpNotSentAgain|TestLostCreateIsAdoptedNotDuplicated|TestProxyFailuresOnCreateAreLookedUp"},
	{"G1p create sent again (provider)", "internal/panel/client.go", "\t\t\tif c.sendOnce {\n\t\t\t\treturn res, cl.finish(ctx, c, res, err)\n\t\t\t}\n", "", "./internal/provider/", "TestFaults_slowCreateIsNotSentTwice"},
	{"G2 one lookup only", "internal/panel/databases.go", "\t\tif last || IsNotFound(err) || IsUnauthorized(err) || IsForbidden(err) {", "\t\tif true {", "./internal/panel/", "TestUnansweredCreateIsLookedUpNotSentAgain"},
	{"G2p one lookup only (provider)", "internal/panel/databases.go", "\t\tif last || IsNotFound(err) || IsUnauthorized(err) || IsForbidden(err) {", "\t\tif true {", "./internal/provider/", "TestFaults_slowCreateIsNotSentTwice"},
	{"G3 no last lookup", "internal/panel/databases.go", "\t\tlast := ctx.Err() != nil || pastDeadline(ctx)\n", "\t\tlast := ctx.Err() != nil || pastDeadline(ctx)\n\t\tif last {\n\t\t\treturn nil, u\n\t\t}\n", "./internal/panel/", "TestUnconfirmedCreateIsReportedAndFoundLater|TestLookupTakesOnlyTheDatabaseAskedFor"},
	{"G4 flight deadline is the first caller's", "internal/panel/flight.go", "\t\tdl, ok := m.Deadline()\n\t\tif !ok {\n\t\t\treturn time.Time{}, false\n\t\t}", "\t\tdl, ok := f.members[0].Deadline()\n\t\tif !ok {\n\t\t\treturn time.Time{}, false\n\t\t}", "./internal/panel/", "TestJoinerDoesNotFail"},
	{"G5 flight never ends", "internal/panel/flight.go", "\tif len(f.members) == 0 {\n\t\treturn false\n\t}", "\tif true {\n\t\treturn false\n\t}", "./internal/panel/", "TestSharedRequestStopsWhenEveryCallerHasLeft|TestCanceledContextStopsRetrying"},
	{"G6 never ask again", "internal/panel/flight.go", "\t\tif f.err != nil && ctx.Err() == nil && hasMoreTime(ctx, f.err) {", "\t\tif false {", "./internal/panel/", "TestCallerJoiningAfterADeadlineDecisionAsksAgain"},
	{"G7 per-attempt timeout falls back to every caller", "internal/panel/flight.go", "\t\tif f.err != nil && ctx.Err() == nil && hasMoreTime(ctx, f.err) {", "\t\tif f.err != nil && ctx.Err() == nil && (hasMoreTime(ctx, f.err) || errors.Is(f.err, context.DeadlineExceeded)) {", "./internal/panel/", "TestSharedAttemptTimeoutIsEveryonesFailure"},
	{"G8 joining refused (no sharing)", "internal/panel/flight.go", "\tif f := g.m[key]; f != nil && f.ctx.join(ctx) {", "\tif f := g.m[key]; false && f != nil && f.ctx.join(ctx) {", "./internal/panel/", "TestParallelReadsCostOneListPerServer"},
	{"G9 flight ends when its first caller leaves", "internal/panel/flight.go", "\terr := context.DeadlineExceeded\n\tfor _, m := range f.members {", "\terr := context.DeadlineExceeded\n\tfor _, m := range f.members[:1] {", "./internal/panel/", "TestSharedListOutlivesTheFirstCallersDeadline|TestCallerLeavingDoesNotCancelOthers"},
	{"G8b joining refused, held answers kept", "internal/panel/flight.go", "\tif f := g.m[key]; f != nil && f.ctx.join(ctx) {", "\tif f := g.m[key]; false && f != nil && f.ctx.join(ctx) {", "./internal/panel/", "TestParallelReadsCostOneListPerServer"},
	{"S1 create lock per spelling", "internal/panel/databases.go", "cl.creates.acquire(ctx, serverKey(server))", "cl.creates.acquire(ctx, server)", "./internal/panel/", "TestCreatesSerializedAcrossServerForms"},
	{"F1 unknown host retried", "internal/panel/retry.go", "\t\treturn 0, te.Cause() == CauseUnknown", "\t\treturn 0, true", "./internal/panel/", "TestFailuresThatCannotPassAreNotRetried"},
	{"F2 500/503 with envelope looked up", "internal/panel/retry.go", "\t\treturn !errors.As(err, &apiErr) || len(apiErr.Errors) == 0", "\t\treturn errors.As(err, &apiErr) || true", "./internal/panel/", "TestPanelFailureOnCreateIsNotLookedUp|TestCreatesThePanelNeverReceivedAreSentAgain"},
	{"R1 no GetConn reset", "internal/panel/client.go", "\t\tGetConn:      func(string) { wrote.Store(false) },\n", "", "./internal/panel/", "TestCreateNeverWrittenIsSentAgain"},
	{"R2 proxy 503 taken as never received", "internal/panel/retry.go", "\tcase status == http.StatusServiceUnavailable, status == http.StatusInternalServerError:", "\tcase status == http.StatusServiceUnavailable:\n\t\treturn false\n\tcase status == http.StatusInternalServerError:", "./internal/panel/", "TestProxyFailuresOnCreateAreLookedUp"},
	{"R3 2xx with error not applied", "internal/panel/retry.go", "\tcase status < 300:\n\t\treturn true", "\tcase status < 300:\n\t\treturn false", "./internal/panel/", "TestAppliedCreateWithAnUnreadableAnswerIsLookedUp"},
	{"R4 cut-off refusal retried", "internal/panel/retry.go", "\t\treturn 0, te.Cause() == CauseUnknown && !refused", "\t\treturn 0, te.Cause() == CauseUnknown || refused", "./internal/panel/", "TestRefusalWithACutOffAnswerIsNeitherLookedUpNorRetried"},
	{"R5 a lookup chooses between two of the name", "internal/panel/databases.go", "\t\tcase len(found) > 1 || !adopt:", "\t\tcase !adopt:", "./internal/panel/", "TestLookupDoesNotChooseBetweenTwoOfTheName"},
	{"R6 body timeout not a timeout", "internal/panel/client.go", "\t\treadErr = cl.timedOut(ctx, actx, readErr)\n", "", "./internal/panel/", "TestRequestTimeoutDuringTheBody"},
	{"C1 server reads not kept", "internal/panel/lists.go", "\t\t\tcl.record.keepServer(server, srv)\n", "", "./internal/panel/", "TestServerReadsAreShared|TestCreatesCostOneRequestEach|TestGetServer"},
	{"C1p server reads not kept (provider)", "internal/panel/lists.go", "\t\t\tcl.record.keepServer(server, srv)\n", "", "./internal/provider/", "TestCreateCostsOneRequestPerDatabase"},
	{"C2 known list never kept", "internal/panel/record.go", "\tr.known = &knownList{dbs: known, at: l.at}\n", "\t_ = known\n", "./internal/panel/", "TestCreatesCostOneRequestEach|TestSnapshotFollowsOwnDeletes"},
	{"C2p known list never kept (provider)", "internal/panel/record.go", "\tr.known = &knownList{dbs: known, at: l.at}\n", "\t_ = known\n", "./internal/provider/", "TestCreateCostsOneRequestPerDatabase"},
	{"C3 own creates not recorded", "internal/panel/databases.go", "\t\teffect = madeEffect(db)\n", "", "./internal/panel/", "TestCreatesCostOneRequestEach"},
	{"C4 own deletes not recorded", "internal/panel/databases.go", "\t\tend(deletedEffect(id))\n", "\t\tend(writeEffect{})\n", "./internal/panel/", "TestSnapshotFollowsOwnDeletes"},
	{"C5 taken names never confirmed", "internal/panel/lists.go", "\tif db == nil || cl.now().Sub(kl.at) < confirmAfter {", "\tif true {", "./internal/panel/", "TestTakenNamesAreConfirmedWhenTheSnapshotIsOld"},
	{"C6 refused list asked again", "internal/panel/lists.go", "\t\t\t\tcl.record.refuse(server, err)\n", "", "./internal/panel/", "TestRefusedSnapshotIsAskedOnce"},
	{"C7 known list kept after an unconfirmed create", "internal/panel/databases.go", "\teffect = unsureEffect() // until the lookup finds it\n", "", "./internal/panel/", "TestUnconfirmedCreateIsReportedAndFoundLater"},
	{"C8 server read kept only after it lands", "internal/panel/lists.go", "\t\tsrv, err := cl.fetchServer(fctx, server)\n\t\tif err == nil {", "\t\tsrv, err := cl.fetchServer(fctx, server)\n\t\tif false && err == nil {", "./internal/panel/", "TestServerReadIsKeptBeforeItLands"},
	{"C9 a caller after a landed request asks again", "internal/panel/flight.go", "\t\tif kept, had = have(); had {", "\t\tif kept, had = have(); false && had {", "./internal/panel/", "TestCallerAfterALandedRequestTakesWhatItKept"},
	{"C10 a plan check after a landed list asks again", "internal/panel/lists.go", "\t\treturn kl, ok || err != nil\n", "\t\t_, _ = ok, err\n\t\treturn kl, false\n", "./internal/panel/", "TestCallerAfterALandedRequestTakesWhatItKept"},
	{"C11 a list caller after a landed list asks again", "internal/panel/lists.go", "\t\t_, dbs, ok := cl.record.held(server, include, cl.now())\n\t\treturn dbs, ok\n", "\t\t_, dbs, ok := cl.record.held(server, include, cl.now())\n\t\treturn dbs, false && ok\n", "./internal/panel/", "TestCallerAfterALandedRequestTakesWhatItKept"},
	{"A1 application create sent again", "internal/panel/application.go", "untilDeadline: true, createOn: serverKey(server), sendOnce: true,", "untilDeadline: true, createOn: serverKey(server), sendOnce: false,", "./internal/panel/", "TestApplicationLostCreateIsLookedUp|TestApplicationLostCreateIsAdoptedOnTheFakePanel"},
	{"A2 global lookup guard removed", "internal/panel/application.go", "\tif FindDatabase(kl.dbs, id) == nil {", "\tif FindDatabase(kl.dbs, id) == nil && false {", "./internal/panel/", "TestGlobalLookupGuard"},
	{"A3 another server's database answered", "internal/panel/application.go", "\tif !a.belongsTo(serverID) {\n\t\treturn Database{}, &ForeignDatabaseError", "\tif false {\n\t\treturn Database{}, &ForeignDatabaseError", "./internal/panel/", "TestGlobalLookupGuard"},
	{"A3p another server's database imported as a missing one (provider)", "internal/panel/application.go", "\tif IsForeignDatabase(err) {\n\t\treturn err\n\t}\n\treturn nil\n}\n\n// FindAnyForm", "\tif false {\n\t\treturn err\n\t}\n\treturn nil\n}\n\n// FindAnyForm", "./internal/provider/", "TestAdminMode_anotherServersDatabaseIsRefused"},
	{"L1 a server list's exact name not compared", "internal/panel/serverlist.go", "\tif q.Name != \"\" && s.Name != q.Name {", "\tif false && q.Name != \"\" && s.Name != q.Name {", "./internal/panel/", "TestListServersMatchesExactly"},
	{"L2 an application key's exact external id not compared", "internal/panel/serverlist.go", " || q.ExternalID != \"\" && s.ExternalID != q.ExternalID {", " {", "./internal/panel/", "TestListServersMatchesExactly"},
	{"L3 an unconfirmed external id taken", "internal/panel/serverlist.go", "\t\t\tif q.ExternalID != \"\" && filterStarMatches(&s.Server, q.ExternalID) {", "\t\t\tif false {", "./internal/panel/", "TestListServersExternalIDWithAClientKey"},
	{"L4 listed servers not kept", "internal/panel/serverlist.go", "\t\t\tcl.record.keepServer(s.Identifier, s.clone())\n", "", "./internal/panel/", "TestListedServersAreKept"},
	{"L4p listed servers not kept (provider)", "internal/panel/serverlist.go", "\t\t\tcl.record.keepServer(s.Identifier, s.clone())\n", "", "./internal/provider/", "TestServersDataSource_forEachAndItsRequests"},
	{"L5p several servers of a name taken", "internal/provider/servers_data_source.go", "\tcase len(found) > 1:", "\tcase false:", "./internal/provider/", "TestServerDataSource_exactMatches"},
	{"W1p a create limit's wait not warned of", "internal/provider/server_database_plan.go", "\tif n <= limit {\n\t\treturn\n\t}", "\tif true {\n\t\treturn\n\t}", "./internal/provider/", "TestServerDatabase_planWarnsOfTheCreateLimitsWait"},
	{"SW1 a sweep from before a write kept", "internal/panel/sweep.go", "\tif dbs == nil || r.gen != gen || r.refused != nil {", "\tif dbs == nil || r.refused != nil {", "./internal/panel/", "TestSweepFromBeforeAWriteIsNotKept"},
	{"SW2 withheld databases taken for none", "internal/panel/sweep.go", "if l == nil || l.Object == \"null_resource\" {", "if l == nil {", "./internal/panel/", "TestSweepWithheldDatabasesAreNotAnEmptyList"},
	{"SW2p withheld databases taken for none (provider)", "internal/panel/sweep.go", "if l == nil || l.Object == \"null_resource\" {", "if l == nil {", "./internal/provider/", "TestAdminMode_refreshWithoutDatabaseRead"},
	{"SW3 no sweep", "internal/panel/sweep.go", "\tif cl.record.off || cl.Kind() != ApplicationKey ||", "\tif true || cl.Kind() != ApplicationKey ||", "./internal/panel/", "TestSweepAnswersEveryReadOfAPanel"},
	{"SW3p no sweep (provider)", "internal/panel/sweep.go", "\tif cl.record.off || cl.Kind() != ApplicationKey ||", "\tif true || cl.Kind() != ApplicationKey ||", "./internal/provider/", "TestAdminMode_refreshCostsPagesOfServers"},
	{"SW4 a big panel swept whole", "internal/panel/sweep.go", "\t\t\treturn page.Meta.listPagination, len(page.Data), errLastPage", "\t\t\treturn page.Meta.listPagination, len(page.Data), nil", "./internal/panel/", "TestSweepStopsOnABigPanel"},
	{"SW5 a failed sweep sent again for every read", "internal/panel/sweep.go", "\tcl.record.sweeps.at, cl.record.sweeps.tooBig = at, tooBig\n", "\tif err == nil {\n\t\tcl.record.sweeps.at, cl.record.sweeps.tooBig = at, tooBig\n\t}\n", "./internal/panel/", "TestSweepFailureFallsBackToTheServer"},
	{"SW6 a stopped sweep taken for a failed one", "internal/panel/sweep.go", "\tif errors.Is(ctx.Err(), context.Canceled) {\n\t\treturn err // every read left", "\tif false && errors.Is(ctx.Err(), context.Canceled) {\n\t\treturn err // every read left", "./internal/panel/", "TestSweepStopsWhenItsReadsLeave"},
	{"SW7 a create checked against an old sweep", "internal/panel/lists.go", "ok && kl.swept && cl.now().Sub(kl.at) > adoptWithin {", "false && ok && kl.swept && cl.now().Sub(kl.at) > adoptWithin {", "./internal/panel/", "TestCreateAfterAnOldSweepListsTheServer"},
	{"SW8 a sweep replaces a later list", "internal/panel/sweep.go", "\t\tif h := r.held[i]; h == nil || !h.at.After(at) {", "\t\tif h := r.held[i]; true || h == nil {", "./internal/panel/", "TestSweepDoesNotReplaceALaterList"},
	{"SW9 a sweep past its reads' deadlines sent again", "internal/panel/sweep.go", "\tif errors.Is(ctx.Err(), context.Canceled) {", "\tif errors.Is(ctx.Err(), context.Canceled) || ctx.Err() != nil {", "./internal/panel/", "TestSweepPastItsReadsDeadlinesIsNotSentAgain"},
	{"SW10 a sweep does not tell the flavor", "internal/panel/sweep.go", "\t\t\tcl.learnShape(ctx, &page.Data[i].Attributes.appServerAttributes)\n", "", "./internal/panel/", "TestSweptServersTellTheFlavor"},
	{"SW10p a sweep does not tell the flavor (provider)", "internal/panel/sweep.go", "\t\t\tcl.learnShape(ctx, &page.Data[i].Attributes.appServerAttributes)\n", "", "./internal/provider/", "TestDatabaseHosts_ptlaKeyOnPelican"},
	{"SW11 a server with a nest taken for Pelican's", "internal/panel/application.go", "\tif bool(a.Egg) && !bool(a.Nest) && cl.pelican", "\tif bool(a.Egg) && cl.pelican", "./internal/panel/", "TestSweptServersTellTheFlavor"},
	{"SW12 a part of a server object taken for Pelican's", "internal/panel/application.go", "\tif bool(a.Egg) && !bool(a.Nest) && cl.pelican", "\tif !bool(a.Nest) && cl.pelican", "./internal/panel/", "TestServerShapeTellsTheFlavor"},
	{"SW13 a server lookup does not tell the flavor", "internal/panel/application.go", "\t\tcl.learnShape(ctx, a)\n", "", "./internal/panel/", "TestSweptServersTellTheFlavor"},
	{"SW14 a server list does not tell the flavor", "internal/panel/serverlist.go", "\t\t\tcl.learnShape(ctx, &a.appServerAttributes)\n", "", "./internal/panel/", "TestSweptServersTellTheFlavor"},
	{"A4 pacer shared between APIs", "internal/panel/pace.go", "func (cl *conn) pacer(a api) *pacer { return &cl.pace[a] }", "func (cl *conn) pacer(a api) *pacer { return &cl.pace[clientAPI] }", "./internal/panel/", "TestEachAPIHasItsOwnRateWindow"},
	{"A5 server resolved by partial match", "internal/panel/application.go", "\t\tif strings.EqualFold(got, want) {", "\t\tif strings.Contains(strings.ToLower(got), want) {", "./internal/panel/", "TestServerIsMatchedExactly"},
	{"A6 host delete pre-check removed", "internal/panel/hosts.go", "if n := len(r.Databases.Data); n > 0 {", "if n := len(r.Databases.Data); false && n > 0 {", "./internal/panel/", "TestHostInUseIsNotDeleted"},
	{"A7 host create sent again", "internal/panel/hosts.go", "\t\tsendOnce: true, secrets: []string{in.Password},", "\t\tsendOnce: false, secrets: []string{in.Password},", "./internal/panel/", "TestLostHostCreateIsLookedUpNotSentAgain"},
	{"A8 unprefixed key never switches", "internal/panel/keykind.go", "\tcase c.api == clientAPI && cl.kindGuessed &&", "\tcase false && c.api == clientAPI && cl.kindGuessed &&", "./internal/panel/", "TestUnprefixedKeySwitchesToTheApplicationAPI|TestUnprefixedApplicationKeyOnTheFakePanel"},
	{"A9 host password not redacted", "internal/panel/client.go", "Detail: cl.redact(e.Detail, c.secrets...),", "Detail: cl.redact(e.Detail),", "./internal/panel/", "TestHostSecretsStayOutOfLogsAndErrors"},
	{"A10 refused filter spelling not corrected", "internal/panel/application.go", "\tif filter != filterUUID && filterRefused(err, filter) {", "\tif false && filter != filterUUID && filterRefused(err, filter) {", "./internal/panel/", "TestRefusedFilterSpellingCorrectsFlavor"},
	{"A11 client key gets the application API's id", "internal/panel/application.go", "\t\t\tmade.ID = db.ID\n", "", "./internal/panel/", "TestClientKeyCreatesOnAChosenHost|TestRootAdminClientKeyChoosesTheHostOnTheFakePanel"},
	{"A12 lost host create adopts an older host of its name", "internal/panel/hosts.go", "h.Name == in.Name && !slices.ContainsFunc(before,", "h.Name == in.Name || !slices.ContainsFunc(before,", "./internal/panel/", "TestLostHostCreateIsLookedUpNotSentAgain"},
	{"N7 a host known only at apply not replaced", "internal/provider/server_database_resource.go", "(req.ConfigValue.IsUnknown() || !req.ConfigValue.Equal(req.StateValue))", "!req.ConfigValue.IsUnknown() && !req.ConfigValue.Equal(req.StateValue)", "./internal/provider/", "TestAdminMode_moveToAHostMadeInTheSameApply"},
	{"N8 a host given to a database made without one not checked", "internal/provider/server_database_plan.go", "\tr.planHostOfExisting(ctx, req, state, resp)\n", "", "./internal/provider/", "TestAdminMode_hostGivenToADatabaseMadeWithoutOne"},
	{"N1 no plan-time taken-name check", "internal/provider/server_database_plan.go", "\tif taken, err := r.data.client.TakenName(ctx, server, name); err == nil && taken != nil &&", "\tif taken, err := r.data.client.TakenName(ctx, server, name); false && err == nil && taken != nil &&", "./internal/provider/", "TestServerDatabase_takenNameIsRefusedAtPlanTime"},
	{"N2 a replacement claims its name anew", "internal/provider/server_database_plan.go", "\tresp.Diagnostics.Append(resp.Private.SetKey(ctx, privateReplaces, []byte(strconv.Quote(state.ID.ValueString())))...)\n", "", "./internal/provider/", "TestServerDatabase_replacementKeepsItsName"},
	{"N3 a tainted database refused as taken", "internal/provider/server_database_plan.go", "&& !r.data.isHeld(server, taken.ID) {", "&& true {", "./internal/provider/", "TestServerDatabase_replacementKeepsItsName"},
	{"N4 no claims", "internal/provider/server_database_plan.go", "switch conflict, id := r.data.claim(server, name, claimant); conflict {", "switch conflict, id := r.data.claim(server, name, claimant); conflict - conflict {", "./internal/provider/", "TestServerDatabase_nameUsedTwiceIsRefusedAtPlanTime"},
	{"N5 a create's claim not given its id", "internal/provider/provider.go", "\tif have, ok := d.claims[k]; ok && have == \"\" {", "\tif have, ok := d.claims[k]; false && ok && have == \"\" {", "./internal/provider/", "TestIdentity_setOnCreateKeptOnUpdateAndRead|TestRotation_keepsWhatThePlanPromised"},
	{"N6 server_id form not kept", "internal/provider/server_database_resource.go", "PlanModifiers: []planmodifier.String{keepServerForm{}, replaceUnlessSameServer},", "PlanModifiers: []planmodifier.String{replaceUnlessSameServer},", "./internal/provider/", "TestServerDatabase_shortIDAndUUIDAreTheSameServer"},
	// Issue 22: what the client knows, adoption, lookups, the plan's name checks.
	{"K1 a stranger's database adopted", "internal/panel/databases.go", "\tadopt := sent.Sub(seenFree) <= adoptWithin", "\tadopt := true || sent.Sub(seenFree) <= adoptWithin", "./internal/panel/", "TestStrangersDatabaseIsNotAdopted"},
	{"K2 a list from before a write overwrites it", "internal/panel/record.go", "\t\tif e.gen <= l.gen {", "\t\tif true {", "./internal/panel/", "TestListInFlightDoesNotUndoOwnDelete|TestListInFlightKeepsOwnCreate"},
	{"K3 a lookup holds the server's creates", "internal/panel/databases.go", "\treleaseServer()\n\tserverHeld = false\n", "", "./internal/panel/", "TestLookupHoldsOnlyItsName"},
	{"K4 a lookup does not hold its name", "internal/panel/databases.go", "cl.createNames.acquire(ctx, serverKey(server)+\"/\"+in.Name)", "cl.createNames.acquire(ctx, serverKey(server)+\"/\"+in.Name+time.Now().String())", "./internal/panel/", "TestLookupHoldsOnlyItsName"},
	{"K5 a failed client view loses the create", "internal/panel/application.go", "\"database_id\": made.ID, \"error\": err.Error()})\n\treturn made\n", "\"database_id\": made.ID, \"error\": err.Error()})\n\treturn Database{}\n", "./internal/panel/", "TestClientViewFailureKeepsTheDatabase"},
	{"K6 own create counted twice", "internal/panel/record.go", "case e.made != nil && FindDatabase(dbs, e.made.ID) == nil:", "case e.made != nil:", "./internal/panel/", "TestOwnCreateIsCountedOnce"},
	{"K7 a kind switch kept as a refusal", "internal/panel/lists.go", "if IsForbidden(err) && !kindSwitched(err) {\n\t\t\t\tcl.record.refuse", "if IsForbidden(err) {\n\t\t\t\tcl.record.refuse", "./internal/panel/", "TestKindSwitchDuringAPlanCheckIsNotKeptAsARefusal"},
	{"K8 a late caller joins an abandoned flight", "internal/panel/flight.go", "\tif f.endedLocked() {\n\t\treturn false\n\t}\n\tf.members = append", "\tf.members = append", "./internal/panel/", "TestLateCallerDoesNotJoinAnAbandonedFlight"},
	{"P1 a replacement's create not told what it replaces", "internal/provider/server_database_plan.go", "\t\ttaken.ID != replacing && !r.data.isHeld(server, taken.ID) {", "\t\t!r.data.isHeld(server, taken.ID) {", "./internal/provider/", "TestCLIReplacementWithoutRefresh"},
	{"P2 a delete does not see a create of its name", "internal/provider/provider.go", "\treturn ok && have != id\n", "\t_, _ = have, ok\n\treturn false\n", "./internal/provider/", "TestNameClaimsInEveryOrder"},
	{"P3 a create does not see a delete of its name", "internal/provider/provider.go", "if id, ok := d.released[k]; ok && claimant != id {", "if id, ok := d.released[k]; false && ok && claimant != id {", "./internal/provider/", "TestNameClaimsInEveryOrder"},
	{"P4 names compared in their case", "internal/provider/provider.go", "\treturn nameOnServer{panel.ServerKey(server), strings.ToLower(name)}", "\treturn nameOnServer{panel.ServerKey(server), name}", "./internal/provider/", "TestServerDatabase_namesAndIdsAsThePanelComparesThem"},
	{"P5 one database managed at two addresses", "internal/provider/provider.go", "\tif d.owned[k] {", "\tif false && d.owned[k] {", "./internal/provider/", "TestServerDatabase_namesAndIdsAsThePanelComparesThem"},
	{"K9 a taken name looked for in its case", "internal/panel/model.go", "if err != nil || !strings.EqualFold(dbs[i].Name, PrefixedName(id, name)) {", "if err != nil || dbs[i].Name != PrefixedName(id, name) {", "./internal/provider/", "TestServerDatabase_namesAndIdsAsThePanelComparesThem"},
}

// simulationMutations are found by the simulation (internal/panel/simulate_test.go), which
// runs its seeds 1 to simulationSeeds for each. Z1 is found by nothing else: it needs faults,
// waits and several lists in flight to meet (19 of the 3,000 seeds find it). Z2 needs two
// lists of one server in flight around a delete, landing in order: two seeds in 3,000 find
// it, and on some machines none (goroutines ready at one fake instant run in the scheduler's
// order), so the unit test that pins seed 2321's interleaving runs with it. Z3 and Z4 revert
// the fixes for a stranger's database adopted and a client's own delete undone, which unit
// tests pin too: they show the simulation finds those by itself.
var simulationMutations = []mutation{
	{"Z1 adoption timed from before the create's wait", "internal/panel/client.go", "\tfor {\n\t\tt, err := cl.admit(ctx, c)\n\t\tif err != nil {\n\t\t\treturn res, cl.finish(ctx, c, res, err)\n\t\t}\n\t\tres.attempts++\n\t\tres.sentAt = cl.now()\n", "\tfor {\n\t\tres.sentAt = cl.now()\n\t\tt, err := cl.admit(ctx, c)\n\t\tif err != nil {\n\t\t\treturn res, cl.finish(ctx, c, res, err)\n\t\t}\n\t\tres.attempts++\n", "./internal/panel/", "^TestSimulation$"},
	{"Z2 write effects dropped while a list needs them", "internal/panel/record.go", "\tr.writes = slices.DeleteFunc(r.writes, func(e writeEffect) bool { return e.gen <= oldest })", "\tr.writes = slices.DeleteFunc(r.writes, func(e writeEffect) bool { return e.gen <= r.gen })", "./internal/panel/", "^(TestSimulation|TestListsInFlightKeepOwnDeleteUntilTheLastLands)$"},
	{"Z3 a stranger's database adopted", "internal/panel/databases.go", "\tadopt := sent.Sub(seenFree) <= adoptWithin", "\tadopt := true || sent.Sub(seenFree) <= adoptWithin", "./internal/panel/", "^TestSimulation$"},
	{"Z4 a list from before a write overwrites it", "internal/panel/record.go", "\t\tif e.gen <= l.gen {", "\t\tif true {", "./internal/panel/", "^TestSimulation$"},
}

// simulationSeeds is how many seeds the simulation runs for a mutation.
const simulationSeeds = 3000

func main() {
	only := flag.String("only", "", "run only the mutations whose name starts with one of these comma-separated prefixes")
	terraform := flag.String("terraform", "terraform", "the Terraform CLI for the provider tests some mutations run")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *only, *terraform); err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, only, terraform string) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return errors.New("run it from the module root (make mutation)")
	}
	work, err := os.MkdirTemp("", "pterodactyl-mutation-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	copyRoot, err := os.OpenRoot(work)
	if err != nil {
		return err
	}
	defer func() { _ = copyRoot.Close() }()
	if err := copyTree(root, copyRoot); err != nil {
		return err
	}
	tf, err := exec.LookPath(terraform)
	if err != nil {
		return fmt.Errorf("-terraform: %w", err)
	}
	env := append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_ACC_TERRAFORM_PATH="+tf)
	var survived []string
	simEnv := append(slices.Clone(env), "SIM_FROM=1", fmt.Sprintf("SIM_SEEDS=%d", simulationSeeds))
	for i, m := range slices.Concat(mutations, simulationMutations) {
		if !selected(m.name, only) {
			continue
		}
		menv := env
		if i >= len(mutations) {
			menv = simEnv
		}
		verdict, err := try(ctx, copyRoot, menv, m)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		fmt.Printf("%-50s %s (%s)\n", m.name, verdict, m.run)
		if verdict != "killed" {
			survived = append(survived, m.name)
		}
	}
	if len(survived) > 0 {
		return fmt.Errorf("%d mutation(s) not killed: %s", len(survived), strings.Join(survived, "; "))
	}
	return nil
}

func selected(name, only string) bool {
	if only == "" {
		return true
	}
	for p := range strings.SplitSeq(only, ",") {
		if p != "" && strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// try applies m in work, runs its tests and restores the file. The verdict is "killed",
// "survived", or "stale" when the pattern no longer occurs exactly once.
func try(ctx context.Context, work *os.Root, env []string, m mutation) (string, error) {
	orig, err := work.ReadFile(m.file)
	if err != nil {
		return "", err
	}
	if strings.Count(string(orig), m.old) != 1 {
		return "stale: pattern not found once", nil
	}
	if err := work.WriteFile(m.file, []byte(strings.Replace(string(orig), m.old, m.new, 1)), 0o600); err != nil {
		return "", err
	}
	defer func() { _ = work.WriteFile(m.file, orig, 0o600) }()
	tctx, cancel := context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(tctx, "go", "test", "-count=1", "-timeout", "5m", "-run", m.run, m.pkg) //nolint:gosec // the table above
	cmd.Dir, cmd.Env = work.Name(), env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	switch {
	case err == nil:
		return "survived", nil
	case strings.Contains(string(out), "[build failed]") || strings.Contains(string(out), "[setup failed]"):
		return "stale: does not build\n" + string(out), nil
	case !strings.Contains(string(out), "--- FAIL"):
		return "killed, but by a crash or timeout rather than a failing assertion", nil
	}
	return "killed", nil
}

// copyTree copies the module, without .git and .bin, into dst.
func copyTree(src string, dst *os.Root) error {
	from, err := os.OpenRoot(src)
	if err != nil {
		return err
	}
	defer func() { _ = from.Close() }()
	return fs.WalkDir(from.FS(), ".", func(rel string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (rel == ".git" || rel == ".bin"):
			return filepath.SkipDir
		case d.IsDir():
			return dst.MkdirAll(rel, 0o750)
		case !d.Type().IsRegular():
			return nil
		}
		b, err := from.ReadFile(rel)
		if err != nil {
			return err
		}
		return dst.WriteFile(rel, b, 0o600)
	})
}
