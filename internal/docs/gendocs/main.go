// Command gendocs rewrites README.md's configuration reference and
// Pulumi.yaml's config descriptions from the settings table. Run it with
// `go generate ./...` from the repository root.
package main

import (
	"log"
	"os"
	"path/filepath"

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
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
