package fixtures

import (
	"log"
	"net/http"
)

func main() {
	mux := http.NewServeMux()
	log.Fatal(http.ListenAndServe(":8080", mux)) // want "server-without-timeouts"
}

func start(h http.Handler) *http.Server {
	srv := &http.Server{ // want "server-without-timeouts"
		Addr:    ":8080",
		Handler: h,
	}
	go srv.ListenAndServe()
	return srv
}

func tls(h http.Handler) error {
	return http.ListenAndServeTLS(":8443", "cert.pem", "key.pem", h) // want "server-without-timeouts"
}
