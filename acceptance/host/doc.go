// Package host is the host layer's test suite: the user-data the program
// renders and the scripts it puts on the host, run for real. cloud-init,
// shellcheck and caddy check what is written; the start, swap and health
// scripts run against moto_server with the real caddy as the proxy and a
// stand-in for docker (fakedocker_test.go); deploys run under load; the
// container's database settings connect to a real PostgreSQL with SSL
// forced. It holds tests only.
package host
