// Command terraform-provider-pterodactyl serves the Terraform provider for the
// server databases of Pterodactyl and Pelican panels.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/panelform/terraform-provider-pterodactyl/internal/provider"
)

// version is set by the release build through -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/panelform/pterodactyl",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
