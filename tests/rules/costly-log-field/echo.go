package handlers

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/sirupsen/logrus"
)

type Order struct {
	ID    string
	Lines []OrderLine
}

type OrderLine struct {
	SKU string
	Qty int
}

func CreateOrder(c echo.Context) error {
	var order Order
	if err := c.Bind(&order); err != nil {
		return err
	}
	slog.Info("create order", slog.Any("order", order))     // want "costly-log-field"
	logrus.WithField("order", &order).Info("create order")  // want "costly-log-field"
	slog.Info("lines", slog.Any("lines", order.Lines))      // unknown field type: quiet
	slog.Info("count", slog.Any("count", len(order.Lines))) // slog keeps scalars unboxed: quiet
	logrus.WithField("id", order.ID).Info("created")        // quiet
	return c.JSON(http.StatusCreated, order)
}

// A helper that loops over orders logs each one: hot even outside a handler.
func audit(log *logrus.Entry, orders []Order) {
	for _, o := range orders {
		log.WithField("order", o).Info("audit") // want "costly-log-field"
	}
}

// Quiet: a loop in main runs once.
func main() {
	for _, o := range []Order{{ID: "a"}} {
		slog.Info("order", slog.Any("order", o))
	}
}
