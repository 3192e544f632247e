/*
 * memory.c - big arrays on huge pages.
 *
 * A model's weights, IDF and hash tables are tens of megabytes read at
 * random, one feature at a time: with 4 KiB pages nearly every access
 * also misses the TLB.  Arrays of at least BIG bytes are therefore
 * aligned to 2 MiB and marked MADV_HUGEPAGE, so that where the kernel
 * offers transparent huge pages ("madvise" or "always" in
 * /sys/kernel/mm/transparent_hugepage/enabled) they get them.  Elsewhere
 * the advice is ignored and they are ordinary allocations.  Either way the
 * result is released with free().
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#ifdef HAVE_SYS_MMAN_H
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define BIG ((size_t)1 << 20)

void *spytag_big_alloc(size_t n, int zero)
{
    void *p = NULL;
    if (n < BIG)
        return zero ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
#if defined(HAVE_SYS_MMAN_H) && defined(MADV_HUGEPAGE)
    if (posix_memalign(&p, HUGE_PAGE, n) != 0)
        return NULL;
    (void)madvise(p, (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
    if (zero)
        memset(p, 0, n);
    return p;
#else
    (void)p;
    return zero ? calloc(1, n) : malloc(n);
#endif
}
