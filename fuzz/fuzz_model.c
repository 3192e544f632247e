/*
 * fuzz_model.c - libFuzzer harness: spytag_model_load_buffer on arbitrary
 * bytes, and spytag_model_load on the same bytes in a file, which must
 * agree (status, message, model).  A model that loads is used: its
 * accessors, a classification of a short text, an explanation, and
 * serialisation, which must give back the exact input bytes (the format
 * has one encoding per model; an older version comes back as version 3,
 * which then round-trips).  Built and run by fuzz/run.sh.
 *
 * Random mutations almost never keep the checksum right, so with
 * FUZZ_MODEL_FIX_CHECKSUM defined (run.sh builds a second binary,
 * fuzz_model_fixsum, that way) the harness rewrites the last 8 bytes with
 * the checksum of the rest first (XXH3 from version 3 on, XXH64 before),
 * which lets the fuzzer reach the parser behind the checksum.
 */
#include "spytag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "same_model.h"

static const char text[] =
    "The telescope saw a comet; the bakery's oven baked bread. "
    "Astronomers and bakers met in Paris on 5 May 2019.";

/* The same bytes loaded through a file, as spytag_model_load does (a
 * dense model's weights then stay in the memory the file is read into):
 * the same status and message as from the buffer, and when it loads, a
 * model that serialises to the same bytes as bm.  Aborts otherwise. */
static void file_agrees(const unsigned char *buf, size_t size, int rc,
                        const spytag_error *err, const spytag_model *bm)
{
    static char path[64];
    spytag_model *fm = NULL;
    spytag_error ferr;
    FILE *f;
    int frc;

    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz_model.%ld.model",
                 (long)getpid());
    f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, size, f) != size || fclose(f) != 0)
        abort();
    memset(&ferr, 0, sizeof ferr);
    frc = spytag_model_load(path, &fm, &ferr);
    (void)unlink(path);
    if (frc != rc)
        abort();
    if (rc != SPYTAG_OK) {
        if (fm || strcmp(ferr.message, err->message) != 0)
            abort();
    } else {
        unsigned char *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        if (spytag_model_serialize(bm, &a, &na) != SPYTAG_OK ||
            spytag_model_serialize(fm, &b, &nb) != SPYTAG_OK || na != nb ||
            memcmp(a, b, na) != 0)
            abort();
        free(a);
        free(b);
    }
    spytag_model_free(fm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned char *buf = data;
    unsigned char *copy = NULL, *ser = NULL;
    spytag_model *m = NULL;
    spytag_classifier *cl;
    spytag_error err;
    size_t T, t, serlen = 0;
    int rc;

#ifdef FUZZ_MODEL_FIX_CHECKSUM
    if (size >= 8 + 4 + 8) {
        uint64_t sum;
        size_t i;
        copy = malloc(size);
        if (!copy)
            abort();
        memcpy(copy, data, size);
        sum = copy[8] >= 3 ? XXH3_64bits(copy, size - 8)
                           : XXH64(copy, size - 8, 0);
        for (i = 0; i < 8; i++)
            copy[size - 8 + i] = (unsigned char)(sum >> (8 * i));
        buf = copy;
    }
#endif
    memset(&err, 0, sizeof err);
    rc = spytag_model_load_buffer(buf, size, "fuzz.model", &m, &err);
    file_agrees(buf, size, rc, &err, m);
    if (rc != SPYTAG_OK) {
        if (m || err.message[0] == '\0' || strcmp(err.file, "fuzz.model"))
            abort();
        free(copy);
        return 0;
    }
    T = spytag_model_ntopics(m);
    {
        double *scores = malloc(T * sizeof *scores);
        double *margins = malloc(T * sizeof *margins);
        unsigned char *tags = malloc(T);
        uint32_t feat[8];
        double val[8];
        char tb[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
        spytag_options o;

        if (!scores || !margins || !tags)
            abort();
        spytag_model_options(m, &o);
        (void)spytag_model_vocab_size(m);
        (void)strlen(spytag_model_corpus(m));
        for (t = 0; t < T; t++) {
            size_t k, n;
            (void)strlen(spytag_model_topic(m, t));
            (void)spytag_model_threshold(m, t);
            n = spytag_model_top_terms(m, t, 8, feat, val);
            for (k = 0; k < n; k++)
                (void)strlen(spytag_model_term(m, feat[k], tb, sizeof tb));
        }
        cl = spytag_classifier_new(m);
        if (!cl)
            abort();
        if (spytag_classify(cl, text, sizeof text - 1, scores, margins,
                            tags) != SPYTAG_OK)
            abort();
        for (t = 0; t < T; t++) {
            if (!(scores[t] >= 0.0 && scores[t] <= 1.0))
                abort();
            (void)spytag_explain(cl, t, 8, feat, val);
        }
        spytag_classifier_free(cl);
        free(scores);
        free(margins);
        free(tags);
    }
    if (spytag_model_serialize(m, &ser, &serlen) != SPYTAG_OK)
        abort();
    if (!same_model(ser, serlen, buf, size))
        abort();                  /* load -> serialize is not the identity */
    free(ser);
    spytag_model_free(m);
    free(copy);
    return 0;
}
