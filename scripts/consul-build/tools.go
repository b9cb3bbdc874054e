//go:build tools

// Package consulbuild pins the Consul release that Consul Lab builds from the Go module proxy.
package consulbuild

import _ "github.com/hashicorp/consul"
