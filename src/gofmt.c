#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gofmt.h"

#define GF_FLUSH_AT (1u << 20)

static void reserve(gf_buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	if (b->out && b->len) {
		gf_flush(b);
		if (n <= b->cap)
			return;
	}
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->error = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void gf_put(gf_buf *b, const char *s, size_t n)
{
	/* Empty strings may come as {NULL, 0}, and the buffer may not exist yet. */
	if (n == 0)
		return;
	reserve(b, n);
	if (b->len + n > b->cap)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	if (b->out && b->len >= GF_FLUSH_AT)
		gf_flush(b);
}

void gf_puts(gf_buf *b, const char *s) { gf_put(b, s, strlen(s)); }
void gf_putc(gf_buf *b, char c) { gf_put(b, &c, 1); }

void gf_u64(gf_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	gf_put(b, tmp + i, sizeof tmp - i);
}

void gf_i64(gf_buf *b, int64_t v)
{
	if (v < 0) {
		gf_putc(b, '-');
		gf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		gf_u64(b, (uint64_t)v);
	}
}

void gf_hex(gf_buf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = digits[v & 15];
		v >>= 4;
	} while (v);
	gf_put(b, tmp + i, sizeof tmp - i);
}

/* Formats ns for people into tmp; returns its length. */
static int duration_text(char *tmp, size_t n, int64_t ns)
{
	if (ns < 1000 && ns > -1000)
		return snprintf(tmp, n, "%lldns", (long long)ns);
	if (ns < 1000000 && ns > -1000000)
		return snprintf(tmp, n, "%.1fus", (double)ns / 1e3);
	if (ns < 1000000000 && ns > -1000000000)
		return snprintf(tmp, n, "%.2fms", (double)ns / 1e6);
	return snprintf(tmp, n, "%.3fs", (double)ns / 1e9);
}

void gf_duration(gf_buf *b, int64_t ns)
{
	char tmp[48];
	duration_text(tmp, sizeof tmp, ns);
	gf_puts(b, tmp);
}

void gf_duration_col(gf_buf *b, int64_t ns, int width)
{
	/* Not measured through b->len: a buffer with an output may flush. */
	char tmp[48];
	int n = duration_text(tmp, sizeof tmp, ns);
	gf_puts(b, tmp);
	for (int i = n; i < width; i++)
		gf_putc(b, ' ');
}

void gf_flush(gf_buf *b)
{
	if (b->out && b->len) {
		if (fwrite(b->p, 1, b->len, b->out) != b->len)
			b->error = 1;
		b->len = 0;
	}
}

void gf_free(gf_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Decodes one UTF-8 sequence as Go does; returns its length, with *r set to
 * 0xFFFD and length 1 for an invalid byte. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
	unsigned char c = s[0];
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	size_t len;
	uint32_t min, v;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		*r = 0xFFFD;
		return 1;
	}
	if (n < len) {
		*r = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*r = 0xFFFD;
			return 1;
		}
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*r = 0xFFFD;
		return 1;
	}
	*r = v;
	return len;
}

/* unicode.IsPrint for the code points that occur in practice: every
 * assigned graphic character is printable; controls, format characters,
 * separators other than U+0020, private use and noncharacters are not.
 * Unassigned code points are treated as printable (Go escapes them), which
 * only matters for strings no Go toolchain produces as names. */
static int is_print(uint32_t r)
{
	if (r < 0x20 || (r >= 0x7F && r <= 0x9F))
		return 0;
	if (r == 0xA0 || r == 0xAD || r == 0x61C || r == 0x1680 || r == 0x180E)
		return 0;
	if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F))
		return 0;
	if (r == 0x3000 || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF)
		return 0;
	if ((r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000 || (r >= 0xE0000 && r <= 0xE007F))
		return 0;
	return 1;
}

void gf_quote(gf_buf *b, gt_str str)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str.ptr;
	size_t n = str.len;
	gf_putc(b, '"');
	size_t i = 0;
	while (i < n) {
		/* Copy runs of plain ASCII at once. */
		size_t j = i;
		while (j < n && s[j] >= 0x20 && s[j] < 0x7F && s[j] != '"' && s[j] != '\\')
			j++;
		if (j > i) {
			gf_put(b, (const char *)s + i, j - i);
			i = j;
			continue;
		}
		uint32_t r;
		size_t w = utf8_decode(s + i, n - i, &r);
		if (w == 1 && r == 0xFFFD) {
			char e[4] = {'\\', 'x', hex[s[i] >> 4], hex[s[i] & 15]};
			gf_put(b, e, 4);
			i++;
			continue;
		}
		if (r == '"' || r == '\\') {
			char e[2] = {'\\', (char)r};
			gf_put(b, e, 2);
		} else if (is_print(r)) {
			gf_put(b, (const char *)s + i, w);
		} else {
			switch (r) {
			case '\a':
				gf_puts(b, "\\a");
				break;
			case '\b':
				gf_puts(b, "\\b");
				break;
			case '\f':
				gf_puts(b, "\\f");
				break;
			case '\n':
				gf_puts(b, "\\n");
				break;
			case '\r':
				gf_puts(b, "\\r");
				break;
			case '\t':
				gf_puts(b, "\\t");
				break;
			case '\v':
				gf_puts(b, "\\v");
				break;
			default:
				if (r < ' ' || r == 0x7F) {
					char e[4] = {'\\', 'x', hex[r >> 4], hex[r & 15]};
					gf_put(b, e, 4);
				} else if (r < 0x10000) {
					char e[6] = {'\\', 'u', hex[r >> 12 & 15], hex[r >> 8 & 15], hex[r >> 4 & 15], hex[r & 15]};
					gf_put(b, e, 6);
				} else {
					char e[10] = {'\\', 'U'};
					for (int k = 0; k < 8; k++)
						e[2 + k] = hex[r >> (28 - 4 * k) & 15];
					gf_put(b, e, 10);
				}
			}
		}
		i += w;
	}
	gf_putc(b, '"');
}

static void pad(gf_buf *b, int64_t v, int width)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		gf_putc(b, '-');
	for (int i = n; i < width; i++)
		gf_putc(b, '0');
	while (n)
		gf_putc(b, tmp[--n]);
}

void gf_rfc3339nano(gf_buf *b, int64_t sec, int64_t nsec)
{
	/* time.Unix normalises nsec into [0, 1e9). */
	if (nsec < 0 || nsec >= 1000000000) {
		int64_t q = nsec / 1000000000;
		sec += q;
		nsec -= q * 1000000000;
		if (nsec < 0) {
			nsec += 1000000000;
			sec--;
		}
	}
	int64_t days = sec / 86400, rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	pad(b, y, 4);
	gf_putc(b, '-');
	pad(b, m, 2);
	gf_putc(b, '-');
	pad(b, d, 2);
	gf_putc(b, 'T');
	pad(b, rem / 3600, 2);
	gf_putc(b, ':');
	pad(b, rem / 60 % 60, 2);
	gf_putc(b, ':');
	pad(b, rem % 60, 2);
	if (nsec) {
		char frac[10];
		frac[0] = '.';
		int64_t v = nsec;
		for (int i = 9; i >= 1; i--) {
			frac[i] = (char)('0' + v % 10);
			v /= 10;
		}
		size_t len = 10;
		while (frac[len - 1] == '0')
			len--;
		gf_put(b, frac, len);
	}
	gf_putc(b, 'Z');
}

static void print_stack(gf_buf *b, const gt_stack *s)
{
	for (uint32_t i = 0; i < s->nframes; i++) {
		const gt_frame *f = &s->frames[i];
		gf_putc(b, '\t');
		gf_put(b, f->func.ptr, f->func.len);
		gf_puts(b, " @ 0x");
		gf_hex(b, f->pc);
		gf_puts(b, "\n\t\t");
		gf_put(b, f->file.ptr, f->file.len);
		gf_putc(b, ':');
		gf_u64(b, f->line);
		gf_putc(b, '\n');
	}
}

static void print_value(gf_buf *b, uint64_t v)
{
	gf_puts(b, "Value{Uint64(");
	gf_u64(b, v);
	gf_puts(b, ")}");
}

static void print_resource(gf_buf *b, gt_resource_kind k, int64_t id)
{
	gf_puts(b, gt_resource_kind_str(k));
	if (k != GT_RES_NONE) {
		gf_putc(b, '(');
		gf_i64(b, id);
		gf_putc(b, ')');
	}
}

void gf_event(gf_buf *b, const gt_event *ev)
{
	gf_puts(b, "M=");
	gf_i64(b, ev->thread);
	gf_puts(b, " P=");
	gf_i64(b, ev->proc);
	gf_puts(b, " G=");
	gf_i64(b, ev->goroutine);
	gf_putc(b, ' ');
	gf_puts(b, gt_event_kind_str(ev->kind));
	gf_puts(b, " Time=");
	gf_i64(b, ev->time);

	switch (ev->kind) {
	case GT_EV_METRIC:
		gf_puts(b, " Name=");
		gf_quote(b, (gt_str){ev->u.metric.name, strlen(ev->u.metric.name)});
		gf_puts(b, " Value=");
		print_value(b, ev->u.metric.value);
		break;
	case GT_EV_LABEL:
		gf_puts(b, " Label=");
		gf_quote(b, ev->u.label.label);
		gf_puts(b, " Resource=");
		print_resource(b, GT_RES_GOROUTINE, ev->u.label.goroutine);
		break;
	case GT_EV_RANGE_BEGIN:
	case GT_EV_RANGE_ACTIVE:
	case GT_EV_RANGE_END: {
		gf_puts(b, " Name=");
		if (ev->u.range.id == GT_RANGE_STW) {
			/* The name is "stop-the-world (<kind>)", quoted as a whole. */
			gt_str k = ev->u.range.stw_kind;
			size_t n = k.len + 17;
			char *tmp = malloc(n);
			if (tmp) {
				memcpy(tmp, "stop-the-world (", 16);
				if (k.len)
					memcpy(tmp + 16, k.ptr, k.len);
				tmp[n - 1] = ')';
				gf_quote(b, (gt_str){tmp, n});
				free(tmp);
			} else {
				b->error = 1;
			}
		} else {
			const char *name = gt_range_name(ev->u.range.id);
			gf_quote(b, (gt_str){name, strlen(name)});
		}
		gf_puts(b, " Scope=");
		print_resource(b, ev->u.range.scope, ev->u.range.scope_id);
		if (ev->kind == GT_EV_RANGE_END) {
			gf_puts(b, " Attributes=[");
			if (ev->u.range.has_sweep_stats) {
				gf_puts(b, "\"bytes swept\"=");
				print_value(b, ev->u.range.swept_bytes);
				gf_puts(b, " \"bytes reclaimed\"=");
				print_value(b, ev->u.range.reclaimed_bytes);
			}
			gf_putc(b, ']');
		}
		break;
	}
	case GT_EV_TASK_BEGIN:
	case GT_EV_TASK_END:
		gf_puts(b, " ID=");
		gf_u64(b, ev->u.task.id);
		gf_puts(b, " Parent=");
		gf_u64(b, ev->u.task.parent);
		gf_puts(b, " Type=");
		gf_quote(b, ev->u.task.type);
		break;
	case GT_EV_REGION_BEGIN:
	case GT_EV_REGION_END:
		gf_puts(b, " Task=");
		gf_u64(b, ev->u.region.task);
		gf_puts(b, " Type=");
		gf_quote(b, ev->u.region.type);
		break;
	case GT_EV_LOG:
		gf_puts(b, " Task=");
		gf_u64(b, ev->u.log.task);
		gf_puts(b, " Category=");
		gf_quote(b, ev->u.log.category);
		gf_puts(b, " Message=");
		gf_quote(b, ev->u.log.message);
		break;
	case GT_EV_STATE_TRANSITION:
		if (ev->u.transition.resource == GT_RES_GOROUTINE) {
			gf_puts(b, " GoID=");
			gf_i64(b, ev->u.transition.id);
			gf_putc(b, ' ');
			gf_puts(b, gt_go_state_str((gt_go_state)ev->u.transition.from));
			gf_puts(b, "->");
			gf_puts(b, gt_go_state_str((gt_go_state)ev->u.transition.to));
		} else {
			gf_puts(b, " ProcID=");
			gf_i64(b, ev->u.transition.id);
			gf_putc(b, ' ');
			gf_puts(b, gt_proc_state_str((gt_proc_state)ev->u.transition.from));
			gf_puts(b, "->");
			gf_puts(b, gt_proc_state_str((gt_proc_state)ev->u.transition.to));
		}
		gf_puts(b, " Reason=");
		gf_quote(b, ev->u.transition.reason);
		if (ev->u.transition.stack) {
			gf_puts(b, "\nTransitionStack=\n");
			print_stack(b, ev->u.transition.stack);
		}
		break;
	case GT_EV_EXPERIMENTAL:
		gf_puts(b, " Name=");
		gf_puts(b, ev->u.experimental.name);
		gf_puts(b, " Args=[");
		for (uint32_t i = 0; i < ev->u.experimental.nargs; i++) {
			const char *name = ev->u.experimental.arg_names[i];
			size_t n = strlen(name);
			if (i)
				gf_puts(b, ", ");
			gf_puts(b, name);
			gf_putc(b, '=');
			if (n >= 6 && strcmp(name + n - 6, "string") == 0)
				gf_put(b, ev->u.experimental.arg_strs[i].ptr, ev->u.experimental.arg_strs[i].len);
			else
				print_value(b, ev->u.experimental.args[i]);
		}
		gf_putc(b, ']');
		break;
	case GT_EV_SYNC:
		gf_puts(b, " N=");
		gf_u64(b, ev->u.sync.n);
		if (ev->u.sync.has_clock) {
			gf_puts(b, " Trace=");
			gf_i64(b, ev->u.sync.clock_trace);
			gf_puts(b, " Mono=");
			gf_u64(b, ev->u.sync.clock_mono);
			gf_puts(b, " Wall=");
			gf_rfc3339nano(b, ev->u.sync.wall_sec, ev->u.sync.wall_nsec);
		}
		break;
	default:
		break;
	}
	if (ev->stack) {
		gf_puts(b, "\nStack=\n");
		print_stack(b, ev->stack);
	}
	gf_putc(b, '\n');
}
