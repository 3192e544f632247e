/*
 * thread_stress.c - a data-race check for the library's threading promise
 * (spytag.h): a loaded spytag_model is immutable and may be shared by any
 * number of threads, each with its own spytag_classifier.
 *
 *   thread_stress MODEL CORPUS [THREADS [ROUNDS]]
 *
 * Loads MODEL and the documents of CORPUS (any layout spytag_corpus_load
 * reads), classifies every document once on the main thread for reference,
 * then starts THREADS threads (default 4) that each classify all the
 * documents ROUNDS times (default 2), each starting at a different place,
 * with their own classifier on the one shared model, and also call the
 * model's read-only accessors, spytag_explain and spytag_model_serialize.
 * Every score, margin, tag and explanation must equal the reference bit
 * for bit.  Then trains a model on CORPUS with 1 and with THREADS threads:
 * the two must serialise to the same bytes.
 *
 * Built with -fsanitize=thread by fuzz/tsan.sh, which runs it; exits 0
 * when all results agree (ThreadSanitizer reports races itself).
 */
#include "spytag.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPLAIN_K 5

struct shared {
    const spytag_model *m;
    const spytag_corpus *c;
    size_t ndocs, T;
    int rounds, nthreads;
    /* reference results, ndocs x T */
    double *scores, *margins;
    unsigned char *tags;
    size_t *ex_n;                 /* ndocs x T */
    uint32_t *ex_feat;            /* ndocs x T x EXPLAIN_K */
    double *ex_val;
    unsigned char *ser;           /* the model's bytes */
    size_t serlen;
};

struct worker {
    const struct shared *sh;
    int id;
    long mismatches;
    pthread_t th;
};

/* Classifies document d with cl into the given arrays (each T entries, and
 * T x EXPLAIN_K for the explanation). */
static int classify_doc(const struct shared *sh, spytag_classifier *cl,
                        size_t d, double *scores, double *margins,
                        unsigned char *tags, size_t *ex_n, uint32_t *ex_feat,
                        double *ex_val)
{
    size_t len, t;
    const char *text = spytag_corpus_text(sh->c, d, &len);
    if (spytag_classify(cl, text, len, scores, margins, tags) != SPYTAG_OK)
        return -1;
    for (t = 0; t < sh->T; t++)
        ex_n[t] = spytag_explain(cl, t, EXPLAIN_K, ex_feat + t * EXPLAIN_K,
                                 ex_val + t * EXPLAIN_K);
    return 0;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    const struct shared *sh = w->sh;
    size_t T = sh->T, i, t;
    spytag_classifier *cl = spytag_classifier_new(sh->m);
    double *scores = malloc(T * sizeof *scores);
    double *margins = malloc(T * sizeof *margins);
    unsigned char *tags = malloc(T);
    size_t *ex_n = malloc(T * sizeof *ex_n);
    uint32_t *ex_feat = malloc(T * EXPLAIN_K * sizeof *ex_feat);
    double *ex_val = malloc(T * EXPLAIN_K * sizeof *ex_val);
    char term[2 * SPYTAG_MAX_TOKEN_BYTES + 2];
    unsigned char *ser = NULL;
    size_t serlen = 0;
    int r;

    if (!cl || !scores || !margins || !tags || !ex_n || !ex_feat || !ex_val) {
        fprintf(stderr, "thread_stress: out of memory\n");
        w->mismatches++;
        goto out;
    }
    for (r = 0; r < sh->rounds; r++) {
        size_t start = sh->ndocs * (size_t)w->id / (size_t)sh->nthreads;
        for (i = 0; i < sh->ndocs; i++) {
            size_t d = (start + i) % sh->ndocs;
            if (classify_doc(sh, cl, d, scores, margins, tags, ex_n, ex_feat,
                             ex_val) != 0 ||
                memcmp(scores, sh->scores + d * T, T * sizeof *scores) ||
                memcmp(margins, sh->margins + d * T, T * sizeof *margins) ||
                memcmp(tags, sh->tags + d * T, T) ||
                memcmp(ex_n, sh->ex_n + d * T, T * sizeof *ex_n)) {
                fprintf(stderr, "thread_stress: thread %d: document %zu "
                        "differs from the single-threaded result\n", w->id, d);
                w->mismatches++;
                continue;
            }
            for (t = 0; t < T; t++) {
                size_t k = ex_n[t] * sizeof *ex_feat;
                if (memcmp(ex_feat + t * EXPLAIN_K,
                           sh->ex_feat + (d * T + t) * EXPLAIN_K, k) ||
                    memcmp(ex_val + t * EXPLAIN_K,
                           sh->ex_val + (d * T + t) * EXPLAIN_K,
                           ex_n[t] * sizeof *ex_val)) {
                    fprintf(stderr, "thread_stress: thread %d: document %zu: "
                            "explanation differs\n", w->id, d);
                    w->mismatches++;
                }
            }
        }
        /* read-only use of the shared model alongside the classifiers */
        for (t = 0; t < T; t++) {
            uint32_t f[EXPLAIN_K];
            double wt[EXPLAIN_K];
            size_t k, n = spytag_model_top_terms(sh->m, t, EXPLAIN_K, f, wt);
            for (k = 0; k < n; k++)
                (void)spytag_model_term(sh->m, f[k], term, sizeof term);
            (void)spytag_model_topic(sh->m, t);
            (void)spytag_model_threshold(sh->m, t);
        }
        if (spytag_model_serialize(sh->m, &ser, &serlen) != SPYTAG_OK ||
            serlen != sh->serlen || memcmp(ser, sh->ser, serlen) != 0) {
            fprintf(stderr, "thread_stress: thread %d: serialisation "
                    "differs\n", w->id);
            w->mismatches++;
        }
        free(ser);
        ser = NULL;
    }
out:
    spytag_classifier_free(cl);
    free(scores);
    free(margins);
    free(tags);
    free(ex_n);
    free(ex_feat);
    free(ex_val);
    return NULL;
}

/* Trains on c with `threads` threads; returns the model's bytes. */
static unsigned char *train_bytes(const spytag_corpus *c, int threads,
                                  size_t *len)
{
    spytag_options o;
    spytag_model *m = NULL;
    spytag_error err;
    unsigned char *buf = NULL;
    spytag_options_init(&o);
    o.threads = threads;
    memset(&err, 0, sizeof err);
    if (spytag_train(c, &o, &m, &err) != SPYTAG_OK) {
        fprintf(stderr, "thread_stress: training: %s\n", err.message);
        return NULL;
    }
    if (spytag_model_serialize(m, &buf, len) != SPYTAG_OK)
        buf = NULL;
    spytag_model_free(m);
    return buf;
}

int main(int argc, char **argv)
{
    struct shared sh;
    struct worker *w;
    spytag_model *m = NULL;
    spytag_corpus *c = NULL;
    spytag_classifier *cl;
    spytag_error err;
    size_t d, T, len1 = 0, lenN = 0;
    unsigned char *b1, *bN;
    long bad = 0;
    int i, status = 1;

    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: thread_stress MODEL CORPUS [THREADS [ROUNDS]]\n");
        return 2;
    }
    memset(&sh, 0, sizeof sh);
    sh.nthreads = argc > 3 ? atoi(argv[3]) : 4;
    sh.rounds = argc > 4 ? atoi(argv[4]) : 2;
    if (sh.nthreads < 1 || sh.nthreads > 64 || sh.rounds < 1) {
        fprintf(stderr, "thread_stress: bad THREADS or ROUNDS\n");
        return 2;
    }
    memset(&err, 0, sizeof err);
    if (spytag_model_load(argv[1], &m, &err) != SPYTAG_OK ||
        spytag_corpus_load(argv[2], &c, &err) != SPYTAG_OK) {
        fprintf(stderr, "thread_stress: %s:%ld: %s\n", err.file, err.line,
                err.message);
        goto out;
    }
    T = spytag_model_ntopics(m);
    sh.m = m;
    sh.c = c;
    sh.T = T;
    sh.ndocs = spytag_corpus_size(c);
    sh.scores = malloc(sh.ndocs * T * sizeof *sh.scores);
    sh.margins = malloc(sh.ndocs * T * sizeof *sh.margins);
    sh.tags = malloc(sh.ndocs * T);
    sh.ex_n = malloc(sh.ndocs * T * sizeof *sh.ex_n);
    sh.ex_feat = calloc(sh.ndocs * T * EXPLAIN_K, sizeof *sh.ex_feat);
    sh.ex_val = calloc(sh.ndocs * T * EXPLAIN_K, sizeof *sh.ex_val);
    cl = spytag_classifier_new(m);
    if (!sh.scores || !sh.margins || !sh.tags || !sh.ex_n || !sh.ex_feat ||
        !sh.ex_val || !cl ||
        spytag_model_serialize(m, &sh.ser, &sh.serlen) != SPYTAG_OK) {
        fprintf(stderr, "thread_stress: out of memory\n");
        spytag_classifier_free(cl);
        goto out;
    }
    /* the single-threaded reference */
    for (d = 0; d < sh.ndocs; d++)
        if (classify_doc(&sh, cl, d, sh.scores + d * T, sh.margins + d * T,
                         sh.tags + d * T, sh.ex_n + d * T,
                         sh.ex_feat + d * T * EXPLAIN_K,
                         sh.ex_val + d * T * EXPLAIN_K) != 0) {
            fprintf(stderr, "thread_stress: classify failed\n");
            spytag_classifier_free(cl);
            goto out;
        }
    spytag_classifier_free(cl);

    w = calloc((size_t)sh.nthreads, sizeof *w);
    if (!w)
        goto out;
    for (i = 0; i < sh.nthreads; i++) {
        w[i].sh = &sh;
        w[i].id = i;
        if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0) {
            fprintf(stderr, "thread_stress: cannot start thread %d\n", i);
            sh.nthreads = i;
            bad++;
            break;
        }
    }
    for (i = 0; i < sh.nthreads; i++) {
        pthread_join(w[i].th, NULL);
        bad += w[i].mismatches;
    }
    free(w);
    printf("classify: %d threads x %d rounds x %zu documents, %ld "
           "mismatches\n", sh.nthreads, sh.rounds, sh.ndocs, bad);

    /* training on several threads gives the bytes of one thread */
    b1 = train_bytes(c, 1, &len1);
    bN = train_bytes(c, sh.nthreads, &lenN);
    if (!b1 || !bN || len1 != lenN || memcmp(b1, bN, len1) != 0) {
        fprintf(stderr, "thread_stress: training on %d threads differs from "
                "one thread\n", sh.nthreads);
        bad++;
    } else {
        printf("train: %d threads give the bytes of 1 thread (%zu bytes)\n",
               sh.nthreads, len1);
    }
    free(b1);
    free(bN);
    status = bad ? 1 : 0;
out:
    free(sh.scores);
    free(sh.margins);
    free(sh.tags);
    free(sh.ex_n);
    free(sh.ex_feat);
    free(sh.ex_val);
    free(sh.ser);
    spytag_corpus_free(c);
    spytag_model_free(m);
    return status;
}
