/* A program outside the tree, built against the installed libgotrace with
 * `pkg-config --cflags --libs gotrace`: counts a trace's events. */
#include <stdio.h>
#include <stdlib.h>

#include <gotrace/decoder.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: consumer FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 1;
	static char buf[1 << 24];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	gt_trace *t;
	gt_error e;
	if (gt_trace_open(buf, len, &t, &e) != GT_OK) {
		fprintf(stderr, "consumer: %s\n", e.detail);
		return 1;
	}
	gt_event ev;
	gt_status s;
	unsigned long events = 0;
	while ((s = gt_trace_next(t, &ev, &e)) == GT_OK)
		events++;
	gt_trace_close(t);
	if (s != GT_EOF) {
		fprintf(stderr, "consumer: %s: %s\n", gt_status_str(s), e.detail);
		return 1;
	}
	printf("events %lu\n", events);
	return 0;
}
