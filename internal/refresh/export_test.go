package refresh

import (
	"context"
	"time"
)

// UseClock replaces c's clock, so that a test can cross Request.Timeout
// without waiting for it.
func (c *Client) UseClock(now func() time.Time, sleep func(context.Context, time.Duration) error) {
	c.now, c.sleep = now, sleep
}
