package fixtures

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

type Service struct {
	http *http.Client
}

// Decoding fails after the status check; the explicit close is skipped.
func (s *Service) User(c echo.Context) error {
	resp, err := s.http.Get("http://users/" + c.Param("id")) // want "unclosed-body" "request-without-context"
	if err != nil {
		return echo.NewHTTPError(http.StatusBadGateway, err)
	}
	var u map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil {
		return err
	}
	resp.Body.Close()
	return c.JSON(http.StatusOK, u)
}

// ---- Quiet ----

// Closed by defer, decoded with a known reader.
func (s *Service) Account(c echo.Context) error {
	resp, err := s.http.Get("http://accounts/" + c.Param("id")) // want "request-without-context"
	if err != nil {
		return echo.NewHTTPError(http.StatusBadGateway, err)
	}
	defer resp.Body.Close()
	var a map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return err
	}
	return c.JSON(resp.StatusCode, a)
}

// The response body streamed to the client, which closes nothing: still handed over, so quiet.
func (s *Service) Avatar(c echo.Context) error {
	resp, err := s.http.Get("http://avatars/" + c.Param("id")) // want "request-without-context"
	if err != nil {
		return err
	}
	return c.Stream(http.StatusOK, "image/png", resp.Body)
}
