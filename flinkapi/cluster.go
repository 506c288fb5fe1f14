package flinkapi

import (
	"context"
	"net/http"
)

// ClusterOverview is the answer of GET /overview.
type ClusterOverview struct {
	TaskManagers   int    `json:"taskmanagers"`
	SlotsTotal     int    `json:"slots-total"`
	SlotsAvailable int    `json:"slots-available"`
	JobsRunning    int    `json:"jobs-running"`
	JobsFinished   int    `json:"jobs-finished"`
	JobsCancelled  int    `json:"jobs-cancelled"`
	JobsFailed     int    `json:"jobs-failed"`
	FlinkVersion   string `json:"flink-version"`
	FlinkCommit    string `json:"flink-commit"`
}

// Overview returns the cluster overview (GET /overview).
func (c *Client) Overview(ctx context.Context) (ClusterOverview, error) {
	var out ClusterOverview
	if err := c.do(ctx, call{method: http.MethodGet, route: routeOverview, path: "/overview", out: &out}); err != nil {
		return ClusterOverview{}, err
	}
	return out, nil
}

// TaskManager is one entry of GET /taskmanagers.
type TaskManager struct {
	ID                     string   `json:"id"`
	Path                   string   `json:"path"`
	DataPort               int      `json:"dataPort"`
	JMXPort                int      `json:"jmxPort"`
	TimeSinceLastHeartbeat int64    `json:"timeSinceLastHeartbeat"`
	SlotsNumber            int      `json:"slotsNumber"`
	FreeSlots              int      `json:"freeSlots"`
	TotalResource          Resource `json:"totalResource"`
	FreeResource           Resource `json:"freeResource"`
	Hardware               Hardware `json:"hardware"`
	Blocked                bool     `json:"blocked,omitempty"`
}

// Resource is a TaskManager resource profile; memory figures are in MiB.
type Resource struct {
	CPUCores          Float `json:"cpuCores"`
	TaskHeapMemory    int64 `json:"taskHeapMemory"`
	TaskOffHeapMemory int64 `json:"taskOffHeapMemory"`
	ManagedMemory     int64 `json:"managedMemory"`
	NetworkMemory     int64 `json:"networkMemory"`
}

// Hardware describes a TaskManager's machine; memory figures are in bytes.
type Hardware struct {
	CPUCores       int   `json:"cpuCores"`
	PhysicalMemory int64 `json:"physicalMemory"`
	FreeMemory     int64 `json:"freeMemory"`
	ManagedMemory  int64 `json:"managedMemory"`
}

// TaskManagers returns the registered TaskManagers with their slots (GET
// /taskmanagers).
func (c *Client) TaskManagers(ctx context.Context) ([]TaskManager, error) {
	var out struct {
		TaskManagers []TaskManager `json:"taskmanagers"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: routeTaskManagers, path: "/taskmanagers", out: &out}); err != nil {
		return nil, err
	}
	return out.TaskManagers, nil
}

// JobManagerConfig returns the cluster configuration as key/value pairs (GET
// /jobmanager/config), for example "jobmanager.scheduler" = "adaptive".
func (c *Client) JobManagerConfig(ctx context.Context) (map[string]string, error) {
	var out []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, route: routeJobManagerConfig, path: "/jobmanager/config", out: &out}); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(out))
	for _, e := range out {
		m[e.Key] = e.Value
	}
	return m, nil
}
