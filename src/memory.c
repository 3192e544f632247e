/*
 * memory.c - big arrays on huge pages.
 *
 * A model's weights, IDF and hash tables are tens of megabytes read at
 * random, one feature at a time: with 4 KiB pages nearly every access
 * also misses the TLB.  Arrays of at least BIG bytes are therefore
 * aligned to 2 MiB, rounded up to whole 2 MiB pages (the kernel gives a
 * part page 4 KiB pages) and marked MADV_HUGEPAGE, so that where the
 * kernel offers transparent huge pages ("madvise" or "always" in
 * /sys/kernel/mm/transparent_hugepage/enabled) they get them.  Elsewhere
 * the advice is ignored and they are ordinary allocations.  Either way the
 * result is released with free() (or grown with realloc(), which keeps
 * its contents but not the alignment).
 *
 * BIG is low, 256 KiB, because on virtual machines a page fault is dear:
 * on ours the first touch of a 4 KiB page costs about 10 us, so that a
 * 256 KiB array costs 0.6 ms in faults on small pages and about 0.1 ms
 * to clear one huge page.  The price is memory: up to 2 MiB more for each
 * such array (the shipped model's process: 5 MB to 12 MB peak RSS).
 */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_SYS_MMAN_H
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#if defined(__SANITIZE_ADDRESS__)
#define SPYTAG_EXACT_BIG_ALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPYTAG_EXACT_BIG_ALLOC 1
#endif
#endif
#define BIG ((size_t)1 << 18)

void *spytag_big_alloc(size_t n, int zero)
{
    void *p = NULL;
    size_t n2;
    if (n < BIG)
        return zero ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
#if defined(HAVE_SYS_MMAN_H) && defined(MADV_HUGEPAGE)
    /* (the whole of the last huge page is allocated, or the kernel gives
     * its part of the array 4 KiB pages) */
    if (n > SIZE_MAX - HUGE_PAGE)
        return NULL;
#ifdef SPYTAG_EXACT_BIG_ALLOC
    n2 = n;       /* sanitizer builds: an overrun of n is seen at once */
#else
    n2 = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
#endif
    if (posix_memalign(&p, HUGE_PAGE, n2) != 0)
        return NULL;
    (void)madvise(p, n2, MADV_HUGEPAGE);
    if (zero)
        memset(p, 0, n);
    return p;
#else
    (void)p;
    (void)n2;
    return zero ? calloc(1, n) : malloc(n);
#endif
}
