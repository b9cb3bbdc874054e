// greeter-client is the tutorial's Greeter client: it finds go.micro.srv.greeter through a Consul agent with Go
// Micro's selector (round robin over a cached, watched list) and calls Say.Hello COUNT times, one line per call.
// --address calls one instance directly, bypassing discovery (the baseline of bench/greeter.ts).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"consul-lab/greeter/api"
	"consul-lab/greeter/internal/flagenv"
	"go-micro.dev/v5/client"
	"go-micro.dev/v5/errors"
	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/registry/consul"
	"go-micro.dev/v5/selector"
)

// Line is what --json prints for each call.
type Line struct {
	Seq         int     `json:"seq"`
	OK          bool    `json:"ok"`
	Msg         string  `json:"msg,omitempty"`
	Instance    string  `json:"instance,omitempty"`
	Node        string  `json:"node,omitempty"`
	Error       string  `json:"error,omitempty"`
	Attempts    int     `json:"attempts"`
	DiscoveryMs float64 `json:"discovery_ms"`
	LatencyMs   float64 `json:"latency_ms"`
}

// timedSelector measures the time spent in Go Micro's selector (a registry lookup when its cache is cold) and
// counts the nodes it hands out (more than one when a call is retried on another instance).
type timedSelector struct {
	selector.Selector
	mu       sync.Mutex
	lookup   time.Duration
	attempts int
}

func (t *timedSelector) Select(service string, opts ...selector.SelectOption) (selector.Next, error) {
	start := time.Now()
	next, err := t.Selector.Select(service, opts...)
	t.mu.Lock()
	t.lookup += time.Since(start)
	t.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return func() (*registry.Node, error) {
		t.mu.Lock()
		t.attempts++
		t.mu.Unlock()
		return next()
	}, nil
}

func (t *timedSelector) reset() (time.Duration, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, a := t.lookup, t.attempts
	t.lookup, t.attempts = 0, 0
	return l, a
}

// retryElsewhere retries a call on another instance when the one picked cannot be reached (a killed instance
// stays listed until its TTL check goes critical), as well as on timeouts, as Go Micro does by default.
func retryElsewhere(_ context.Context, _ client.Request, _ int, err error) (bool, error) {
	e := errors.Parse(err.Error())
	return e.Code == 408 || (e.Id == "go.micro.client" && strings.HasPrefix(e.Detail, "connection error")), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func main() {
	registryAddr := flagenv.String("registry_address", "MICRO_REGISTRY_ADDRESS", "127.0.0.1:8500",
		"the HTTP API (host:port) of the Consul agent to discover the service through")
	service := flagenv.String("service", "GREETER_SERVICE", api.Service, "the service to call")
	address := flag.String("address", "", "call the instance at host:port directly, without discovery")
	count := flag.Int("count", 1, "how many calls to make, one after another (1 to 10000)")
	asJSON := flag.Bool("json", false, "print one JSON object per call")
	timeout := flag.Duration("timeout", 5*time.Second, "time limit of each call")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [flags] [NAME...]   (NAME defaults to John)\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if *count < 1 || *count > 10000 {
		flagenv.Fail("--count must be from 1 to 10000, got %d", *count)
	}
	name := strings.Join(flag.Args(), " ")
	if name == "" {
		name = "John"
	}

	sel := &timedSelector{Selector: selector.NewSelector(
		selector.Registry(consul.NewConsulRegistry(registry.Addrs(*registryAddr))),
		selector.SetStrategy(selector.RoundRobin),
	)}
	c := client.NewClient(client.Selector(sel), client.Retry(retryElsewhere), client.RequestTimeout(*timeout))
	var opts []client.CallOption
	if *address != "" {
		opts = append(opts, client.WithAddress(*address))
	}
	out := json.NewEncoder(os.Stdout)
	failed := false
	for i := 1; i <= *count; i++ {
		var rsp api.Response
		start := time.Now()
		err := c.Call(context.Background(), c.NewRequest(*service, api.Endpoint, &api.Request{Name: name}), &rsp, opts...)
		line := Line{Seq: i, OK: err == nil, Msg: rsp.Msg, Instance: rsp.Instance, Node: rsp.Node, LatencyMs: ms(time.Since(start))}
		lookup, attempts := sel.reset()
		line.DiscoveryMs, line.Attempts = ms(lookup), max(attempts, 1)
		if err != nil {
			failed = true
			line.Error = err.Error()
			if e := errors.Parse(err.Error()); e.Detail != "" {
				line.Error = e.Detail
			}
		}
		switch {
		case *asJSON:
			_ = out.Encode(line)
		case err != nil:
			fmt.Printf("call %d failed: %s\n", i, line.Error)
		default:
			fmt.Printf("%s  (%s on %s, %.2f ms)\n", rsp.Msg, rsp.Instance, rsp.Node, line.LatencyMs)
		}
	}
	if failed {
		os.Exit(1)
	}
}
