package fixtures

import "net/http"

var plain = &http.Client{} // want "client-without-timeout"

func withJar(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar} // want "client-without-timeout"
}

func multi(jar http.CookieJar) *http.Client {
	return &http.Client{ // want "client-without-timeout"
		Transport: &http.Transport{MaxIdleConns: 10},
		Jar:       jar,
	}
}
