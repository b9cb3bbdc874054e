// greeter-service is the tutorial's Greeter: a Go Micro service, go.micro.srv.greeter, answering Say.Hello and
// registered with the Consul agent of the node it runs on, under a TTL check it refreshes every interval.
// SIGTERM or SIGINT deregisters it at once; after SIGKILL its check goes critical and Consul deregisters it.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"consul-lab/greeter/api"
	"consul-lab/greeter/internal/flagenv"
	"github.com/google/uuid"
	consulapi "github.com/hashicorp/consul/api"
	"go-micro.dev/v5"
	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/registry/consul"
	"go-micro.dev/v5/server"
)

type Say struct {
	instance string
	node     string
}

func (s *Say) Hello(_ context.Context, req *api.Request, rsp *api.Response) error {
	rsp.Msg = "Hello " + req.Name
	rsp.Instance = s.instance
	rsp.Node = s.node
	return nil
}

// agentNode asks the registry's agent for its node name: the node this instance runs on, as Consul names it.
func agentNode(address string) (string, error) {
	c, err := consulapi.NewClient(&consulapi.Config{Address: address})
	if err != nil {
		return "", err
	}
	return c.Agent().NodeName()
}

func main() {
	name := flagenv.String("server_name", "MICRO_SERVER_NAME", api.Service, "the service name registered in Consul")
	registryAddr := flagenv.String("registry_address", "MICRO_REGISTRY_ADDRESS", "127.0.0.1:8500",
		"the HTTP API (host:port) of the Consul agent on this node")
	address := flagenv.String("server_address", "MICRO_SERVER_ADDRESS", "",
		"host:port to listen on and advertise (default: the agent's host, any free port)")
	id := flagenv.String("server_id", "MICRO_SERVER_ID", uuid.NewString(),
		"this instance's ID: Consul's service ID is <server_name>-<server_id>")
	ttl := flagenv.Int("register_ttl", "MICRO_REGISTER_TTL", 10, "seconds the TTL check stays passing without a refresh")
	interval := flagenv.Int("register_interval", "MICRO_REGISTER_INTERVAL", 5, "seconds between refreshes of the registration")
	flag.Parse()
	if *ttl < 1 || *interval < 1 || *interval >= *ttl {
		flagenv.Fail("register_interval must be at least 1 s and less than register_ttl (got %d s and %d s)", *interval, *ttl)
	}
	host, _, err := net.SplitHostPort(*registryAddr)
	if err != nil {
		flagenv.Fail("registry_address %q is not host:port", *registryAddr)
	}
	// With an address such as :0, Go Micro would advertise one of the machine's other interfaces.
	if *address == "" {
		*address = net.JoinHostPort(host, "0")
	}
	node, err := agentNode(*registryAddr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "greeter-service: no Consul agent answers at %s: %v\n", *registryAddr, err)
		os.Exit(1)
	}

	// No service.Init(): it parses Go Micro's own flags, whose defaults (TTL 60 s, interval 30 s) would replace these.
	service := micro.New(*name,
		micro.Version(api.Version),
		micro.Address(*address),
		micro.Registry(consul.NewConsulRegistry(registry.Addrs(*registryAddr))),
		micro.AddListenOption(server.Id(*id)),
		micro.RegisterTTL(time.Duration(*ttl)*time.Second),
		micro.RegisterInterval(time.Duration(*interval)*time.Second),
	)
	if err := service.Handle(&Say{instance: *name + "-" + *id, node: node}); err != nil {
		fmt.Fprintf(os.Stderr, "greeter-service: %v\n", err)
		os.Exit(1)
	}
	if err := service.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "greeter-service: %v\n", err)
		os.Exit(1)
	}
}
