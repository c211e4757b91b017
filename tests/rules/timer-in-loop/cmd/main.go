package main

import "time"

// In package main a ticker runs for the program; SA1015 does not report it either.
func poll() {
	for range time.Tick(time.Second) {
		if done() {
			return
		}
	}
}

func done() bool { return true }

func main() { poll() }
