// Package handlers serves the /users API.
package handlers

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"example.com/userservice/middleware"
	"example.com/userservice/toolbox"
	"example.com/userservice/upstream"
)

// The profiles API serves each section of a profile separately.
var (
	profileSections = []string{"identity", "preferences", "devices", "activity"}
	cardSections    = []string{"identity", "preferences", "activity"}
)

// maxFetches bounds the card fetches in flight across all requests.
const maxFetches = 256

// Users serves the /users endpoints.
type Users struct {
	profiles   *upstream.Client
	logger     *zap.Logger
	fetchSlots *semaphore.Weighted
}

// NewUsers returns the /users handlers.
func NewUsers(profiles *upstream.Client, logger *zap.Logger) *Users {
	return &Users{profiles: profiles, logger: logger, fetchSlots: semaphore.NewWeighted(maxFetches)}
}

type userResponse struct {
	ID           string                     `json:"id"`
	Sections     map[string]json.RawMessage `json:"sections"`
	Entitlements []string                   `json:"entitlements,omitempty"`
}

type sectionResult struct {
	name string
	data json.RawMessage
	err  error
}

type sectionUpdate struct {
	Section string          `json:"section"`
	Data    json.RawMessage `json:"data"`
}

// GetUser serves GET /users/:id: every profile section, fetched in parallel, and the user's active
// entitlements.
func (h *Users) GetUser(c *gin.Context) {
	userID := c.Param("id")
	claims := middleware.ClaimsFrom(c)

	// The claims hold every role, group and permission of the caller: kilobytes encoded through
	// reflection on every request, for a line nobody reads.
	h.logger.Info("get user", zap.String("user_id", userID), zap.Any("claims", claims))

	results := make(chan sectionResult, len(profileSections))
	for _, section := range profileSections {
		// One goroutine per section: 4 per request (8 behind the logging middleware), with no
		// bound on how many run at once across requests.
		go func() {
			// Not derived from c.Request.Context(), and long: each fetch runs for up to 15 s after
			// the caller has gone, so under load goroutines pile up faster than they finish.
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			data, err := h.profiles.FetchSection(ctx, userID, section)
			results <- sectionResult{name: section, data: data, err: err}
		}()
	}

	resp := userResponse{ID: userID, Sections: make(map[string]json.RawMessage, len(profileSections))}
	for range profileSections {
		select {
		case r := <-results:
			if r.err != nil {
				h.logger.Warn("profile section unavailable", zap.String("section", r.name), zap.Error(r.err))
				continue
			}
			resp.Sections[r.name] = r.data
		case <-c.Request.Context().Done():
			return // the caller is gone, but nobody tells the goroutines above
		}
	}

	// Empty filter: the toolbox sends every record it ever stored for the user, revoked and expired
	// ones included (20-30% more to transfer, decode and hold), only for activeTags to drop them.
	records, err := toolbox.GetInfo(userID, "", make(map[string]string))
	if err != nil {
		h.logger.Error("toolbox", zap.String("user_id", userID), zap.Error(err))
		c.JSON(http.StatusBadGateway, gin.H{"error": "entitlements unavailable"})
		return
	}
	resp.Entitlements = activeTags(records)
	c.JSON(http.StatusOK, resp)
}

// GetUserCard serves GET /users/:id/card, the short profile shown in listings. It answers 503 when
// the service is saturated, and its fetches share the request's context under a short deadline.
func (h *Users) GetUserCard(c *gin.Context) {
	userID := c.Param("id")
	n := int64(len(cardSections))
	if !h.fetchSlots.TryAcquire(n) {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": "busy, retry later"})
		return
	}
	defer h.fetchSlots.Release(n)
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()

	parts := make([]json.RawMessage, len(cardSections))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i, section := range cardSections {
		g.Go(func() error {
			data, err := h.profiles.FetchSection(ctx, userID, section)
			parts[i] = data
			return err
		})
	}
	if err := g.Wait(); err != nil {
		h.logger.Warn("user card", zap.String("user_id", userID), zap.Error(err))
		c.JSON(http.StatusBadGateway, gin.H{"error": "profile unavailable"})
		return
	}

	card := make(map[string]json.RawMessage, len(cardSections))
	for i, section := range cardSections {
		card[section] = parts[i]
	}
	c.JSON(http.StatusOK, userResponse{ID: userID, Sections: card})
}

// UpdateUser serves PUT /users/:id with a JSON list of sections to replace.
func (h *Users) UpdateUser(c *gin.Context) {
	userID := c.Param("id")

	// No limit on the request body: one client can make the service buffer any amount of memory.
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "cannot read body"})
		return
	}
	var updates []sectionUpdate
	if err := json.Unmarshal(body, &updates); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "malformed body"})
		return
	}

	for _, u := range updates {
		if err := h.profiles.UpdateSection(c.Request.Context(), userID, u.Section, u.Data); err != nil {
			h.logger.Error("update section", zap.String("section", u.Section), zap.Error(err))
			c.JSON(http.StatusBadGateway, gin.H{"error": "profile update failed"})
			return
		}
	}

	var updated []string
	for _, u := range updates {
		// Grows from nil: the backing array is reallocated and copied as it doubles, although
		// len(updates) is known before the loop.
		updated = append(updated, u.Section)
	}
	h.logger.Info("user updated", zap.String("user_id", userID), zap.Strings("sections", updated))
	c.JSON(http.StatusOK, gin.H{"updated": updated})
}

// activeTags returns the tags of the active records.
func activeTags(records []toolbox.Record) []string {
	tags := make([]string, 0, len(records))
	for _, r := range records {
		if r.State == toolbox.StateActive {
			tags = append(tags, r.Tag)
		}
	}
	return tags
}
