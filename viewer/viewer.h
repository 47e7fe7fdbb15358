/* The viewer's entry point for the command line: `gotrace view ...`.
 * Built only when the viewer is enabled (GT_HAVE_VIEWER). */
#ifndef GOTRACE_VIEWER_VIEWER_H
#define GOTRACE_VIEWER_VIEWER_H

/* argv[0] is "view". Returns the process exit status: 0, 1 when the trace
 * or the display fails, 2 on a usage error. */
int viewer_main(int argc, char **argv);

#endif
