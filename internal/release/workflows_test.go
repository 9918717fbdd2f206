package release

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
)

// TestActionsPinned checks that every action a workflow uses is pinned to a full commit SHA,
// with the version it is in a comment for people and Dependabot: a tag can be moved to other
// code, and the release job holds the signing key and may write releases.
func TestActionsPinned(t *testing.T) {
	root := repoRoot(t)
	workflows, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil || len(workflows) == 0 {
		t.Fatalf("no workflows under .github/workflows: %v", err)
	}
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(.*?)\s*$`)
	pinned := regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$`)
	seen := 0
	for _, path := range workflows {
		for _, m := range uses.FindAllStringSubmatch(string(readFile(t, path)), -1) {
			seen++
			if strings.HasPrefix(m[1], "./") {
				continue // an action of this repository, pinned by the checkout
			}
			if !pinned.MatchString(m[1]) {
				t.Errorf("%s: uses: %s; pin it as owner/repo@<40-hex commit> # vX.Y.Z", filepath.Base(path), m[1])
			}
		}
	}
	if seen == 0 {
		t.Fatal("no uses: lines found in the workflows: the pattern no longer reads them")
	}
}

// TestDependabotHolds checks that each tool tools/go.mod holds back has a Dependabot ignore
// rule, and that the version held is outside what the rule ignores: without the rule,
// Dependabot proposes the version that breaks the build every week; with a rule that covers
// the version in use, the hold is wrong.
func TestDependabotHolds(t *testing.T) {
	root := repoRoot(t)
	dependabot := string(readFile(t, filepath.Join(root, ".github", "dependabot.yml")))
	tools := string(readFile(t, filepath.Join(root, "tools", "go.mod")))
	for _, held := range []string{"github.com/goreleaser/goreleaser/v2", "github.com/rhysd/actionlint"} {
		rule := regexp.MustCompile(`(?m)^\s*- dependency-name: ` + regexp.QuoteMeta(held) + `\n\s*versions: \["([^"]+)"\]$`).FindStringSubmatch(dependabot)
		if rule == nil {
			t.Errorf(".github/dependabot.yml: no ignore rule for %s with one versions range", held)
			continue
		}
		ignored, err := version.NewConstraint(rule[1])
		if err != nil {
			t.Errorf(".github/dependabot.yml: %s: versions %q: %v", held, rule[1], err)
			continue
		}
		m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(held) + ` v(\S+)`).FindStringSubmatch(tools)
		if m == nil {
			t.Errorf("tools/go.mod does not require %s", held)
			continue
		}
		if inUse := version.Must(version.NewVersion(m[1])); ignored.Check(inUse) {
			t.Errorf(".github/dependabot.yml ignores %s %s, but tools/go.mod uses %s", held, rule[1], inUse)
		}
	}
}
