package store

import (
	"context"
	"time"
)

// Save is cut off from the request: it lives up to 30 s whatever the caller does.
func Save(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	write(ctx, id)
}

func write(ctx context.Context, id string) {
	<-ctx.Done()
	_ = id
}
