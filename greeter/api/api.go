// Package api is the tutorial's Greeter contract, Say.Hello, in plain Go structs: Go Micro's default JSON codec
// carries them, so no protoc is needed.
package api

const (
	// Service is the name the tutorial registers in Consul.
	Service = "go.micro.srv.greeter"
	// Version is registered in the "v-" tag.
	Version  = "1.0.0"
	Endpoint = "Say.Hello"
)

type Request struct {
	Name string `json:"name"`
}

// Response says who answered: the registered instance ID (<service>-<uuid>) and its Consul node.
type Response struct {
	Msg      string `json:"msg"`
	Instance string `json:"instance"`
	Node     string `json:"node"`
}
