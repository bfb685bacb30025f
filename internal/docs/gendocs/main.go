// Command gendocs rewrites the generated parts of the manual (the
// configuration reference and alarm tables, in whichever page of README.md
// and docs/*.md holds each) and Pulumi.yaml's config descriptions from the
// settings table, the alarm thresholds and the stack files. Run it with
// `go generate ./...` from the repository root, or give the root as its
// argument.
package main

import (
	"bytes"
	"log"
	"os"
	"path/filepath"
	"sort"

	"github.com/rds-app/rds-app/internal/docs"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	files, err := docs.Render(root)
	if err != nil {
		log.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		file := filepath.Join(root, filepath.FromSlash(name))
		old, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		if bytes.Equal(old, []byte(files[name])) {
			continue // leave an up-to-date file, and its modification time, alone
		}
		if err := os.WriteFile(file, []byte(files[name]), 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("rewrote %s", name)
	}
}
