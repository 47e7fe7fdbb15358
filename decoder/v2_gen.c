/* v2 generations: batches, string and stack tables, CPU samples, sync data.
 * Follows internal/trace/generation.go and batch.go. */
#include <stdlib.h>
#include <string.h>

#include "gosort.h"
#include "v2.h"

#define A(...) ((const char *const[]){__VA_ARGS__})
#define NOIDX {-1, -1}

const v2_spec v2_specs[V2_MaxExperimentalEvent] = {
	[V2_EvEventBatch] = {"EventBatch", 4, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvStacks] = {"Stacks", 0, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvStack] = {"Stack", 2, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvStrings] = {"Strings", 0, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvString] = {"String", 1, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvCPUSamples] = {"CPUSamples", 0, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvCPUSample] = {"CPUSample", 5, {4, -1}, NOIDX, 0, false, 0, NULL},
	[V2_EvFrequency] = {"Frequency", 1, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvExperimentalBatch] = {"ExperimentalBatch", 4, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvSync] = {"Sync", 0, NOIDX, NOIDX, 0, false, 0, NULL},
	[V2_EvEndOfGeneration] = {"EndOfGeneration", 0, NOIDX, NOIDX, 0, false, 0, NULL},

	[V2_EvProcsChange] = {"ProcsChange", 3, {2, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvProcStart] = {"ProcStart", 3, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvProcStop] = {"ProcStop", 1, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvProcSteal] = {"ProcSteal", 4, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvProcStatus] = {"ProcStatus", 3, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoCreate] = {"GoCreate", 4, {3, 2}, NOIDX, 0, true, 0, NULL},
	[V2_EvGoCreateSyscall] = {"GoCreateSyscall", 2, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoStart] = {"GoStart", 3, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoDestroy] = {"GoDestroy", 1, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoDestroySyscall] = {"GoDestroySyscall", 1, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoStop] = {"GoStop", 3, {2, -1}, {1, -1}, 0, true, 0, NULL},
	[V2_EvGoBlock] = {"GoBlock", 3, {2, -1}, {1, -1}, 0, true, 0, NULL},
	[V2_EvGoUnblock] = {"GoUnblock", 4, {3, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvGoSyscallBegin] = {"GoSyscallBegin", 3, {2, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvGoSyscallEnd] = {"GoSyscallEnd", 1, NOIDX, NOIDX, V2_EvGoSyscallBegin, true, 0, NULL},
	[V2_EvGoSyscallEndBlocked] = {"GoSyscallEndBlocked", 1, NOIDX, NOIDX, V2_EvGoSyscallBegin, true, 0, NULL},
	[V2_EvGoStatus] = {"GoStatus", 4, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvSTWBegin] = {"STWBegin", 3, {2, -1}, {1, -1}, 0, true, 0, NULL},
	[V2_EvSTWEnd] = {"STWEnd", 1, NOIDX, NOIDX, V2_EvSTWBegin, true, 0, NULL},
	[V2_EvGCActive] = {"GCActive", 2, NOIDX, NOIDX, V2_EvGCBegin, true, 0, NULL},
	[V2_EvGCBegin] = {"GCBegin", 3, {2, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvGCEnd] = {"GCEnd", 2, NOIDX, NOIDX, V2_EvGCBegin, true, 0, NULL},
	[V2_EvGCSweepActive] = {"GCSweepActive", 2, NOIDX, NOIDX, V2_EvGCSweepBegin, true, 0, NULL},
	[V2_EvGCSweepBegin] = {"GCSweepBegin", 2, {1, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvGCSweepEnd] = {"GCSweepEnd", 3, NOIDX, NOIDX, V2_EvGCSweepBegin, true, 0, NULL},
	[V2_EvGCMarkAssistActive] = {"GCMarkAssistActive", 2, NOIDX, NOIDX, V2_EvGCMarkAssistBegin, true, 0, NULL},
	[V2_EvGCMarkAssistBegin] = {"GCMarkAssistBegin", 2, {1, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvGCMarkAssistEnd] = {"GCMarkAssistEnd", 1, NOIDX, NOIDX, V2_EvGCMarkAssistBegin, true, 0, NULL},
	[V2_EvHeapAlloc] = {"HeapAlloc", 2, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvHeapGoal] = {"HeapGoal", 2, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoLabel] = {"GoLabel", 2, NOIDX, {1, -1}, 0, true, 0, NULL},
	[V2_EvUserTaskBegin] = {"UserTaskBegin", 5, {4, -1}, {3, -1}, 0, true, 0, NULL},
	[V2_EvUserTaskEnd] = {"UserTaskEnd", 3, {2, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvUserRegionBegin] = {"UserRegionBegin", 4, {3, -1}, {2, -1}, 0, true, 0, NULL},
	[V2_EvUserRegionEnd] = {"UserRegionEnd", 4, {3, -1}, {2, -1}, V2_EvUserRegionBegin, true, 0, NULL},
	[V2_EvUserLog] = {"UserLog", 5, {4, -1}, {2, 3}, 0, true, 0, NULL},
	[V2_EvGoSwitch] = {"GoSwitch", 3, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoSwitchDestroy] = {"GoSwitchDestroy", 3, NOIDX, NOIDX, 0, true, 0, NULL},
	[V2_EvGoCreateBlocked] = {"GoCreateBlocked", 4, {3, 2}, NOIDX, 0, true, 0, NULL},
	[V2_EvGoStatusStack] = {"GoStatusStack", 5, {4, -1}, NOIDX, 0, true, 0, NULL},
	[V2_EvClockSnapshot] = {"ClockSnapshot", 4, NOIDX, NOIDX, 0, true, 0, NULL},

	[V2_EvSpan] = {"Span", 4, NOIDX, NOIDX, 0, true, 1, A("id", "npages_value", "kindclass")},
	[V2_EvSpanAlloc] = {"SpanAlloc", 4, NOIDX, NOIDX, 0, true, 1, A("id", "npages_value", "kindclass")},
	[V2_EvSpanFree] = {"SpanFree", 2, NOIDX, NOIDX, 0, true, 1, A("id")},
	[V2_EvHeapObject] = {"HeapObject", 3, NOIDX, NOIDX, 0, true, 1, A("id", "type")},
	[V2_EvHeapObjectAlloc] = {"HeapObjectAlloc", 3, NOIDX, NOIDX, 0, true, 1, A("id", "type")},
	[V2_EvHeapObjectFree] = {"HeapObjectFree", 2, NOIDX, NOIDX, 0, true, 1, A("id")},
	[V2_EvGoroutineStack] = {"GoroutineStack", 3, NOIDX, NOIDX, 0, true, 1, A("id", "order")},
	[V2_EvGoroutineStackAlloc] = {"GoroutineStackAlloc", 3, NOIDX, NOIDX, 0, true, 1, A("id", "order")},
	[V2_EvGoroutineStackFree] = {"GoroutineStackFree", 2, NOIDX, NOIDX, 0, true, 1, A("id")},
};

static const char *experiment_name(uint8_t exp)
{
	switch (exp) {
	case 0:
		return "None";
	case 1:
		return "AllocFree";
	}
	return "Unknown";
}

const gt_stack v2_empty_stack = {0, 0, NULL};

void v2_gen_reset(v2_gen *g)
{
	/* Keep the allocations: the next generation is usually the same size. */
	g->gen = 0;
	g->min_ts = 0;
	g->freq = 0;
	g->has_clock = false;
	g->snap_time = g->snap_mono = g->snap_sec = g->snap_nsec = 0;
	dc_map_clear(&g->str_index);
	g->nstrs = 0;
	dc_map_clear(&g->stack_index);
	g->nstacks = 0;
	g->npcs = 0;
	dc_map_clear(&g->pc_index);
	g->nframe_defs = 0;
	free(g->stacks);
	g->stacks = NULL;
	free(g->frames);
	g->frames = NULL;
	g->nsamples = 0;
	g->nexp = 0;
	g->nbatches = 0;
	dc_map_clear(&g->m_index);
	for (size_t i = 0; i < g->nms; i++)
		g->ms[i].n = 0;
	g->nms = 0;
}

void v2_gen_free(v2_gen *g)
{
	dc_map_free(&g->str_index);
	free(g->strs);
	dc_map_free(&g->stack_index);
	free(g->stack_defs);
	free(g->stack_pcs);
	dc_map_free(&g->pc_index);
	free(g->frame_defs);
	free(g->stacks);
	free(g->frames);
	free(g->samples);
	free(g->exp);
	free(g->batches);
	dc_map_free(&g->m_index);
	for (size_t i = 0; i < g->capms; i++)
		free(g->ms[i].idx);
	free(g->ms);
	memset(g, 0, sizeof *g);
}

static gt_status oom(gt_error *err, uint64_t off)
{
	return dc_fail(err, GT_ERR_NOMEM, off, "out of memory");
}

/* A varint inside a batch: running out means the batch is malformed, since
 * the batch length was already checked against the input. */
static gt_status batch_uvarint(dc_cursor *c, uint64_t *v, const char *what, gt_error *err)
{
	size_t at = c->pos;
	switch (dc_uvarint(c, v)) {
	case DC_VARINT_OK:
		return GT_OK;
	case DC_VARINT_SHORT:
		return dc_fail(err, GT_ERR_MALFORMED, at, "%s: batch ends inside a varint", what);
	default:
		return dc_fail(err, GT_ERR_MALFORMED, at, "%s: varint overflows a 64-bit integer", what);
	}
}

/* Reads a batch header and locates its data (readBatch). GT_EOF when no byte
 * is left; GT_ERR_TRUNCATED when the input ends inside the batch, with
 * *gen_known telling whether its generation number was read. */
static gt_status read_batch(dc_cursor *c, v2_batch *b, uint8_t *type, uint64_t *gen, bool *gen_known,
                            gt_error *err)
{
	size_t start = c->pos;
	uint8_t t;
	*gen_known = false;
	*gen = 0;
	if (!dc_u8(c, &t))
		return GT_EOF;
	*type = t;
	memset(b, 0, sizeof *b);
	b->hdr_off = start;
	b->m = GT_NO_ID;
	if (t == V2_EvEndOfGeneration) {
		b->off = start;
		b->len = 1;
		return GT_OK;
	}
	if (t != V2_EvEventBatch && t != V2_EvExperimentalBatch)
		return dc_fail(err, GT_ERR_MALFORMED, start, "expected batch event, got event %u", t);
	if (t == V2_EvExperimentalBatch && !dc_u8(c, &b->exp))
		return dc_fail(err, GT_ERR_TRUNCATED, c->pos, "trace ends inside a batch header");
	static const char *const fields[] = {"batch gen", "batch M ID", "batch timestamp", "batch size"};
	uint64_t v[4];
	for (int i = 0; i < 4; i++) {
		size_t at = c->pos;
		dc_varint_result r = dc_uvarint(c, &v[i]);
		if (r == DC_VARINT_SHORT)
			return dc_fail(err, GT_ERR_TRUNCATED, at, "trace ends inside a batch header (%s)", fields[i]);
		if (r == DC_VARINT_OVERFLOW)
			return dc_fail(err, GT_ERR_MALFORMED, at, "error reading %s: varint overflows a 64-bit integer",
			               fields[i]);
		if (i == 0) {
			*gen = v[0];
			*gen_known = true;
		}
	}
	if (v[3] > V2_MAX_BATCH_SIZE)
		return dc_fail(err, GT_ERR_LIMIT, start, "invalid batch size %llu, maximum is %u",
		               (unsigned long long)v[3], V2_MAX_BATCH_SIZE);
	if (v[3] > dc_left(c))
		return dc_fail(err, GT_ERR_TRUNCATED, start, "failed to read full batch: read %zu but wanted %llu",
		               dc_left(c), (unsigned long long)v[3]);
	b->m = (int64_t)v[1];
	b->time = v[2];
	b->off = c->pos;
	b->len = (size_t)v[3];
	c->pos += b->len;
	return GT_OK;
}

static bool is_table_batch(const v2_batch *b, const uint8_t *base, uint8_t ev)
{
	return b->exp == 0 && b->len > 0 && base[b->off] == ev;
}

static gt_status add_strings(v2_gen *g, const uint8_t *base, const v2_batch *b, gt_error *err)
{
	dc_cursor c = {base, b->off + 1, b->off + b->len};
	while (dc_left(&c)) {
		size_t at = c.pos;
		uint8_t ev = 0;
		dc_u8(&c, &ev);
		if (ev != V2_EvString)
			return dc_fail(err, GT_ERR_MALFORMED, at, "expected string event, got %u", ev);
		uint64_t id, len;
		gt_status s;
		if ((s = batch_uvarint(&c, &id, "string id", err)) || (s = batch_uvarint(&c, &len, "string length", err)))
			return s;
		if (len > V2_MAX_STRING)
			return dc_fail(err, GT_ERR_LIMIT, at, "invalid string size %llu, maximum is %u",
			               (unsigned long long)len, V2_MAX_STRING);
		if (len > dc_left(&c))
			return dc_fail(err, GT_ERR_MALFORMED, at, "failed to read full string: read %zu but wanted %llu",
			               dc_left(&c), (unsigned long long)len);
		gt_str str = {(const char *)base + c.pos, (size_t)len};
		c.pos += (size_t)len;
		bool inserted;
		if (id == 0)
			return dc_fail(err, GT_ERR_INVALID, at, "multiple strings with the same ID: id=0");
		uint32_t *slot = dc_map_put(&g->str_index, id, &inserted);
		if (!slot || !dc_grow(&g->strs, &g->capstrs, g->nstrs + 1, sizeof *g->strs))
			return oom(err, at);
		if (!inserted)
			return dc_fail(err, GT_ERR_INVALID, at, "multiple strings with the same ID: id=%llu",
			               (unsigned long long)id);
		*slot = (uint32_t)g->nstrs;
		g->strs[g->nstrs++] = str;
	}
	return GT_OK;
}

static gt_status add_stacks(v2_gen *g, const uint8_t *base, const v2_batch *b, gt_error *err)
{
	dc_cursor c = {base, b->off + 1, b->off + b->len};
	while (dc_left(&c)) {
		size_t at = c.pos;
		uint8_t ev = 0;
		dc_u8(&c, &ev);
		if (ev != V2_EvStack)
			return dc_fail(err, GT_ERR_MALFORMED, at, "expected stack event, got %u", ev);
		uint64_t id, nframes;
		gt_status s;
		if ((s = batch_uvarint(&c, &id, "stack id", err)) || (s = batch_uvarint(&c, &nframes, "stack size", err)))
			return s;
		if (nframes > V2_MAX_FRAMES)
			return dc_fail(err, GT_ERR_LIMIT, at, "invalid stack size %llu, maximum is %u",
			               (unsigned long long)nframes, V2_MAX_FRAMES);
		if (!dc_grow(&g->stack_pcs, &g->cappcs, g->npcs + nframes, sizeof *g->stack_pcs))
			return oom(err, at);
		uint32_t first = (uint32_t)g->npcs;
		for (uint64_t i = 0; i < nframes; i++) {
			v2_frame_def f;
			if ((s = batch_uvarint(&c, &f.pc, "frame PC", err)) || (s = batch_uvarint(&c, &f.func_id, "frame funcID", err)) ||
			    (s = batch_uvarint(&c, &f.file_id, "frame fileID", err)) || (s = batch_uvarint(&c, &f.line, "frame line", err)))
				return s;
			g->stack_pcs[g->npcs++] = f.pc;
			bool inserted;
			uint32_t *slot = dc_map_put(&g->pc_index, f.pc, &inserted);
			if (!slot)
				return oom(err, at);
			if (inserted) {
				if (!dc_grow(&g->frame_defs, &g->capframe_defs, g->nframe_defs + 1, sizeof *g->frame_defs)) {
					dc_map_del(&g->pc_index, f.pc);
					return oom(err, at);
				}
				*slot = (uint32_t)g->nframe_defs;
				g->frame_defs[g->nframe_defs++] = f;
			}
		}
		if (id == 0)
			return dc_fail(err, GT_ERR_INVALID, at, "multiple stacks with the same ID: id=0");
		bool inserted;
		uint32_t *slot = dc_map_put(&g->stack_index, id, &inserted);
		if (!slot || !dc_grow(&g->stack_defs, &g->capstacks, g->nstacks + 1, sizeof *g->stack_defs))
			return oom(err, at);
		if (!inserted)
			return dc_fail(err, GT_ERR_INVALID, at, "multiple stacks with the same ID: id=%llu",
			               (unsigned long long)id);
		*slot = (uint32_t)g->nstacks;
		g->stack_defs[g->nstacks++] = (v2_stack_def){id, first, (uint32_t)nframes, at};
	}
	return GT_OK;
}

static gt_status add_cpu_samples(v2_gen *g, const uint8_t *base, const v2_batch *b, gt_error *err)
{
	dc_cursor c = {base, b->off + 1, b->off + b->len};
	while (dc_left(&c)) {
		size_t at = c.pos;
		uint8_t ev = 0;
		dc_u8(&c, &ev);
		if (ev != V2_EvCPUSample)
			return dc_fail(err, GT_ERR_MALFORMED, at, "expected CPU sample event, got %u", ev);
		uint64_t v[5];
		for (int i = 0; i < 5; i++) {
			gt_status s = batch_uvarint(&c, &v[i], "CPU sample", err);
			if (s)
				return s;
		}
		if (!dc_grow(&g->samples, &g->capsamples, g->nsamples + 1, sizeof *g->samples))
			return oom(err, at);
		/* The timestamp is still in ticks; it is converted once the
		 * generation's frequency is known. */
		g->samples[g->nsamples++] = (v2_cpu_sample){
			.time = (int64_t)v[0],
			.m = (int64_t)v[1],
			.p = (int64_t)v[2],
			.g = v[3] == 0 ? GT_NO_ID : (int64_t)v[3],
			.stack = v[4],
			.off = at,
		};
	}
	return GT_OK;
}

static gt_status set_sync(v2_gen *g, unsigned version, const uint8_t *base, const v2_batch *b, gt_error *err)
{
	dc_cursor c = {base, b->off, b->off + b->len};
	if (version >= V2_GO125)
		c.pos++; /* the EvSync header byte */
	uint64_t last_ts = b->time;
	while (dc_left(&c)) {
		size_t at = c.pos;
		uint8_t ev = 0;
		dc_u8(&c, &ev);
		gt_status s;
		if (ev == V2_EvFrequency) {
			if (g->freq != 0)
				return dc_fail(err, GT_ERR_INVALID, at, "found multiple frequency events");
			uint64_t f;
			if ((s = batch_uvarint(&c, &f, "frequency", err)))
				return s;
			/* Nanoseconds per tick, computed as Go does so times match to the bit. */
			g->freq = 1.0 / ((double)f / 1e9);
		} else if (ev == V2_EvClockSnapshot && version >= V2_GO125) {
			if (g->has_clock)
				return dc_fail(err, GT_ERR_INVALID, at, "found multiple clock snapshot events");
			g->has_clock = true;
			uint64_t tdiff;
			if ((s = batch_uvarint(&c, &tdiff, "clock snapshot", err)) ||
			    (s = batch_uvarint(&c, &g->snap_mono, "clock snapshot", err)) ||
			    (s = batch_uvarint(&c, &g->snap_sec, "clock snapshot", err)) ||
			    (s = batch_uvarint(&c, &g->snap_nsec, "clock snapshot", err)))
				return s;
			last_ts += tdiff;
			g->snap_time = last_ts;
		} else {
			return dc_fail(err, GT_ERR_MALFORMED, at, "expected frequency or clock snapshot event, got %u", ev);
		}
	}
	return GT_OK;
}

static gt_status add_event_batch(v2_gen *g, const v2_batch *b, gt_error *err)
{
	bool inserted;
	uint32_t *slot = dc_map_put(&g->m_index, (uint64_t)b->m, &inserted);
	if (!slot || !dc_grow(&g->batches, &g->capbatches, g->nbatches + 1, sizeof *g->batches))
		return oom(err, b->hdr_off);
	if (inserted) {
		size_t oldcap = g->capms;
		if (!dc_grow(&g->ms, &g->capms, g->nms + 1, sizeof *g->ms)) {
			dc_map_del(&g->m_index, (uint64_t)b->m);
			return oom(err, b->hdr_off);
		}
		/* Slots below the old capacity keep index arrays from earlier
		 * generations for reuse; new ones start empty. */
		for (size_t i = oldcap; i < g->capms; i++)
			g->ms[i] = (v2_mbatches){0};
		*slot = (uint32_t)g->nms;
		g->ms[g->nms].m = b->m;
		g->ms[g->nms].n = 0;
		g->nms++;
	}
	v2_mbatches *mb = &g->ms[*slot];
	if (!dc_grow(&mb->idx, &mb->cap, mb->n + 1, sizeof *mb->idx))
		return oom(err, b->hdr_off);
	mb->idx[mb->n++] = (uint32_t)g->nbatches;
	g->batches[g->nbatches++] = *b;
	return GT_OK;
}

/* processBatch */
static gt_status process_batch(v2_gen *g, unsigned version, const uint8_t *base, const v2_batch *b, gt_error *err)
{
	if (is_table_batch(b, base, V2_EvStrings))
		return add_strings(g, base, b, err);
	if (is_table_batch(b, base, V2_EvStacks))
		return add_stacks(g, base, b, err);
	if (is_table_batch(b, base, V2_EvCPUSamples))
		return add_cpu_samples(g, base, b, err);
	if (is_table_batch(b, base, version < V2_GO125 ? V2_EvFrequency : V2_EvSync))
		return set_sync(g, version, base, b, err);
	if (b->exp != 0) {
		if (!dc_grow(&g->exp, &g->capexp, g->nexp + 1, sizeof *g->exp))
			return oom(err, b->hdr_off);
		g->exp[g->nexp++] = (gt_exp_batch){b->exp, experiment_name(b->exp), b->m, base + b->off, b->len};
		return GT_OK;
	}
	if (is_table_batch(b, base, V2_EvEndOfGeneration))
		return dc_fail(err, GT_ERR_INVALID, b->hdr_off, "unexpected end-of-generation batch; broken trace?");
	return add_event_batch(g, b, err);
}

static int cmp_sample_time(const void *a, const void *b, void *ctx)
{
	(void)ctx;
	int64_t x = ((const v2_cpu_sample *)a)->time, y = ((const v2_cpu_sample *)b)->time;
	return (x > y) - (x < y);
}

/* After all batches: check invariants, resolve stacks, fix up samples. */
static gt_status finish_generation(v2_gen *g, unsigned version, gt_error *err)
{
	if (g->freq == 0)
		return dc_fail(err, GT_ERR_INVALID, g->start_off, "no frequency event found");
	if (version >= V2_GO125 && !g->has_clock)
		return dc_fail(err, GT_ERR_INVALID, g->start_off, "no clock snapshot event found");

	/* validateStackStrings, then a flat array of resolved frames. */
	g->stacks = malloc((g->nstacks ? g->nstacks : 1) * sizeof *g->stacks);
	g->frames = malloc((g->npcs ? g->npcs : 1) * sizeof *g->frames);
	if (!g->stacks || !g->frames)
		return oom(err, g->start_off);
	for (size_t i = 0; i < g->nstacks; i++) {
		const v2_stack_def *sd = &g->stack_defs[i];
		for (uint32_t j = 0; j < sd->n; j++) {
			uint64_t pc = g->stack_pcs[sd->first + j];
			const v2_frame_def *fd = &g->frame_defs[*dc_map_get(&g->pc_index, pc)];
			gt_frame *f = &g->frames[sd->first + j];
			f->pc = fd->pc;
			f->line = fd->line;
			if (!v2_gen_string(g, fd->func_id, &f->func))
				return dc_fail(err, GT_ERR_INVALID, sd->off, "found invalid func string ID %llu for stack %llu",
				               (unsigned long long)fd->func_id, (unsigned long long)sd->id);
			if (!v2_gen_string(g, fd->file_id, &f->file))
				return dc_fail(err, GT_ERR_INVALID, sd->off, "found invalid file string ID %llu for stack %llu",
				               (unsigned long long)fd->file_id, (unsigned long long)sd->id);
		}
		g->stacks[i] = (gt_stack){sd->id, sd->n, &g->frames[sd->first]};
	}

	/* fixUpCPUSamples: convert ticks, then sort the way Go sorts them. */
	for (size_t i = 0; i < g->nsamples; i++)
		g->samples[i].time = dc_f64_to_i64((double)(uint64_t)g->samples[i].time * g->freq);
	gt_gosort(g->samples, g->nsamples, sizeof *g->samples, cmp_sample_time, NULL);
	return GT_OK;
}

/* Checks that every stack and string id the generation's events name is
 * defined, without ordering them. */
static gt_status check_table_ids(const v2_gen *g, const uint8_t *base, gt_error *err)
{
	for (size_t bi = 0; bi < g->nbatches; bi++) {
		const v2_batch *b = &g->batches[bi];
		dc_cursor c = {base, b->off, b->off + b->len};
		while (dc_left(&c)) {
			size_t at = c.pos;
			uint8_t typ = 0;
			dc_u8(&c, &typ);
			if (typ >= V2_MaxExperimentalEvent || !v2_specs[typ].timed)
				break; /* reported with its offset when the events are read */
			const v2_spec *spec = &v2_specs[typ];
			uint64_t args[5];
			for (unsigned i = 0; i < spec->nargs; i++)
				if (dc_uvarint(&c, &args[i]) != DC_VARINT_OK)
					return GT_OK;
			for (int i = 0; i < 2; i++) {
				const gt_stack *stk;
				gt_str str;
				if (spec->stack_args[i] >= 0 && !v2_gen_stack(g, args[spec->stack_args[i]], &stk))
					return dc_fail(err, GT_ERR_INVALID, at, "stack %llu is not defined",
					               (unsigned long long)args[spec->stack_args[i]]);
				if (spec->string_args[i] >= 0 && !v2_gen_string(g, args[spec->string_args[i]], &str))
					return dc_fail(err, GT_ERR_INVALID, at, "string %llu is not defined",
					               (unsigned long long)args[spec->string_args[i]]);
			}
		}
	}
	for (size_t i = 0; i < g->nsamples; i++) {
		const gt_stack *stk;
		if (!v2_gen_stack(g, g->samples[i].stack, &stk))
			return dc_fail(err, GT_ERR_INVALID, g->samples[i].off, "stack %llu is not defined",
			               (unsigned long long)g->samples[i].stack);
	}
	return GT_OK;
}

/* Records the error that stops reading after the current generation. */
static void set_pending(v2_source *src, const gt_error *e, bool truncation)
{
	src->pending = true;
	src->pending_err = *e;
	src->pending_is_truncation = truncation;
}

static v2_read_result fail(gt_error *err, bool *truncation, bool is_trunc)
{
	(void)err;
	*truncation = is_trunc;
	return V2_GEN_ERROR;
}

v2_read_result v2_read_generation(v2_source *src, v2_gen *g, bool *truncation, gt_error *err)
{
	const uint8_t *base = src->cur.base;
	v2_gen_reset(g);
	*truncation = false;
	g->start_off = src->cur.pos;
	bool any = false;

	if (src->version < V2_GO126 && src->has_spill) {
		src->has_spill = false;
		g->gen = src->spill_gen;
		g->min_ts = src->spill.time;
		g->start_off = src->spill.hdr_off;
		any = true;
		if (process_batch(g, src->version, base, &src->spill, err))
			return fail(err, truncation, false);
	}
	for (;;) {
		v2_batch b;
		uint8_t type;
		uint64_t gen;
		bool gen_known;
		size_t at = src->cur.pos;
		gt_error e;
		gt_status s = read_batch(&src->cur, &b, &type, &gen, &gen_known, &e);
		if (s == GT_EOF) {
			if (src->version >= V2_GO126) {
				if (g->nbatches != 0) {
					dc_fail(err, GT_ERR_TRUNCATED, at, "incomplete generation found; trace likely truncated");
					return fail(err, truncation, true);
				}
				if (any) {
					/* Go stops silently here; say what was dropped. */
					dc_fail(err, GT_ERR_TRUNCATED, at,
					        "incomplete generation found (no event batches); trace likely truncated");
					return fail(err, truncation, true);
				}
				return V2_GEN_DONE;
			}
			break;
		}
		if (s != GT_OK) {
			bool is_trunc = s == GT_ERR_TRUNCATED;
			if (src->version < V2_GO126 && g->gen != 0) {
				/* Go keeps the generation read so far and reports the error
				 * after it. When the data just stops, that generation is
				 * complete only if the cut batch provably starts the next
				 * one; otherwise drop it rather than show part of it. */
				if (is_trunc && !(gen_known && gen == g->gen + 1)) {
					*err = e;
					return fail(err, truncation, true);
				}
				set_pending(src, &e, is_trunc);
				/* The generation ends where the failed batch starts, so
				 * what was lost is counted from there. */
				src->cur.pos = at;
				break;
			}
			*err = e;
			return fail(err, truncation, is_trunc);
		}
		if (src->version >= V2_GO126) {
			if (g->gen == 0)
				g->gen = gen;
			if (type == V2_EvEndOfGeneration)
				break;
			if (gen == 0) {
				dc_fail(err, GT_ERR_INVALID, at, "invalid generation number %llu", (unsigned long long)gen);
				return fail(err, truncation, false);
			}
			if (gen != g->gen) {
				dc_fail(err, GT_ERR_INVALID, at,
				        "broken trace: missing end-of-generation event, or generations are interleaved");
				return fail(err, truncation, false);
			}
		} else {
			if (type == V2_EvEndOfGeneration) {
				dc_fail(err, GT_ERR_MALFORMED, at, "unexpected end-of-generation batch before Go 1.26");
				return fail(err, truncation, false);
			}
			if (gen == 0) {
				dc_fail(err, GT_ERR_INVALID, at, "invalid generation number %llu", (unsigned long long)gen);
				return fail(err, truncation, false);
			}
			if (g->gen == 0)
				g->gen = gen;
			if (gen == g->gen + 1) {
				src->has_spill = true;
				src->spill_gen = gen;
				src->spill = b;
				src->spill_type = type;
				src->cur.pos = b.off + b.len;
				break;
			}
			if (gen != g->gen) {
				dc_fail(err, GT_ERR_INVALID, at, "generations out of order");
				return fail(err, truncation, false);
			}
		}
		any = true;
		if (g->min_ts == 0 || b.time < g->min_ts)
			g->min_ts = b.time;
		if (process_batch(g, src->version, base, &b, err))
			return fail(err, truncation, false);
	}
	g->end_off = src->has_spill ? src->spill.hdr_off : src->cur.pos;
	/* Before Go 1.26 nothing marks the end of a generation, and the runtime
	 * writes a generation's stack and string tables last. So when the file
	 * ends after a generation, a cut on a batch boundary looks like a
	 * complete generation whose tables are missing: report that as
	 * truncation, before any of its events is handed out. */
	bool last = src->version < V2_GO126 && !src->has_spill && !src->pending;
	gt_error e;
	if (finish_generation(g, src->version, last ? &e : err) || (last && check_table_ids(g, base, &e))) {
		if (!last)
			return fail(err, truncation, false);
		dc_fail(err, GT_ERR_TRUNCATED, g->end_off,
		        "last generation is incomplete (%s at offset %llu); trace likely truncated", e.detail,
		        (unsigned long long)e.offset);
		return fail(err, truncation, true);
	}
	return V2_GEN_OK;
}

size_t v2_prefix_len(const uint8_t *data, size_t pos, size_t len, unsigned version, size_t want)
{
	dc_cursor c = {data, pos, len};
	uint64_t cur_gen = 0;
	for (;;) {
		v2_batch b;
		uint8_t type;
		uint64_t gen;
		bool gen_known;
		gt_error e;
		if (read_batch(&c, &b, &type, &gen, &gen_known, &e) != GT_OK)
			return 0;
		if (version >= V2_GO126) {
			if (type == V2_EvEndOfGeneration && c.pos >= want)
				return c.pos < len ? c.pos : 0;
			continue;
		}
		if (type == V2_EvEndOfGeneration || gen == 0)
			return 0; /* malformed before Go 1.26: the reader says so */
		if (cur_gen == 0)
			cur_gen = gen;
		if (gen == cur_gen)
			continue;
		cur_gen = gen;
		if (b.hdr_off < want)
			continue;
		/* The generations before this batch are whole. Cut through the
		 * batch's header after its generation number, which proves that
		 * much and no more: a whole batch could pass for a whole (last)
		 * generation. */
		dc_cursor h = {data, b.hdr_off + 1 + (type == V2_EvExperimentalBatch), len};
		uint64_t g;
		return dc_uvarint(&h, &g) == DC_VARINT_OK && h.pos < len ? h.pos : 0;
	}
}
