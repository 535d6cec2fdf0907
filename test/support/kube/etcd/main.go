// Command etcd is the upstream etcd server, built from its Go module as kube-apiserver's storage in tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
