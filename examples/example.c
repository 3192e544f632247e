/*
 * example.c - a minimal client of libspytag: load a model, classify one
 * text, print each topic's score and whether it is assigned.
 *
 *   cc -o example example.c $(pkg-config --cflags --libs spytag)
 *   ./example MODEL [FILE]          (FILE, or standard input when absent)
 *
 * Exit status: 0 success, 1 the text could not be read or classified,
 * 2 usage, 3 the model could not be loaded.
 */
#include <spytag.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads all of f into a new buffer (*buf, *len); returns 0 or errno. */
static int read_all(FILE *f, char **buf, size_t *len)
{
    size_t cap = 1 << 16, n = 0, got;
    char *p = malloc(cap), *np;

    if (!p)
        return ENOMEM;
    while ((got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            if (cap > SPYTAG_MAX_DOC_BYTES) {
                free(p);
                return EFBIG;
            }
            np = realloc(p, cap * 2);
            if (!np) {
                free(p);
                return ENOMEM;
            }
            p = np;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(p);
        return e;
    }
    *buf = p;
    *len = n;
    return 0;
}

int main(int argc, char **argv)
{
    spytag_model *model = NULL;
    spytag_classifier *cl = NULL;
    spytag_error err;
    FILE *in = stdin;
    char *text = NULL;
    size_t len = 0, t, ntopics;
    double *scores = NULL;
    unsigned char *tags = NULL;
    int rc, e, code = 1;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s MODEL [FILE]\n", argv[0]);
        return 2;
    }

    /* Load the model; on failure err says which file, line and why. */
    memset(&err, 0, sizeof err);
    rc = spytag_model_load(argv[1], &model, &err);
    if (rc != SPYTAG_OK) {
        /* err.file and err.line say where, err.message what was wrong,
         * spytag_strerror(rc) names the kind of failure. */
        if (err.line > 0)
            fprintf(stderr, "example: %s:%ld: %s\n", err.file, err.line,
                    err.message);
        else
            fprintf(stderr, "example: %s: %s\n",
                    err.file[0] ? err.file : argv[1],
                    err.message[0] ? err.message : spytag_strerror(rc));
        fprintf(stderr, "example: cannot load the model (%s)\n",
                spytag_strerror(rc));
        return 3;
    }

    if (argc == 3 && !(in = fopen(argv[2], "rb"))) {
        fprintf(stderr, "example: cannot open '%s': %s\n", argv[2],
                strerror(errno));
        goto cleanup;
    }
    e = read_all(in, &text, &len);
    if (e) {
        fprintf(stderr, "example: cannot read '%s': %s\n",
                argc == 3 ? argv[2] : "-", strerror(e));
        goto cleanup;
    }

    /* One classifier per thread; the model may be shared. */
    ntopics = spytag_model_ntopics(model);
    cl = spytag_classifier_new(model);
    scores = malloc(ntopics * sizeof *scores);
    tags = malloc(ntopics);
    if (!cl || !scores || !tags) {
        fprintf(stderr, "example: %s\n", spytag_strerror(SPYTAG_ENOMEM));
        goto cleanup;
    }
    rc = spytag_classify(cl, text, len, scores, NULL, tags);
    if (rc != SPYTAG_OK) {
        fprintf(stderr, "example: %s\n", spytag_strerror(rc));
        goto cleanup;
    }

    printf("libspytag %s, %zu topics\n", spytag_version(), ntopics);
    for (t = 0; t < ntopics; t++)
        printf("%-24s %.4f%s\n", spytag_model_topic(model, t), scores[t],
               tags[t] ? "  assigned" : "");
    code = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;

cleanup:
    if (in && in != stdin)
        fclose(in);
    free(text);
    free(scores);
    free(tags);
    spytag_classifier_free(cl);
    spytag_model_free(model);
    return code;
}
