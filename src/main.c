/* The gotrace command line. Exit status: 0 success, 1 bad trace or I/O
 * failure, 2 usage error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#include "gofmt.h"
#include "gotrace/decoder.h"
#include "gotrace/model.h"
#include "idmap.h"
#include "input.h"
#include "mmu.h"
#include "gaps.h"
#include "chrome.h"
#include "pprof.h"
#include "report.h"
#ifdef GT_HAVE_VIEWER
#include "viewer.h"
#endif

#define EXIT_BAD 1
#define EXIT_USAGE 2

typedef struct command {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(int argc, char **argv);
} command;

static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static void report_error(const char *path, const gt_error *e)
{
	fprintf(stderr, "gotrace: %s: offset %" PRIu64 ": %s\n", path, e->offset, e->detail);
}

static void report_truncation(const char *path, const gt_trace_info *info)
{
	uint64_t lost = info->size - info->valid_bytes;
	fprintf(stderr,
	        "gotrace: %s: warning: trace cut short at offset %" PRIu64 ": %s; decoded %" PRIu64
	        " complete generations, lost %" PRIu64 " of %" PRIu64 " bytes (%.2f%%)\n",
	        path, info->truncation.offset, info->truncation.detail, info->generations, lost, info->size,
	        info->size ? 100.0 * (double)lost / (double)info->size : 0.0);
}

/* After the last event: reports an error or a cut-short trace and returns
 * the exit status. A cut that leaves no complete generation is an error:
 * there is nothing to show. */
static int finish_trace(const char *path, gt_trace *t, gt_status s, const gt_error *e)
{
	if (s != GT_EOF) {
		report_error(path, e);
		return EXIT_BAD;
	}
	gt_trace_info info;
	gt_trace_info_get(t, &info);
	if (!info.truncated)
		return 0;
	if (info.generations == 0) {
		fprintf(stderr, "gotrace: %s: offset %" PRIu64 ": %s (no complete generation)\n", path,
		        info.truncation.offset, info.truncation.detail);
		return EXIT_BAD;
	}
	report_truncation(path, &info);
	return 0;
}

/* Opens path and its decoder; on failure prints the error and returns the
 * exit status to use. */
static int open_trace(const char *path, gt_input *in, gt_trace **t)
{
	if (gt_input_open(in, path) != 0) {
		fprintf(stderr, "gotrace: %s: %s\n", path, strerror(errno));
		return EXIT_BAD;
	}
	gt_error e;
	if (gt_trace_open(in->data, in->len, t, &e) != GT_OK) {
		report_error(path, &e);
		gt_input_close(in);
		return EXIT_BAD;
	}
	return 0;
}

static int one_file_arg(int argc, char **argv, const char *usage, const char **path)
{
	*path = NULL;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "gotrace: unknown option %s\nusage: %s\n", argv[i], usage);
			return EXIT_USAGE;
		}
		if (*path) {
			fprintf(stderr, "gotrace: too many arguments\nusage: %s\n", usage);
			return EXIT_USAGE;
		}
		*path = argv[i];
	}
	if (!*path) {
		fprintf(stderr, "gotrace: missing FILE\nusage: %s\n", usage);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- dump ---- */

static int cmd_dump(int argc, char **argv)
{
	const char *path;
	int r = one_file_arg(argc, argv, "gotrace dump FILE", &path);
	if (r)
		return r;
	gt_input in;
	gt_trace *t;
	if ((r = open_trace(path, &in, &t)))
		return r;
	gf_buf out = {.out = stdout};
	gt_event ev;
	gt_error e;
	gt_status s;
	while ((s = gt_trace_next(t, &ev, &e)) == GT_OK)
		gf_event(&out, &ev);
	gf_flush(&out);
	gf_free(&out);
	if (fflush(stdout) != 0 || out.error) {
		fprintf(stderr, "gotrace: writing output: %s\n", strerror(errno));
		r = EXIT_BAD;
	}
	if (finish_trace(path, t, s, &e))
		r = EXIT_BAD;
	gt_trace_close(t);
	gt_input_close(&in);
	return r;
}

/* ---- info ---- */

static void print_duration(int64_t ns)
{
	if (ns < 1000)
		printf("%" PRId64 "ns", ns);
	else if (ns < 1000000)
		printf("%.3fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		printf("%.3fms", (double)ns / 1e6);
	else
		printf("%.3fs", (double)ns / 1e9);
}

static const char *writers(unsigned version)
{
	switch (version) {
	case 11:
		return "Go 1.11-1.18";
	case 19:
		return "Go 1.19-1.20"; /* Go 1.20 kept the 1.19 format */
	case 21:
		return "Go 1.21";
	case 22:
		return "Go 1.22";
	case 23:
		return "Go 1.23-1.24";
	case 25:
		return "Go 1.25";
	case 26:
		return "Go 1.26-1.27";
	}
	return "an unknown Go version";
}

static int cmd_info(int argc, char **argv)
{
	const char *path;
	int r = one_file_arg(argc, argv, "gotrace info FILE", &path);
	if (r)
		return r;
	gt_input in;
	gt_trace *t;
	if ((r = open_trace(path, &in, &t)))
		return r;

	uint64_t by_kind[GT_EV_KIND_COUNT] = {0};
	uint64_t total = 0, gc_cycles = 0, stw = 0, samples = 0;
	int64_t first = 0, last = 0;
	/* Distinct goroutines, Ps and threads. */
	idmap gs = {0}, ps = {0}, ms = {0};
	gt_event ev;
	gt_error e;
	gt_status s;
	int oom = 0;
	while ((s = gt_trace_next(t, &ev, &e)) == GT_OK) {
		by_kind[ev.kind]++;
		if (ev.kind == GT_EV_SYNC)
			continue;
		if (!total)
			first = ev.time;
		last = ev.time;
		total++;
		if (ev.goroutine != GT_NO_ID)
			oom |= idmap_put(&gs, (uint64_t)(ev.goroutine), 0);
		if (ev.proc != GT_NO_ID)
			oom |= idmap_put(&ps, (uint64_t)(ev.proc), 0);
		if (ev.thread != GT_NO_ID)
			oom |= idmap_put(&ms, (uint64_t)(ev.thread), 0);
		if (ev.kind == GT_EV_STATE_TRANSITION) {
			if (ev.u.transition.resource == GT_RES_GOROUTINE)
				oom |= idmap_put(&gs, (uint64_t)(ev.u.transition.id), 0);
			else
				oom |= idmap_put(&ps, (uint64_t)(ev.u.transition.id), 0);
		} else if (ev.kind == GT_EV_RANGE_BEGIN) {
			gc_cycles += ev.u.range.id == GT_RANGE_GC_MARK;
			stw += ev.u.range.id == GT_RANGE_STW;
		} else if (ev.kind == GT_EV_STACK_SAMPLE) {
			samples++;
		}
	}
	gt_trace_info info;
	gt_trace_info_get(t, &info);
	printf("file:          %s\n", path);
	printf("format:        go 1.%u (%s format, written by %s)\n", info.version,
	       info.format == GT_FORMAT_V2 ? "v2" : "v1", writers(info.version));
	printf("size:          %" PRIu64 " bytes\n", info.size);
	printf("generations:   %" PRIu64 "\n", info.generations);
	printf("events:        %" PRIu64 "\n", total);
	printf("time span:     ");
	print_duration(last - first);
	printf(" (%" PRId64 " .. %" PRId64 " ns)\n", first, last);
	printf("goroutines:    %zu\n", gs.len);
	printf("procs:         %zu\n", ps.len);
	printf("threads:       %zu\n", ms.len);
	printf("gc cycles:     %" PRIu64 "\n", gc_cycles);
	printf("stw pauses:    %" PRIu64 "\n", stw);
	printf("cpu samples:   %" PRIu64 "\n", samples);
	if (s == GT_EOF && info.truncated)
		printf("truncated:     yes, %" PRIu64 " of %" PRIu64 " bytes lost (%s)\n", info.size - info.valid_bytes,
		       info.size, info.truncation.detail);
	else if (s == GT_EOF)
		printf("truncated:     no\n");
	else
		printf("truncated:     decoding failed at offset %" PRIu64 "\n", e.offset);
	printf("events by kind:\n");
	for (int k = 1; k < GT_EV_KIND_COUNT; k++)
		if (by_kind[k])
			printf("  %-16s %" PRIu64 "\n", gt_event_kind_str((gt_event_kind)k), by_kind[k]);
	idmap_free(&gs);
	idmap_free(&ps);
	idmap_free(&ms);
	if (oom) {
		fprintf(stderr, "gotrace: out of memory\n");
		r = EXIT_BAD;
	}
	if (finish_trace(path, t, s, &e))
		r = EXIT_BAD;
	gt_trace_close(t);
	gt_input_close(&in);
	return r;
}


/* ---- bench ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* What one benchmark phase measured, passed back from a child process so
 * each phase has its own peak RSS. */
typedef struct phase_result {
	int ok;
	uint64_t events;
	double secs, cpu_secs;
	double report_secs; /* phase 2: the report alone */
	long peak_kb;
} phase_result;

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

/* Phase 0: decode only. 1: decode and build the model, with the level of
 * detail the viewer builds as it loads. 2: also write the gap report as
 * `gotrace gaps FILE` prints it (to /dev/null). */
static phase_result bench_phase(const char *path, int phase)
{
	phase_result pr = {0};
	double t0 = now_s(), c0 = cpu_s();
	gt_input in;
	gt_trace *t;
	if (open_trace(path, &in, &t))
		return pr;
	gt_error e;
	if (phase == 0) {
		gt_event ev;
		gt_status s;
		while ((s = gt_trace_next(t, &ev, &e)) == GT_OK) {
			pr.events++;
			if (ev.kind == GT_EV_SYNC)
				gt_input_retire(&in, ev.offset);
		}
		pr.ok = finish_trace(path, t, s, &e) == 0;
	} else {
		gt_model *m;
		gt_status s = gt_model_build(t, &m, gt_input_retire_progress, &in, &e);
		pr.ok = finish_trace(path, t, s == GT_OK ? GT_EOF : s, &e) == 0;
		/* As load_model does. */
		gt_trace_close(t);
		t = NULL;
		if (pr.ok)
			gt_model_warm_lod(m, GT_LOD_EAGER_SPANS);
		if (pr.ok && phase == 2) {
			double r0 = now_s();
			FILE *null = fopen("/dev/null", "w");
			gf_buf b = {.out = null};
			gp_options o = {.min_ns = 1000000, .to_ns = -1, .top = -1, .file = path};
			gp_gaps(&b, m, RP_TEXT, &o);
			gf_flush(&b);
			gf_free(&b);
			if (null)
				fclose(null);
			pr.report_secs = now_s() - r0;
		}
		gt_model_free(m);
	}
	gt_trace_close(t);
	gt_input_close(&in);
	pr.secs = now_s() - t0;
	pr.cpu_secs = cpu_s() - c0;
	pr.peak_kb = peak_rss_kb();
	return pr;
}

static phase_result run_phase(const char *path, int phase)
{
	phase_result pr = {0};
	int fds[2];
	if (pipe(fds) != 0)
		return pr;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		phase_result r = bench_phase(path, phase);
		ssize_t w = write(fds[1], &r, sizeof r);
		_exit(w == (ssize_t)sizeof r ? 0 : 1);
	}
	close(fds[1]);
	if (pid > 0 && read(fds[0], &pr, sizeof pr) != (ssize_t)sizeof pr)
		memset(&pr, 0, sizeof pr);
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pr;
}

/* Go's own reader on the same file, through tests/gotools' goreader. */
static int run_go_reader(const char *tool, const char *path, double *mbs, double *secs, double *rss_mb)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "'%s' '%s' 2>/dev/null", tool, path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char line[4096] = "";
	char *got = fgets(line, sizeof line, p);
	int rc = pclose(p);
	if (!got || rc != 0)
		return -1;
	char *f;
	*mbs = *secs = *rss_mb = 0;
	if ((f = strstr(line, "MB_s=")))
		*mbs = atof(f + 5);
	if ((f = strstr(line, "decode_s=")))
		*secs = atof(f + 9);
	if ((f = strstr(line, "rss_MB=")))
		*rss_mb = atof(f + 7);
	return *mbs > 0 ? 0 : -1;
}

/* Time the hypervisor gave other machines (steal, in clock ticks), or -1
 * where /proc/stat does not say: a shared host slows every phase alike,
 * so the report shows how much it did. */
static long long steal_ticks(void)
{
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	long long v[8] = {0};
	int n = fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
	               &v[7]);
	fclose(f);
	return n == 8 ? v[7] : -1;
}

static int cmp_phase_secs(const void *a, const void *b)
{
	double x = ((const phase_result *)a)->secs, y = ((const phase_result *)b)->secs;
	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#define BENCH_MAX_REPEAT 25

static int cmd_bench(int argc, char **argv)
{
	static const char usage_text[] = "gotrace bench [--repeat N] [--go-reader PATH] FILE";
	const char *path = NULL, *go_reader = getenv("GOTRACE_GOREADER");
	int repeat = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--go-reader") == 0 && i + 1 < argc)
			go_reader = argv[++i];
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			char *end;
			long r = strtol(argv[++i], &end, 10);
			if (*end || r < 1 || r > BENCH_MAX_REPEAT) {
				fprintf(stderr, "gotrace: --repeat takes 1 to %d\nusage: %s\n", BENCH_MAX_REPEAT, usage_text);
				return EXIT_USAGE;
			}
			repeat = (int)r;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "gotrace: unknown option %s\nusage: %s\n", argv[i], usage_text);
			return EXIT_USAGE;
		} else if (!path)
			path = argv[i];
		else {
			fprintf(stderr, "gotrace: too many arguments\nusage: %s\n", usage_text);
			return EXIT_USAGE;
		}
	}
	if (!path) {
		fprintf(stderr, "gotrace: missing FILE\nusage: %s\n", usage_text);
		return EXIT_USAGE;
	}
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "gotrace: %s: %s\n", path, strerror(errno));
		return EXIT_BAD;
	}
	if (!go_reader && access("build-go/goreader", X_OK) == 0)
		go_reader = "build-go/goreader";
	double mb = (double)st.st_size / 1e6;
	/* Rounds interleave the phases and Go's reader, so a machine that
	 * slows down for a while slows all of them; each is reported by its
	 * median round. */
	phase_result dec[BENCH_MAX_REPEAT], mod[BENCH_MAX_REPEAT], gap[BENCH_MAX_REPEAT];
	double gsecs[BENCH_MAX_REPEAT], gmbs[BENCH_MAX_REPEAT], grss[BENCH_MAX_REPEAT];
	int ngo = 0;
	long long steal0 = steal_ticks();
	double t0 = now_s();
	for (int r = 0; r < repeat; r++) {
		dec[r] = run_phase(path, 0);
		mod[r] = run_phase(path, 1);
		gap[r] = run_phase(path, 2);
		if (!dec[r].ok || !mod[r].ok || !gap[r].ok)
			return EXIT_BAD;
		if (go_reader && run_go_reader(go_reader, path, &gmbs[ngo], &gsecs[ngo], &grss[ngo]) == 0)
			ngo++;
	}
	double wall = now_s() - t0;
	long long steal1 = steal_ticks();
	qsort(dec, (size_t)repeat, sizeof *dec, cmp_phase_secs);
	qsort(mod, (size_t)repeat, sizeof *mod, cmp_phase_secs);
	qsort(gap, (size_t)repeat, sizeof *gap, cmp_phase_secs);
	const phase_result *d = &dec[repeat / 2], *md = &mod[repeat / 2], *gp = &gap[repeat / 2];
	printf("file=%s bytes=%lld events=%" PRIu64 "\n", path, (long long)st.st_size, d->events);
	if (repeat > 1)
		printf("rounds:        %d, each figure the median round (decode %.3f-%.3f s, decode+model %.3f-%.3f s)\n",
		       repeat, dec[0].secs, dec[repeat - 1].secs, mod[0].secs, mod[repeat - 1].secs);
	printf("decode:        %7.3f s  %7.1f MB/s  %6.2f M events/s  cpu %.3f s  peak RSS %7.1f MB (%.2fx file)\n",
	       d->secs, mb / d->secs, (double)d->events / d->secs / 1e6, d->cpu_secs, (double)d->peak_kb / 1024,
	       (double)d->peak_kb / 1024 / mb);
	printf("decode+model:  %7.3f s  %7.1f MB/s  %6.2f M events/s  cpu %.3f s  peak RSS %7.1f MB (%.2fx file)  "
	       "model + level of detail add %.3f s\n",
	       md->secs, mb / md->secs, (double)d->events / md->secs / 1e6, md->cpu_secs, (double)md->peak_kb / 1024,
	       (double)md->peak_kb / 1024 / mb, md->secs - d->secs);
	printf("gap report:    %7.3f s  (text, gaps >= 1ms)  report %.3f s  peak RSS %7.1f MB\n", gp->secs,
	       gp->report_secs, (double)gp->peak_kb / 1024);
	if (ngo) {
		/* Medians of each column on their own: a round's figures come
		 * from one run, so they sort alike. */
		qsort(gsecs, (size_t)ngo, sizeof *gsecs, cmp_double);
		qsort(gmbs, (size_t)ngo, sizeof *gmbs, cmp_double);
		qsort(grss, (size_t)ngo, sizeof *grss, cmp_double);
		double gs = gsecs[ngo / 2];
		printf("go reader:     %7.3f s  %7.1f MB/s  peak RSS %7.1f MB  -> gotrace decode is %.1fx faster, "
		       "decode+model takes %.2fx its time\n",
		       gs, gmbs[ngo / 2], grss[ngo / 2], gs / d->secs, md->secs / gs);
	} else {
		printf("go reader:     not run (build it with tests/gotools/build.sh; pass --go-reader PATH)\n");
	}
	long hz = sysconf(_SC_CLK_TCK);
	if (steal0 >= 0 && steal1 >= steal0 && hz > 0 && wall > 0)
		printf("machine:       %.0f%% of a core stolen by the host during the run\n",
		       100.0 * (double)(steal1 - steal0) / (double)hz / wall);
	return 0;
}

/* ---- commands over the model ---- */

/* Common options of the report commands. */
typedef struct opts {
	const char *path;
	const char **paths; /* all FILE arguments (argv order), npaths of them */
	int npaths;
	const char *out;
	int format;
	const char *format_name; /* export's formats are not report formats */
	const char *profile;
	bool group;
	gp_options gaps;
} opts;

/* Parses FILE plus the options named in `allowed` ("format,group,o"). */
static int parse_opts(int argc, char **argv, const char *usage, const char *allowed, opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = RP_TEXT;
	o->gaps.min_ns = 1000000;
	o->gaps.to_ns = -1;
	o->gaps.top = -1;
	o->paths = calloc((size_t)argc, sizeof *o->paths);
	if (!o->paths)
		return EXIT_BAD;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (a[0] != '-' || a[1] == '\0') {
			if (o->path && !strstr(allowed, "many")) {
				fprintf(stderr, "gotrace: too many arguments\nusage: %s\n", usage);
				return EXIT_USAGE;
			}
			if (!o->path)
				o->path = a;
			o->paths[o->npaths++] = a;
			continue;
		}
		while (*a == '-')
			a++;
		char name[32];
		const char *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		snprintf(name, sizeof name, "%.*s", (int)n, a);
		bool known = false;
		for (const char *p = allowed; *p;) {
			const char *c = strchr(p, ',');
			size_t len = c ? (size_t)(c - p) : strlen(p);
			if (len == strlen(name) && strncmp(p, name, len) == 0)
				known = true;
			p += len + (c ? 1 : 0);
		}
		if (!known) {
			fprintf(stderr, "gotrace: unknown option %s\nusage: %s\n", argv[i], usage);
			return EXIT_USAGE;
		}
		if (strcmp(name, "group") == 0) {
			o->group = true;
			continue;
		}
		val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if (!val) {
			fprintf(stderr, "gotrace: option %s needs a value\nusage: %s\n", argv[i], usage);
			return EXIT_USAGE;
		}
		if (strcmp(name, "format") == 0) {
			o->format_name = val;
			o->format = rp_parse_format(val);
			if (o->format < 0 && !strstr(allowed, "export")) {
				fprintf(stderr, "gotrace: unknown format %s\nusage: %s\n", val, usage);
				return EXIT_USAGE;
			}
		} else if (strcmp(name, "o") == 0) {
			o->out = val;
		} else if (strcmp(name, "profile") == 0) {
			o->profile = val;
		} else if (strcmp(name, "goroutine") == 0) {
			o->gaps.name_filter = val;
		} else if (strcmp(name, "top") == 0) {
			char *end;
			o->gaps.top = strtol(val, &end, 10);
			if (*end || o->gaps.top < 0) {
				fprintf(stderr, "gotrace: --top wants a count, not %s\n", val);
				return EXIT_USAGE;
			}
		} else {
			int64_t *dst = strcmp(name, "min") == 0 ? &o->gaps.min_ns : strcmp(name, "from") == 0 ? &o->gaps.from_ns : &o->gaps.to_ns;
			if (gp_parse_duration(val, dst) != 0) {
				fprintf(stderr, "gotrace: --%s wants a duration like 250us, 1.5ms or 2s, not %s\n", name, val);
				return EXIT_USAGE;
			}
		}
	}
	if (!o->path) {
		fprintf(stderr, "gotrace: missing FILE\nusage: %s\n", usage);
		return EXIT_USAGE;
	}
	return 0;
}

/* Opens the trace and builds its model. On failure prints why and returns
 * the exit status. The decoder is closed once the model is built: the
 * model keeps nothing of it, and a report has no use for the buffers of
 * its last generations. */
static int load_model(const char *path, gt_input *in, gt_model **m)
{
	gt_trace *t;
	int r = open_trace(path, in, &t);
	if (r)
		return r;
	gt_error e;
	gt_status s = gt_model_build(t, m, gt_input_retire_progress, in, &e);
	r = finish_trace(path, t, s == GT_OK ? GT_EOF : s, &e);
	gt_trace_close(t);
	if (r) {
		gt_model_free(*m);
		gt_input_close(in);
		*m = NULL;
	}
	return r;
}

static FILE *open_output(const char *out)
{
	if (!out || strcmp(out, "-") == 0)
		return stdout;
	FILE *f = fopen(out, "w");
	if (!f)
		fprintf(stderr, "gotrace: %s: %s\n", out, strerror(errno));
	return f;
}

static int close_output(FILE *f, gf_buf *b)
{
	gf_flush(b);
	int bad = b->error;
	gf_free(b);
	if (f != stdout)
		bad |= fclose(f) != 0;
	else
		bad |= fflush(f) != 0;
	if (bad)
		fprintf(stderr, "gotrace: writing output: %s\n", strerror(errno));
	return bad ? EXIT_BAD : 0;
}

static int cmd_goroutines(int argc, char **argv)
{
	static const char usage_text[] = "gotrace goroutines [--format text|csv|json|jsonl] [--group] [-o OUT] FILE";
	opts o;
	int r = parse_opts(argc, argv, usage_text, "format,group,o", &o);
	free(o.paths);
	if (r)
		return r;
	if (o.format != RP_TEXT && o.format != RP_CSV && o.format != RP_JSON && o.format != RP_JSONL) {
		fprintf(stderr, "gotrace: goroutines: format must be text, csv, json or jsonl\n");
		return EXIT_USAGE;
	}
	gt_input in;
	gt_model *m;
	if ((r = load_model(o.path, &in, &m)))
		return r;
	FILE *f = open_output(o.out);
	if (f) {
		gf_buf b = {.out = f};
		rp_goroutines(&b, m, (rp_format)o.format, o.group);
		r = close_output(f, &b);
	} else {
		r = EXIT_BAD;
	}
	gt_model_free(m);
	gt_input_close(&in);
	return r;
}

/* Runs a report over the model of every FILE into one output. */
static int report_files(opts *o, rp_format f, void (*report)(gf_buf *, const gt_model *, rp_format, opts *, const char *))
{
	FILE *out = open_output(o->out);
	if (!out)
		return EXIT_BAD;
	gf_buf b = {.out = out};
	int r = 0;
	for (int i = 0; i < o->npaths; i++) {
		gt_input in;
		gt_model *m;
		int lr = load_model(o->paths[i], &in, &m);
		if (lr) {
			r = lr;
			continue;
		}
		report(&b, m, f, o, o->paths[i]);
		gt_model_free(m);
		gt_input_close(&in);
	}
	int w = close_output(out, &b);
	return r ? r : w;
}

static void gaps_one(gf_buf *b, const gt_model *m, rp_format f, opts *o, const char *path)
{
	o->gaps.file = path;
	gp_gaps(b, m, f, &o->gaps);
}

static int cmd_gaps(int argc, char **argv)
{
	static const char usage_text[] =
		"gotrace gaps [--min DURATION] [--from T] [--to T] [--goroutine PATTERN] [--top N]\n"
		"                   [--format text|csv|json|jsonl|md|html] [-o OUT] FILE...";
	opts o;
	int r = parse_opts(argc, argv, usage_text, "min,from,to,goroutine,top,format,o,many", &o);
	if (!r && o.npaths > 1 && o.format != RP_JSONL) {
		fprintf(stderr, "gotrace: gaps: several files need --format jsonl\n");
		r = EXIT_USAGE;
	}
	if (!r)
		r = report_files(&o, (rp_format)o.format, gaps_one);
	free(o.paths);
	return r;
}

static void leaks_one(gf_buf *b, const gt_model *m, rp_format f, opts *o, const char *path)
{
	(void)o;
	gp_leaks(b, m, f, path);
}

static int cmd_leaks(int argc, char **argv)
{
	static const char usage_text[] = "gotrace leaks [--format text|json|jsonl] [-o OUT] FILE";
	opts o;
	int r = parse_opts(argc, argv, usage_text, "format,o", &o);
	if (!r && o.format != RP_TEXT && o.format != RP_JSON && o.format != RP_JSONL) {
		fprintf(stderr, "gotrace: leaks: format must be text, json or jsonl\n");
		r = EXIT_USAGE;
	}
	if (!r)
		r = report_files(&o, (rp_format)o.format, leaks_one);
	free(o.paths);
	return r;
}

/* The MMU makes its own pass over the events: it needs no model. */
static int cmd_mmu(int argc, char **argv)
{
	mu_opts o;
	int r = mu_parse_args(argc, argv, &o);
	gt_input in;
	gt_trace *t;
	if (r || (r = open_trace(o.path, &in, &t)))
		return r;
	mu_util *u;
	gt_error e;
	r = finish_trace(o.path, t, mu_util_read(t, o.flags, &u, &e), &e);
	if (!r) {
		gf_buf b = {.out = stdout};
		if (mu_print(&b, u, o.json) != GT_OK) {
			fprintf(stderr, "gotrace: %s: out of memory\n", o.path);
			r = EXIT_BAD;
		}
		r |= close_output(stdout, &b);
	}
	mu_util_free(u);
	gt_trace_close(t);
	gt_input_close(&in);
	return r;
}

/* ---- export ---- */

#define EXPORT_USAGE                                                                                       \
	"gotrace export --format pprof --profile sched|sync|net|syscall [-o OUT] FILE\n"                      \
	"       gotrace export --format pprof --profile gaps [--min DURATION] [-o OUT] FILE\n"                \
	"       gotrace export --format chrome [--from T] [--to T] [-o OUT.json] FILE"

/* Go's four profiles come from a pass over the events, as go tool trace
 * computes them; the gap profile comes from the model. */
static int export_pprof(const opts *o, pp_kind k)
{
	pp_profile *p = pp_new(k);
	if (!p) {
		fprintf(stderr, "gotrace: out of memory\n");
		return EXIT_BAD;
	}
	gt_input in;
	gt_trace *t = NULL;
	gt_model *m = NULL;
	int r;
	if (k == PP_GAPS) {
		if ((r = load_model(o->path, &in, &m))) {
			pp_free(p);
			return r;
		}
		if (pp_from_gaps(p, m, o->gaps.min_ns) != 0) {
			fprintf(stderr, "gotrace: out of memory\n");
			r = EXIT_BAD;
		}
	} else {
		if ((r = open_trace(o->path, &in, &t))) {
			pp_free(p);
			return r;
		}
		gt_error e;
		r = finish_trace(o->path, t, pp_from_trace(p, t, &e), &e);
	}
	if (!r) {
		FILE *f = open_output(o->out);
		if (f) {
			gf_buf b = {.out = f};
			pp_write(p, &b);
			r = close_output(f, &b);
		} else {
			r = EXIT_BAD;
		}
	}
	pp_free(p);
	gt_model_free(m);
	gt_trace_close(t);
	gt_input_close(&in);
	return r;
}

static int cmd_export(int argc, char **argv)
{
	opts o;
	int r = parse_opts(argc, argv, EXPORT_USAGE, "format,profile,min,from,to,o,export", &o);
	free(o.paths);
	if (r)
		return r;
	const char *fmt = o.format_name ? o.format_name : "";
	if (strcmp(fmt, "pprof") == 0) {
		int k = o.profile ? pp_parse_kind(o.profile) : -1;
		if (k < 0) {
			fprintf(stderr, "gotrace: export: --profile must be sched, sync, net, syscall or gaps\nusage: %s\n",
			        EXPORT_USAGE);
			return EXIT_USAGE;
		}
		return export_pprof(&o, (pp_kind)k);
	}
	if (strcmp(fmt, "chrome") == 0) {
		gt_input in;
		gt_model *m;
		if ((r = load_model(o.path, &in, &m)))
			return r;
		FILE *f = open_output(o.out);
		if (f) {
			gf_buf b = {.out = f};
			ch_export(&b, m, o.gaps.from_ns, o.gaps.to_ns);
			r = close_output(f, &b);
		} else {
			r = EXIT_BAD;
		}
		gt_model_free(m);
		gt_input_close(&in);
		return r;
	}
	fprintf(stderr, "gotrace: export: --format must be pprof or chrome\nusage: %s\n", EXPORT_USAGE);
	return EXIT_USAGE;
}

/* ---- view: the viewer lives in viewer/, built only when enabled ---- */

static int cmd_view(int argc, char **argv)
{
#ifdef GT_HAVE_VIEWER
	return viewer_main(argc, argv);
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "gotrace: view: this gotrace was built without the viewer (-Dviewer=disabled, or SDL2 or "
	                "cairo missing); the other commands work\n");
	return EXIT_BAD;
#endif
}

static const command commands[] = {
	{"view", "the timeline viewer (--screenshot OUT.png renders it without a display)",
	 "gotrace view FILE [--size WxH] [--from T] [--to T] [--select-gap N] [--threshold T] "
	 "[--screenshot OUT.png [--window]] [--bench]",
	 cmd_view},
	{"info", "format version, duration, counts, generations, truncation", "gotrace info FILE", cmd_info},
	{"dump", "every event, in the format of `go tool trace -d=parsed`", "gotrace dump FILE", cmd_dump},
	{"goroutines", "per-goroutine summaries, as go tool trace's goroutine analysis",
	 "gotrace goroutines [--format text|csv|json|jsonl] [--group] [-o OUT] FILE", cmd_goroutines},
	{"gaps", "scheduler-latency gaps with their causes, beside STW pauses, assists and syscalls",
	 "gotrace gaps [--min D] [--from T] [--to T] [--goroutine PATTERN] [--top N] [--format text|csv|json|jsonl|md|html] "
	 "[-o OUT] FILE...",
	 cmd_gaps},
	{"leaks", "goroutines still blocked at the end, grouped by reason and stack", "gotrace leaks [--format text|json] FILE",
	 cmd_leaks},
	{"mmu", MU_SUMMARY, MU_USAGE, cmd_mmu},
	{"export", "pprof profiles (as go tool trace -pprof) and Chrome trace-event JSON for Perfetto", EXPORT_USAGE,
	 cmd_export},
	{"bench", "decode, model and report throughput and peak memory, beside Go's reader",
	 "gotrace bench [--go-reader PATH] FILE", cmd_bench},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gotrace COMMAND [OPTIONS] FILE\n\n"
	           "Reads Go execution traces (runtime/trace, go test -trace, /debug/pprof/trace).\n"
	           "FILE may be - for standard input.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun `gotrace COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (wants_help(argc - 1, argv + 1)) {
			printf("usage: %s\n\n%s\n", commands[i].usage, commands[i].summary);
			return 0;
		}
		return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "gotrace: unknown command %s\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
