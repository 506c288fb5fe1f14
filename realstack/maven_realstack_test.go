//go:build realstack

package realstack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// The real tier's tests of the Maven helpers: they run mvn against Maven
// Central (or the local repository once it holds the artifacts).

func TestResolveClasspathKafkaCached(t *testing.T) {
	cache := t.TempDir()
	cfg := MavenConfig{CacheDir: cache, Properties: map[string]string{"kafka.version": DefaultKafkaVersion}}
	start := time.Now()
	cp, err := ResolveClasspath(t.Context(), kafkaPOM, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first := time.Since(start)
	jars := filepath.SplitList(cp)
	var names []string
	for _, j := range jars {
		names = append(names, filepath.Base(j))
	}
	for _, want := range []string{"kafka_2.13-" + DefaultKafkaVersion + ".jar", "kafka-clients-" + DefaultKafkaVersion + ".jar", "log4j-core-", "log4j-slf4j2-impl-", "slf4j-api-2."} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("classpath lacks %s: %v", want, names)
		}
	}
	if strings.Contains(strings.Join(names, " "), "slf4j-api-1.") {
		t.Errorf("slf4j-api 1.x on the classpath: log4j-slf4j2-impl would not bind: %v", names)
	}
	logPath := filepath.Join(filepath.Dir(findFile(t, cache, "classpath.txt")), "mvn.log")
	st, err := os.Stat(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// Again, without Maven on PATH: the cache answers.
	t.Setenv("PATH", t.TempDir())
	start = time.Now()
	again, err := ResolveClasspath(t.Context(), kafkaPOM, cfg)
	if err != nil || again != cp {
		t.Fatalf("second resolution: %v (same classpath: %v)", err, again == cp)
	}
	if st2, _ := os.Stat(logPath); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the second resolution ran Maven again")
	}
	t.Logf("%d jars; resolved in %v, from the cache in %v", len(jars), first.Round(time.Millisecond), time.Since(start).Round(time.Microsecond))
}

// findFile returns the one file named name under dir.
func findFile(t *testing.T, dir, name string) string {
	t.Helper()
	var found []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == name {
			found = append(found, p)
		}
		return nil
	})
	if len(found) != 1 {
		t.Fatalf("%d files named %s under %s", len(found), name, dir)
	}
	return found[0]
}

func TestResolveClasspathMissingArtifact(t *testing.T) {
	pom := []byte(`<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>x</groupId><artifactId>y</artifactId><version>0</version><packaging>pom</packaging>
<dependencies><dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>0.0.0-no-such-version</version></dependency></dependencies>
</project>`)
	_, err := ResolveClasspath(t.Context(), pom, MavenConfig{CacheDir: t.TempDir()})
	if !errors.Is(err, ErrMaven) || !strings.Contains(err.Error(), "mvn.log") || !strings.Contains(err.Error(), "0.0.0-no-such-version") {
		t.Fatalf("err = %v, want ErrMaven naming the log and quoting the failure", err)
	}
}

func TestBuildProject(t *testing.T) {
	project := fstest.MapFS{
		"pom.xml": {Data: []byte(`<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>x</groupId><artifactId>hello</artifactId><version>1</version>
<properties><maven.compiler.source>17</maven.compiler.source><maven.compiler.target>17</maven.compiler.target><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
</project>`)},
		"src/main/java/x/Hello.java": {Data: []byte("package x; public class Hello { public static void main(String[] a) { System.out.println(\"hello from \" + a[0]); } }")},
		"target/stale.jar":           {Data: []byte("not part of the project")},
	}
	cache := t.TempDir()
	b, err := BuildProject(t.Context(), project, MavenConfig{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Jars) != 1 || filepath.Base(b.Jars[0]) != "hello-1.jar" {
		t.Fatalf("jars %v, want hello-1.jar", b.Jars)
	}
	p, err := StartProcess(ProcessConfig{Name: "hello", Args: []string{"-cp", b.Jars[0], "x.Hello", "maven"}, LogPath: filepath.Join(t.TempDir(), "hello.log")})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Done():
	case <-time.After(time.Minute):
		_ = p.Kill()
		t.Fatal("java did not exit within a minute")
	}
	if exited, err := p.Exited(); !exited || err != nil || !strings.Contains(p.LogTail(1), "hello from maven") {
		t.Fatalf("run: %v, log %q", err, p.LogTail(5))
	}
	again, err := BuildProject(t.Context(), project, MavenConfig{CacheDir: cache})
	if err != nil || again.Dir != b.Dir {
		t.Fatalf("second build: %v, dir %s vs %s", err, again.Dir, b.Dir)
	}
}
