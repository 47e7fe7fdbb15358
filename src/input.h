/* Getting a trace's bytes: a read-only mapping of a file, or standard input
 * read into memory. */
#ifndef GOTRACE_SRC_INPUT_H
#define GOTRACE_SRC_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct gt_input {
	const unsigned char *data;
	size_t len;
	int mapped; /* 1: munmap, 0: free */
	size_t retired; /* bytes given back with gt_input_retire */
} gt_input;

/* path "-" reads standard input. Returns 0, or -1 with errno set. */
int gt_input_open(gt_input *in, const char *path);
void gt_input_close(gt_input *in);

/* Tells the kernel the mapped bytes before `offset` are not needed soon:
 * their pages leave the process's memory and are read back from the page
 * cache if touched again (strings of the model point into the file). Does
 * nothing for input read into memory. */
void gt_input_retire(gt_input *in, size_t offset);

/* gt_input_retire as a gt_model_build progress callback (ctx: the input):
 * gives back what the model builder's decoder is done with. */
void gt_input_retire_progress(void *ctx, uint64_t done, uint64_t total, uint64_t retired);

#endif
