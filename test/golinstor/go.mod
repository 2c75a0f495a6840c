module github.com/linstor-csi/linstor-csi/test/golinstor

go 1.25.0

require github.com/LINBIT/golinstor v0.64.1

require (
	github.com/donovanhide/eventsource v0.0.0-20210830082556-c59027999da0 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
	golang.org/x/time v0.15.0 // indirect
	moul.io/http2curl/v2 v2.3.0 // indirect
)
