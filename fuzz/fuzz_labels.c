/*
 * fuzz_labels.c - libFuzzer harness: the input becomes labels.tsv in a
 * fresh temporary folder that also holds two small articles, a.txt and
 * b.txt; spytag_corpus_load then loads the folder.  The folder is removed
 * after each run.  Built and run by fuzz/run.sh.
 */
#define _GNU_SOURCE
#include "spytag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *dir, const char *name, const void *p,
                       size_t n)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
        abort();
}

static void remove_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char a[] =
        "The telescope at the observatory found a new comet near Mars.\n";
    static const char b[] =
        "Knead the dough, let it rise, and bake the bread in a hot oven.\n";
    char tmpl[] = "/tmp/spytag-fuzz-labels.XXXXXX";
    char *dir = mkdtemp(tmpl);
    spytag_corpus *c = NULL;
    spytag_error err;
    int rc;

    if (!dir)
        abort();
    write_file(dir, "a.txt", a, sizeof a - 1);
    write_file(dir, "b.txt", b, sizeof b - 1);
    write_file(dir, "labels.tsv", data, size);
    memset(&err, 0, sizeof err);
    rc = spytag_corpus_load(dir, &c, &err);
    if (rc == SPYTAG_OK) {
        size_t i, n = spytag_corpus_size(c), T = spytag_corpus_ntopics(c);
        unsigned char *has = malloc(T ? T : 1);
        if (!c || n == 0 || !has)
            abort();
        for (i = 0; i < T; i++)
            (void)strlen(spytag_corpus_topic(c, i));
        for (i = 0; i < n; i++) {
            size_t len;
            const char *text = spytag_corpus_text(c, i, &len);
            if (text[len] != '\0')
                abort();
            (void)strlen(spytag_corpus_id(c, i));
            spytag_corpus_labels(c, i, has);
        }
        free(has);
        spytag_corpus_free(c);
    } else {
        if (c || err.message[0] == '\0' || err.status != rc)
            abort();
    }
    remove_file(dir, "a.txt");
    remove_file(dir, "b.txt");
    remove_file(dir, "labels.tsv");
    if (rmdir(dir) != 0)
        abort();
    return 0;
}
