// Package flagenv defines command-line flags whose defaults come from Go Micro's MICRO_* environment variables.
package flagenv

import (
	"flag"
	"fmt"
	"os"
	"strconv"
)

func String(name, env, def, usage string) *string {
	if v, ok := os.LookupEnv(env); ok {
		def = v
	}
	return flag.String(name, def, fmt.Sprintf("%s (env %s)", usage, env))
}

func Int(name, env string, def int, usage string) *int {
	if v, ok := os.LookupEnv(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			Fail("%s=%q is not a whole number", env, v)
		}
		def = n
	}
	return flag.Int(name, def, fmt.Sprintf("%s (env %s)", usage, env))
}

// Fail prints a usage error and exits with status 2, as flag does.
func Fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", os.Args[0], fmt.Sprintf(format, args...))
	os.Exit(2)
}
