/* pprof export: gotrace's profiles, decoded here with a small protobuf
 * reader, hold the same per-stack counts and delays as Go's own
 * `go tool trace -pprof=TYPE` (tests/golden/<toolchain>/<name>.pprof.gz,
 * written by tests/gotools/regen-pprof.sh through goprof), for every
 * committed trace Go can read. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check_run.h"
#include "gaps.h"
#include "pprof.h"
#include "testutil.h"

static char **traces;
static size_t ntraces;

/* ---- a protobuf reader for the fields profile.proto uses ---- */

typedef struct pb {
	const uint8_t *p;
	size_t len, off;
} pb;

static uint64_t pb_varint(pb *r)
{
	uint64_t v;
	int n = gt_uvarint(r->p + r->off, r->len - r->off, &v);
	ck_assert_msg(n > 0, "bad varint at %zu", r->off);
	r->off += (size_t)n;
	return v;
}

/* Next field: its number, and either a varint value or a sub-buffer. */
static unsigned pb_field(pb *r, uint64_t *v, pb *sub)
{
	uint64_t tag = pb_varint(r);
	unsigned wire = (unsigned)(tag & 7);
	if (wire == 0) {
		*v = pb_varint(r);
	} else {
		ck_assert_msg(wire == 2, "unexpected wire type %u", wire);
		uint64_t n = pb_varint(r);
		ck_assert_uint_le(n, r->len - r->off);
		*sub = (pb){r->p + r->off, (size_t)n, 0};
		r->off += (size_t)n;
	}
	return (unsigned)(tag >> 3);
}

typedef struct loc {
	uint64_t id, addr, func, line;
} loc;
typedef struct fn {
	uint64_t id, name;
} fn;
typedef struct sample {
	uint64_t *locs;
	size_t nlocs;
	int64_t count, ns;
} sample;

typedef struct profile {
	sample *s;
	size_t ns;
	loc *l;
	size_t nl;
	fn *f;
	size_t nf;
	pb *str;
	size_t nstr;
	uint64_t sample_types[2][2];
	size_t nst;
	uint64_t period_type[2], period, default_type;
	uint8_t *raw; /* the decoded bytes the strings point into */
} profile;

#define PUSH(arr, n, v)                                                       \
	do {                                                                      \
		(arr) = realloc((arr), ((n) + 1) * sizeof *(arr));                    \
		ck_assert_ptr_nonnull(arr);                                           \
		(arr)[(n)++] = (v);                                                   \
	} while (0)

static void value_type(pb r, uint64_t out[2])
{
	uint64_t v;
	pb sub;
	while (r.off < r.len) {
		unsigned f = pb_field(&r, &v, &sub);
		if (f == 1 || f == 2)
			out[f - 1] = v;
	}
}

static void parse_profile(const uint8_t *data, size_t len, profile *p)
{
	memset(p, 0, sizeof *p);
	pb r = {data, len, 0};
	uint64_t v;
	pb sub;
	while (r.off < r.len) {
		switch (pb_field(&r, &v, &sub)) {
		case 1:
			ck_assert_uint_lt(p->nst, 2);
			value_type(sub, p->sample_types[p->nst++]);
			break;
		case 2: {
			sample s = {0};
			uint64_t vals[2];
			size_t nv = 0;
			while (sub.off < sub.len) {
				pb packed;
				unsigned f = pb_field(&sub, &v, &packed);
				while (f == 1 && packed.off < packed.len)
					PUSH(s.locs, s.nlocs, pb_varint(&packed));
				while (f == 2 && packed.off < packed.len) {
					ck_assert_uint_lt(nv, 2);
					vals[nv++] = pb_varint(&packed);
				}
			}
			ck_assert_uint_eq(nv, 2);
			s.count = (int64_t)vals[0];
			s.ns = (int64_t)vals[1];
			PUSH(p->s, p->ns, s);
			break;
		}
		case 4: {
			loc l = {0};
			while (sub.off < sub.len) {
				pb line;
				unsigned f = pb_field(&sub, &v, &line);
				if (f == 1)
					l.id = v;
				else if (f == 3)
					l.addr = v;
				else if (f == 4)
					while (line.off < line.len) {
						pb x;
						unsigned lf = pb_field(&line, &v, &x);
						if (lf == 1)
							l.func = v;
						else if (lf == 2)
							l.line = v;
					}
			}
			PUSH(p->l, p->nl, l);
			break;
		}
		case 5: {
			fn f = {0};
			while (sub.off < sub.len) {
				pb x;
				unsigned ff = pb_field(&sub, &v, &x);
				if (ff == 1)
					f.id = v;
				else if (ff == 2)
					f.name = v;
			}
			PUSH(p->f, p->nf, f);
			break;
		}
		case 6:
			PUSH(p->str, p->nstr, sub);
			break;
		case 11:
			value_type(sub, p->period_type);
			break;
		case 12:
			p->period = v;
			break;
		case 14:
			p->default_type = v;
			break;
		default:
			break;
		}
	}
	ck_assert_uint_ge(p->nstr, 1);
	ck_assert_uint_eq(p->str[0].len, 0);
}

static void free_profile(profile *p)
{
	for (size_t i = 0; i < p->ns; i++)
		free(p->s[i].locs);
	free(p->s);
	free(p->l);
	free(p->f);
	free(p->str);
	free(p->raw);
}

static void put_str(gf_buf *b, const profile *p, uint64_t i)
{
	ck_assert_uint_lt(i, p->nstr);
	gf_put(b, (const char *)p->str[i].p, p->str[i].len);
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* goprof's text: "COUNT NS 0xPC FUNC:LINE;..." per distinct stack, sorted
 * by stack, then "total COUNT NS". */
static void profile_text(const profile *p, gf_buf *out)
{
	char **keys = calloc(p->ns + 1, sizeof *keys);
	int64_t tc = 0, tn = 0;
	for (size_t i = 0; i < p->ns; i++) {
		gf_buf k = {0};
		for (size_t j = 0; j < p->s[i].nlocs; j++) {
			const loc *l = NULL;
			for (size_t x = 0; x < p->nl && !l; x++)
				if (p->l[x].id == p->s[i].locs[j])
					l = &p->l[x];
			ck_assert_msg(l != NULL, "sample names missing location %" PRIu64, p->s[i].locs[j]);
			const fn *f = NULL;
			for (size_t x = 0; x < p->nf && !f; x++)
				if (p->f[x].id == l->func)
					f = &p->f[x];
			ck_assert_msg(f != NULL, "location names missing function %" PRIu64, l->func);
			if (j)
				gf_putc(&k, ';');
			gf_puts(&k, "0x");
			gf_hex(&k, l->addr);
			gf_putc(&k, ' ');
			put_str(&k, p, f->name);
			gf_putc(&k, ':');
			gf_u64(&k, l->line);
		}
		gf_putc(&k, '\0');
		keys[i] = k.p;
		tc += p->s[i].count;
		tn += p->s[i].ns;
	}
	/* Sort indices by key, then merge equal keys as goprof's map does. */
	char **sorted = calloc(p->ns + 1, sizeof *sorted);
	for (size_t i = 0; i < p->ns; i++)
		sorted[i] = keys[i];
	qsort(sorted, p->ns, sizeof *sorted, cmp_line);
	for (size_t i = 0; i < p->ns;) {
		int64_t c = 0, n = 0;
		size_t j = i;
		for (; j < p->ns && strcmp(sorted[j], sorted[i]) == 0; j++)
			;
		for (size_t x = 0; x < p->ns; x++)
			if (strcmp(keys[x], sorted[i]) == 0) {
				c += p->s[x].count;
				n += p->s[x].ns;
			}
		gf_i64(out, c);
		gf_putc(out, ' ');
		gf_i64(out, n);
		gf_putc(out, ' ');
		gf_puts(out, sorted[i]);
		gf_putc(out, '\n');
		i = j;
	}
	gf_puts(out, "total ");
	gf_i64(out, tc);
	gf_putc(out, ' ');
	gf_i64(out, tn);
	gf_putc(out, '\n');
	for (size_t i = 0; i < p->ns; i++)
		free(keys[i]);
	free(keys);
	free(sorted);
}

static uint8_t *gunzip(const char *data, size_t len, size_t *out_len)
{
	z_stream z = {0};
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	size_t cap = 1 << 16, n = 0;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	int zr;
	do {
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
			ck_assert_ptr_nonnull(out);
		}
		z.next_out = out + n;
		z.avail_out = (uInt)(cap - n);
		zr = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
	} while (zr == Z_OK);
	ck_assert_msg(zr == Z_STREAM_END, "profile is not complete gzip data (%d)", zr);
	inflateEnd(&z);
	*out_len = n;
	return out;
}

/* Writes p, decodes it back and checks the fixed parts Go's tools rely on. */
static void decode_written(const pp_profile *pp, profile *out, const char *count_type)
{
	gf_buf b = {0};
	ck_assert_int_eq(pp_write(pp, &b), 0);
	ck_assert_uint_ge(b.len, 2);
	ck_assert_uint_eq((uint8_t)b.p[0], 0x1f); /* gzip magic */
	ck_assert_uint_eq((uint8_t)b.p[1], 0x8b);
	size_t rawlen;
	uint8_t *raw = gunzip(b.p, b.len, &rawlen);
	gf_free(&b);
	parse_profile(raw, rawlen, out);
	out->raw = raw;
	ck_assert_uint_eq(out->nst, 2);
	gf_buf t = {0};
	put_str(&t, out, out->sample_types[0][0]);
	gf_putc(&t, '/');
	put_str(&t, out, out->sample_types[0][1]);
	gf_putc(&t, ' ');
	put_str(&t, out, out->sample_types[1][0]);
	gf_putc(&t, '/');
	put_str(&t, out, out->sample_types[1][1]);
	gf_putc(&t, ' ');
	put_str(&t, out, out->period_type[0]);
	gf_putc(&t, '/');
	put_str(&t, out, out->period_type[1]);
	gf_putc(&t, '\0');
	char want[128];
	snprintf(want, sizeof want, "%s/count delay/nanoseconds trace/count", count_type);
	ck_assert_str_eq(t.p, want);
	ck_assert_uint_eq(out->period, 1);
	gf_free(&t);
}

/* The golden section "# kind" of a .pprof.gz file, or NULL. */
static char *golden_section(const char *golden, const char *kind, size_t *len)
{
	char head[32];
	snprintf(head, sizeof head, "# %s\n", kind);
	const char *s = strstr(golden, head);
	if (!s)
		return NULL;
	s += strlen(head);
	const char *e = strstr(s, "\n# ");
	e = e ? e + 1 : s + strlen(s);
	*len = (size_t)(e - s);
	char *out = malloc(*len + 1);
	memcpy(out, s, *len);
	out[*len] = '\0';
	return out;
}

START_TEST(profiles_match_go)
{
	const char *name = traces[_i];
	char path[4096], gpath[4096];
	snprintf(path, sizeof path, "%s/traces/%s", tu_source_dir(), name);
	snprintf(gpath, sizeof gpath, "%s/tests/golden/%.*s.pprof.gz", tu_source_dir(),
	         (int)(strlen(name) - strlen(".trace")), name);
	size_t glen, len;
	char *golden = tu_read_file(gpath, &glen);
	if (!golden)
		return; /* Go's reader refuses this trace: nothing to compare */
	char *data = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	for (int k = PP_SCHED; k <= PP_SYSCALL; k++) {
		gt_trace *t;
		gt_error e;
		ck_assert_int_eq(gt_trace_open(data, len, &t, &e), GT_OK);
		pp_profile *pp = pp_new((pp_kind)k);
		ck_assert_ptr_nonnull(pp);
		ck_assert_int_eq(pp_from_trace(pp, t, &e), GT_EOF);
		gt_trace_close(t);
		profile p;
		decode_written(pp, &p, "contentions");
		gf_buf text = {0};
		profile_text(&p, &text);
		size_t wlen;
		char *want = golden_section(golden, pp_kind_names[k], &wlen);
		ck_assert_msg(want != NULL, "%s: no %s section", gpath, pp_kind_names[k]);
		size_t line = tu_first_diff_line(text.p, text.len, want, wlen);
		if (line) {
			gf_putc(&text, '\0');
			fprintf(stderr, "--- gotrace %s profile of %s:\n%s--- go tool trace:\n%s", pp_kind_names[k], name, text.p,
			        want);
		}
		ck_assert_msg(line == 0, "%s: %s profile differs from Go's at line %zu", name, pp_kind_names[k], line);
		free(want);
		gf_free(&text);
		free_profile(&p);
		pp_free(pp);
	}
	free(golden);
	free(data);
}
END_TEST

/* The gap profile holds every gap over the threshold once, by the stack
 * that made its goroutine runnable. */
START_TEST(gap_profile_sums_gaps)
{
	size_t len;
	char *data = tu_read_source("traces/go1.27/contention.trace", &len);
	gt_trace *t;
	gt_model *m;
	gt_error e;
	ck_assert_int_eq(gt_trace_open(data, len, &t, &e), GT_OK);
	ck_assert_int_eq(gt_model_build(t, &m, NULL, NULL, &e), GT_OK);
	const int64_t min = 100000;
	int64_t want_n = 0, want_ns = 0;
	gt_gap_iter it;
	gt_gap g;
	gt_gap_seek(m, 0, &it);
	while (gt_gap_next(&it, &g))
		if (gt_gap_len(&g) >= min) {
			want_n++;
			want_ns += gt_gap_len(&g);
		}
	ck_assert_int_gt(want_n, 0);
	pp_profile *pp = pp_new(PP_GAPS);
	ck_assert_int_eq(pp_from_gaps(pp, m, min), 0);
	profile p;
	decode_written(pp, &p, "gaps");
	int64_t n = 0, ns = 0;
	size_t with_stack = 0;
	for (size_t i = 0; i < p.ns; i++) {
		n += p.s[i].count;
		ns += p.s[i].ns;
		with_stack += p.s[i].nlocs > 0;
	}
	ck_assert_int_eq(n, want_n);
	ck_assert_int_eq(ns, want_ns);
	ck_assert_uint_gt(with_stack, 0); /* contention gaps are unblocked by code */
	free_profile(&p);
	pp_free(pp);
	gt_model_free(m);
	gt_trace_close(t);
	free(data);
}
END_TEST

int main(void)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/traces", tu_source_dir());
	ntraces = tu_list(dir, ".trace", &traces);
	Suite *s = suite_create("pprof");
	TCase *tc = tcase_create("pprof:go");
	tcase_add_loop_test(tc, profiles_match_go, 0, (int)ntraces);
	suite_add_tcase(s, tc);
	TCase *gaps = tcase_create("pprof:gaps");
	tcase_add_test(gaps, gap_profile_sums_gaps);
	suite_add_tcase(s, gaps);
	int failed = check_run(s);
	tu_list_free(traces, ntraces);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
