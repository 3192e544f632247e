/*
 * bareloop.c - the machine's own -j 2 / -j 1 ceiling, for bench/speed.
 *
 *   bareloop TEXT THREADS TABLE_MB
 *
 * A bare bag-of-words loop with the access pattern of classification and
 * nothing else: it lower-cases the ASCII letters of each token, hashes the
 * token (FNV-1a) and adds up a row of 20 floats picked by the hash from a
 * shared, read-only table of TABLE_MB MB, as spytag adds up a feature's
 * weights for 20 topics.  No vocabulary, no TF-IDF, no output.  The text
 * is split into THREADS equal byte ranges, one per thread.
 *
 * The file is mapped and faulted in, and the table filled, before the
 * clock starts, so the time printed (milliseconds, then the checksum of
 * the sums so that the loop cannot be optimised away) is the loop's
 * alone.  bench/speed runs it with 1 and 2 threads between its spytag
 * -j 1 and -j 2 runs: their ratio is what two threads of a loop that does
 * nothing but this can get from the machine at that moment, against
 * which spytag's own ratio, model load included, is read.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define ROW 20                        /* floats a row: 20 topics */

struct range {
    const unsigned char *text;
    size_t from, to;
    const float *table;
    size_t rows;
    double sum;
};

static int is_word(unsigned char c)
{
    return ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9');
}

static void *run(void *arg)
{
    struct range *g = arg;
    const unsigned char *s = g->text;
    size_t i = g->from;
    double sum = 0;
    while (i < g->to) {
        uint64_t h = 1469598103934665603ULL;
        size_t start;
        while (i < g->to && !is_word(s[i]))
            i++;
        start = i;
        for (; i < g->to && is_word(s[i]); i++)
            h = (h ^ (unsigned char)(s[i] | (s[i] >= 'A' ? 32 : 0))) *
                1099511628211ULL;
        if (i > start) {
            const float *r = g->table + (h % g->rows) * ROW;
            int t;
            for (t = 0; t < ROW; t++)
                sum += r[t];
        }
    }
    g->sum = sum;
    return NULL;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    struct range g[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    const unsigned char *text;
    float *table;
    size_t len, rows, k;
    long threads, mb;
    char *end;
    struct stat st;
    double t0, t1, sum = 0;
    int fd, i;

    if (argc != 4) {
        fprintf(stderr, "usage: bareloop TEXT THREADS TABLE_MB\n");
        return 2;
    }
    threads = strtol(argv[2], &end, 10);
    if (*end || threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "bareloop: invalid THREADS '%s'\n", argv[2]);
        return 2;
    }
    mb = strtol(argv[3], &end, 10);
    if (*end || mb < 1 || mb > 4096) {
        fprintf(stderr, "bareloop: invalid TABLE_MB '%s'\n", argv[3]);
        return 2;
    }
    fd = open(argv[1], O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        fprintf(stderr, "bareloop: cannot read '%s'\n", argv[1]);
        return 1;
    }
    len = (size_t)st.st_size;
    text = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (text == MAP_FAILED) {
        fprintf(stderr, "bareloop: cannot map '%s'\n", argv[1]);
        return 1;
    }
    rows = ((size_t)mb << 20) / (ROW * sizeof *table);
    table = malloc(rows * ROW * sizeof *table);
    if (!table) {
        fprintf(stderr, "bareloop: out of memory\n");
        return 1;
    }
    for (k = 0; k < rows * ROW; k++)
        table[k] = (float)(k % 7);

    t0 = now_ms();
    for (i = 0; i < threads; i++) {
        g[i].text = text;
        g[i].from = len * (size_t)i / (size_t)threads;
        g[i].to = len * (size_t)(i + 1) / (size_t)threads;
        g[i].table = table;
        g[i].rows = rows;
        if (pthread_create(&th[i], NULL, run, &g[i]) != 0) {
            fprintf(stderr, "bareloop: cannot start a thread\n");
            return 1;
        }
    }
    for (i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        sum += g[i].sum;
    }
    t1 = now_ms();
    printf("%.3f %.17g\n", t1 - t0, sum);
    free(table);
    munmap((void *)text, len);
    return 0;
}
