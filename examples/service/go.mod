module example.com/userservice

go 1.22

require (
	github.com/gin-gonic/gin v1.10.0
	go.uber.org/zap v1.27.0
	golang.org/x/sync v0.8.0
)
