/*
 * train.c - one-vs-rest linear SVMs, per-topic thresholds and calibration.
 *
 * For each topic, a binary linear SVM separates the documents that carry it
 * from all others (documents with no topic are negatives for every topic).
 * The solver is LIBLINEAR's dual coordinate descent for the L2-regularised
 * L2-loss SVM (default) or libsvm's C-SVC with a linear kernel; either way
 * the result is folded into one weight vector and a bias per topic, so
 * prediction costs the same whatever the number of support vectors.
 *
 * Thresholds and scores.  With tune_folds = k > 1, each topic's SVM is also
 * trained k times on k-1 folds of the data (folds fixed by the seed) to get
 * an out-of-fold decision value for every document.  From those:
 *   - the threshold on the decision value that maximises the topic's F1 on
 *     held-out data (multi-label models), and
 *   - Platt's sigmoid, so that scores are probability-like.
 * With tune_folds = 0 the threshold is 0 and the sigmoid is fixed.
 *
 * Leave-one-out instead of folds (tune_method LOO; AUTO picks it for the
 * dcd solver from SPYTAG_LOO_MIN_DOCS documents on): removing document i
 * from the dual solution without re-solving moves its decision value by
 * alpha_i y_i Q_ii (Jaakkola and Haussler, 1999; Q_ii = |x_i|^2 + 1, the
 * bias feature included), an upper bound on the true change; half of it,
 * LOO_RHO, is the estimate.  It costs one pass over the rows instead of k
 * fold models (about 55% of training at 30k documents).  Chosen by 5-fold
 * cross-validation on training data: Reuters-21578 (topics with 5 or more
 * documents) micro/macro-F1 0.9088/0.7314 against 0.9025/0.7212 with 3
 * fold models (rho 1: 0.9066/0.6664, 0.75: 0.9073/0.7006, 0.3:
 * 0.9052/0.6938), also on 1000 to 4000-document samples of it, and on the
 * three training splits combined (0.9133/0.7790 against 0.9095/0.7702);
 * but corpus/ (547 articles) did better with folds (0.9679 against
 * 0.9578), hence folds below SPYTAG_LOO_MIN_DOCS.
 *
 * Naive Bayes scaling (nb = 1, the default; dcd solver only): each
 * topic's SVM trains on the features scaled by their damped naive Bayes
 * log-count ratios for that topic (see nb_ratios), and the weights are
 * multiplied back by the ratios, so the model is still one weight vector
 * per topic on the plain TF-IDF features.  The solver does both at once:
 * given the squared ratios it keeps the weights multiplied back as it
 * goes, and reads the plain rows, which all threads share, instead of a
 * scaled copy per topic and thread (see spytag_dcd_solve).
 *
 * Multi-class corpora (every document has exactly one label) get
 * multiclass = 1: prediction then assigns exactly one topic, the one with
 * the largest decision value.
 */
#include "internal.h"

#include <linear.h>
#include <libsvm/svm.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void spytag_options_init(spytag_options *o)
{
    memset(o, 0, sizeof *o);
    o->stopwords = 1;
    o->stem = 0;
    o->ngram_max = 2;
    o->min_df = 2;
    o->max_df = 1.0;
    o->solver = SPYTAG_SOLVER_DCD;
    o->C = 1.0;
    o->balanced = 0;
    o->nb = 1;
    o->tune_folds = 3;
    o->tune_method = SPYTAG_AUTO;
    o->multiclass = SPYTAG_AUTO;
    o->seed = 1;
    o->threads = 1;
}

/* Below this held-out F1 a tuned threshold is not trusted (see below);
 * 0.3 is in the range Yang (2001) recommends. */
#define FBR 0.3
/* The fold models only give out-of-fold decision values for thresholds and
 * Platt scaling.  Warm-started from the full model less the held-out
 * documents, a few passes get them close enough, and their cost no longer
 * grows with the passes that large corpora need (9-13 at 100k documents).
 * 5 passes: 5-fold cross-validation on corpus/ gives the same micro-F1 as
 * running them to eps (0.968), 3 passes gave 0.965. */
#define FOLD_PASSES 5

/* A full model's solver: LIBLINEAR's tolerance on the projected
 * gradients, and a bound on the passes that the corpora here never reach. */
#define DCD_EPS 0.1
#define FULL_PASSES 1000

/* The share of the leave-one-out bound taken as the estimate (see the
 * top of the file). */
#define LOO_RHO 0.5

/* The smoothing of the naive Bayes document counts (see nb_ratios). */
#define NB_ALPHA 0.1

static void quiet(const char *s)
{
    (void)s;
}

/* A small deterministic generator (SplitMix64) for fold assignment. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---- Platt scaling and thresholds --------------------------------------- */

void spytag_platt_fit(const double *dec, const unsigned char *y, size_t n,
                      double *a_out, double *b_out)
{
    double prior1 = 0, prior0, hi, lo, a, b, fval = 0;
    const int max_iter = 100;
    const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
    size_t i;
    int it;

    for (i = 0; i < n; i++)
        prior1 += y[i] ? 1 : 0;
    prior0 = (double)n - prior1;
    hi = (prior1 + 1.0) / (prior1 + 2.0);
    lo = 1.0 / (prior0 + 2.0);
    a = 0.0;
    b = log((prior0 + 1.0) / (prior1 + 1.0));
    for (i = 0; i < n; i++) {
        double t = y[i] ? hi : lo, f = dec[i] * a + b;
        fval += f >= 0 ? t * f + log1p(exp(-f)) : (t - 1) * f + log1p(exp(f));
    }
    for (it = 0; it < max_iter; it++) {
        double h11 = sigma, h22 = sigma, h21 = 0, g1 = 0, g2 = 0;
        double det, da, db, gd, step;
        for (i = 0; i < n; i++) {
            double t = y[i] ? hi : lo, f = dec[i] * a + b, p, q, d2, d1;
            if (f >= 0) {
                p = exp(-f) / (1.0 + exp(-f));
                q = 1.0 / (1.0 + exp(-f));
            } else {
                p = 1.0 / (1.0 + exp(f));
                q = exp(f) / (1.0 + exp(f));
            }
            d2 = p * q;
            h11 += dec[i] * dec[i] * d2;
            h22 += d2;
            h21 += dec[i] * d2;
            d1 = t - p;
            g1 += dec[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < eps && fabs(g2) < eps)
            break;
        det = h11 * h22 - h21 * h21;
        da = -(h22 * g1 - h21 * g2) / det;
        db = -(-h21 * g1 + h11 * g2) / det;
        gd = g1 * da + g2 * db;
        for (step = 1.0; step >= min_step; step /= 2.0) {
            double na = a + step * da, nb = b + step * db, nf = 0;
            for (i = 0; i < n; i++) {
                double t = y[i] ? hi : lo, f = dec[i] * na + nb;
                nf += f >= 0 ? t * f + log1p(exp(-f))
                             : (t - 1) * f + log1p(exp(f));
            }
            if (nf < fval + 0.0001 * step * gd) {
                a = na;
                b = nb;
                fval = nf;
                break;
            }
        }
        if (step < min_step)
            break;
    }
    *a_out = a;
    *b_out = b;
}

struct scored {
    double dec;
    unsigned char y;
};

static int cmp_scored_desc(const void *p, const void *q)
{
    const struct scored *x = p, *z = q;
    if (x->dec != z->dec)
        return x->dec < z->dec ? 1 : -1;
    return (int)z->y - (int)x->y;
}

double spytag_best_threshold(const double *dec, const unsigned char *y,
                             size_t n, double *f1_out)
{
    struct scored *s = malloc((n ? n : 1) * sizeof *s);
    size_t i, pos = 0, tp = 0, fp = 0;
    double best_f1 = -1.0, thr = 0.0;

    if (!s)
        return 0.0;
    for (i = 0; i < n; i++) {
        s[i].dec = dec[i];
        s[i].y = y[i] ? 1 : 0;
        pos += s[i].y;
    }
    qsort(s, n, sizeof *s, cmp_scored_desc);
    for (i = 0; i < n; i++) {
        double f1;
        tp += s[i].y;
        fp += !s[i].y;
        if (i + 1 < n && s[i + 1].dec == s[i].dec)
            continue;          /* cut only between distinct values */
        f1 = 2.0 * (double)tp / (double)(tp + fp + pos);
        if (f1 > best_f1) {
            best_f1 = f1;
            thr = i + 1 < n ? (s[i].dec + s[i + 1].dec) / 2.0
                            : s[i].dec - 1e-3;
        }
    }
    free(s);
    if (f1_out)
        *f1_out = best_f1 < 0 ? 0 : best_f1;
    return thr;
}

double spytag_tuned_threshold(const double *dec, const unsigned char *y,
                              size_t n)
{
    double f1, thr = spytag_best_threshold(dec, y, n, &f1);
    /* SCut.FBR (Yang, 2001): a threshold whose held-out F1 is poor comes
     * from too few positives to trust; keep the SVM's own boundary (0)
     * instead, which predicts the topic only on clear evidence, unless
     * the tuned threshold is stricter still. */
    return f1 < FBR ? (thr > 0 ? thr : 0.0) : thr;
}

/* ---- solvers ------------------------------------------------------------- */

struct problem_data {
    size_t n;                 /* rows: documents, or distinct ones when
                                 identical documents were merged */
    uint32_t *weight;         /* per row, the documents it stands for
                                 (NULL: one each) */
    size_t nf;                /* features */
    spytag_feat **rows;
    uint32_t *rowlen;
    uint32_t *fmap;           /* DCD: the solver's id of each feature */
    struct feature_node **lx; /* LIBLINEAR rows, bias node included */
    struct svm_node **sx;     /* libsvm rows */
};

static void problem_free(struct problem_data *p)
{
    size_t i;
    if (p->lx) {
        for (i = 0; i < p->n; i++)
            free(p->lx[i]);
        free(p->lx);
    }
    if (p->sx) {
        for (i = 0; i < p->n; i++)
            free(p->sx[i]);
        free(p->sx);
    }
    if (p->rows) {
        for (i = 0; i < p->n; i++)
            free(p->rows[i]);
        free(p->rows);
    }
    free(p->rowlen);
    free(p->fmap);
    free(p->weight);
}

/* Gives the features new ids in order of decreasing document frequency
 * (ties by id) and rewrites the rows with them, each row keeping its order,
 * so that the solver's weight vector holds the frequent features in few
 * cache lines.  Every sum runs in the same order as before, so the solver's
 * results are the same to the bit.  p->fmap[f] is feature f's new id.
 * Returns 0, or -1 when out of memory. */
static int renumber_features(struct problem_data *p)
{
    size_t *start = calloc(p->n + 2, sizeof *start);
    uint32_t *df = calloc(p->nf + 1, sizeof *df);
    size_t i, j;

    p->fmap = malloc((p->nf + 1) * sizeof *p->fmap);
    if (!start || !df || !p->fmap) {
        free(start);
        free(df);
        return -1;
    }
    for (i = 0; i < p->n; i++)
        for (j = 0; j < p->rowlen[i]; j++)
            df[p->rows[i][j].index]++;
    /* counting sort, the most frequent first: start[n - c] counts ahead */
    for (i = 0; i < p->nf; i++)
        start[p->n - df[i] + 1]++;
    for (i = 1; i <= p->n + 1; i++)
        start[i] += start[i - 1];
    for (i = 0; i < p->nf; i++)
        p->fmap[i] = (uint32_t)start[p->n - df[i]]++;
    for (i = 0; i < p->n; i++)
        for (j = 0; j < p->rowlen[i]; j++)
            p->rows[i][j].index = p->fmap[p->rows[i][j].index];
    free(start);
    free(df);
    return 0;
}

/* ---- identical documents ----------------------------------------------- */

struct hashed_item {
    uint64_t h;
    size_t i;
};

static int cmp_hashed_item(const void *a, const void *b)
{
    const struct hashed_item *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

size_t spytag_group_equal(const uint64_t *h, size_t n,
                          int (*same)(size_t a, size_t b, void *ctx),
                          void *ctx, uint32_t *group)
{
    struct hashed_item *key = malloc((n + 1) * sizeof *key);
    size_t i, j, g = 0;
    if (!key)
        return SIZE_MAX;
    for (i = 0; i < n; i++) {
        key[i].h = h[i];
        key[i].i = i;
        group[i] = (uint32_t)i;        /* for now: the first item like it */
    }
    qsort(key, n, sizeof *key, cmp_hashed_item);
    for (i = 0; i < n; i = j) {        /* runs of equal hashes, by item */
        for (j = i + 1; j < n && key[j].h == key[i].h; j++) {
            size_t k;
            for (k = i; k < j; k++)
                if (group[key[k].i] == key[k].i &&
                    same(key[k].i, key[j].i, ctx)) {
                    group[key[j].i] = (uint32_t)key[k].i;
                    break;
                }
        }
    }
    free(key);
    /* the first item like it comes earlier, so its group is known */
    for (i = 0; i < n; i++)
        group[i] = group[i] == i ? (uint32_t)g++ : group[group[i]];
    return g;
}

struct same_doc_ctx {
    const struct problem_data *p;
    const unsigned char *Y;
    size_t T;
};

/* 1 when documents a and b have the same vector and the same topics. */
static int same_doc(size_t a, size_t b, void *ctx)
{
    const struct same_doc_ctx *s = ctx;
    const struct problem_data *p = s->p;
    size_t t;
    if (p->rowlen[a] != p->rowlen[b] ||
        memcmp(p->rows[a], p->rows[b], p->rowlen[a] * sizeof *p->rows[a]))
        return 0;
    for (t = 0; t < s->T; t++)
        if (s->Y[t * p->n + a] != s->Y[t * p->n + b])
            return 0;
    return 1;
}

/* Documents with the same vector and the same topics are one row of the
 * dual problem, whose cost is C times their number (p->weight): the same
 * SVM, since the loss of k equal documents is k times the loss of one,
 * with k times fewer coordinates to update.  Corpora built from news
 * feeds hold many copies of a story (and bench/scale's 100k corpus
 * repeats each document about three times).  The rows keep the order of
 * their first document, so a corpus without copies gives the same problem
 * as before and *row_of stays NULL; otherwise *row_of (n entries) gets
 * each document's row, and *Y is rewritten for the rows.  0, or -1 when
 * out of memory. */
static int merge_identical(struct problem_data *p, unsigned char **Y,
                           size_t T, uint32_t **row_of)
{
    size_t n = p->n, i, j, u, t;
    uint64_t *h = malloc((n + 1) * sizeof *h);
    uint32_t *of = malloc((n + 1) * sizeof *of);
    uint32_t *weight = NULL;
    unsigned char *Yu = NULL;
    struct same_doc_ctx ctx;
    int rc = -1;

    *row_of = NULL;
    if (!h || !of)
        goto cleanup;
    for (i = 0; i < n; i++) {
        h[i] = XXH3_64bits(p->rows[i], p->rowlen[i] * sizeof *p->rows[i]);
        for (t = 0; t < T; t++)
            if ((*Y)[t * n + i])
                h[i] = (h[i] ^ (t + 1)) * 0x9e3779b97f4a7c15ULL;
    }
    ctx.p = p;
    ctx.Y = *Y;
    ctx.T = T;
    u = spytag_group_equal(h, n, same_doc, &ctx, of);
    if (u == SIZE_MAX)
        goto cleanup;
    if (u == n) {                      /* nothing to merge */
        rc = 0;
        goto cleanup;
    }
    weight = calloc(u + 1, sizeof *weight);
    Yu = calloc(T * u + 1, 1);
    if (!weight || !Yu)
        goto cleanup;
    for (i = 0, j = 0; i < n; i++) {   /* j: rows so far */
        if (of[i] == j) {              /* the first document of its row */
            for (t = 0; t < T; t++)
                Yu[t * u + j] = (*Y)[t * n + i];
            p->rows[j] = p->rows[i];
            p->rowlen[j] = p->rowlen[i];
            j++;
        } else {
            free(p->rows[i]);
        }
        weight[of[i]]++;
    }
    free(*Y);
    *Y = Yu;
    p->n = u;
    p->weight = weight;
    *row_of = of;
    Yu = NULL;                         /* handed over */
    weight = NULL;
    of = NULL;
    rc = 0;
cleanup:
    free(h);
    free(of);
    free(weight);
    free(Yu);
    return rc;
}

static int problem_build(struct problem_data *p, int solver)
{
    size_t i, j;
    if (solver == SPYTAG_SOLVER_DCD)
        return renumber_features(p);  /* works on the rows in place */
    if (solver == SPYTAG_SOLVER_LIBSVM) {
        p->sx = calloc(p->n, sizeof *p->sx);
        if (!p->sx)
            return -1;
        for (i = 0; i < p->n; i++) {
            struct svm_node *x = malloc((p->rowlen[i] + 1) * sizeof *x);
            if (!x)
                return -1;
            for (j = 0; j < p->rowlen[i]; j++) {
                x[j].index = (int)p->rows[i][j].index + 1;
                x[j].value = p->rows[i][j].value;
            }
            x[j].index = -1;
            p->sx[i] = x;
        }
        return 0;
    }
    p->lx = calloc(p->n, sizeof *p->lx);
    if (!p->lx)
        return -1;
    for (i = 0; i < p->n; i++) {
        struct feature_node *x = malloc((p->rowlen[i] + 2) * sizeof *x);
        if (!x)
            return -1;
        for (j = 0; j < p->rowlen[i]; j++) {
            x[j].index = (int)p->rows[i][j].index + 1;
            x[j].value = p->rows[i][j].value;
        }
        x[j].index = (int)p->nf + 1;    /* the bias feature */
        x[j].value = 1.0;
        x[j + 1].index = -1;
        p->lx[i] = x;
    }
    return 0;
}

/* The factor by which --balanced raises the cost of topic labels y's
 * positives among the selected rows (sel NULL: all; 1 without it), in
 * *wpos.  Returns 0, or, when the selected documents all have the same
 * label (then the SVM is not needed), the constant decision: +1 when all
 * are positive, -1 when none is. */
static int topic_costs(const struct problem_data *p, const unsigned char *y,
                       const unsigned char *sel, const spytag_options *o,
                       double *wpos)
{
    size_t i, k = 0, npos = 0;
    *wpos = 1.0;
    for (i = 0; i < p->n; i++)        /* documents, copies included */
        if (!sel || sel[i]) {
            size_t c = p->weight ? p->weight[i] : 1;
            npos += y[i] ? c : 0;
            k += c;
        }
    if (npos == 0 || npos == k)
        return npos ? +1 : -1;
    if (o->balanced) {
        double r = (double)(k - npos) / (double)npos;
        *wpos = r > 10.0 ? 10.0 : (r < 1.0 ? 1.0 : r);
    }
    return 0;
}

/* The seed of topic t's full model (its group's, for the dcd solver: that
 * of the group's first topic); fold f's is this + f + 1. */
static uint64_t topic_seed(const spytag_options *o, size_t t)
{
    return (uint64_t)o->seed * 1000003u + (uint64_t)t * 101u;
}

/* Trains topic labels y (0/1) on the documents with sel[i] (NULL: all).
 * r2 (nf entries, or NULL; dcd only): the SVM sees the rows scaled by
 * sqrt(r2) and w comes back multiplied by it, for the plain rows.
 * Fills w (nf entries) and *bias; alpha_out and loo_out (dcd only; n
 * entries or NULL) get the dual values and the leave-one-out estimates
 * of the decision values (see spytag_dcd_solve).  Returns 0, or -1 on
 * failure. */
static int fit_binary(const struct problem_data *p, const unsigned char *y,
                      const unsigned char *sel, const spytag_options *o,
                      int max_passes, uint64_t seed,
                      const double *alpha_in, double *alpha_out,
                      double *loo_out, const float *r2, double *w,
                      double *bias)
{
    size_t i, k;
    double *yy = malloc(p->n * sizeof *yy);
    int labels[2] = { +1, -1 };
    double weights[2] = { 1.0, 1.0 };
    int rc = -1, one;

    if (!yy)
        return -1;
    memset(w, 0, p->nf * sizeof *w);
    *bias = 0.0;
    if ((one = topic_costs(p, y, sel, o, &weights[0])) != 0) {
        /* one class only: a constant decision */
        *bias = one;
        for (i = 0; i < p->n; i++) {
            if (alpha_out)
                alpha_out[i] = 0.0;
            if (loo_out)
                loo_out[i] = *bias;
        }
        free(yy);
        return 0;
    }
    if (o->solver == SPYTAG_SOLVER_DCD) {
        double C = o->C;
        rc = spytag_dcd_solve(p->rows, p->rowlen, p->n, p->nf, y, sel,
                              p->weight, r2, C * weights[0], C, DCD_EPS,
                              max_passes, seed, alpha_in, alpha_out,
                              LOO_RHO, loo_out, w, bias);
        free(yy);
        return rc;
    }
    srand((unsigned)o->seed);
    if (o->solver == SPYTAG_SOLVER_LIBSVM) {
        struct svm_problem sp;
        struct svm_parameter par;
        struct svm_model *m;
        struct svm_node **xs = malloc((p->n + 1) * sizeof *xs);
        size_t j;
        if (!xs)
            goto cleanup;
        for (i = 0, k = 0; i < p->n; i++)
            if (!sel || sel[i]) {
                xs[k] = p->sx[i];
                yy[k++] = y[i] ? +1 : -1;
            }
        sp.l = (int)k;
        sp.y = yy;
        sp.x = xs;
        memset(&par, 0, sizeof par);
        par.svm_type = C_SVC;
        par.kernel_type = LINEAR;
        par.C = o->C;
        par.eps = 1e-3;
        par.cache_size = 200;
        par.shrinking = 1;
        par.nr_weight = o->balanced ? 2 : 0;
        par.weight_label = labels;
        par.weight = weights;
        svm_set_print_string_function(quiet);
        if (svm_check_parameter(&sp, &par) != NULL) {
            free(xs);
            goto cleanup;
        }
        m = svm_train(&sp, &par);
        if (m) {
            double sign = m->label[0] == +1 ? 1.0 : -1.0;
            for (i = 0; i < (size_t)m->l; i++) {
                double coef = m->sv_coef[0][i] * sign;
                for (j = 0; m->SV[i][j].index != -1; j++)
                    w[m->SV[i][j].index - 1] += coef * m->SV[i][j].value;
            }
            *bias = -m->rho[0] * sign;
            svm_free_and_destroy_model(&m);
            rc = 0;
        }
        free(xs);
    } else {
        struct problem lp;
        struct parameter par;
        struct model *m;
        struct feature_node **xs = malloc((p->n + 1) * sizeof *xs);
        if (!xs)
            goto cleanup;
        for (i = 0, k = 0; i < p->n; i++)
            if (!sel || sel[i]) {
                xs[k] = p->lx[i];
                yy[k++] = y[i] ? +1 : -1;
            }
        lp.l = (int)k;
        lp.n = (int)p->nf + 1;
        lp.y = yy;
        lp.x = xs;
        lp.bias = 1.0;
        memset(&par, 0, sizeof par);
        par.solver_type = L2R_L2LOSS_SVC_DUAL;
        par.eps = 0.1;
        par.C = o->C;
        par.nr_weight = o->balanced ? 2 : 0;
        par.weight_label = labels;
        par.weight = weights;
        set_print_string_function(quiet);
        if (check_parameter(&lp, &par) != NULL) {
            free(xs);
            goto cleanup;
        }
        m = train(&lp, &par);
        if (m) {
            double sign = m->label[0] == +1 ? 1.0 : -1.0;
            for (i = 0; i < p->nf; i++)
                w[i] = m->w[i] * sign;
            *bias = m->w[p->nf] * m->bias * sign;
            free_and_destroy_model(&m);
            rc = 0;
        }
        free(xs);
    }
cleanup:
    free(yy);
    return rc;
}

static double dot(const spytag_feat *row, uint32_t n, const double *w)
{
    double s = 0.0;
    uint32_t j;
    for (j = 0; j < n; j++)
        s += (double)row[j].value * w[row[j].index];
    return s;
}

/* Naive Bayes feature scaling (NBSVM: Wang and Manning, 2012).  For topic
 * t, with p_f and q_f the numbers of positive and negative documents that
 * hold feature f (df[f] = p_f + q_f), each plus NB_ALPHA, the log-count
 * ratio is l_f = ln((p_f / sum p) / (q_f / sum q)).  Fills r[f] with
 * sign(l_f) sqrt(|l_f|): the square root damps the ratios, which
 * cross-validation favoured on all three benchmark corpora over the plain
 * ratios.  lq[f] = ln(df[f] + NB_ALPHA), computed once per training,
 * gives the ratio of a feature that no positive document holds (most of
 * them) without a log per topic; nnz is the number of entries of all rows;
 * pos (nf entries) is scratch space. */
static void nb_ratios(const struct problem_data *p, const unsigned char *y,
                      const uint32_t *df, const double *lq, size_t nnz,
                      double *pos, double *r)
{
    size_t i, f, nf = p->nf, npos = 0;
    double sp, sq, c0;
    uint32_t j;

    memset(pos, 0, nf * sizeof *pos);
    for (i = 0; i < p->n; i++)        /* documents, copies included */
        if (y[i]) {
            double c = p->weight ? p->weight[i] : 1.0;
            for (j = 0; j < p->rowlen[i]; j++)
                pos[p->rows[i][j].index] += c;
            npos += p->rowlen[i] * (size_t)c;
        }
    sp = (double)npos + NB_ALPHA * (double)nf;
    sq = (double)(nnz - npos) + NB_ALPHA * (double)nf;
    c0 = log(NB_ALPHA) - log(sp) + log(sq);
    for (f = 0; f < nf; f++) {
        double l = pos[f] == 0.0
                       ? c0 - lq[f]
                       : log((pos[f] + NB_ALPHA) / sp) -
                             log(((double)df[f] - pos[f] + NB_ALPHA) / sq);
        r[f] = l < 0 ? -sqrt(-l) : sqrt(l);
    }
}

spytag_model *spytag_model_alloc(size_t ntopics)
{
    spytag_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->ntopics = ntopics;
    m->topics = calloc(ntopics ? ntopics : 1, sizeof *m->topics);
    m->bias = calloc(ntopics ? ntopics : 1, sizeof *m->bias);
    m->threshold = calloc(ntopics ? ntopics : 1, sizeof *m->threshold);
    m->platt_a = calloc(ntopics ? ntopics : 1, sizeof *m->platt_a);
    m->platt_b = calloc(ntopics ? ntopics : 1, sizeof *m->platt_b);
    m->positives = calloc(ntopics ? ntopics : 1, sizeof *m->positives);
    if (!m->topics || !m->bias || !m->threshold || !m->platt_a ||
        !m->platt_b || !m->positives) {
        spytag_model_free(m);
        return NULL;
    }
    return m;
}

int spytag_train(const spytag_corpus *c, const spytag_options *o,
                 spytag_model **out, spytag_error *err)
{
    return spytag_train_subset(c, NULL, o, out, err);
}

/* Topics are independent: worker threads take them in turn, GROUP
 * consecutive topics at a time.  The dcd solver trains a group's full
 * models together (spytag_dcd_solve_block: their passes over every row
 * are shared), and the group's weights go into the feature-major model
 * side by side.  Each group's and fold's solver run gets a seed made
 * from the options' seed, its first topic and the fold, so the model is
 * the same whatever the number of threads. */
#define GROUP 8
struct topic_job {
    const struct problem_data *p;
    const spytag_options *o;
    spytag_model *m;
    const unsigned char *Y, *fold;
    const uint32_t *df;          /* NB scaling: documents per feature;
                                    NULL when off */
    const double *lq;            /* ln(df + NB_ALPHA) per feature */
    size_t nnz;                  /* entries in all rows */
    size_t n, nf, T;             /* rows (see merge_identical), features,
                                    topics */
    size_t ndocs;                /* documents */
    const uint32_t *row_of;      /* each document's row; NULL: the same */
    int k;
    int loo;                     /* out-of-fold values by leave-one-out */
    pthread_mutex_t lock;
    size_t next;                 /* next topic to take */
    size_t done;
    size_t failed_topic;         /* T when none failed */
    int oom;
};

/* A worker's scratch space; "per lane" arrays hold one slice for each
 * of the GROUP topics in hand. */
struct worker_space {
    double *w;                   /* nf: one topic's weights */
    double *oof, *alpha;         /* n per lane: out-of-fold values, and
                                    the full model's dual values */
    unsigned char *sel;          /* n */
    float *wf;                   /* the block solver's weights (and NB
                                    scaling): GROUP floats a feature, 2
                                    GROUP with NB scaling; dcd only */
    double *ex_oof;              /* per document, when rows merged */
    unsigned char *ex_y;         /* copies (see merge_identical) */
    double *r, *pos;             /* NB scaling: nf each */
    float *r2;                   /* nf per lane: r squared, for the solver
                                    (all NULL when NB scaling is off) */
};

/* Fold models, thresholds and Platt's sigmoid of topic t, whose full
 * model is in place (bias in m->bias[t]) and whose out-of-fold values
 * (leave-one-out) and dual values are in its lane. */
static void finish_topic(struct topic_job *job, size_t t, size_t lane,
                         struct worker_space *ws)
{
    const struct problem_data *p = job->p;
    const spytag_options *o = job->o;
    spytag_model *m = job->m;
    const unsigned char *y = job->Y + t * job->n;
    size_t i, n = job->n;
    double *oof = ws->oof + lane * n, *alpha = ws->alpha + lane * n;
    const float *r2 = ws->r2 ? ws->r2 + lane * (job->nf + 1) : NULL;
    uint64_t base = topic_seed(o, t);
    /* The full model's dual solution warm-starts the fold models (DCD
     * only), which then need a fraction of the iterations. */
    int warm = o->solver == SPYTAG_SOLVER_DCD;
    double b;
    int f, k = job->k;

    if (k >= 2 && !job->loo) {
        for (f = 0; f < k; f++) {
            for (i = 0; i < n; i++)
                ws->sel[i] = job->fold[i] != f;
            if (fit_binary(p, y, ws->sel, o, FOLD_PASSES,
                           base + (uint64_t)f + 1,
                           warm ? alpha : NULL, NULL, NULL, r2, ws->w,
                           &b) != 0)
                goto failed;
            for (i = 0; i < n; i++)
                if (job->fold[i] == f)
                    oof[i] = dot(p->rows[i], p->rowlen[i], ws->w) + b;
        }
    }
    if (k >= 2) {
        const double *dv = oof;
        const unsigned char *yv = y;
        size_t nv = n;
        if (job->row_of) {               /* one value per document */
            for (i = 0; i < job->ndocs; i++) {
                ws->ex_oof[i] = oof[job->row_of[i]];
                ws->ex_y[i] = y[job->row_of[i]];
            }
            dv = ws->ex_oof;
            yv = ws->ex_y;
            nv = job->ndocs;
        }
        m->threshold[t] = m->multiclass ? 0.0
                                        : spytag_tuned_threshold(dv, yv, nv);
        spytag_platt_fit(dv, yv, nv, &m->platt_a[t], &m->platt_b[t]);
    } else {
        m->threshold[t] = 0.0;
        m->platt_a[t] = -2.0;
        m->platt_b[t] = 0.0;
    }
    return;
failed:
    pthread_mutex_lock(&job->lock);
    if (t < job->failed_topic)
        job->failed_topic = t;
    pthread_mutex_unlock(&job->lock);
}

/* The full models of topics first .. first + K - 1 (K <= GROUP), written
 * into the model's weights and biases, with their leave-one-out values
 * and dual values in their lanes.  The dcd solver trains them together
 * (spytag_dcd_solve_block), the others one at a time.  Returns 0; -1
 * when the solver failed on topic *failed; -2 when out of memory (the
 * block solver's only failure). */
static int fit_group(struct topic_job *job, size_t first, size_t K,
                     struct worker_space *ws, size_t *failed)
{
    const struct problem_data *p = job->p;
    const spytag_options *o = job->o;
    spytag_model *m = job->m;
    size_t i, j, lane, n = job->n, nf = job->nf, T = job->T, kb = 0;
    spytag_dcd_topic tp[GROUP];
    size_t at[GROUP];            /* block topic -> lane */
    int dcd = o->solver == SPYTAG_SOLVER_DCD, want_loo = job->k >= 2 &&
                                                         job->loo;

    for (lane = 0; lane < K; lane++) {
        size_t t = first + lane;
        const unsigned char *y = job->Y + t * n;
        double *oof = ws->oof + lane * n, *alpha = ws->alpha + lane * n;
        float *r2 = NULL;
        double wpos, b, C = o->C;
        int one;
        if (job->df) {
            r2 = ws->r2 + lane * (nf + 1);
            nb_ratios(p, y, job->df, job->lq, job->nnz, ws->pos, ws->r);
            for (i = 0; i < nf; i++)
                r2[i] = (float)(ws->r[i] * ws->r[i]);
        }
        if (!dcd) {
            if (fit_binary(p, y, NULL, o, FULL_PASSES, topic_seed(o, t),
                           NULL, NULL, NULL, r2, ws->w, &b) != 0) {
                *failed = t;
                return -1;
            }
            for (i = 0; i < nf; i++)
                m->w[i * T + t] = (float)ws->w[i];
            m->bias[t] = b;
            continue;
        }
        if ((one = topic_costs(p, y, NULL, o, &wpos)) != 0) {
            b = one;          /* one class only: a constant decision */
            for (i = 0; i < n; i++) {
                alpha[i] = 0.0;
                oof[i] = b;
            }
            for (i = 0; i < nf; i++)
                m->w[i * T + t] = 0.0f;
            m->bias[t] = b;
            continue;
        }
        memset(&tp[kb], 0, sizeof tp[kb]);
        tp[kb].y = y;
        tp[kb].scale2 = r2;
        tp[kb].C_pos = C * wpos;
        tp[kb].C_neg = C;
        tp[kb].alpha_out = alpha;
        tp[kb].loo_out = want_loo ? oof : NULL;
        at[kb++] = lane;
    }
    if (!kb)
        return 0;
    if (spytag_dcd_solve_block(p->rows, p->rowlen, n, nf, NULL, p->weight,
                               kb, tp, DCD_EPS, FULL_PASSES,
                               topic_seed(o, first), LOO_RHO, ws->wf) != 0)
        return -2;
    for (i = 0; i < nf; i++) {
        const float *src = ws->wf + (size_t)p->fmap[i] * (job->df ? 2 * kb
                                                                  : kb);
        float *dst = m->w + i * T + first;
        for (j = 0; j < kb; j++)
            dst[at[j]] = src[j];
    }
    for (j = 0; j < kb; j++)
        m->bias[first + at[j]] = tp[j].bias;
    return 0;
}

static void *topic_worker(void *arg)
{
    struct topic_job *job = arg;
    struct worker_space ws;
    size_t n1 = job->n + 1, nf1 = job->nf + 1;

    memset(&ws, 0, sizeof ws);
    ws.w = malloc(nf1 * sizeof *ws.w);
    ws.oof = malloc(n1 * GROUP * sizeof *ws.oof);
    ws.alpha = malloc(n1 * GROUP * sizeof *ws.alpha);
    ws.sel = malloc(n1);
    if (job->o->solver == SPYTAG_SOLVER_DCD)  /* the block solver's */
        ws.wf = spytag_big_alloc(nf1 * (job->df ? 2 : 1) * GROUP *
                                 sizeof *ws.wf, 0);
    /* the out-of-fold values and labels per document, when rows merged
     * copies */
    if (job->row_of) {
        ws.ex_oof = malloc((job->ndocs + 1) * sizeof *ws.ex_oof);
        ws.ex_y = malloc(job->ndocs + 1);
    }
    if (job->df) {
        ws.r = malloc(nf1 * sizeof *ws.r);
        ws.pos = malloc(nf1 * sizeof *ws.pos);
        ws.r2 = spytag_big_alloc(nf1 * GROUP * sizeof *ws.r2, 0);
    }
    if (!ws.w || !ws.oof || !ws.sel || !ws.alpha ||
        (job->o->solver == SPYTAG_SOLVER_DCD && !ws.wf) ||
        (job->row_of && (!ws.ex_oof || !ws.ex_y)) ||
        (job->df && (!ws.r || !ws.pos || !ws.r2))) {
        pthread_mutex_lock(&job->lock);
        job->oom = 1;
        pthread_mutex_unlock(&job->lock);
        goto out;
    }
    for (;;) {
        size_t first, K, t, T = job->T, bad = 0;
        int oom, r;
        pthread_mutex_lock(&job->lock);
        first = job->next;
        job->next += GROUP;
        oom = job->oom;
        if (first < T && !oom && job->o->progress)  /* one at a time */
            job->o->progress(job->o->progress_user, "training", job->done,
                             T);
        pthread_mutex_unlock(&job->lock);
        if (first >= T || oom)
            break;
        K = T - first < GROUP ? T - first : GROUP;
        r = fit_group(job, first, K, &ws, &bad);
        if (r != 0) {        /* training fails: the group is not finished */
            pthread_mutex_lock(&job->lock);
            if (r == -2)
                job->oom = 1;
            else if (bad < job->failed_topic)
                job->failed_topic = bad;
            pthread_mutex_unlock(&job->lock);
            continue;
        }
        for (t = 0; t < K; t++) {
            finish_topic(job, first + t, t, &ws);
            pthread_mutex_lock(&job->lock);
            job->done++;
            if (job->o->progress)
                job->o->progress(job->o->progress_user, "training",
                                 job->done, T);
            pthread_mutex_unlock(&job->lock);
        }
    }
out:
    free(ws.w);
    free(ws.oof);
    free(ws.alpha);
    free(ws.sel);
    free(ws.wf);
    free(ws.ex_oof);
    free(ws.ex_y);
    free(ws.r);
    free(ws.pos);
    free(ws.r2);
    return NULL;
}

int spytag_auto_multiclass(const spytag_corpus *c, const unsigned char *use)
{
    size_t d, nt;
    for (d = 0; d < spytag_corpus_size(c); d++) {
        if (use && !use[d])
            continue;
        (void)spytag_corpus_doc_topics(c, d, &nt);
        if (nt != 1)
            return 0;
    }
    return spytag_corpus_ntopics(c) >= 2;
}

void spytag_assign_folds(const size_t *key, size_t n, int k,
                         unsigned long seed, unsigned char *fold)
{
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    size_t i, maxkey = 0, g, turn = 0;
    uint64_t s = seed;

    if (!order) {
        for (i = 0; i < n; i++)       /* no memory: plain round robin */
            fold[i] = (unsigned char)(i % (size_t)k);
        return;
    }
    for (i = 0; i < n; i++) {
        order[i] = i;
        if (key[i] > maxkey)
            maxkey = key[i];
    }
    for (i = n; i > 1; i--) {         /* Fisher-Yates */
        size_t j = (size_t)(next_rand(&s) % i), tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
    for (g = 0; g <= maxkey; g++)
        for (i = 0; i < n; i++)
            if (key[order[i]] == g)
                fold[order[i]] = (unsigned char)(turn++ % (size_t)k);
    free(order);
}

int spytag_train_subset(const spytag_corpus *c, const unsigned char *use,
                        const spytag_options *o, spytag_model **out,
                        spytag_error *err)
{
    struct problem_data p;
    spytag_model *m = NULL;
    size_t T, n, nf, i, t, d;
    unsigned char *Y = NULL, *fold = NULL;
    uint32_t *df = NULL, *row_of = NULL;
    double *lq = NULL;
    size_t nnz = 0;
    int rc = SPYTAG_ENOMEM, k, f, loo;
    const char *src;

    memset(&p, 0, sizeof p);
    *out = NULL;
    src = c ? spytag_corpus_source(c) : "";
    if (!c || !o || o->ngram_max < 1 || o->ngram_max > 2 || o->min_df < 1 ||
        (o->stem != 0 && o->stem != 1) ||
        (o->stopwords != 0 && o->stopwords != 1) ||
        (o->balanced != 0 && o->balanced != 1) ||
        !(o->C > 0.0 && o->C <= 1e300) ||
        !(o->max_df > 0.0 && o->max_df <= 1.0) || o->tune_folds < 0 ||
        o->tune_folds == 1 || o->tune_folds > 20 || o->nb < 0 || o->nb > 1 ||
        o->tune_method < SPYTAG_AUTO || o->tune_method > SPYTAG_TUNE_LOO ||
        (o->solver != SPYTAG_SOLVER_LIBLINEAR &&
         o->solver != SPYTAG_SOLVER_LIBSVM &&
         o->solver != SPYTAG_SOLVER_DCD))
        return spytag_fail(err, SPYTAG_EINVAL, src, 0,
                           "invalid training settings");
    if (o->tune_method == SPYTAG_TUNE_LOO && o->solver != SPYTAG_SOLVER_DCD)
        return spytag_fail(err, SPYTAG_EINVAL, src, 0, "invalid training "
                           "settings: the leave-one-out tuning needs the dcd "
                           "solver");
    T = spytag_corpus_ntopics(c);
    if (T == 0)
        return spytag_fail(err, SPYTAG_EEMPTY, src, 0,
                           "the corpus has no topics");
    m = spytag_model_alloc(T);
    if (!m)
        goto cleanup;
    rc = spytag_vectorizer_fit(&m->vec, c, use, o, &p.rows, &p.rowlen, err);
    if (rc != SPYTAG_OK)
        goto cleanup;
    rc = SPYTAG_ENOMEM;
    nf = spytag_vectorizer_size(&m->vec);
    for (d = 0, n = 0; d < spytag_corpus_size(c); d++)
        n += !use || use[d];
    p.n = n;
    p.nf = nf;

    /* labels, topic by topic */
    Y = calloc(T * n + 1, 1);
    if (!Y)
        goto cleanup;
    for (d = 0, i = 0; d < spytag_corpus_size(c); d++) {
        size_t nt, j;
        const uint16_t *tp;
        if (use && !use[d])
            continue;
        tp = spytag_corpus_doc_topics(c, d, &nt);
        for (j = 0; j < nt; j++) {
            Y[(size_t)tp[j] * n + i] = 1;
            m->positives[tp[j]]++;
        }
        i++;
    }
    for (t = 0; t < T; t++)
        if (m->positives[t] == 0) {
            rc = spytag_fail(err, SPYTAG_EEMPTY, src, 0,
                             "topic '%s' has no positive document",
                             spytag_corpus_topic(c, t));
            goto cleanup;
        }
    m->multiclass = o->multiclass == SPYTAG_AUTO
                        ? spytag_auto_multiclass(c, use)
                        : (o->multiclass != 0);
    /* (LIBLINEAR and libsvm take no cost per document) */
    if (o->solver == SPYTAG_SOLVER_DCD &&
        merge_identical(&p, &Y, T, &row_of) != 0)
        goto cleanup;
    if (problem_build(&p, o->solver) != 0)
        goto cleanup;
    if (o->nb && o->solver == SPYTAG_SOLVER_DCD) {
        uint32_t j;
        df = calloc(nf + 1, sizeof *df);
        lq = malloc((nf + 1) * sizeof *lq);
        if (!df || !lq)
            goto cleanup;
        for (i = 0; i < p.n; i++) {   /* documents, copies included */
            uint32_t cw = p.weight ? p.weight[i] : 1;
            for (j = 0; j < p.rowlen[i]; j++)
                df[p.rows[i][j].index] += cw;
            nnz += (size_t)p.rowlen[i] * cw;
        }
        for (i = 0; i < nf; i++)
            lq[i] = log((double)df[i] + NB_ALPHA);
    }
    fold = malloc(p.n + 1);
    /* not zeroed: the workers write every weight (a gigabyte at 100k
     * documents, where clearing it took seconds on one thread) */
    m->w = spytag_big_alloc((nf * T + SPYTAG_W_PAD) * sizeof *m->w, 0);
    if (!fold || !m->w)
        goto cleanup;
    memset(m->w + nf * T, 0, SPYTAG_W_PAD * sizeof *m->w);
    k = o->tune_folds;
    loo = o->solver == SPYTAG_SOLVER_DCD &&
          (o->tune_method == SPYTAG_TUNE_LOO ||
           (o->tune_method == SPYTAG_AUTO && n >= SPYTAG_LOO_MIN_DOCS));
    if (k >= 2 && !loo) {          /* over rows: copies share a fold */
        size_t *key = malloc((p.n + 1) * sizeof *key);
        if (!key)
            goto cleanup;
        for (i = 0; i < p.n; i++) {
            key[i] = T;
            for (t = 0; t < T; t++)
                if (Y[t * p.n + i]) {
                    key[i] = t;
                    break;
                }
        }
        spytag_assign_folds(key, p.n, k, o->seed, fold);
        free(key);
    }

    {
        struct topic_job job;
        pthread_t th[64];
        int nth = o->threads < 1 ? 1 : (o->threads > 64 ? 64 : o->threads);
        int started = 0;
        /* LIBLINEAR and libsvm draw from the global rand(): serial only */
        if (o->solver != SPYTAG_SOLVER_DCD || (size_t)nth > T)
            nth = o->solver != SPYTAG_SOLVER_DCD ? 1 : (int)T;
        memset(&job, 0, sizeof job);
        job.p = &p;
        job.o = o;
        job.m = m;
        job.Y = Y;
        job.fold = fold;
        job.df = df;
        job.lq = lq;
        job.nnz = nnz;
        job.n = p.n;
        job.ndocs = n;
        job.row_of = row_of;
        job.nf = nf;
        job.T = T;
        job.k = k;
        job.loo = loo;
        job.failed_topic = T;
        pthread_mutex_init(&job.lock, NULL);
        for (f = 1; f < nth; f++)
            if (pthread_create(&th[started], NULL, topic_worker, &job) == 0)
                started++;
        topic_worker(&job);
        for (f = 0; f < started; f++)
            pthread_join(th[f], NULL);
        pthread_mutex_destroy(&job.lock);
        if (job.oom)
            goto cleanup;
        if (job.failed_topic < T) {
            t = job.failed_topic;
            goto solver_failed;
        }
    }
    if (o->progress)
        o->progress(o->progress_user, "training", T, T);

    m->opt = *o;
    m->opt.nb = df != NULL;      /* what was done (dcd only) */
    m->opt.tune_method = loo && k >= 2 ? SPYTAG_TUNE_LOO : SPYTAG_TUNE_FOLDS;
    m->opt.progress = NULL;
    m->opt.progress_user = NULL;
    m->ndocs = n;
    m->corpus = strdup(src);
    if (!m->corpus)
        goto cleanup;
    for (t = 0; t < T; t++)
        if (!(m->topics[t] = strdup(spytag_corpus_topic(c, t))))
            goto cleanup;
    *out = m;
    m = NULL;
    rc = SPYTAG_OK;
    goto cleanup;

solver_failed:
    rc = spytag_fail(err, SPYTAG_ETRAIN, src, 0,
                     "the SVM solver failed on topic '%s'",
                     spytag_corpus_topic(c, t));
cleanup:
    if (rc == SPYTAG_ENOMEM)
        spytag_fail(err, rc, src, 0, "out of memory while training");
    problem_free(&p);
    spytag_model_free(m);
    free(Y);
    free(fold);
    free(df);
    free(row_of);
    free(lq);
    return rc;
}
