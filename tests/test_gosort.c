/* gt_gosort must order equal keys exactly as Go's slices.SortFunc does. The
 * reference permutations in tests/data/gosort-vectors.txt come from real Go
 * (tests/gosort-go/main.go); here the same keys are sorted by the C port and
 * the resulting original-index permutations compared element for element. */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "../decoder/gosort.h"

/* ---- vector file ------------------------------------------------------ */

typedef struct vcase {
	char name[64]; /* "<n> <dist>", for failure messages */
	size_t n;
	int64_t *keys;
	size_t *perm;
} vcase;

typedef struct vfile {
	vcase *cases;
	size_t ncases;
} vfile;

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s (set GT_TEST_DATA_DIR)", path);
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	for (;;) {
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	ck_assert_msg(!ferror(f), "read error on %s", path);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Parses the whitespace-separated integers after `word` on one line; the
 * count must be exactly `want`, which catches a truncated or hand-edited file. */
static void parse_ints(const char *line, const char *word, size_t want, const char *name, int64_t *out)
{
	size_t wl = strlen(word);
	ck_assert_msg(strncmp(line, word, wl) == 0 && (line[wl] == ' ' || line[wl] == '\0'),
		      "case %s: expected '%s' line", name, word);
	const char *p = line + wl;
	size_t got = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		char *end;
		long long v = strtoll(p, &end, 10);
		ck_assert_msg(end != p, "case %s: bad number in '%s' line", name, word);
		ck_assert_msg(got < want, "case %s: too many values in '%s' line", name, word);
		out[got++] = (int64_t)v;
		p = end;
	}
	ck_assert_msg(got == want, "case %s: %zu values in '%s' line, want %zu", name, got, word, want);
}

static vfile load_vectors(void)
{
	const char *dir = getenv("GT_TEST_DATA_DIR");
	if (!dir || !*dir)
		dir = "tests/data";
	char path[4096];
	int pl = snprintf(path, sizeof path, "%s/gosort-vectors.txt", dir);
	ck_assert(pl > 0 && (size_t)pl < sizeof path);

	char *text = read_all(path);
	vfile vf = {NULL, 0};
	size_t cap = 0;

	/* Split in place into lines; state 0 wants "case", 1 "keys", 2 "perm". */
	int state = 0;
	vcase cur = {{0}, 0, NULL, NULL};
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		size_t ll = strlen(line);
		if (ll > 0 && line[ll - 1] == '\r')
			line[--ll] = '\0';

		if (ll == 0 || line[0] == '#') {
			/* comment or blank */
		} else if (state == 0) {
			unsigned long long n;
			char dist[32];
			ck_assert_msg(sscanf(line, "case %llu %31s", &n, dist) == 2, "bad case line: %s", line);
			cur.n = (size_t)n;
			snprintf(cur.name, sizeof cur.name, "%llu %s", n, dist);
			cur.keys = malloc((cur.n ? cur.n : 1) * sizeof *cur.keys);
			cur.perm = malloc((cur.n ? cur.n : 1) * sizeof *cur.perm);
			ck_assert(cur.keys && cur.perm);
			state = 1;
		} else if (state == 1) {
			parse_ints(line, "keys", cur.n, cur.name, cur.keys);
			state = 2;
		} else {
			int64_t *tmp = malloc((cur.n ? cur.n : 1) * sizeof *tmp);
			ck_assert_ptr_nonnull(tmp);
			parse_ints(line, "perm", cur.n, cur.name, tmp);
			for (size_t i = 0; i < cur.n; i++) {
				ck_assert_msg(tmp[i] >= 0 && (uint64_t)tmp[i] < cur.n, "case %s: perm value out of range",
					      cur.name);
				cur.perm[i] = (size_t)tmp[i];
			}
			free(tmp);
			if (vf.ncases == cap) {
				cap = cap ? cap * 2 : 64;
				vf.cases = realloc(vf.cases, cap * sizeof *vf.cases);
				ck_assert_ptr_nonnull(vf.cases);
			}
			vf.cases[vf.ncases++] = cur;
			state = 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	ck_assert_msg(state == 0, "vector file ends inside case %s", cur.name);
	free(text);
	return vf;
}

static void free_vectors(vfile *vf)
{
	for (size_t i = 0; i < vf->ncases; i++) {
		free(vf->cases[i].keys);
		free(vf->cases[i].perm);
	}
	free(vf->cases);
}

/* ---- elements --------------------------------------------------------- */

/* Elements of a caller-chosen size: key at offset 0, original index right
 * after it, and filler up to `size` so the wide (byte-wise) swap path is
 * exercised too. The filler is derived from the index so that a botched swap
 * shows up as a corrupted element. */
typedef struct elem_hdr {
	int64_t key;
	uint64_t idx;
} elem_hdr;

typedef struct cmp_ctx {
	unsigned long calls;
} cmp_ctx;

static int cmp_key(const void *a, const void *b, void *ctx)
{
	elem_hdr x, y;
	memcpy(&x, a, sizeof x);
	memcpy(&y, b, sizeof y);
	((cmp_ctx *)ctx)->calls++;
	return (x.key > y.key) - (x.key < y.key);
}

static unsigned char filler(uint64_t idx, size_t off)
{
	return (unsigned char)((idx * 131u + off * 7u) & 0xffu);
}

static unsigned char *make_elems(const int64_t *keys, size_t n, size_t size)
{
	unsigned char *buf = malloc(n ? n * size : 1);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++) {
		unsigned char *e = buf + i * size;
		elem_hdr h = {keys[i], (uint64_t)i};
		memcpy(e, &h, sizeof h);
		for (size_t off = sizeof h; off < size; off++)
			e[off] = filler(i, off);
	}
	return buf;
}

static elem_hdr elem_at(const unsigned char *buf, size_t i, size_t size)
{
	elem_hdr h;
	memcpy(&h, buf + i * size, sizeof h);
	return h;
}

static void check_filler(const unsigned char *buf, size_t i, size_t size, const char *name)
{
	const unsigned char *e = buf + i * size;
	elem_hdr h = elem_at(buf, i, size);
	for (size_t off = sizeof h; off < size; off++)
		ck_assert_msg(e[off] == filler(h.idx, off), "case %s size %zu: element %zu corrupted at byte %zu", name,
			      size, i, off);
}

/* ---- go-order --------------------------------------------------------- */

static void run_vectors(size_t size)
{
	vfile vf = load_vectors();
	ck_assert_msg(vf.ncases >= 100, "only %zu cases in vector file", vf.ncases);
	for (size_t c = 0; c < vf.ncases; c++) {
		const vcase *vc = &vf.cases[c];
		unsigned char *buf = make_elems(vc->keys, vc->n, size);
		cmp_ctx ctx = {0};
		gt_gosort(buf, vc->n, size, cmp_key, &ctx);
		for (size_t i = 0; i < vc->n; i++) {
			elem_hdr h = elem_at(buf, i, size);
			ck_assert_msg(h.idx == vc->perm[i],
				      "case %s size %zu: position %zu holds original index %" PRIu64 ", Go has %zu",
				      vc->name, size, i, h.idx, vc->perm[i]);
			check_filler(buf, i, size, vc->name);
		}
		free(buf);
	}
	free_vectors(&vf);
}

/* The plain {key, index} pair, like the Go program's element. */
START_TEST(test_go_order_16)
{
	run_vectors(sizeof(elem_hdr));
}
END_TEST

/* Same permutations must come out when elements are too big for the stack
 * swap buffer: the order depends only on comparisons and swap positions. */
START_TEST(test_go_order_100)
{
	run_vectors(100);
}
END_TEST

/* ---- sorted for various element sizes --------------------------------- */

static int cmp_u8(const void *a, const void *b, void *ctx)
{
	unsigned char x = *(const unsigned char *)a, y = *(const unsigned char *)b;
	((cmp_ctx *)ctx)->calls++;
	return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b, void *ctx)
{
	int64_t x, y;
	memcpy(&x, a, sizeof x);
	memcpy(&y, b, sizeof y);
	((cmp_ctx *)ctx)->calls++;
	return (x > y) - (x < y);
}

static uint64_t lcg_next(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return *s >> 33;
}

static const size_t sorted_sizes[] = {1, 8, 24, 100};
static const size_t sorted_counts[] = {0, 1, 2, 3, 7, 12, 13, 49, 50, 51, 257, 3000};

START_TEST(test_sorted_sizes)
{
	size_t size = sorted_sizes[_i];
	for (size_t ci = 0; ci < sizeof sorted_counts / sizeof sorted_counts[0]; ci++) {
		size_t n = sorted_counts[ci];
		for (int dist = 0; dist < 3; dist++) {
			uint64_t seed = n * 31u + (uint64_t)dist;
			int64_t *keys = malloc((n ? n : 1) * sizeof *keys);
			ck_assert_ptr_nonnull(keys);
			for (size_t i = 0; i < n; i++) {
				switch (dist) {
				case 0: keys[i] = (int64_t)(lcg_next(&seed) % 256u); break;
				case 1: keys[i] = (int64_t)(lcg_next(&seed) % 3u); break;
				default: keys[i] = (int64_t)((n - i) % 256u); break;
				}
			}
			cmp_ctx ctx = {0};
			if (size == 1) {
				/* Too small for the index: check the key histogram instead. */
				unsigned char *buf = malloc(n ? n : 1);
				ck_assert_ptr_nonnull(buf);
				size_t before[256] = {0}, after[256] = {0};
				for (size_t i = 0; i < n; i++) {
					buf[i] = (unsigned char)keys[i];
					before[buf[i]]++;
				}
				gt_gosort(buf, n, 1, cmp_u8, &ctx);
				for (size_t i = 0; i < n; i++) {
					after[buf[i]]++;
					if (i > 0)
						ck_assert_msg(buf[i - 1] <= buf[i], "size 1 n %zu dist %d: not sorted at %zu",
							      n, dist, i);
				}
				ck_assert(memcmp(before, after, sizeof before) == 0);
				free(buf);
			} else {
				/* size 8 holds only the key; the index check needs >= 16. */
				unsigned char *buf;
				if (size < sizeof(elem_hdr)) {
					buf = malloc(n ? n * size : 1);
					ck_assert_ptr_nonnull(buf);
					for (size_t i = 0; i < n; i++)
						memcpy(buf + i * size, &keys[i], sizeof keys[i]);
				} else {
					buf = make_elems(keys, n, size);
				}
				gt_gosort(buf, n, size, cmp_i64, &ctx);
				unsigned char *seen = calloc(n ? n : 1, 1);
				ck_assert_ptr_nonnull(seen);
				int64_t prev = INT64_MIN;
				for (size_t i = 0; i < n; i++) {
					int64_t k;
					memcpy(&k, buf + i * size, sizeof k);
					ck_assert_msg(prev <= k, "size %zu n %zu dist %d: not sorted at %zu", size, n,
						      dist, i);
					prev = k;
					if (size >= sizeof(elem_hdr)) {
						elem_hdr h = elem_at(buf, i, size);
						ck_assert(h.idx < n && !seen[h.idx]);
						seen[h.idx] = 1;
						ck_assert(h.key == keys[h.idx]);
						check_filler(buf, i, size, "sorted");
					}
				}
				free(seen);
				free(buf);
			}
			if (n >= 2)
				ck_assert_msg(ctx.calls > 0, "ctx not passed to cmp");
			free(keys);
		}
	}
}
END_TEST

static Suite *gosort_suite(void)
{
	Suite *s = suite_create("gosort:go-order");
	TCase *tc = tcase_create("go-order");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_go_order_16);
	tcase_add_test(tc, test_go_order_100);
	suite_add_tcase(s, tc);

	TCase *ts = tcase_create("sorted");
	tcase_set_timeout(ts, 60);
	tcase_add_loop_test(ts, test_sorted_sizes, 0, (int)(sizeof sorted_sizes / sizeof sorted_sizes[0]));
	suite_add_tcase(s, ts);
	return s;
}

int main(void)
{
	int failed = check_run(gosort_suite());
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
