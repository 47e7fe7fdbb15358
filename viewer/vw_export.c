/* Export of a selected range's gap report, in the formats of `gotrace gaps`,
 * and the file names it uses. No SDL: tested with a directory. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gaps.h"
#include "gofmt.h"
#include "vw.h"

/* Milliseconds with as many decimals as needed to be exact ("0ms",
 * "912.5ms", "1100.000001ms"): readable and filename-safe. */
static void fmt_ms(char *buf, size_t n, int64_t ns)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	uint64_t whole = a / 1000000, frac = a % 1000000;
	if (!frac) {
		snprintf(buf, n, "%s%" PRIu64 "ms", sign, whole);
		return;
	}
	char f[8];
	snprintf(f, sizeof f, "%06" PRIu64, frac);
	for (size_t i = strlen(f); i > 0 && f[i - 1] == '0'; i--)
		f[i - 1] = '\0';
	snprintf(buf, n, "%s%" PRIu64 ".%sms", sign, whole, f);
}

void vw_export_name(char *buf, size_t n, int64_t from, int64_t to)
{
	char a[48], b[48];
	fmt_ms(a, sizeof a, from);
	fmt_ms(b, sizeof b, to);
	snprintf(buf, n, "gaps-%s-%s", a, b);
}

const char *const vw_export_exts[VW_EXPORT_NFORMATS] = {"html", "json", "csv", "md"};

int vw_export_gaps(const gt_model *m, const char *dir, int64_t from, int64_t to, int64_t min_ns, const char *file,
                   char *path, size_t n)
{
	static const rp_format formats[VW_EXPORT_NFORMATS] = {RP_HTML, RP_JSON, RP_CSV, RP_MD};
	char name[128];
	vw_export_name(name, sizeof name, from, to);
	if (!dir || !dir[0])
		dir = ".";
	snprintf(path, n, "%s/%s.{html,json,csv,md}", dir, name);
	gp_options o = {.min_ns = min_ns, .from_ns = from, .to_ns = to, .top = -1, .file = file};
	for (int i = 0; i < VW_EXPORT_NFORMATS; i++) {
		char p[4096];
		if ((size_t)snprintf(p, sizeof p, "%s/%s.%s", dir, name, vw_export_exts[i]) >= sizeof p) {
			errno = ENAMETOOLONG;
			return -1;
		}
		FILE *f = fopen(p, "w");
		if (!f)
			return -1;
		gf_buf b = {.out = f};
		gp_gaps(&b, m, formats[i], &o);
		gf_flush(&b);
		int bad = b.error;
		gf_free(&b);
		if (fclose(f) != 0 || bad) {
			if (!errno)
				errno = EIO;
			return -1;
		}
	}
	return 0;
}
