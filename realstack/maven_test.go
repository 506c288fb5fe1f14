package realstack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
)

// Fast-tier tests of the Maven helpers: none runs Maven.

func TestResolveClasspathWithoutMaven(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := ResolveClasspath(t.Context(), []byte("<project/>"), MavenConfig{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrMavenNotFound) {
		t.Fatalf("err = %v, want ErrMavenNotFound", err)
	}
	_, err = BuildProject(t.Context(), fstest.MapFS{"pom.xml": {Data: []byte("<project/>")}}, MavenConfig{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrMavenNotFound) {
		t.Fatalf("BuildProject err = %v, want ErrMavenNotFound", err)
	}
}

func TestResolveClasspathCachedNeedsNoMaven(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	cache := t.TempDir()
	jar := filepath.Join(t.TempDir(), "a.jar")
	if err := os.WriteFile(jar, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	pom := []byte("<project>cached</project>")
	cfg := MavenConfig{CacheDir: cache, Properties: map[string]string{"v": "1"}}
	dir := filepath.Join(cache, "classpath", cacheKey("classpath", cfg.defines(), map[string][]byte{"pom.xml": pom}))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "classpath.txt"), []byte(jar), 0o644); err != nil {
		t.Fatal(err)
	}
	if cp, err := ResolveClasspath(t.Context(), pom, cfg); err != nil || cp != jar {
		t.Fatalf("ResolveClasspath = %q, %v; want the cached %q", cp, err, jar)
	}
	// A jar gone from the local repository invalidates the entry: Maven is
	// needed again.
	if err := os.Remove(jar); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveClasspath(t.Context(), pom, cfg); !errors.Is(err, ErrMavenNotFound) {
		t.Fatalf("err = %v, want ErrMavenNotFound for a stale entry", err)
	}
}

func TestCacheKey(t *testing.T) {
	files := map[string][]byte{"pom.xml": []byte("a")}
	k := cacheKey("classpath", []string{"-Dv=1"}, files)
	for name, other := range map[string]string{
		"property":  cacheKey("classpath", []string{"-Dv=2"}, files),
		"content":   cacheKey("classpath", []string{"-Dv=1"}, map[string][]byte{"pom.xml": []byte("b")}),
		"file name": cacheKey("classpath", []string{"-Dv=1"}, map[string][]byte{"pom2.xml": []byte("a")}),
		"kind":      cacheKey("build", []string{"-Dv=1"}, files),
	} {
		if other == k {
			t.Errorf("a different %s gives the same key", name)
		}
	}
	if again := cacheKey("classpath", []string{"-Dv=1"}, map[string][]byte{"pom.xml": []byte("a")}); again != k {
		t.Error("the same input gives another key")
	}
}

func TestDefaultCacheDir(t *testing.T) {
	t.Setenv(CacheEnv, "/somewhere/else")
	if d, err := DefaultCacheDir(); err != nil || d != "/somewhere/else" {
		t.Fatalf("DefaultCacheDir = %q, %v", d, err)
	}
	t.Setenv(CacheEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	t.Setenv("HOME", "/home/x")
	d, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" && d != "/xdg/flinkscale-realstack" {
		t.Fatalf("DefaultCacheDir = %q, want /xdg/flinkscale-realstack", d)
	}
}

func TestBuildProjectNeedsPOM(t *testing.T) {
	_, err := BuildProject(t.Context(), fstest.MapFS{"src/A.java": {Data: []byte("class A {}")}}, MavenConfig{CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("BuildProject without pom.xml: no error")
	}
}

// A property name that cannot be one -Dname=value is refused with
// ErrInvalidConfig before Maven is looked for.
func TestMavenConfigValidate(t *testing.T) {
	for _, k := range []string{"", "a=b", "a b", "a\tb"} {
		cfg := MavenConfig{Path: "/nonexistent/mvn", CacheDir: t.TempDir(), Properties: map[string]string{k: "1"}}
		if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("property %q: Validate %v, want ErrInvalidConfig", k, err)
		}
		if _, err := ResolveClasspath(context.Background(), []byte("<project/>"), cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("property %q: ResolveClasspath %v, want ErrInvalidConfig", k, err)
		}
	}
	if err := (MavenConfig{Properties: map[string]string{"kafka.version": "4.4.0"}}).Validate(); err != nil {
		t.Errorf("a valid property: %v", err)
	}
}
