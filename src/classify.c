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

#define AHEAD 16                 /* weight rows prefetched in advance */

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
    cl->acc = malloc((m->ntopics + 1) * sizeof *cl->acc);
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

/* The decision values: acc[t] = bias[t] + sum over the document's
 * features of w[f * T + t] * x_f, each product and sum in double, in
 * feature order, so that every way of computing it below gives the same
 * bits.  Topics go in chunks of CHUNK whose sums stay in registers while
 * the features go by; a chunk of odd width reads one float past its row,
 * which the weights' padding (or the next row) provides, into acc[T]. */
#define CHUNK 16

/* Starts loading the first `span` weights of the rows of the first AHEAD
 * features, which the loops below, prefetching AHEAD rows ahead, never
 * ask for before they need them. */
static inline void prefetch_first_rows(const spytag_model *m,
                                       const spytag_feat *f, size_t n,
                                       size_t span)
{
    size_t i;
    for (i = 0; i < n && i < AHEAD; i++) {
        const float *r = m->w + (size_t)f[i].index * m->ntopics;
        SPYTAG_PREFETCH(r);
        SPYTAG_PREFETCH(r + span - 1);
    }
}

#ifdef __SSE2__
#include <emmintrin.h>
/* the chunk's sums must be unrolled into registers */
#define UNROLL _Pragma("GCC unroll 8")

static inline __attribute__((always_inline)) void
chunk_sse2(const float *w, size_t T, const spytag_feat *f, size_t n,
           double *acc, const int width)
{
    __m128d a[CHUNK / 2];
    size_t i;
    int j;
    UNROLL
    for (j = 0; j < width / 2; j++)
        a[j] = _mm_loadu_pd(acc + 2 * j);
    for (i = 0; i < n; i++) {
        const float *r = w + (size_t)f[i].index * T;
        __m128d x = _mm_set1_pd((double)f[i].value);
        if (i + AHEAD < n) {    /* the rows are random accesses */
            const float *next = w + (size_t)f[i + AHEAD].index * T;
            SPYTAG_PREFETCH(next);
            SPYTAG_PREFETCH(next + width - 1);
        }
        UNROLL
        for (j = 0; j < width / 2; j++) {
            /* two floats, from any alignment */
            __m128 two = _mm_castsi128_ps(
                _mm_loadl_epi64((const __m128i *)(const void *)(r + 2 * j)));
            a[j] = _mm_add_pd(a[j], _mm_mul_pd(_mm_cvtps_pd(two), x));
        }
    }
    UNROLL
    for (j = 0; j < width / 2; j++)
        _mm_storeu_pd(acc + 2 * j, a[j]);
}

static void decision_values(const spytag_model *m, const spytag_feat *f,
                            size_t n, double *acc)
{
    size_t T = m->ntopics, t0;
    prefetch_first_rows(m, f, n, T < CHUNK ? T : CHUNK);
    for (t0 = 0; t0 < T; t0 += CHUNK) {
        const float *w = m->w + t0;
        size_t left = T - t0;
        int width = left >= CHUNK ? CHUNK : (int)(left + 1) / 2 * 2;
        switch (width) {
        case 16: chunk_sse2(w, T, f, n, acc + t0, 16); break;
        case 14: chunk_sse2(w, T, f, n, acc + t0, 14); break;
        case 12: chunk_sse2(w, T, f, n, acc + t0, 12); break;
        case 10: chunk_sse2(w, T, f, n, acc + t0, 10); break;
        case 8: chunk_sse2(w, T, f, n, acc + t0, 8); break;
        case 6: chunk_sse2(w, T, f, n, acc + t0, 6); break;
        case 4: chunk_sse2(w, T, f, n, acc + t0, 4); break;
        default: chunk_sse2(w, T, f, n, acc + t0, 2); break;
        }
    }
}
#else
static void decision_values(const spytag_model *m, const spytag_feat *f,
                            size_t n, double *acc)
{
    size_t T = m->ntopics, t, i;
    prefetch_first_rows(m, f, n, T);
    for (i = 0; i < n; i++) {
        const float *w = m->w + (size_t)f[i].index * T;
        double x = f[i].value;
        if (i + AHEAD < n) {
            const float *next = m->w + (size_t)f[i + AHEAD].index * T;
            SPYTAG_PREFETCH(next);
            SPYTAG_PREFETCH(next + T - 1);
        }
        for (t = 0; t < T; t++)
            acc[t] += w[t] * x;
    }
}
#endif

/* The same sums over sparse rows (see struct spytag_model): each stored
 * weight goes to its topic's sum, feature by feature, so each sum gets the
 * same products in the same order as from the dense rows, less the
 * products of the weights that are +0.0, which add nothing to a sum that
 * is not -0.0 (spytag_classify starts them at bias + 0.0). */
static void decision_values_sparse(const spytag_model *m,
                                   const spytag_feat *f, size_t n,
                                   double *acc)
{
    size_t M = SPYTAG_MASK_WORDS(m->ntopics), i, k;
    for (i = 0; i < n && i < AHEAD; i++)
        SPYTAG_PREFETCH(m->rows + m->row_at[f[i].index]);
    for (i = 0; i < n; i++) {
        const uint32_t *r = m->rows + m->row_at[f[i].index], *wp = r + M;
        double x = f[i].value;
        if (i + 2 * AHEAD < n)   /* the row starts, then the rows */
            SPYTAG_PREFETCH(&m->row_at[f[i + 2 * AHEAD].index]);
        if (i + AHEAD < n)
            SPYTAG_PREFETCH(m->rows + m->row_at[f[i + AHEAD].index]);
        for (k = 0; k < M; k++) {
            uint32_t bits = r[k];
            double *a = acc + 32 * k;
            for (; bits; bits &= bits - 1) {
                float w;
                memcpy(&w, wp++, sizeof w);
                a[SPYTAG_CTZ(bits)] += (double)w * x;
            }
        }
    }
}

int spytag_classify(spytag_classifier *cl, const char *text, size_t len,
                    double *scores, double *margins, unsigned char *tags)
{
    const spytag_model *m;
    size_t T, t, best = 0;
    long n;

    if (!cl || (!text && len))
        return SPYTAG_EINVAL;
    m = cl->m;
    T = m->ntopics;
    n = spytag_vectorize(&cl->vb, text, len);
    cl->nfeat = n > 0 ? (size_t)n : 0;
    for (t = 0; t < T; t++)
        cl->acc[t] = m->bias[t] + 0.0;   /* (-0.0 becomes +0.0) */
    cl->acc[T] = 0.0;            /* the spare lane of an odd chunk */
    if (m->w)
        decision_values(m, cl->vb.out, cl->nfeat, cl->acc);
    else
        decision_values_sparse(m, cl->vb.out, cl->nfeat, cl->acc);
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
                          spytag_weight(m, f, t) * cl->vb.out[i].value);
    }
    return n;
}
