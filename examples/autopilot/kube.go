package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/flinkscale/flinkscale/drain"
	"github.com/flinkscale/flinkscale/flinkdeployment"
)

// kubeTarget parses -flinkdeployment: "namespace/name".
func kubeTarget(s string) (namespace, name string, err error) {
	ns, n, ok := strings.Cut(s, "/")
	if !ok || ns == "" || n == "" || strings.Contains(n, "/") {
		return "", "", fmt.Errorf("want namespace/name, got %q", s)
	}
	return ns, n, nil
}

// kubeConfig is the FlinkDeployment's flinkdeployment.Config, with a
// dynamic client from -kubeconfig, else $KUBECONFIG or ~/.kube/config,
// else the in-cluster service account (a controller running in a pod).
func kubeConfig(o options, logger *slog.Logger) (flinkdeployment.Config, error) {
	ns, name, err := kubeTarget(o.flinkDeployment)
	if err != nil {
		return flinkdeployment.Config{}, err
	}
	var rc *rest.Config
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	_, statErr := os.Stat(rules.GetDefaultFilename())
	if o.kubeconfig == "" && os.Getenv("KUBECONFIG") == "" && statErr != nil {
		if rc, err = rest.InClusterConfig(); err != nil {
			return flinkdeployment.Config{}, fmt.Errorf("no kubeconfig (-kubeconfig, KUBECONFIG, ~/.kube/config) and not in a cluster: %w", err)
		}
	} else if rc, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig(); err != nil {
		return flinkdeployment.Config{}, fmt.Errorf("kubeconfig: %w", err)
	}
	rc.UserAgent = "flinkscale-autopilot"
	rc.Timeout = 15 * time.Second
	client, err := dynamic.NewForConfig(rc)
	if err != nil {
		return flinkdeployment.Config{}, err
	}
	return flinkdeployment.Config{Client: client, Namespace: ns, Name: name, RESTURL: o.flinkURL, Logger: logger}, nil
}

// operatorTarget reads the FlinkDeployment of -flinkdeployment: it fills
// o.flinkURL (unless given: a port-forward, say) and o.job from its
// status, and returns the Deployment.
func operatorTarget(ctx context.Context, o *options, logger *slog.Logger, stdout io.Writer) (*flinkdeployment.Deployment, flinkdeployment.Config, error) {
	cfg, err := kubeConfig(*o, logger)
	if err != nil {
		return nil, cfg, err
	}
	dep, err := flinkdeployment.New(cfg)
	if err != nil {
		return nil, cfg, err
	}
	st, err := dep.Read(ctx)
	if err != nil {
		return nil, cfg, fmt.Errorf("cannot read FlinkDeployment %s: %w", o.flinkDeployment, err)
	}
	if st.JobID == "" {
		return nil, cfg, fmt.Errorf("FlinkDeployment %s runs no job yet (lifecycle %q, job %q)", o.flinkDeployment, st.LifecycleState, st.JobState)
	}
	o.flinkURL, o.job = st.RESTURL, st.JobID
	fmt.Fprintf(stdout, "autopilot: FlinkDeployment %s: lifecycle %s, job %s %s, Flink %s, REST %s\n",
		o.flinkDeployment, st.LifecycleState, st.JobID, st.JobState, st.FlinkVersion, st.RESTURL)
	return dep, cfg, nil
}

// watchDeployment says on stderr when the FlinkDeployment's lifecycle or
// job changes, and calls redeployed once when the operator runs another
// job than job (a savepoint or stateless upgrade submits a new one).
func watchDeployment(ctx context.Context, dep *flinkdeployment.Deployment, job string, stderr io.Writer, redeployed func(string)) {
	var last string
	_ = dep.Watch(ctx, func(st flinkdeployment.Status, err error) {
		if err != nil {
			fmt.Fprintf(stderr, "autopilot: FlinkDeployment: %v\n", err)
			return
		}
		now := fmt.Sprintf("lifecycle %s, job %s %s", st.LifecycleState, st.JobID, st.JobState)
		if why := st.Reconciling(); why != "" {
			now += " (reconciling: " + why + ")"
		}
		if now != last && last != "" {
			fmt.Fprintf(stderr, "autopilot: FlinkDeployment: %s\n", now)
		}
		last = now
		if st.JobID != "" && st.JobID != job {
			redeployed(st.JobID)
		}
	})
}

// operatorDrain drains through the operator (flinkdeployment.Drain), for
// session.drainVia; it never cancels.
func operatorDrain(cfg flinkdeployment.Config) func(context.Context, drain.Store, time.Duration, func(drain.Operation, drain.Step)) (drain.Operation, error) {
	return func(ctx context.Context, store drain.Store, timeout time.Duration, onTransition func(drain.Operation, drain.Step)) (drain.Operation, error) {
		cfg.Drain = flinkdeployment.DrainConfig{Store: store, Timeout: timeout, OnTransition: onTransition}
		dep, err := flinkdeployment.New(cfg)
		if err != nil {
			return drain.Operation{}, err
		}
		return dep.Drain(ctx)
	}
}
