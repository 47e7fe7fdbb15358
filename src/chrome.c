/* Chrome trace-event JSON (the format Perfetto and chrome://tracing import):
 * one process per kind of track -- the runtime (GC, stop-the-world and the
 * counters), Ps, goroutines, threads -- each track a thread named by "M"
 * metadata events, spans as complete ("X") events, counters as "C" events,
 * and an "s"/"f" flow from each unblocking goroutine to the moment the
 * unblocked one starts running. */
#include <string.h>

#include "chrome.h"
#include "report.h"

typedef struct ch_ctx {
	gf_buf *b;
	const gt_model *m;
	int64_t from, to;
	bool first;
} ch_ctx;

/* Microseconds with nanosecond precision: Perfetto keeps the fraction. */
static void put_us(gf_buf *b, int64_t ns)
{
	if (ns < 0) {
		gf_putc(b, '-');
		ns = -ns;
	}
	gf_i64(b, ns / 1000);
	int64_t frac = ns % 1000;
	if (frac) {
		char t[5] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10), (char)('0' + frac % 10), 0};
		gf_puts(b, t);
	}
}

/* Starts an event object: separators and the fields every event has. */
static void event(ch_ctx *c, char ph, int pid, int64_t tid)
{
	gf_puts(c->b, c->first ? "\n{\"ph\":\"" : ",\n{\"ph\":\"");
	c->first = false;
	gf_putc(c->b, ph);
	gf_puts(c->b, "\",\"pid\":");
	gf_i64(c->b, pid);
	gf_puts(c->b, ",\"tid\":");
	gf_i64(c->b, tid);
}

static void name_field(gf_buf *b, const char *key, gt_str s)
{
	gf_puts(b, ",\"");
	gf_puts(b, key);
	gf_puts(b, "\":");
	rp_json_str(b, s);
}

static gt_str cstr(const char *s) { return (gt_str){s, strlen(s)}; }

static void meta(ch_ctx *c, const char *what, int pid, int64_t tid, gt_str name, int64_t sort)
{
	event(c, 'M', pid, tid);
	name_field(c->b, "name", cstr(what));
	gf_puts(c->b, ",\"args\":{\"name\":");
	rp_json_str(c->b, name);
	gf_puts(c->b, "}}");
	event(c, 'M', pid, tid);
	const char *sort_key = strcmp(what, "process_name") == 0 ? "process_sort_index" : "thread_sort_index";
	name_field(c->b, "name", cstr(sort_key));
	gf_puts(c->b, ",\"args\":{\"sort_index\":");
	gf_i64(c->b, sort);
	gf_puts(c->b, "}}");
}

/* Clips [start, end) to the window; false when nothing is left. */
static bool clip(const ch_ctx *c, int64_t *start, int64_t *end)
{
	if (*start < c->from)
		*start = c->from;
	if (c->to >= 0 && *end > c->to)
		*end = c->to;
	return *end >= *start;
}

/* A complete event; the caller adds args (or nothing) and closes it. */
static void slice(ch_ctx *c, int pid, int64_t tid, int64_t start, int64_t end, gt_str name, const char *cat)
{
	event(c, 'X', pid, tid);
	gf_puts(c->b, ",\"ts\":");
	put_us(c->b, start);
	gf_puts(c->b, ",\"dur\":");
	put_us(c->b, end - start);
	name_field(c->b, "name", name);
	name_field(c->b, "cat", cstr(cat));
}

static void stack_arg(ch_ctx *c, uint32_t stack)
{
	const gt_frame *f;
	size_t n = gt_model_stack(c->m, stack, &f);
	gf_puts(c->b, ",\"stack\":[");
	for (size_t i = 0; i < n; i++) {
		gf_buf fr = {0};
		gf_put(&fr, f[i].func.ptr, f[i].func.len);
		gf_putc(&fr, ' ');
		gf_put(&fr, f[i].file.ptr, f[i].file.len);
		gf_putc(&fr, ':');
		gf_u64(&fr, f[i].line);
		if (i)
			gf_putc(c->b, ',');
		rp_json_str(c->b, (gt_str){fr.p, fr.len});
		gf_free(&fr);
	}
	gf_putc(c->b, ']');
}

/* "G12 main.worker" */
static void goroutine_label(gf_buf *out, const gt_goroutine *g)
{
	gf_putc(out, 'G');
	gf_i64(out, g->id);
	if (g->name.len) {
		gf_putc(out, ' ');
		gf_put(out, g->name.ptr, g->name.len);
	}
}

static void goroutine_tracks(ch_ctx *c)
{
	static const char *const states[GT_GS_COUNT] = {"running", "runnable", "blocked", "syscall", "syscall (blocked)"};
	const gt_model *m = c->m;
	for (uint32_t i = 0; i < gt_model_ngoroutines(m); i++) {
		const gt_goroutine g_rec = gt_model_goroutine(m, i), *g = &g_rec;
		gf_buf label = {0};
		goroutine_label(&label, g);
		meta(c, "thread_name", CH_PID_GOROUTINES, g->id, (gt_str){label.p, label.len}, g->id);
		gf_free(&label);
		gt_span_iter it;
		gt_span span;
		gt_track_seek(m, 0, i, c->from, &it);
		while (gt_track_next(&it, &span)) {
			const gt_span *s = &span;
			if (c->to >= 0 && s->start >= c->to)
				break;
			int64_t st = s->start, en = s->end;
			if (!clip(c, &st, &en))
				continue;
			gt_str reason = gt_model_reason(m, s->reason);
			gf_buf name = {0};
			gf_puts(&name, s->state < GT_GS_COUNT ? states[s->state] : "?");
			if (reason.len && s->state != GT_GS_RUNNING) {
				gf_puts(&name, " (");
				gf_put(&name, reason.ptr, reason.len);
				gf_putc(&name, ')');
			}
			slice(c, CH_PID_GOROUTINES, g->id, st, en, (gt_str){name.p, name.len}, "goroutine");
			gf_free(&name);
			gf_puts(c->b, ",\"args\":{");
			if (gt_span_other(s) != GT_NONE && gt_span_other(s) < gt_model_nprocs(m)) {
				gf_puts(c->b, "\"proc\":");
				gf_i64(c->b, gt_model_proc(m, gt_span_other(s))->id);
			} else {
				gf_puts(c->b, "\"state\":\"");
				gf_puts(c->b, s->state < GT_GS_COUNT ? states[s->state] : "?");
				gf_putc(c->b, '"');
			}
			if (gt_span_stack(s))
				stack_arg(c, gt_span_stack(s));
			gf_puts(c->b, "}}");
		}
	}
}

/* One P's or thread's track: which goroutine ran on it, and when. */
static void sched_track(ch_ctx *c, int pid, char letter, int64_t id, int64_t sort_index, int kind, uint32_t index,
                        const char *cat)
{
	const gt_model *m = c->m;
	gf_buf label = {0};
	gf_putc(&label, letter);
	gf_i64(&label, id);
	meta(c, "thread_name", pid, id, (gt_str){label.p, label.len}, sort_index);
	gf_free(&label);
	gt_span_iter it;
	gt_span span;
	gt_track_seek(m, kind, index, c->from, &it);
	while (gt_track_next(&it, &span)) {
		const gt_span *s = &span;
		if (c->to >= 0 && s->start >= c->to)
			break;
		int64_t st = s->start, en = s->end;
		uint32_t gi = gt_span_other(s);
		if (s->state == GT_PS_IDLE || gi >= gt_model_ngoroutines(m) || !clip(c, &st, &en))
			continue;
		const gt_goroutine g_rec = gt_model_goroutine(m, gi), *g = &g_rec;
		gf_buf name = {0};
		if (s->state == GT_PS_SYSCALL)
			gf_puts(&name, "syscall: ");
		goroutine_label(&name, g);
		slice(c, pid, id, st, en, (gt_str){name.p, name.len}, cat);
		gf_free(&name);
		gf_puts(c->b, ",\"args\":{\"goroutine\":");
		gf_i64(c->b, g->id);
		gf_puts(c->b, "}}");
	}
}

static void proc_tracks(ch_ctx *c)
{
	for (uint32_t i = 0; i < gt_model_nprocs(c->m); i++) {
		const gt_proc *p = gt_model_proc(c->m, i);
		sched_track(c, CH_PID_PROCS, 'P', p->id, p->id, 1, i, "proc");
	}
}

static void thread_tracks(ch_ctx *c)
{
	for (uint32_t i = 0; i < gt_model_nthreads(c->m); i++) {
		const gt_thread *t = gt_model_thread(c->m, i);
		sched_track(c, CH_PID_THREADS, 'M', t->id, (int64_t)i, 2, i, "thread");
	}
}

static void range_track(ch_ctx *c, gt_range_id which, int64_t tid)
{
	const gt_range_span *r;
	size_t n = gt_model_ranges(c->m, which, &r);
	for (size_t i = 0; i < n; i++) {
		int64_t st = r[i].start, en = r[i].end;
		if ((c->to >= 0 && st >= c->to) || !clip(c, &st, &en))
			continue;
		gf_buf name = {0};
		if (which == GT_RANGE_STW) {
			gt_str k = gt_model_reason(c->m, r[i].kind);
			gf_puts(&name, "STW (");
			gf_put(&name, k.ptr, k.len);
			gf_putc(&name, ')');
		} else {
			gf_puts(&name, "GC mark");
		}
		slice(c, CH_PID_RUNTIME, tid, st, en, (gt_str){name.p, name.len}, which == GT_RANGE_STW ? "stw" : "gc");
		gf_free(&name);
		gf_putc(c->b, '}');
	}
}

/* A counter: the value before the window, then every change inside it. */
static void counter(ch_ctx *c, gt_series_id which, const char *name, const char *arg)
{
	const gt_sample *s;
	size_t n = gt_model_series(c->m, which, &s);
	size_t k = 0;
	while (k + 1 < n && s[k + 1].time <= c->from)
		k++;
	for (; k < n; k++) {
		if (c->to >= 0 && s[k].time >= c->to)
			break;
		event(c, 'C', CH_PID_RUNTIME, 0);
		gf_puts(c->b, ",\"ts\":");
		put_us(c->b, s[k].time < c->from ? c->from : s[k].time);
		name_field(c->b, "name", cstr(name));
		gf_puts(c->b, ",\"args\":{\"");
		gf_puts(c->b, arg);
		gf_puts(c->b, "\":");
		gf_i64(c->b, s[k].value);
		gf_puts(c->b, "}}");
	}
}

/* Unblock -> start: "s" binds to the unblocker's running slice around the
 * unblock, "f" to the unblocked goroutine's next slice, its running one. */
static void flows(ch_ctx *c)
{
	const gt_model *m = c->m;
	gt_gap_iter it;
	gt_gap gap;
	const gt_gap *g = &gap;
	gt_gap_seek(m, 0, &it);
	for (size_t i = 0; gt_gap_next(&it, &gap); i++) {
		if (g->unblocker == GT_NONE || g->proc == GT_NONE || g->start < c->from ||
		    (c->to >= 0 && gt_gap_end(g) >= c->to))
			continue;
		int64_t by = gt_model_goroutine(m, g->unblocker).id, to = gt_model_goroutine(m, g->goroutine).id;
		for (int end = 0; end < 2; end++) {
			event(c, end ? 'f' : 's', CH_PID_GOROUTINES, end ? to : by);
			gf_puts(c->b, ",\"ts\":");
			put_us(c->b, end ? gt_gap_end(g) : g->start);
			gf_puts(c->b, ",\"id\":");
			gf_u64(c->b, (uint64_t)i + 1);
			gf_puts(c->b, ",\"name\":\"unblock\",\"cat\":\"unblock\"");
			if (end)
				gf_puts(c->b, ",\"bp\":\"e\"");
			gf_putc(c->b, '}');
		}
	}
}

void ch_export(gf_buf *b, const gt_model *m, int64_t from_ns, int64_t to_ns)
{
	ch_ctx c = {b, m, from_ns < 0 ? 0 : from_ns, to_ns, true};
	gf_puts(b, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":\"gotrace\"},\"traceEvents\":[");
	meta(&c, "process_name", CH_PID_RUNTIME, 0, cstr("Go runtime"), 0);
	meta(&c, "thread_name", CH_PID_RUNTIME, CH_TID_GC, cstr("GC"), 1);
	meta(&c, "thread_name", CH_PID_RUNTIME, CH_TID_STW, cstr("Stop the world"), 2);
	meta(&c, "process_name", CH_PID_PROCS, 0, cstr("Procs"), 1);
	meta(&c, "process_name", CH_PID_GOROUTINES, 0, cstr("Goroutines"), 2);
	meta(&c, "process_name", CH_PID_THREADS, 0, cstr("Threads"), 3);
	range_track(&c, GT_RANGE_GC_MARK, CH_TID_GC);
	range_track(&c, GT_RANGE_STW, CH_TID_STW);
	counter(&c, GT_SERIES_HEAP_ALLOC, "Heap", "bytes");
	counter(&c, GT_SERIES_HEAP_GOAL, "Heap goal", "bytes");
	counter(&c, GT_SERIES_RUNNABLE, "Runnable goroutines", "goroutines");
	counter(&c, GT_SERIES_RUNNING, "Running goroutines", "goroutines");
	counter(&c, GT_SERIES_GOMAXPROCS, "GOMAXPROCS", "procs");
	proc_tracks(&c);
	goroutine_tracks(&c);
	thread_tracks(&c);
	flows(&c);
	gf_puts(b, "\n]}\n");
}
