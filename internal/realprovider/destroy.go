package realprovider

import (
	"context"
	"strings"
)

// Teardown is what DestroyAll did.
type Teardown struct {
	// Deleted counts the resources the provider deleted.
	Deleted int
	// Retained left the state without being deleted: Pulumi keeps them
	// (retainOnDelete).
	Retained []string
	// Gaps are resources the emulator could not delete (listed emulator
	// gaps): they left the state as if deleted.
	Gaps []string
	// Failures are what could not be deleted for any other reason: defects.
	Failures []Row
}

// DestroyAll destroys what the translation t created, as `pulumi destroy`
// would: what Pulumi retains leaves the state first, and a resource the
// emulator cannot delete (a listed gap) leaves the state as if deleted
// while the destroy goes on with the rest. A protected resource
// (prevent_destroy) makes it fail, as it makes `pulumi destroy` fail.
func (tf *Terraform) DestroyAll(ctx context.Context, t *Translation, onEvent func(Event)) (*Teardown, error) {
	td := &Teardown{Retained: t.Retained}
	if err := tf.Forget(ctx, t.Retained...); err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		res, err := tf.Destroy(ctx, onEvent)
		if err != nil {
			return nil, err
		}
		for addr, o := range res.Outcomes {
			// A destroy reads the data sources first: not deletions.
			if o.Created && !strings.HasPrefix(addr, "data.") {
				td.Deleted++
			}
		}
		var gaps []string
		td.Failures = nil
		for _, row := range Failures(t, res, PhaseDestroy) {
			if row.Verdict == EmulatorGap && attempt == 0 {
				gaps = append(gaps, row.Address)
				continue
			}
			td.Failures = append(td.Failures, row)
		}
		td.Gaps = append(td.Gaps, gaps...)
		if len(gaps) == 0 || len(td.Failures) > 0 {
			break
		}
		if err := tf.Forget(ctx, gaps...); err != nil {
			return nil, err
		}
	}
	return td, nil
}
