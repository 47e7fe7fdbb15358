/* Fuzz target: build the model of a trace and run every report in every
 * format into memory, plus the queries the viewer makes (level of detail,
 * gap statistics, span search). Built once per report format with
 * FUZZ_FORMAT set to one rp_format, or with all of them when it is unset. */
#include <stdlib.h>

#include "fuzz.h"
#include "gaps.h"
#include "gotrace/model.h"
#include "report.h"
#include "../same_gap.h"

static void reports(gf_buf *b, const gt_model *m, rp_format f)
{
	if (f == RP_TEXT || f == RP_CSV || f == RP_JSON || f == RP_JSONL) {
		rp_goroutines(b, m, f, false);
		rp_goroutines(b, m, f, true);
	}
	gp_options o = {.min_ns = 0, .to_ns = -1, .top = -1, .file = "fuzz\"<&>.trace"};
	gp_gaps(b, m, f, &o);
	/* The command line's defaults, and a narrow window with a filter. */
	o.min_ns = 1000000;
	gp_gaps(b, m, f, &o);
	o = (gp_options){.min_ns = 1, .from_ns = 1000, .to_ns = 1000000, .top = 3, .name_filter = "main.*[a-z]?"};
	gp_gaps(b, m, f, &o);
	if (f == RP_TEXT || f == RP_JSON || f == RP_JSONL)
		gp_leaks(b, m, f, "fuzz.trace");
	b->len = 0;
}

/* The gaps read again: the first and last two, the middle one, and both
 * sides of the first block boundaries, where a block's decoding starts
 * afresh. */
static bool gap_probed(size_t i, size_t n)
{
	return i < 2 || i + 2 >= n || i == n / 2 || (i < 3 * GT_GAP_BLOCK && (i + 1) % GT_GAP_BLOCK <= 2);
}

/* Gaps come in order of start, as reports and the viewer search them,
 * and read alike however they are reached. */
static void check_gaps(const gt_model *m)
{
	size_t ngaps = gt_model_ngaps(m), i = 0;
	gt_gap_iter it;
	gt_gap g, prev = {0};
	gt_gap_seek(m, 0, &it);
	for (; gt_gap_next(&it, &g); i++) {
		if (i >= ngaps || (i && prev.start > g.start))
			abort();
		/* The scheduler's figures cover parts of the gap: within its
		 * length, however long, whether kept in 32 bits or in a wide
		 * record. */
		gt_gap_sched sc = gt_gap_sched_of(m, &g);
		int64_t len = gt_gap_len(&g);
		if (sc.all_ps_busy_ns < 0 || sc.idle_p_ns < 0 || sc.stw_ns < 0 || sc.gc_ns < 0 ||
		    sc.all_ps_busy_ns + sc.idle_p_ns > len || sc.stw_ns > len || sc.gc_ns > len)
			abort();
		/* Gaps are packed in blocks: one reached at random, by a seek or
		 * by its start time is the one read in order. Inputs give ties
		 * and wide gaps where the recordings have none. */
		if (gap_probed(i, ngaps)) {
			gt_gap at = gt_model_gap(m, i), sought;
			gt_gap_iter si;
			gt_gap_seek(m, i, &si);
			if (!same_gap(m, &at, &g) || !gt_gap_next(&si, &sought) || !same_gap(m, &sought, &g))
				abort();
			size_t k = gt_model_gap_first_at(m, g.start);
			if (k > i || (k < i && gt_model_gap(m, k).start != g.start) ||
			    (k > 0 && gt_model_gap(m, k - 1).start >= g.start))
				abort();
		}
		prev = g;
	}
	if (i != ngaps || gt_model_gap_first_at(m, INT64_MAX) != ngaps)
		abort();
}

static void queries(const gt_model *m)
{
	int64_t dur = gt_model_duration(m);
	size_t n[3] = {gt_model_ngoroutines(m), gt_model_nprocs(m), gt_model_nthreads(m)};
	for (int kind = 0; kind < 3; kind++) {
		/* Every track would be slow on big inputs; the first few find the bugs. */
		for (uint32_t i = 0; i < n[kind] && i < 16; i++) {
			gt_lod l = gt_model_lod(m, kind, i, dur / 100 + 1);
			for (size_t j = 0; j < l.nbuckets; j++)
				if (l.buckets[j].busy_permille > 1000)
					abort();
			l = gt_model_lod(m, kind, i, INT64_MAX);
			(void)l;
		}
	}
	for (uint32_t i = 0; i < n[0] && i < 16; i++) {
		const gt_goroutine g_rec = gt_model_goroutine(m, i), *g = &g_rec;
		if (gt_model_find_goroutine(m, g->id) == GT_NONE)
			abort();
	}
	/* Packed tracks read back whole, in order, from any seek. */
	for (int kind = 0; kind < 3; kind++) {
		for (uint32_t i = 0; i < n[kind] && i < 16; i++) {
			gt_span_iter it;
			gt_span sp;
			size_t count = 0;
			int64_t prev_end = INT64_MIN;
			gt_track_seek(m, kind, i, INT64_MIN, &it);
			while (gt_track_next(&it, &sp)) {
				if (sp.start < prev_end || sp.end < sp.start)
					abort();
				prev_end = sp.end;
				count++;
			}
			if (count != gt_track_nspans(m, kind, i))
				abort();
			gt_track_seek(m, kind, i, dur / 2, &it);
			if (gt_track_next(&it, &sp) && sp.end <= dur / 2)
				abort();
		}
	}
	check_gaps(m);
	(void)gp_gap_stats(m, 0, dur + 1, 0);
	(void)gp_gap_stats(m, dur / 3, dur / 2, 1000);
	for (int s = 0; s < GT_SERIES_COUNT; s++) {
		const gt_sample *smp;
		(void)gt_model_series(m, (gt_series_id)s, &smp);
	}
	for (size_t i = 0; i < gt_model_nstacks(m) && i < 64; i++) {
		const gt_frame *fr;
		(void)gt_model_stack(m, (uint32_t)i, &fr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	gt_trace *t = fuzz_open(data, size, &copy);
	if (!t)
		return 0;
	gt_error e;
	gt_model *m;
	if (gt_model_build(t, &m, NULL, NULL, &e) == GT_OK) {
		gf_buf b = {0};
#ifdef FUZZ_FORMAT
		reports(&b, m, FUZZ_FORMAT);
		(void)queries;
#else
		for (int f = 0; f < RP_FORMAT_COUNT; f++)
			reports(&b, m, (rp_format)f);
		queries(m);
#endif
		gf_free(&b);
		gt_model_free(m);
#ifndef FUZZ_FORMAT
		/* The viewer's first view: a model cut after some of the events,
		 * as many as the input's last byte says. */
		gt_trace_close(t);
		free(copy);
		t = fuzz_open(data, size, &copy);
		if (t && gt_model_build_first(t, size ? data[size - 1] * 7u : 0, &m, &e) == GT_OK) {
			queries(m);
			gt_model_free(m);
		}
#endif
	}
	if (t) {
		gt_trace_close(t);
		free(copy);
	}
	return 0;
}
