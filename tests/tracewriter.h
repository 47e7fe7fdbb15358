/* A tiny writer of Go 1.22+ trace bytes, for tests that need an event
 * sequence no recording shows: events are a type byte and uvarint
 * arguments, in batches of one generation and one M. */
#ifndef GOTRACE_TESTS_TRACEWRITER_H
#define GOTRACE_TESTS_TRACEWRITER_H

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

/* Room for two batches at their largest (GT_MAX_BATCH_BYTES). */
typedef struct wbuf {
	uint8_t b[128 << 10];
	size_t n;
} wbuf;

static inline void w_bytes(wbuf *w, const void *p, size_t n)
{
	ck_assert_uint_le(n, sizeof w->b - w->n);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static inline void w_u8(wbuf *w, uint8_t v) { w_bytes(w, &v, 1); }

static inline void w_uv(wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		w_u8(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	w_u8(w, (uint8_t)v);
}

/* An event: type byte then uvarint arguments, the first the time since
 * the batch's previous event. */
static inline void w_ev(wbuf *w, uint8_t typ, int nargs, ...)
{
	va_list ap;
	va_start(ap, nargs);
	w_u8(w, typ);
	for (int i = 0; i < nargs; i++)
		w_uv(w, va_arg(ap, uint64_t));
	va_end(ap);
}

static inline void w_batch(wbuf *w, uint64_t gen, uint64_t m, uint64_t ts, const wbuf *data)
{
	w_u8(w, 1); /* EvEventBatch */
	w_uv(w, gen);
	w_uv(w, m);
	w_uv(w, ts);
	w_uv(w, data->n);
	w_bytes(w, data->b, data->n);
}

enum {
	EvFrequency = 8,
	EvProcStatus = 13,
	EvGoStart = 16,
	EvGoBlock = 20,
	EvGoUnblock = 21,
	EvGoStatus = 25,
	EvGoLabel = 39,
	EvSync = 50,
	EvClockSnapshot = 51,
	EvEndOfGeneration = 52,
};

/* GoStatus's statuses. */
enum { GoRunnable = 1, GoRunning = 2, GoWaiting = 4 };

#define NO_THREAD UINT64_MAX

/* Ends generation gen: its sync batch (a frequency of 1 GHz and a clock
 * snapshot at 999) and the end-of-generation marker. */
static inline void w_end_generation(wbuf *w, uint64_t gen)
{
	static wbuf sync;
	sync.n = 0;
	w_u8(&sync, EvSync);
	w_ev(&sync, EvFrequency, 1, (uint64_t)1000000000);
	w_ev(&sync, EvClockSnapshot, 4, (uint64_t)0, (uint64_t)5000, (uint64_t)1700000000, (uint64_t)5);
	w_batch(w, gen, NO_THREAD, 999, &sync);
	w_u8(w, EvEndOfGeneration);
}

#endif
