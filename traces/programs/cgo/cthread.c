// C half of the cgo program: a blocking sleep and a pthread created in C
// that calls back into Go.
#include <pthread.h>
#include <unistd.h>
#include "_cgo_export.h"

void c_sleep_us(unsigned int us) {
	usleep(us);
}

static void *thread_main(void *arg) {
	int n = *(int *)arg;
	for (int i = 0; i < n; i++) {
		goCallback(i);
		usleep(2000);
	}
	return NULL;
}

int c_thread_callbacks(int n) {
	pthread_t t;
	if (pthread_create(&t, NULL, thread_main, &n) != 0)
		return -1;
	return pthread_join(t, NULL);
}
