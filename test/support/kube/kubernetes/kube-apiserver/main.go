// Command kube-apiserver is the upstream API server, built from its Go module for Pixelforge's test harness.
// The blank imports mirror upstream's cmd/kube-apiserver so the binary behaves the same (CronJob time zones,
// JSON logs, metrics).
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
