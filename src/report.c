#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "report.h"

int rp_parse_format(const char *s)
{
	static const char *const names[RP_FORMAT_COUNT] = {"text", "csv", "json", "jsonl", "md", "html"};
	for (int i = 0; i < RP_FORMAT_COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void rp_json_str(gf_buf *b, gt_str s)
{
	static const char hex[] = "0123456789abcdef";
	gf_putc(b, '"');
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			gf_put(b, e, 2);
		} else if (c == '\n') {
			gf_puts(b, "\\n");
		} else if (c == '\r') {
			gf_puts(b, "\\r");
		} else if (c == '\t') {
			gf_puts(b, "\\t");
		} else if (c < 0x20) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			gf_put(b, e, 6);
		} else if (c == 0xE2 && i + 2 < s.len && (unsigned char)s.ptr[i + 1] == 0x80 &&
		           ((unsigned char)s.ptr[i + 2] == 0xA8 || (unsigned char)s.ptr[i + 2] == 0xA9)) {
			/* U+2028 and U+2029, which Go escapes even without HTML escaping. */
			gf_puts(b, (unsigned char)s.ptr[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else {
			gf_putc(b, (char)c);
		}
	}
	gf_putc(b, '"');
}

void rp_csv_str(gf_buf *b, gt_str s)
{
	bool quote = false;
	for (size_t i = 0; i < s.len && !quote; i++)
		quote = s.ptr[i] == ',' || s.ptr[i] == '"' || s.ptr[i] == '\n' || s.ptr[i] == '\r';
	if (!quote) {
		gf_put(b, s.ptr, s.len);
		return;
	}
	gf_putc(b, '"');
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] == '"')
			gf_putc(b, '"');
		gf_putc(b, s.ptr[i]);
	}
	gf_putc(b, '"');
}

void rp_range_name(gf_buf *b, const gt_model *m, const gt_range_ns *r)
{
	if (r->range == GT_RANGE_STW) {
		gt_str k = gt_model_reason(m, r->kind);
		gf_puts(b, "stop-the-world (");
		gf_put(b, k.ptr, k.len);
		gf_putc(b, ')');
	} else {
		gf_puts(b, gt_range_name((gt_range_id)r->range));
	}
}

/* ---- goroutines ---- */

/* Keys of a per-goroutine map as strings, sorted as Go's sort.Strings. */
typedef struct kv {
	char *key;
	size_t len;
	int64_t ns;
} kv;

static int cmp_kv(const void *a, const void *b)
{
	const kv *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static size_t block_kvs(const gt_model *m, const gt_gstats *st, kv **out)
{
	kv *v = calloc(st->nblock + 1, sizeof *v);
	for (size_t i = 0; v && i < st->nblock; i++) {
		gt_str r = gt_model_reason(m, st->block[i].reason);
		v[i].key = malloc(r.len + 1);
		if (v[i].key && r.len)
			memcpy(v[i].key, r.ptr, r.len);
		v[i].len = r.len;
		v[i].ns = st->block[i].ns;
	}
	if (v)
		qsort(v, st->nblock, sizeof *v, cmp_kv);
	*out = v;
	return v ? st->nblock : 0;
}

static size_t range_kvs(const gt_model *m, const gt_gstats *st, kv **out)
{
	kv *v = calloc(st->nranges + 1, sizeof *v);
	for (size_t i = 0; v && i < st->nranges; i++) {
		gf_buf nb = {0};
		rp_range_name(&nb, m, &st->ranges[i]);
		gf_putc(&nb, '\0');
		v[i].key = nb.p;
		v[i].len = nb.len ? nb.len - 1 : 0;
		v[i].ns = st->ranges[i].ns;
	}
	if (v)
		qsort(v, st->nranges, sizeof *v, cmp_kv);
	*out = v;
	return v ? st->nranges : 0;
}

static void free_kvs(kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].key);
	free(v);
}

static void json_map(gf_buf *b, const kv *v, size_t n)
{
	gf_putc(b, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			gf_putc(b, ',');
		rp_json_str(b, (gt_str){v[i].key, v[i].len});
		gf_putc(b, ':');
		gf_i64(b, v[i].ns);
	}
	gf_putc(b, '}');
}

static void json_opt(gf_buf *b, int64_t t)
{
	if (t < 0)
		gf_puts(b, "null");
	else
		gf_i64(b, t);
}

static int64_t block_total(const gt_gstats *st)
{
	int64_t s = 0;
	for (size_t i = 0; i < st->nblock; i++)
		s += st->block[i].ns;
	return s;
}

typedef struct group_row {
	gt_str name;
	uint32_t count;
	gt_gstats st;
	gt_reason_ns *block;
	gt_range_ns *ranges;
	size_t capblock, capranges;
} group_row;

/* Orders goroutine indices by id. */
static const gt_model *sort_model;
static int cmp_by_id(const void *a, const void *b)
{
	int64_t x = gt_model_goroutine(sort_model, *(const uint32_t *)a).id;
	int64_t y = gt_model_goroutine(sort_model, *(const uint32_t *)b).id;
	return (x > y) - (x < y);
}

/* The statistics fields of a goroutine or group object, with a leading
 * comma, ending the object. */
static void json_stats(gf_buf *b, const gt_model *m, const gt_gstats *st)
{
	kv *bk, *rk;
	size_t nb = block_kvs(m, st, &bk), nr = range_kvs(m, st, &rk);
	gf_puts(b, ",\"exec_ns\":");
	gf_i64(b, st->exec_ns);
	gf_puts(b, ",\"sched_wait_ns\":");
	gf_i64(b, st->sched_wait_ns);
	gf_puts(b, ",\"block_ns\":");
	json_map(b, bk, nb);
	gf_puts(b, ",\"syscall_ns\":");
	gf_i64(b, st->syscall_ns);
	gf_puts(b, ",\"syscall_block_ns\":");
	gf_i64(b, st->syscall_block_ns);
	gf_puts(b, ",\"range_ns\":");
	json_map(b, rk, nr);
	gf_puts(b, ",\"total_ns\":");
	gf_i64(b, st->total_ns);
	gf_putc(b, '}');
	free_kvs(bk, nb);
	free_kvs(rk, nr);
}

static void row_json(gf_buf *b, const gt_model *m, uint32_t gi)
{
	const gt_goroutine gr = gt_model_goroutine(m, gi), *g = &gr;
	const gt_gstats st = gt_model_gstats(m, gi);
	gf_puts(b, "{\"id\":");
	gf_i64(b, g->id);
	gf_puts(b, ",\"name\":");
	rp_json_str(b, g->name);
	gf_puts(b, ",\"creation_ns\":");
	gf_i64(b, g->creation);
	gf_puts(b, ",\"start_ns\":");
	json_opt(b, g->start);
	gf_puts(b, ",\"end_ns\":");
	json_opt(b, g->end);
	json_stats(b, m, &st);
}

static void row_csv(gf_buf *b, const gt_model *m, uint32_t gi)
{
	const gt_goroutine gr = gt_model_goroutine(m, gi), *g = &gr;
	const gt_gstats st = gt_model_gstats(m, gi);
	kv *bk, *rk;
	size_t nb = block_kvs(m, &st, &bk), nr = range_kvs(m, &st, &rk);
	gf_i64(b, g->id);
	gf_putc(b, ',');
	rp_csv_str(b, g->name);
	int64_t vals[] = {g->creation, g->start, g->end, st.exec_ns, st.sched_wait_ns, block_total(&st)};
	for (size_t i = 0; i < 6; i++) {
		gf_putc(b, ',');
		if (vals[i] >= 0)
			gf_i64(b, vals[i]);
	}
	/* The maps, flattened as reason=ns;reason=ns. */
	gf_buf cell = {0};
	for (size_t i = 0; i < nb; i++) {
		if (i)
			gf_putc(&cell, ';');
		gf_put(&cell, bk[i].key, bk[i].len);
		gf_putc(&cell, '=');
		gf_i64(&cell, bk[i].ns);
	}
	gf_putc(b, ',');
	rp_csv_str(b, (gt_str){cell.p, cell.len});
	cell.len = 0;
	gf_putc(b, ',');
	gf_i64(b, st.syscall_ns);
	gf_putc(b, ',');
	gf_i64(b, st.syscall_block_ns);
	for (size_t i = 0; i < nr; i++) {
		if (i)
			gf_putc(&cell, ';');
		gf_put(&cell, rk[i].key, rk[i].len);
		gf_putc(&cell, '=');
		gf_i64(&cell, rk[i].ns);
	}
	gf_putc(b, ',');
	rp_csv_str(b, (gt_str){cell.p, cell.len});
	gf_putc(b, ',');
	gf_i64(b, st.total_ns);
	gf_putc(b, '\n');
	gf_free(&cell);
	free_kvs(bk, nb);
	free_kvs(rk, nr);
}

static void add_stats(group_row *r, const gt_gstats *st)
{
	r->st.exec_ns += st->exec_ns;
	r->st.sched_wait_ns += st->sched_wait_ns;
	r->st.syscall_ns += st->syscall_ns;
	r->st.syscall_block_ns += st->syscall_block_ns;
	r->st.total_ns += st->total_ns;
	for (size_t i = 0; i < st->nblock; i++) {
		size_t j = 0;
		while (j < r->st.nblock && r->block[j].reason != st->block[i].reason)
			j++;
		if (j == r->st.nblock) {
			if (r->st.nblock == r->capblock) {
				r->capblock = r->capblock ? 2 * r->capblock : 4;
				r->block = realloc(r->block, r->capblock * sizeof *r->block);
			}
			r->block[r->st.nblock++] = (gt_reason_ns){st->block[i].reason, 0};
		}
		r->block[j].ns += st->block[i].ns;
	}
	for (size_t i = 0; i < st->nranges; i++) {
		size_t j = 0;
		while (j < r->st.nranges &&
		       !(r->ranges[j].range == st->ranges[i].range && r->ranges[j].kind == st->ranges[i].kind))
			j++;
		if (j == r->st.nranges) {
			if (r->st.nranges == r->capranges) {
				r->capranges = r->capranges ? 2 * r->capranges : 4;
				r->ranges = realloc(r->ranges, r->capranges * sizeof *r->ranges);
			}
			r->ranges[r->st.nranges++] = (gt_range_ns){st->ranges[i].range, st->ranges[i].kind, 0};
		}
		r->ranges[j].ns += st->ranges[i].ns;
	}
	r->st.block = r->block;
	r->st.ranges = r->ranges;
	r->count++;
}

static int cmp_group(const void *a, const void *b)
{
	const group_row *x = a, *y = b;
	/* go tool trace lists groups by total execution time, largest first. */
	if (x->st.exec_ns != y->st.exec_ns)
		return x->st.exec_ns < y->st.exec_ns ? 1 : -1;
	size_t n = x->name.len < y->name.len ? x->name.len : y->name.len;
	int c = n ? memcmp(x->name.ptr, y->name.ptr, n) : 0;
	return c ? c : (x->name.len > y->name.len) - (x->name.len < y->name.len);
}

static int same_group_name(const void *ctx, uint32_t i, const char *p, size_t n)
{
	const group_row *r = &((const group_row *)ctx)[i];
	return r->name.len == n && (n == 0 || memcmp(r->name.ptr, p, n) == 0);
}

static void goroutine_groups(gf_buf *b, const gt_model *m, rp_format f)
{
	size_t n = gt_model_ngoroutines(m), ng = 0;
	group_row *rows = calloc(n + 1, sizeof *rows);
	if (!rows) {
		b->error = 1;
		return;
	}
	idmap ix = {0};
	for (uint32_t i = 0; i < n; i++) {
		const gt_goroutine g_rec = gt_model_goroutine(m, i), *g = &g_rec;
		uint32_t j = idmap_group(&ix, g->name.ptr, g->name.len, (uint32_t)ng, same_group_name, rows);
		if (j == UINT32_MAX) {
			b->error = 1;
			break;
		}
		if (j == ng)
			rows[ng++].name = g->name;
		const gt_gstats st = gt_model_gstats(m, i);
		add_stats(&rows[j], &st);
	}
	idmap_free(&ix);
	qsort(rows, ng, sizeof *rows, cmp_group);
	if (f == RP_JSON)
		gf_puts(b, "[\n");
	else if (f == RP_CSV)
		gf_puts(b, "name,count,exec_ns,sched_wait_ns,block_ns,syscall_ns,syscall_block_ns,total_ns\n");
	else if (f == RP_TEXT)
		gf_puts(b, "COUNT  EXEC        SCHED WAIT  BLOCKED     SYSCALL     NAME\n");
	for (size_t i = 0; i < ng; i++) {
		group_row *r = &rows[i];
		if (f == RP_JSON || f == RP_JSONL) {
			gf_puts(b, "{\"name\":");
			rp_json_str(b, r->name);
			gf_puts(b, ",\"count\":");
			gf_u64(b, r->count);
			json_stats(b, m, &r->st);
			if (f == RP_JSON && i + 1 < ng)
				gf_putc(b, ',');
			gf_putc(b, '\n');
		} else if (f == RP_CSV) {
			rp_csv_str(b, r->name);
			int64_t v[] = {r->count, r->st.exec_ns, r->st.sched_wait_ns, block_total(&r->st), r->st.syscall_ns,
			               r->st.syscall_block_ns, r->st.total_ns};
			for (size_t k = 0; k < 7; k++) {
				gf_putc(b, ',');
				gf_i64(b, v[k]);
			}
			gf_putc(b, '\n');
		} else {
			char cnt[16];
			snprintf(cnt, sizeof cnt, "%-6u ", r->count);
			gf_puts(b, cnt);
			int64_t v[] = {r->st.exec_ns, r->st.sched_wait_ns, block_total(&r->st), r->st.syscall_ns};
			for (size_t k = 0; k < 4; k++)
				gf_duration_col(b, v[k], 12);
			gf_put(b, r->name.len ? r->name.ptr : "(unknown)", r->name.len ? r->name.len : 9);
			gf_putc(b, '\n');
		}
	}
	if (f == RP_JSON)
		gf_puts(b, "]\n");
	for (size_t i = 0; i < ng; i++) {
		free(rows[i].block);
		free(rows[i].ranges);
	}
	free(rows);
}

void rp_goroutines(gf_buf *b, const gt_model *m, rp_format f, bool group)
{
	if (group) {
		goroutine_groups(b, m, f);
		return;
	}
	size_t n = gt_model_ngoroutines(m);
	uint32_t *order = malloc((n + 1) * sizeof *order);
	if (!order) {
		b->error = 1;
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	sort_model = m;
	qsort(order, n, sizeof *order, cmp_by_id);
	switch (f) {
	case RP_JSON:
	case RP_JSONL:
		if (f == RP_JSON)
			gf_puts(b, "[\n");
		for (size_t i = 0; i < n; i++) {
			row_json(b, m, order[i]);
			if (f == RP_JSON && i + 1 < n)
				gf_putc(b, ',');
			gf_putc(b, '\n');
		}
		if (f == RP_JSON)
			gf_puts(b, "]\n");
		break;
	case RP_CSV:
		gf_puts(b, "id,name,creation_ns,start_ns,end_ns,exec_ns,sched_wait_ns,block_ns,block_by_reason,syscall_ns,"
		           "syscall_block_ns,range_ns,total_ns\n");
		for (size_t i = 0; i < n; i++)
			row_csv(b, m, order[i]);
		break;
	default:
		gf_puts(b, "GOROUTINE  EXEC        SCHED WAIT  BLOCKED     SYSCALL     TOTAL       NAME\n");
		for (size_t i = 0; i < n; i++) {
			const gt_goroutine g_rec = gt_model_goroutine(m, order[i]), *g = &g_rec;
			const gt_gstats st = gt_model_gstats(m, order[i]);
			char id[24];
			snprintf(id, sizeof id, "%-10lld ", (long long)g->id);
			gf_puts(b, id);
			int64_t v[] = {st.exec_ns, st.sched_wait_ns, block_total(&st), st.syscall_ns,
			               st.total_ns};
			for (size_t k = 0; k < 5; k++)
				gf_duration_col(b, v[k], 12);
			gf_put(b, g->name.len ? g->name.ptr : "(unknown)", g->name.len ? g->name.len : 9);
			gf_putc(b, '\n');
		}
		break;
	}
	free(order);
}
