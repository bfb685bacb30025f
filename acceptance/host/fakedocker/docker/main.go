//go:build unix

// Command docker is the fake Docker the host scripts run in the tests
// (package fakedocker).
package main

import (
	"os"

	"github.com/rds-app/rds-app/acceptance/host/fakedocker"
)

func main() {
	os.Exit(fakedocker.Main(os.Args[1:]))
}
