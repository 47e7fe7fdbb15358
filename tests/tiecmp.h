/* Comparing two `go tool trace -d=parsed` outputs of an old-format trace
 * "up to ties". Go's v1 reader breaks ties between events with equal
 * timestamps in random map order and then nudges equal timestamps apart by
 * 1 ns, so two valid outputs may differ in the order of such events and in
 * those nudged timestamps, but not in anything else. */
#ifndef GOTRACE_TESTS_TIECMP_H
#define GOTRACE_TESTS_TIECMP_H

/* Header-only, so each suite that compares this way needs no extra
 * source in its meson target. */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TC_FAKE_P 1000000

/* One event: its header line "M=.. P=.. G=.. Kind Time=N ..." and the
 * stack lines that follow it. */
typedef struct tc_rec {
	const char *s;
	size_t len;
	size_t tpos, tlen; /* the digits of Time= */
	int64_t time;
	int64_t g, p, target; /* target: the GoID= of a transition, or -1 */
	int64_t lo, hi;       /* in Go's output: the run of consecutive times */
} tc_rec;

/* A membership of an event in one ordered sequence. */
typedef struct tc_member {
	char kind; /* 'G', 'P' or '*' */
	int64_t id;
	size_t rec;
} tc_member;

/* The first occurrence of needle in s[0..n). */
static const char *tc_find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (const char *p = s; p + k <= s + n; p++) {
		p = memchr(p, needle[0], (size_t)(s + n - p));
		if (!p || p + k > s + n)
			return NULL;
		if (memcmp(p, needle, k) == 0)
			return p;
	}
	return NULL;
}

static size_t tc_split(const char *text, size_t len, tc_rec **out)
{
	size_t n = 0, cap = 0;
	tc_rec *v = NULL;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		if (strncmp(text + i, "M=", 2) == 0 || n == 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				v = realloc(v, cap * sizeof *v);
			}
			tc_rec *r = &v[n++];
			memset(r, 0, sizeof *r);
			r->s = text + i;
			r->g = r->p = r->target = -1;
			size_t line = end - i;
			const char *p = tc_find(r->s, line, " P="), *g = tc_find(r->s, line, " G=");
			if (p && g) {
				r->p = strtoll(p + 3, NULL, 10);
				r->g = strtoll(g + 3, NULL, 10);
			}
			const char *t = tc_find(r->s, line, " Time=");
			if (t) {
				r->tpos = (size_t)(t - r->s) + 6;
				char *e;
				r->time = strtoll(r->s + r->tpos, &e, 10);
				r->tlen = (size_t)(e - (r->s + r->tpos));
			}
			const char *goid = tc_find(r->s, line, " GoID=");
			if (goid)
				r->target = strtoll(goid + 6, NULL, 10);
		}
		v[n - 1].len = text + end - v[n - 1].s;
		i = end;
	}
	*out = v;
	return n;
}

static int tc_same_without_time(const tc_rec *a, const tc_rec *b)
{
	if (a->len - a->tlen != b->len - b->tlen || a->tpos != b->tpos)
		return 0;
	return memcmp(a->s, b->s, a->tpos) == 0 &&
	       memcmp(a->s + a->tpos + a->tlen, b->s + b->tpos + b->tlen, a->len - a->tpos - a->tlen) == 0;
}

static int tc_cmp_member(const void *x, const void *y)
{
	const tc_member *a = x, *b = y;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return (a->rec > b->rec) - (a->rec < b->rec);
}

static size_t tc_memberships(const tc_rec *r, size_t n, tc_member **out)
{
	tc_member *v = malloc((3 * n + 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t before = k;
		if (r[i].g != -1)
			v[k++] = (tc_member){'G', r[i].g, i};
		if (r[i].target != -1 && r[i].target != r[i].g)
			v[k++] = (tc_member){'G', r[i].target, i};
		if (r[i].p != -1 && r[i].p < TC_FAKE_P)
			v[k++] = (tc_member){'P', r[i].p, i};
		if (k == before)
			v[k++] = (tc_member){'*', 0, i};
	}
	qsort(v, k, sizeof *v, tc_cmp_member);
	*out = v;
	return k;
}

static void tc_excerpt(char *buf, size_t size, const tc_rec *r)
{
	size_t n = strcspn(r->s, "\n");
	snprintf(buf, size, "%.*s", (int)(n < 160 ? n : 160), r->s);
}

/* Returns 1 when `ours` is one of the outputs Go could have printed given
 * that Go printed `theirs`:
 *  - the same events (each event's text with its Time= value left out);
 *  - in the same order per goroutine (the executing one and the one a
 *    transition names) and per real P (Go's fake Ps >= 1000000 collect
 *    events of many Ps, so their order is not fixed);
 *  - each event's time within the run of consecutive nanoseconds that
 *    holds the same event in Go's output (the span Go's nudging produces
 *    from one tie).
 * Otherwise returns 0 and writes the first difference into why. */
static int tc_same_up_to_ties(const char *ours, size_t olen, const char *theirs, size_t tlen, char *why, size_t whylen)
{
	tc_rec *a, *b;
	size_t na = tc_split(ours, olen, &a), nb = tc_split(theirs, tlen, &b);
	tc_member *ma = NULL, *mb = NULL;
	int ok = 0;
	char ea[200], eb[200];
	if (na != nb) {
		snprintf(why, whylen, "%zu events, Go printed %zu", na, nb);
		goto out;
	}
	/* Runs of consecutive nanoseconds in Go's output. */
	for (size_t i = 0; i < nb;) {
		size_t j = i;
		while (j + 1 < nb && b[j + 1].time == b[j].time + 1)
			j++;
		for (size_t k = i; k <= j; k++) {
			b[k].lo = b[i].time;
			b[k].hi = b[j].time;
		}
		i = j + 1;
	}
	size_t ka = tc_memberships(a, na, &ma), kb = tc_memberships(b, nb, &mb);
	if (ka != kb) {
		snprintf(why, whylen, "events belong to %zu goroutine/P sequences, Go's to %zu", ka, kb);
		goto out;
	}
	for (size_t i = 0; i < ka; i++) {
		const tc_rec *x = &a[ma[i].rec], *y = &b[mb[i].rec];
		if (ma[i].kind != mb[i].kind || ma[i].id != mb[i].id || !tc_same_without_time(x, y)) {
			tc_excerpt(ea, sizeof ea, x);
			tc_excerpt(eb, sizeof eb, y);
			snprintf(why, whylen, "sequence %c%" PRId64 ": event \"%s\", Go has \"%s\"", mb[i].kind, mb[i].id, ea, eb);
			goto out;
		}
		if (x->time < y->lo || x->time > y->hi) {
			tc_excerpt(ea, sizeof ea, x);
			snprintf(why, whylen, "event \"%s\": time outside Go's tie run %" PRId64 "..%" PRId64, ea, y->lo, y->hi);
			goto out;
		}
	}
	ok = 1;
out:
	free(a);
	free(b);
	free(ma);
	free(mb);
	return ok;
}


/* Compares ours with Go's output: byte for byte, or up to ties when the
 * file unstable_path exists (Go's output varied between its runs). */
static int tc_matches_go(const char *ours, size_t olen, const char *go, size_t glen, const char *unstable_path, char *why,
                         size_t whylen)
{
	FILE *unstable = fopen(unstable_path, "r");
	if (unstable) {
		fclose(unstable);
		return tc_same_up_to_ties(ours, olen, go, glen, why, whylen);
	}
	size_t line = 1, i = 0;
	for (; i < olen && i < glen && ours[i] == go[i]; i++)
		line += ours[i] == '\n';
	if (i == olen && i == glen)
		return 1;
	snprintf(why, whylen, "output differs from Go's at line %zu (%zu vs %zu bytes)", line, olen, glen);
	return 0;
}

#endif
