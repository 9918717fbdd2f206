// Package release holds the checks of what leaves the repository: the CLI matrix of the
// GitHub workflows (.ci/versions.json), the zips and checksums goreleaser makes for the
// Terraform and OpenTofu registries, and the provider that `make install-local` installs.
// It has no code of its own, only tests; the make targets that produce what the tests read
// set the environment variables the tests name when they skip.
package release
