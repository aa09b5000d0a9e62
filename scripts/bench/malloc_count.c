// Counts heap allocations of a process (LD_PRELOAD) and prints the totals to stderr at exit:
// `MCOUNT malloc=… calloc=… realloc=… memalign=…`. Used by scripts/bench/mallocs-per-report.sh.
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_long n_malloc, n_calloc, n_realloc, n_memalign;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static void count(atomic_long *n) { atomic_fetch_add_explicit(n, 1, memory_order_relaxed); }

void *malloc(size_t s) { count(&n_malloc); return __libc_malloc(s); }
void *calloc(size_t a, size_t b) { count(&n_calloc); return __libc_calloc(a, b); }
void *realloc(void *p, size_t s) { count(&n_realloc); return __libc_realloc(p, s); }
void *aligned_alloc(size_t al, size_t s) { count(&n_memalign); return __libc_memalign(al, s); }
int posix_memalign(void **r, size_t al, size_t s) {
    count(&n_memalign);
    void *p = __libc_memalign(al, s);
    if (!p) return 12;  // ENOMEM
    *r = p;
    return 0;
}

__attribute__((destructor)) static void report(void) {
    fprintf(stderr, "MCOUNT malloc=%ld calloc=%ld realloc=%ld memalign=%ld\n",
            (long)n_malloc, (long)n_calloc, (long)n_realloc, (long)n_memalign);
}
