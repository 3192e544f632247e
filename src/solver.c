/*
 * solver.c - spytag's own solver for the binary linear SVM: dual coordinate
 * descent for the L2-regularised, L2-loss SVM (Hsieh, Chang, Lin, Keerthi
 * and Sundararajan, ICML 2008), the algorithm of LIBLINEAR's default solver
 * (-s 1), with the same stopping rule (eps on the projected gradient over
 * every row) and bias handling (a constant feature of value 1,
 * regularised), and a more eager shrinking (below).
 *
 * Why not just LIBLINEAR: measured on Reuters-21578, 70% of `spytag train`
 * is spent in the solver, and LIBLINEAR draws its coordinate order from the
 * C library's global rand(), so topics cannot be trained on several threads
 * with reproducible results.  This solver takes its own random state, works
 * on spytag's float rows in place (no copy into LIBLINEAR's double nodes)
 * and is safe to run on many threads at once.  It keeps the weights in
 * float while it solves (the sums in double): half the memory of doubles,
 * which at 30k documents (660k features) made training 12% faster, with
 * the same test F1 on Reuters-21578; LIBLINEAR and libsvm stay
 * available as --solver liblinear / libsvm, and bench/accuracy compares
 * them.
 *
 * Naive Bayes scaling (x_f times s_f per topic) is done here too, without
 * a scaled copy of the rows: with u_f = s_f w_f, where w are the weights
 * for the scaled rows, w . (s x) = u . x and an update of w by d s_f x_f
 * is one of u by d s_f^2 x_f.  So the dot products read the plain rows,
 * the updates also read s_f^2 (scale2), and u, returned, is already the
 * weight vector for the plain rows.
 *
 * Shrinking.  LIBLINEAR sets aside a row at alpha = 0 when its gradient
 * exceeds the largest projected gradient of the pass before, which in
 * one-vs-rest problems (a few hundred positives among tens of thousands)
 * holds back most negatives for 5 to 10 passes: their margins are past 1,
 * but by less than the violations still being fixed.  Here, from the
 * second pass on, every row at alpha = 0 with a positive gradient (margin
 * past 1) is set aside, as LIBLINEAR would a few passes later.  The
 * answer does not depend on it: the solver stops only after a pass over
 * every row (which sets rows aside as it goes) finds all projected
 * gradients within eps, so a row set aside too early is taken back.
 * Measured on bench/scale's corpora: rows visited per topic from 9.5 to
 * 5.2 passes' worth at 12k documents, 15 to 4.8 at 100k; 100k near copies
 * trained in 147 s before, 87 s after (2 threads).
 *
 * Topics in blocks.  After that, about 85% of the rows a topic visits are
 * in its passes over every row: the first two and the checks (4 or 5 in
 * all), each bound by cache misses on the row and on the weights of each
 * entry.  spytag_dcd_solve_block solves K topics (train.c: 8) on the same
 * rows at once.  Their weights sit side by side, with their naive Bayes
 * scaling after them: one 64-byte line per feature holds what all 8 need.
 * Their passes over every row are shared: one order, each row read once,
 * each entry one line for all the topics that need a full pass then.  In
 * between, each topic runs its passes over its own active rows alone, as
 * before.  Each topic still meets the same stopping rule, and topics do
 * not interact (the lanes of a line are separate sums); only the order of
 * the visits differs from solving them one by one.  The first pass also
 * computes each row's squared norms (Q_ii) from the same lines.  Measured
 * on the 100k near copies (2 threads, alternated runs): 52.7 to 54.4 s
 * before, 39.5 to 41.3 s after.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* The solver's state.  A row's pointer, length and document sit in one
 * record, and so do a row's dual values, diagonal terms and labels for
 * the K topics side by side (co[s * K + t]): a visit in the shuffled order
 * costs one or two cache misses for them, and the records of the visits
 * ahead can be prefetched. */
struct dcd_row {
    const spytag_feat *x;        /* the row */
    uint32_t len, doc;           /* its length, its document */
};

struct dcd_coord {
    double alpha, qd, dg, yi;    /* dual value, Q_ii + D_ii, D_ii, +-1 */
};

enum { LANE_FULL, LANE_ACTIVE, LANE_DONE };

struct dcd_lane {                /* one topic */
    uint32_t *index;             /* positions of its active rows */
    size_t active;               /* how many */
    double pgmax_old, pgmax_new, pgmin_new, b;
    uint64_t seed;
    int iter, state;
};

struct dcd_state {
    const struct dcd_row *rows;
    struct dcd_coord *co;
    struct dcd_lane *lane;
    float *w;                    /* a line of S floats per feature: the
                                    K topics' weights, then (S = 2K)
                                    their scale2; S = K without it */
    size_t l, K, S;
    int first;                   /* the first pass: Q_ii still to do */
    double eps;
    int max_passes;
};

/* x . w over a row for one topic, whose weights are S floats apart (w
 * points at its first), in four partial sums: one chain of additions
 * would wait on the latency of each (four cycles or so) and keep the
 * loads of the weights, cache misses mostly, from overlapping. */
static inline double dot_lane(const spytag_feat *x, uint32_t len,
                              const float *w, size_t S)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    uint32_t j;
    for (j = 0; j + 4 <= len; j += 4) {
        s0 += (double)w[(size_t)x[j].index * S] * x[j].value;
        s1 += (double)w[(size_t)x[j + 1].index * S] * x[j + 1].value;
        s2 += (double)w[(size_t)x[j + 2].index * S] * x[j + 2].value;
        s3 += (double)w[(size_t)x[j + 3].index * S] * x[j + 3].value;
    }
    for (; j < len; j++)
        s0 += (double)w[(size_t)x[j].index * S] * x[j].value;
    return (s0 + s1) + (s2 + s3);
}

/* x . w for all K topics at once (their weights at the start of each
 * feature's line of S floats): one cache line per entry serves them all.
 * With sq (the first pass), also adds each topic's v^2 scale2 (S = 2K)
 * or v^2 (S = K) to sq.  K and S are constants where this is inlined, so
 * the lanes' loops unroll and vectorise. */
static inline void dot_lanes_k(const spytag_feat *x, uint32_t len,
                               const float *w, size_t K, size_t S,
                               double *g, double *sq)
{
    double acc[DCD_MAX_K], q[DCD_MAX_K];
    uint32_t j;
    size_t t;
    for (t = 0; t < K; t++)
        acc[t] = q[t] = 0.0;
    if (sq) {
        for (j = 0; j < len; j++) {
            const float *wl = w + (size_t)x[j].index * S;
            double v = x[j].value;
            for (t = 0; t < K; t++) {
                acc[t] += (double)wl[t] * v;
                q[t] += S > K ? v * v * wl[K + t] : v * v;
            }
        }
        for (t = 0; t < K; t++)
            sq[t] += q[t];
    } else {
        for (j = 0; j < len; j++) {
            const float *wl = w + (size_t)x[j].index * S;
            double v = x[j].value;
            for (t = 0; t < K; t++)
                acc[t] += (double)wl[t] * v;
        }
    }
    for (t = 0; t < K; t++)
        g[t] = acc[t];
}

static void dot_lanes(const spytag_feat *x, uint32_t len, const float *w,
                      size_t K, size_t S, double *g, double *sq)
{
#define LANES(k)                                                         \
    case k:                                                              \
        if (S == k)                                                      \
            dot_lanes_k(x, len, w, k, k, g, sq);                         \
        else                                                             \
            dot_lanes_k(x, len, w, k, 2 * k, g, sq);                     \
        break
    if (K == 1 && !sq) {
        g[0] = dot_lane(x, len, w, S);
        return;
    }
    switch (K) {
    LANES(1);
    LANES(2);
    LANES(3);
    LANES(4);
    LANES(5);
    LANES(6);
    LANES(7);
    LANES(8);
    default:
        dot_lanes_k(x, len, w, K, S, g, sq);
        break;
    }
#undef LANES
}

/* The first cache lines of a row visited soon, which the hardware cannot
 * guess (the order is random). */
static inline void prefetch_row(const struct dcd_row *row)
{
    const char *x = (const char *)row->x;
    size_t bytes = (size_t)row->len * sizeof *row->x;
    SPYTAG_PREFETCH(x);
    if (bytes > 64)
        SPYTAG_PREFETCH(x + 64);
    if (bytes > 128)
        SPYTAG_PREFETCH(x + 128);
}

static void shuffle(uint32_t *index, size_t n, uint64_t *seed)
{
    size_t s;
    for (s = 0; s + 1 < n; s++) {
        size_t j = s + (size_t)(xorshift(seed) % (n - s));
        uint32_t t = index[s];
        index[s] = index[j];
        index[j] = t;
    }
}

/* One coordinate step of topic t on row r, whose x . w is dot: returns 0
 * when the row is set aside (see the top of the file), 1 when it stays
 * active.  Updates alpha, the weights, the bias and the pass's extreme
 * projected gradients. */
static inline int visit(struct dcd_state *st, uint32_t r, size_t t,
                        double dot)
{
    struct dcd_lane *ln = &st->lane[t];
    struct dcd_coord *c = &st->co[(size_t)r * st->K + t];
    double g = (dot + ln->b) * c->yi - 1.0 + c->alpha * c->dg, pg = 0.0;
    if (c->alpha == 0.0) {
        if (g > ln->pgmax_old || (g > 0.0 && ln->iter > 0))
            return 0;
        if (g < 0.0)
            pg = g;
    } else {
        pg = g;
    }
    if (pg > ln->pgmax_new)
        ln->pgmax_new = pg;
    if (pg < ln->pgmin_new)
        ln->pgmin_new = pg;
    if (fabs(pg) > 1e-12) {
        const spytag_feat *x = st->rows[r].x;
        uint32_t j, len = st->rows[r].len;
        size_t S = st->S;
        float *w = st->w + t;
        double old = c->alpha, delta;
        c->alpha = old - g / c->qd;
        if (c->alpha < 0.0)
            c->alpha = 0.0;
        delta = (c->alpha - old) * c->yi;
        if (S > st->K) {      /* scale2 sits K floats after the weight */
            const float *s2 = w + st->K;
            for (j = 0; j < len; j++) {
                size_t f = (size_t)x[j].index * S;
                w[f] += (float)(delta * x[j].value * s2[f]);
            }
        } else {
            for (j = 0; j < len; j++)
                w[(size_t)x[j].index * S] += (float)(delta * x[j].value);
        }
        ln->b += delta;
    }
    return 1;
}

static void pass_begin(struct dcd_lane *ln)
{
    ln->pgmax_new = -INFINITY;
    ln->pgmin_new = INFINITY;
}

/* After a pass of topic t: full says it visited every row. */
static void pass_end(struct dcd_state *st, struct dcd_lane *ln, int full)
{
    ln->iter++;
    if (ln->pgmax_new - ln->pgmin_new <= st->eps) {
        if (full) {
            ln->state = LANE_DONE;
            return;
        }
        ln->state = LANE_FULL;        /* check the set-aside ones too */
        ln->pgmax_old = INFINITY;
    } else {
        /* (no upper bound on alpha for the L2 loss, so only the lower
         * side shrinks) */
        ln->pgmax_old = ln->pgmax_new <= 0 ? INFINITY : ln->pgmax_new;
        ln->state = ln->active == st->l ? LANE_FULL : LANE_ACTIVE;
    }
    if (ln->iter >= st->max_passes)
        ln->state = LANE_DONE;
}

/* A pass over every row, in one shuffled order, for each topic whose
 * next pass is a full one: the rows are read once for all of them, and
 * each visit finds the weights of every topic in one cache line.  Each
 * such topic's active set becomes the rows it did not set aside. */
static void full_pass(struct dcd_state *st, uint32_t *order, uint64_t *seed)
{
    size_t s, t, l = st->l, K = st->K;
    size_t rec = K * sizeof *st->co;
    int in[DCD_MAX_K];
    double g[DCD_MAX_K], sq[DCD_MAX_K];
    for (t = 0; t < K; t++) {
        in[t] = st->lane[t].state == LANE_FULL;
        if (in[t]) {
            pass_begin(&st->lane[t]);
            st->lane[t].active = 0;
        }
    }
    shuffle(order, l, seed);
    for (s = 0; s < l; s++) {
        uint32_t r = order[s];
        const struct dcd_row *row = &st->rows[r];
        if (s + 2 < l) {
            /* the row two visits ahead, and the records of the visit four
             * ahead, whose row comes next */
            size_t k;
            prefetch_row(&st->rows[order[s + 2]]);
            if (s + 4 < l) {
                const char *c = (const char *)&st->co[(size_t)order[s + 4] * K];
                SPYTAG_PREFETCH(&st->rows[order[s + 4]]);
                for (k = 0; k < rec; k += 64)
                    SPYTAG_PREFETCH(c + k);
                SPYTAG_PREFETCH(c + rec - 1);
            }
        }
        if (st->first) {     /* every topic's first pass: Q_ii too */
            for (t = 0; t < K; t++)
                sq[t] = 1.0;     /* the bias feature */
            dot_lanes(row->x, row->len, st->w, K, st->S, g, sq);
            for (t = 0; t < K; t++)
                st->co[(size_t)r * K + t].qd += sq[t];
        } else {
            dot_lanes(row->x, row->len, st->w, K, st->S, g, NULL);
        }
        for (t = 0; t < K; t++) {
            struct dcd_lane *ln = &st->lane[t];
            if (in[t] && visit(st, r, t, g[t]))
                ln->index[ln->active++] = r;
        }
    }
    for (t = 0; t < K; t++)
        if (in[t])
            pass_end(st, &st->lane[t], 1);
    st->first = 0;
}

/* Topic t's passes over its active rows until it needs a full pass or is
 * done. */
static void active_passes(struct dcd_state *st, size_t t)
{
    struct dcd_lane *ln = &st->lane[t];
    size_t K = st->K;
    while (ln->state == LANE_ACTIVE) {
        size_t s;
        pass_begin(ln);
        shuffle(ln->index, ln->active, &ln->seed);
        for (s = 0; s < ln->active; s++) {
            uint32_t r = ln->index[s];
            const struct dcd_row *row = &st->rows[r];
            if (s + 2 < ln->active) {   /* as in full_pass */
                prefetch_row(&st->rows[ln->index[s + 2]]);
                if (s + 4 < ln->active) {
                    SPYTAG_PREFETCH(&st->rows[ln->index[s + 4]]);
                    SPYTAG_PREFETCH(&st->co[(size_t)ln->index[s + 4] * K + t]);
                }
            }
            if (!visit(st, r, t,
                       dot_lane(row->x, row->len, st->w + t, st->S))) {
                ln->index[s--] = ln->index[--ln->active];
            }
        }
        pass_end(st, ln, 0);
    }
}

int spytag_dcd_solve_block(spytag_feat *const *rows, const uint32_t *rowlen,
                           size_t n, size_t nf, const unsigned char *sel,
                           const uint32_t *weight, size_t K,
                           spytag_dcd_topic *tp, double eps, int max_passes,
                           uint64_t seed, double loo_rho, float *w)
{
    struct dcd_state st;
    struct dcd_row *ri = NULL;   /* by position among the selected rows */
    struct dcd_coord *co = NULL;
    struct dcd_lane lane[DCD_MAX_K];
    uint32_t *order = NULL;
    size_t l = 0, i, s, t, S;
    double g[DCD_MAX_K];
    int rc = -1, busy, any_loo = 0;

    if (K < 1 || K > DCD_MAX_K)
        return -1;
    for (t = 1; t < K; t++)
        if ((tp[t].scale2 != NULL) != (tp[0].scale2 != NULL))
            return -1;
    memset(lane, 0, sizeof lane);
    for (i = 0; i < n; i++)
        l += !sel || sel[i];
    ri = malloc((l + 1) * sizeof *ri);
    co = malloc((l + 1) * K * sizeof *co);
    order = malloc((l + 1) * sizeof *order);
    if (!ri || !co || !order)
        goto cleanup;
    for (t = 0; t < K; t++) {
        lane[t].index = malloc((l + 1) * sizeof *lane[t].index);
        if (!lane[t].index)
            goto cleanup;
        any_loo |= tp[t].loo_out != NULL;
    }
    S = tp[0].scale2 ? 2 * K : K;
    if (S > K) {    /* each feature's weights, then its scale2: one line */
        for (i = 0; i < nf; i++)
            for (t = 0; t < K; t++) {
                w[i * S + t] = 0.0f;
                w[i * S + K + t] = tp[t].scale2[i];
            }
    } else {
        memset(w, 0, nf * K * sizeof *w);
    }
    st.w = w;
    st.rows = ri;
    st.co = co;
    st.lane = lane;
    st.l = l;
    st.K = K;
    st.S = S;
    st.eps = eps;
    st.max_passes = max_passes < 1 ? 1 : max_passes;
    st.first = 1;
    for (i = 0, s = 0; i < n; i++) {
        if (sel && !sel[i])
            continue;
        ri[s].x = rows[i];
        ri[s].len = rowlen[i];
        ri[s].doc = (uint32_t)i;
        for (t = 0; t < K; t++) {
            struct dcd_coord *c = &co[s * K + t];
            int pos = tp[t].y[i] != 0;
            c->yi = pos ? 1.0 : -1.0;
            c->alpha = 0.0;
            /* a row standing for k documents costs k times as much */
            c->dg = (pos ? 0.5 / tp[t].C_pos : 0.5 / tp[t].C_neg) /
                    (weight ? weight[i] : 1);
            c->qd = c->dg;       /* the first pass adds the squared norm */
        }
        order[s] = (uint32_t)s;
        s++;
    }
    seed = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    if (seed == 0)
        seed = 1;
    for (t = 0; t < K; t++) {
        lane[t].seed = (seed + t + 1) * 0x9e3779b97f4a7c15ULL;
        if (lane[t].seed == 0)
            lane[t].seed = 1;
        lane[t].pgmax_old = INFINITY;
        lane[t].state = LANE_FULL;
        lane[t].active = l;
        if (tp[t].alpha_in)  /* warm start: w = sum of alpha y x scale2 */
            for (s = 0; s < l; s++) {
                struct dcd_coord *c = &co[s * K + t];
                double a = tp[t].alpha_in[ri[s].doc], ay;
                uint32_t j;
                if (a <= 0.0)
                    continue;
                c->alpha = a;
                ay = c->yi * a;
                for (j = 0; j < ri[s].len; j++) {
                    size_t f = (size_t)ri[s].x[j].index * S + t;
                    double v = ri[s].x[j].value;
                    st.w[f] += (float)(ay * (S > K ? v * st.w[f + K] : v));
                }
                lane[t].b += ay;
            }
    }
    do {     /* the first pass is a full one for every topic */
        busy = 0;
        for (t = 0; t < K; t++)
            busy |= lane[t].state == LANE_FULL;
        if (busy)
            full_pass(&st, order, &seed);
        for (t = 0; t < K; t++)
            active_passes(&st, t);
        busy = 0;
        for (t = 0; t < K; t++)
            busy |= lane[t].state != LANE_DONE;
    } while (busy);
    for (t = 0; t < K; t++) {
        if (tp[t].alpha_out) {
            memset(tp[t].alpha_out, 0, n * sizeof *tp[t].alpha_out);
            for (s = 0; s < l; s++)
                tp[t].alpha_out[ri[s].doc] = co[s * K + t].alpha;
        }
        tp[t].bias = lane[t].b;
        tp[t].passes = lane[t].iter;
    }
    for (s = 0; any_loo && s < l; s++) {  /* from the float weights */
        dot_lanes(ri[s].x, ri[s].len, st.w, K, S, g, NULL);
        for (t = 0; t < K; t++) {
            const struct dcd_coord *c = &co[s * K + t];
            if (tp[t].loo_out)
                tp[t].loo_out[ri[s].doc] =
                    g[t] + lane[t].b -
                    loo_rho * c->alpha * c->yi * (c->qd - c->dg);
        }
    }
    rc = 0;
cleanup:
    free(ri);
    free(co);
    free(order);
    for (t = 0; t < K; t++)
        free(lane[t].index);
    return rc;
}

int spytag_dcd_solve(spytag_feat *const *rows, const uint32_t *rowlen,
                     size_t n, size_t nf, const unsigned char *y,
                     const unsigned char *sel, const uint32_t *weight,
                     const float *scale2, double C_pos, double C_neg,
                     double eps, int max_passes, uint64_t seed,
                     const double *alpha_in, double *alpha_out,
                     double loo_rho, double *loo_out, double *w,
                     double *bias)
{
    spytag_dcd_topic tp;
    size_t i, S = scale2 ? 2 : 1;
    float *wf = malloc((nf + 1) * S * sizeof *wf);
    int rc;
    if (!wf)
        return -1;
    memset(&tp, 0, sizeof tp);
    tp.y = y;
    tp.scale2 = scale2;
    tp.C_pos = C_pos;
    tp.C_neg = C_neg;
    tp.alpha_in = alpha_in;
    tp.alpha_out = alpha_out;
    tp.loo_out = loo_out;
    rc = spytag_dcd_solve_block(rows, rowlen, n, nf, sel, weight, 1, &tp,
                                eps, max_passes, seed, loo_rho, wf);
    if (rc == 0) {
        for (i = 0; i < nf; i++)
            w[i] = wf[i * S];
        *bias = tp.bias;
    }
    free(wf);
    return rc;
}
