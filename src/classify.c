/*
 * classify.c - a document to per-topic decision values, scores and tags.
 *
 * The model's weights are stored feature-major (all topics of one feature
 * side by side), so each feature of a document costs one run through a
 * short contiguous array, whatever the number of support vectors the SVMs
 * had.  A spytag_classifier holds the per-thread scratch space: the
 * vectoriser's count arrays and raw-token cache, and the topic sums.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define AHEAD 8                 /* weight rows prefetched in advance */

struct spytag_classifier {
    const spytag_model *m;
    spytag_vecbuf vb;
    double *acc;
    size_t nfeat;               /* entries of vb.out from the last document */
};

spytag_classifier *spytag_classifier_new(const spytag_model *m)
{
    spytag_classifier *cl;
    if (!m)
        return NULL;
    cl = calloc(1, sizeof *cl);
    if (!cl)
        return NULL;
    cl->m = m;
    cl->acc = malloc(m->ntopics * sizeof *cl->acc);
    if (!cl->acc || spytag_vecbuf_init(&cl->vb, &m->vec, &m->opt) != 0) {
        free(cl->acc);
        free(cl);
        return NULL;
    }
    return cl;
}

void spytag_classifier_free(spytag_classifier *cl)
{
    if (!cl)
        return;
    spytag_vecbuf_free(&cl->vb);
    free(cl->acc);
    free(cl);
}

int spytag_classify(spytag_classifier *cl, const char *text, size_t len,
                    double *scores, double *margins, unsigned char *tags)
{
    const spytag_model *m;
    size_t T, t, i, best = 0;
    long n;

    if (!cl || (!text && len))
        return SPYTAG_EINVAL;
    m = cl->m;
    T = m->ntopics;
    n = spytag_vectorize(&cl->vb, text, len);
    cl->nfeat = n > 0 ? (size_t)n : 0;
    for (t = 0; t < T; t++)
        cl->acc[t] = m->bias[t];
    for (i = 0; i < cl->nfeat; i++) {
        const float *w = m->w + (size_t)cl->vb.out[i].index * T;
        double x = cl->vb.out[i].value;
        if (i + AHEAD < cl->nfeat) {    /* the rows are random accesses */
            const float *next = m->w + (size_t)cl->vb.out[i + AHEAD].index * T;
            SPYTAG_PREFETCH(next);
            SPYTAG_PREFETCH(next + T - 1);
        }
        for (t = 0; t < T; t++)
            cl->acc[t] += w[t] * x;
    }
    for (t = 0; t < T; t++)
        if (cl->acc[t] > cl->acc[best])
            best = t;
    for (t = 0; t < T; t++) {
        if (margins)
            margins[t] = cl->acc[t];
        if (scores)
            scores[t] = spytag_platt_score(m, t, cl->acc[t]);
        if (tags)
            tags[t] = m->multiclass ? t == best
                                    : cl->acc[t] >= m->threshold[t];
    }
    return SPYTAG_OK;
}

size_t spytag_explain(spytag_classifier *cl, size_t t, size_t k,
                      uint32_t *features, double *contrib)
{
    const spytag_model *m;
    size_t i, n = 0;
    if (!cl || t >= cl->m->ntopics)
        return 0;
    m = cl->m;
    for (i = 0; i < cl->nfeat; i++) {
        uint32_t f = cl->vb.out[i].index;
        spytag_topk_offer(features, contrib, &n, k, f,
                          m->w[(size_t)f * m->ntopics + t] *
                              cl->vb.out[i].value);
    }
    return n;
}
