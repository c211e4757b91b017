package fixtures

import (
	"strings"

	"github.com/labstack/echo/v4"
)

func touch(key string) {}

// Eight functions deep (the handler and seven literals): still judged.
func EightDeep(c echo.Context) error {
	func() {
		func() {
			func() {
				func() {
					func() {
						func() {
							func() {
								for _, key := range strings.Split(c.QueryParam("keys"), ",") {
									go touch(key) // want "unbounded-goroutines"
								}
							}()
						}()
					}()
				}()
			}()
		}()
	}()
	return nil
}

// Nine functions deep: left unjudged, as the rule's docs say, rather than judged without the
// context of the outer functions.
func NineDeep(c echo.Context) error {
	func() {
		func() {
			func() {
				func() {
					func() {
						func() {
							func() {
								func() {
									for _, key := range strings.Split(c.QueryParam("keys"), ",") {
										go touch(key)
									}
								}()
							}()
						}()
					}()
				}()
			}()
		}()
	}()
	return nil
}
