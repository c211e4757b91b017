package fixtures

import (
	"bufio"
	"net/http"
	"os"
)

func Tail(w http.ResponseWriter, r *http.Request) {
	for _, path := range r.URL.Query()["path"] {
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		defer func() { _ = f.Close() }() // want "defer-in-loop"
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			w.Write(sc.Bytes())
		}
	}
}

// A deferred function literal over several lines: the message quotes it as `func() {…}()`.
func TailAll(w http.ResponseWriter, r *http.Request) {
	for _, path := range r.URL.Query()["path"] {
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer func() { // want "defer-in-loop"
			_ = f.Close()
		}()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			w.Write(sc.Bytes())
		}
	}
}

// The defer is at function level, before the loop.
func Lines(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(r.URL.Query().Get("path"))
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w.Write(sc.Bytes())
	}
}

// Panicking after the defer ends the loop.
func MustOpen(paths []string) {
	for _, p := range paths {
		f, err := os.Open(p)
		if err == nil {
			continue
		}
		defer f.Close()
		panic(err)
	}
}
