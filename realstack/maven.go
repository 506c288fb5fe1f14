package realstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

// ErrMavenNotFound: no mvn executable on PATH (nor at MavenConfig.Path).
var ErrMavenNotFound = errors.New("realstack: mvn not found (install Maven 3.8+ and put mvn on PATH)")

// ErrMaven: a Maven run failed; the error names its log file and quotes
// the log's last lines.
var ErrMaven = errors.New("realstack: maven failed")

// CacheEnv is the environment variable naming the cache directory.
const CacheEnv = "FLINKSCALE_REALSTACK_CACHE"

// MavenConfig says how to run Maven and where to keep its results.
type MavenConfig struct {
	// Path is the mvn executable. Default: mvn on PATH. Zero means default.
	Path string
	// CacheDir holds resolved classpaths and built projects, one directory
	// per content hash. Default: DefaultCacheDir(). Zero means default.
	CacheDir string
	// Properties are passed as -Dkey=value and are part of the cache key
	// (e.g. "kafka.version"). Default: none.
	Properties map[string]string
	// Args are more arguments for mvn, before the goals, and part of the
	// cache key: "-o" (offline), "-Dmaven.repo.local=/path", "-s
	// settings.xml". Default: none.
	Args []string
}

// DefaultCacheDir returns $FLINKSCALE_REALSTACK_CACHE when set, else
// os.UserCacheDir()/flinkscale-realstack.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv(CacheEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("realstack: no cache directory (set %s): %w", CacheEnv, err)
	}
	return filepath.Join(d, "flinkscale-realstack"), nil
}

// FindMaven returns mvn on PATH, or an error wrapping ErrMavenNotFound.
func FindMaven() (string, error) {
	p, err := exec.LookPath("mvn")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMavenNotFound, err)
	}
	return p, nil
}

// withDefaults fills CacheDir; Path is found by mavenPath, only when
// Maven must run.
// Validate reports a config ResolveClasspath and BuildProject refuse: a
// property name that is empty or holds '=' or white space (it could not be
// passed as one -Dname=value). Its errors wrap ErrInvalidConfig.
func (c MavenConfig) Validate() error {
	for k := range c.Properties {
		if k == "" || strings.ContainsAny(k, "= \t\n\r") {
			return fmt.Errorf("%w: Maven property name %q", ErrInvalidConfig, k)
		}
	}
	return nil
}

func (c MavenConfig) withDefaults() (MavenConfig, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	var err error
	if c.CacheDir == "" {
		if c.CacheDir, err = DefaultCacheDir(); err != nil {
			return c, err
		}
	}
	return c, nil
}

// mavenPath returns c.Path (checked to exist) or mvn on PATH.
func (c MavenConfig) mavenPath() (string, error) {
	if c.Path == "" {
		return FindMaven()
	}
	if _, err := os.Stat(c.Path); err != nil {
		return "", fmt.Errorf("%w: %v", ErrMavenNotFound, err)
	}
	return c.Path, nil
}

// defines returns the properties as sorted -Dk=v arguments, then Args.
func (c MavenConfig) defines() []string {
	out := make([]string, 0, len(c.Properties)+len(c.Args))
	for k, v := range c.Properties {
		out = append(out, "-D"+k+"="+v)
	}
	sort.Strings(out)
	return append(out, c.Args...)
}

// ResolveClasspath returns the runtime classpath (entries joined with
// os.PathListSeparator) of the Maven project whose pom.xml is pom. It runs
// `mvn dependency:build-classpath` once per content of pom and
// cfg.Properties and keeps the result in cfg.CacheDir/classpath/<hash>/
// (with pom.xml, classpath.txt and mvn.log); later calls, from any process,
// reuse it as long as every jar it lists still exists (Maven is only
// needed when it does not). Concurrent callers
// wait for one another through a lock file. ctx bounds the Maven run.
func ResolveClasspath(ctx context.Context, pom []byte, cfg MavenConfig) (string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cfg.CacheDir, "classpath", cacheKey("classpath", cfg.defines(), map[string][]byte{"pom.xml": pom}))
	out := filepath.Join(dir, "classpath.txt")
	var cp string
	err = withCacheLock(ctx, dir, func() error {
		if b, err := os.ReadFile(out); err == nil && allExist(string(b)) {
			cp = string(b)
			return nil
		}
		if err := os.WriteFile(filepath.Join(dir, "pom.xml"), pom, 0o644); err != nil {
			return err
		}
		tmp := out + ".tmp"
		args := append([]string{"-B", "-ntp", "-f", "pom.xml"}, cfg.defines()...)
		args = append(args, "dependency:build-classpath", "-Dmdep.includeScope=runtime", "-Dmdep.outputFile="+tmp)
		if err := runMaven(ctx, cfg, dir, args); err != nil {
			return err
		}
		b, err := os.ReadFile(tmp)
		if err != nil {
			return fmt.Errorf("%w: no classpath written (%v); log %s", ErrMaven, err, filepath.Join(dir, "mvn.log"))
		}
		cp = strings.TrimSpace(string(b))
		if err := os.WriteFile(tmp, []byte(cp), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, out)
	})
	return cp, err
}

// MavenBuild is a Maven project built by BuildProject.
type MavenBuild struct {
	// Dir is the copy of the project that was built; Dir/target holds the
	// build's outputs.
	Dir string
	// Jars are the jars directly in Dir/target, sorted.
	Jars []string
	// Log is the Maven log of the build.
	Log string
}

// BuildProject copies the Maven project in project (a pom.xml at its root,
// e.g. an embed.FS sub-tree or os.DirFS) into cfg.CacheDir/build/<hash>/src
// and runs `mvn package -DskipTests` there, once per content of the project
// and cfg.Properties; later calls reuse the build. Nothing is written into
// the project itself (target/ directories in it are skipped). ctx bounds the
// Maven run.
func BuildProject(ctx context.Context, project fs.FS, cfg MavenConfig) (*MavenBuild, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	files, err := readProject(project)
	if err != nil {
		return nil, err
	}
	if _, ok := files["pom.xml"]; !ok {
		return nil, fmt.Errorf("realstack: BuildProject: no pom.xml at the project's root")
	}
	dir := filepath.Join(cfg.CacheDir, "build", cacheKey("build", cfg.defines(), files))
	b := &MavenBuild{Dir: filepath.Join(dir, "src"), Log: filepath.Join(dir, "mvn.log")}
	done := filepath.Join(dir, "done")
	err = withCacheLock(ctx, dir, func() error {
		if _, err := os.Stat(done); err == nil {
			return nil
		}
		if err := os.RemoveAll(b.Dir); err != nil {
			return err
		}
		for name, data := range files {
			p := filepath.Join(b.Dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return err
			}
		}
		args := append([]string{"-B", "-ntp", "-f", filepath.Join(b.Dir, "pom.xml")}, cfg.defines()...)
		args = append(args, "-DskipTests", "package")
		if err := runMaven(ctx, cfg, dir, args); err != nil {
			return err
		}
		return os.WriteFile(done, nil, 0o644)
	})
	if err != nil {
		return nil, err
	}
	b.Jars, _ = filepath.Glob(filepath.Join(b.Dir, "target", "*.jar"))
	slices.Sort(b.Jars)
	return b, nil
}

// readProject reads every regular file of project, skipping target/ trees.
func readProject(project fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(project, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "target" {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(project, p)
		files[p] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("realstack: reading the Maven project: %w", err)
	}
	return files, nil
}

// cacheKey hashes kind, the defines and the files (by name and content).
func cacheKey(kind string, defines []string, files map[string][]byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%q\n", kind, defines)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "%q %d\n", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// allExist reports whether every entry of the classpath cp exists.
func allExist(cp string) bool {
	if strings.TrimSpace(cp) == "" {
		return false
	}
	for _, p := range filepath.SplitList(strings.TrimSpace(cp)) {
		if _, err := os.Stat(p); err != nil {
			return false
		}
	}
	return true
}

// runMaven runs mvn with args in dir, its output in dir/mvn.log, killed
// (with its process group) when ctx ends.
func runMaven(ctx context.Context, cfg MavenConfig, dir string, args []string) error {
	mvn, err := cfg.mavenPath()
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "mvn.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== realstack %s: %s %s\n", time.Now().Format(time.RFC3339), mvn, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, mvn, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return signalGroup(cmd.Process, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%v (%w)", err, ctx.Err())
		}
		return fmt.Errorf("%w: %s %s after %v: %w; log %s, last lines:\n%s", ErrMaven, filepath.Base(mvn),
			strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err, logPath, tailFile(logPath, logTailLines))
	}
	return nil
}

// withCacheLock creates dir and runs fn holding an exclusive lock on
// dir.lock, waiting for other holders until ctx ends.
func withCacheLock(ctx context.Context, dir string, fn func() error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("realstack: cache: %w", err)
	}
	unlock, err := lockFile(ctx, dir+".lock")
	if err != nil {
		return fmt.Errorf("realstack: cache lock: %w", err)
	}
	defer unlock()
	return fn()
}
