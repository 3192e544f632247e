/*
 * model.c - the model file: atomic save, checksummed load, accessors.
 *
 * Format, version 3.  All integers are little-endian; f32/f64 are IEEE 754
 * bit patterns stored as little-endian u32/u64; str is a u32 byte length
 * followed by that many bytes (no NUL).
 *
 *   magic      8 bytes  "SPYTAG\x1a\n"
 *   version    u32      3
 *   flags      u32      bit 0: multi-class (exactly one topic per document)
 *                       bit 1: the weights are sparse (below)
 *   settings   u32 stopwords, u32 stem, u32 ngram_max, u32 min_df,
 *              f64 max_df, u32 solver, f64 C, u32 balanced,
 *              u32 tune_folds, u64 seed, u32 nb, u32 tune_method
 *   ndocs      u64      training documents
 *   corpus     str      where the training corpus came from
 *   ntopics    u32      T, then T times:
 *                str name, f64 bias, f64 threshold, f64 platt_a,
 *                f64 platt_b, u32 positives
 *   nuni       u32      U words, then U times: u8 length, bytes
 *   npair      u32      P pairs, then P times: u32 first, u32 second
 *                       (word ids)
 *   idf        f32 x (U + P)
 *   weights    f32 x ((U + P) x T), feature-major: w[f * T + t]; or, with
 *              flags bit 1, for each feature in turn a bitmap of
 *              ceil(T / 8) bytes (bit t % 8 of byte t / 8: topic t's
 *              weight is stored; the bits past T are 0) followed by the
 *              stored weights, by topic; the others are 0.  A stored
 *              weight is never +0.0 (-0.0 is stored, so that a model
 *              comes back with the same bits)
 *   checksum   u64      XXH3-64 (no seed) of every byte before it
 *
 * Feature f < U is word f; feature U + p is pair p.  A topic's decision
 * value is bias + sum over features of weight x tf-idf value; it is
 * assigned when the value reaches its threshold (multi-label models), or
 * when it is the largest (multi-class models).  Its score is
 * 1 / (1 + exp(platt_a x value + platt_b)).
 *
 * The order of the features is fixed, so that a model has one encoding:
 * words by increasing IDF (that is, the most frequent first), ties in byte
 * order; pairs by increasing IDF, ties by (first, second).  Classifying a
 * text then finds its frequent features, most of it, in a few cache lines
 * of the count, IDF and weight arrays.  The order is checked on loading.
 *
 * The weights are written sparse when that takes at most half the bytes
 * of the dense form: a model of 100k documents and 115 topics has 8.5% of
 * its 285M weights nonzero (1.14 GB dense, 140 MB sparse), while the
 * 20 Newsgroups model (50%) and the shipped one (99%) stay dense.  The
 * model in memory takes the file's form (see struct spytag_model), so
 * that the big model classifies in the memory of its file, and touches a
 * few bytes a feature instead of 460.
 *
 * spytag_model_load reads the file into memory on huge pages rather than
 * mapping it, and a dense model's weights (most of its bytes) stay where
 * they were read, moved by up to 64 bytes to a cache-line boundary, rather
 * than being copied out.  On the virtual machines we run on, the first
 * touch of a 4 KiB page costs about 10 us, more than copying it: loading
 * the 20 Newsgroups model (30 MB) went from 44-48 ms to 23-25 ms (the
 * fastest of 40 runs), and its peak memory down by the weights' 26 MB.
 *
 * Version 2 is the same with any order of the words and the pairs (but no
 * repeats) and an XXH64 (seed 0) checksum, which is slower to verify;
 * neither has tune_method (it is then 0, fold models); version 1 is
 * version 2 without the u32 nb (which is then 0).
 * Both are still read, and written back as version 3.  nb and
 * tune_method only record how the model was trained: the weights already
 * include the naive Bayes scaling, so classification uses neither.
 *
 * Nothing in the file depends on the time, the machine or the locale, so
 * training the same corpus with the same settings gives the same bytes.
 * Saving writes a temporary file beside the target, fsyncs it and renames
 * it into place: a crash leaves either the old file or the new one.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define MAGIC "SPYTAG\x1a\n"
#define FORMAT_VERSION 3u
#define MAX_MODEL_BYTES ((size_t)1 << 34)
/* Models of fewer weights load on one thread: starting a thread costs
 * more than it saves there (the shipped model, 55k weights: an empty
 * classify 7.8 against 7.2 ms, hyperfine means of 100 runs). */
#define THREADED_WEIGHTS ((size_t)1 << 18)
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LITTLE_ENDIAN_HOST 1
#else
#define LITTLE_ENDIAN_HOST 0
#endif

void spytag_model_free(spytag_model *m)
{
    size_t t;
    if (!m)
        return;
    if (m->topics)
        for (t = 0; t < m->ntopics; t++)
            free(m->topics[t]);
    free(m->topics);
    free(m->bias);
    free(m->threshold);
    free(m->platt_a);
    free(m->platt_b);
    free(m->positives);
    free(m->corpus);
    free(m->wblock ? m->wblock : (void *)m->w);
    free(m->rows);
    free(m->row_at);
    spytag_vectorizer_clear(&m->vec);
    free(m);
}

size_t spytag_model_ntopics(const spytag_model *m) { return m->ntopics; }
const char *spytag_model_topic(const spytag_model *m, size_t t)
{
    return m->topics[t];
}
size_t spytag_model_vocab_size(const spytag_model *m)
{
    return spytag_vectorizer_size(&m->vec);
}
int spytag_model_multiclass(const spytag_model *m) { return m->multiclass; }
void spytag_model_options(const spytag_model *m, spytag_options *o)
{
    *o = m->opt;
}
const char *spytag_model_corpus(const spytag_model *m) { return m->corpus; }
size_t spytag_model_ndocs(const spytag_model *m) { return m->ndocs; }
double spytag_model_threshold(const spytag_model *m, size_t t)
{
    return m->threshold[t];
}
size_t spytag_model_positives(const spytag_model *m, size_t t)
{
    return m->positives[t];
}

double spytag_platt_score(const spytag_model *m, size_t t, double margin)
{
    double f = m->platt_a[t] * margin + m->platt_b[t];
    return f >= 0 ? exp(-f) / (1.0 + exp(-f)) : 1.0 / (1.0 + exp(f));
}

double spytag_model_score(const spytag_model *m, size_t t, double margin)
{
    return spytag_platt_score(m, t, margin);
}

const char *spytag_model_term(const spytag_model *m, uint32_t feature,
                              char *buf, size_t cap)
{
    if (feature >= spytag_vectorizer_size(&m->vec)) {
        if (cap)
            buf[0] = '\0';
        return buf;
    }
    return spytag_vectorizer_term(&m->vec, feature, buf, cap);
}

size_t spytag_model_top_terms(const spytag_model *m, size_t t, size_t k,
                              uint32_t *features, double *weights)
{
    size_t nf = spytag_vectorizer_size(&m->vec), f, n = 0;
    if (t >= m->ntopics)
        return 0;
    for (f = 0; f < nf; f++)
        spytag_topk_offer(features, weights, &n, k, (uint32_t)f,
                          spytag_weight(m, f, t));
    return n;
}

/* ---- writing ---------------------------------------------------------------- */

/* Where the bytes of a model go: a buffer that grows (fd < 0), or a file
 * written through a buffer of SINK_CHUNK bytes, hashed as it goes (fd >=
 * 0), so that saving a model of a gigabyte does not first build it in
 * memory.  After a failure (oom, or a write error with its errno in err)
 * every put does nothing. */
#define SINK_CHUNK ((size_t)1 << 20)
typedef struct {
    unsigned char *p;
    size_t n, cap;
    int oom;
    int fd, err;
    XXH3_state_t *xs;
} wbuf;

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Writes out what a file sink holds; 0, or -1 (b->err set). */
static int sink_flush(wbuf *b)
{
    if (b->oom || b->err)
        return -1;
    if (b->n == 0)
        return 0;
    if (XXH3_64bits_update(b->xs, b->p, b->n) != XXH_OK) {
        b->oom = 1;
        return -1;
    }
    if (write_all(b->fd, b->p, b->n) != 0) {
        b->err = errno ? errno : EIO;
        return -1;
    }
    b->n = 0;
    return 0;
}

static void put(wbuf *b, const void *src, size_t n)
{
    const unsigned char *q = src;
    if (b->oom || b->err)
        return;
    if (b->fd >= 0) {
        while (b->n + n > b->cap) {
            size_t k = b->cap - b->n;
            memcpy(b->p + b->n, q, k);
            b->n += k;
            q += k;
            n -= k;
            if (sink_flush(b) != 0)
                return;
        }
    } else if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        unsigned char *np;
        while (cap < b->n + n)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, q, n);
    b->n += n;
}

static void put_u32(wbuf *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8),
                           (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
    put(b, x, 4);
}

static void put_u64(wbuf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_f64(wbuf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(b, v);
}

static void put_f32(wbuf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(b, v);
}

static void put_str(wbuf *b, const char *s)
{
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}

/* ---- the order of the features (version 3) ---------------------------- */

struct word_rank {
    float idf;
    uint32_t id;
    const char *s;
    size_t len;
};

struct pair_rank {
    float idf;
    uint32_t id;
    uint64_t key;             /* (first, second) in the new word ids */
};

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    if (c)
        return c;
    return (na > nb) - (na < nb);
}

static int cmp_word_rank(const void *p, const void *q)
{
    const struct word_rank *a = p, *b = q;
    if (a->idf != b->idf)
        return a->idf < b->idf ? -1 : 1;
    return cmp_bytes(a->s, a->len, b->s, b->len);
}

static int cmp_pair_rank(const void *p, const void *q)
{
    const struct pair_rank *a = p, *b = q;
    if (a->idf != b->idf)
        return a->idf < b->idf ? -1 : 1;
    return (a->key > b->key) - (a->key < b->key);
}

/* The version 3 order of v's features: order[new id] is the feature's id
 * in v, and newid (when not NULL) the other way round.  Both are malloc'ed
 * (nf entries each); NULL when out of memory. */
static uint32_t *feature_order(const spytag_vectorizer *v, uint32_t **newid_out)
{
    size_t nu = v->nuni, np = v->npair, nf = nu + np, i;
    uint32_t *order = malloc((nf + 1) * sizeof *order);
    uint32_t *newid = malloc((nf + 1) * sizeof *newid);
    struct word_rank *wr = malloc((nu + 1) * sizeof *wr);
    struct pair_rank *pr = malloc((np + 1) * sizeof *pr);

    if (!order || !newid || !wr || !pr) {
        free(order);
        order = NULL;
        goto cleanup;
    }
    for (i = 0; i < nu; i++) {
        wr[i].idf = v->idf[i];
        wr[i].id = (uint32_t)i;
        wr[i].s = spytag_strtab_str(v->uni, (int32_t)i, &wr[i].len);
    }
    qsort(wr, nu, sizeof *wr, cmp_word_rank);
    for (i = 0; i < nu; i++) {
        order[i] = wr[i].id;
        newid[wr[i].id] = (uint32_t)i;
    }
    for (i = 0; i < np; i++) {
        uint32_t a, b;
        spytag_pairtab_get(v->pair, (int32_t)i, &a, &b);
        pr[i].idf = v->idf[nu + i];
        pr[i].id = (uint32_t)(nu + i);
        pr[i].key = (uint64_t)newid[a] << 32 | newid[b];
    }
    qsort(pr, np, sizeof *pr, cmp_pair_rank);
    for (i = 0; i < np; i++) {
        order[nu + i] = pr[i].id;
        newid[pr[i].id] = (uint32_t)(nu + i);
    }
cleanup:
    free(wr);
    free(pr);
    if (order && newid_out) {
        *newid_out = newid;
        newid = NULL;
    }
    free(newid);
    return order;
}

/* 1 when v's features are in the version 3 order (loading checks it). */
static int in_feature_order(const spytag_vectorizer *v)
{
    const spytag_strtab *u = v->uni;
    const uint64_t *keys = v->pair->keys;
    const float *idf = v->idf;
    size_t nu = v->nuni, np = v->npair, i;
    for (i = 1; i < nu; i++)
        if (idf[i - 1] > idf[i] ||
            (idf[i - 1] == idf[i] &&
             cmp_bytes(u->arena + u->off[i - 1], u->len[i - 1],
                       u->arena + u->off[i], u->len[i]) >= 0))
            return 0;
    idf += nu;
    for (i = 1; i < np; i++)
        if (idf[i - 1] > idf[i] ||
            (idf[i - 1] == idf[i] && keys[i - 1] >= keys[i]))
            return 0;
    return 1;
}

/* Whether a sparse model stores weight w: all but +0.0 (-0.0 is stored,
 * so that a model comes back with the same bits). */
static int stored_weight(float w)
{
    uint32_t x;
    memcpy(&x, &w, 4);
    return x != 0;
}

/* The T weights of feature f: the dense row itself, or the sparse row
 * written out into scratch (T floats) and scratch returned. */
static const float *weight_row(const spytag_model *m, size_t f,
                               float *scratch)
{
    size_t T = m->ntopics, M = SPYTAG_MASK_WORDS(T), k;
    const uint32_t *r, *wp;
    if (m->w)
        return m->w + f * T;
    r = m->rows + m->row_at[f];
    wp = r + M;
    memset(scratch, 0, T * sizeof *scratch);
    for (k = 0; k < M; k++) {
        uint32_t bits = r[k];
        for (; bits; bits &= bits - 1)
            memcpy(&scratch[32 * k + SPYTAG_CTZ(bits)], wp++, 4);
    }
    return scratch;
}

/* Puts every byte of the model but the checksum into b; SPYTAG_ENOMEM
 * when out of memory (or b failed). */

static int put_model(const spytag_model *m, wbuf *b)
{
    const spytag_vectorizer *v = &m->vec;
    size_t t, i, nf = spytag_vectorizer_size(v), T = m->ntopics;
    uint32_t *newid = NULL, *order = feature_order(v, &newid);
    size_t nnz = 0, B = (T + 7) / 8;
    float *scratch = malloc(T * sizeof *scratch);
    int sparse;

    if (!order || !scratch) {
        free(order);
        free(newid);
        free(scratch);
        return SPYTAG_ENOMEM;
    }
    for (i = 0; i < nf; i++) {
        const float *wi = weight_row(m, i, scratch);
        for (t = 0; t < T; t++)
            nnz += stored_weight(wi[t]);
    }
    sparse = nf * B + 4 * nnz <= 2 * nf * T;   /* at most half of 4 nf T */
    put(b, MAGIC, 8);
    put_u32(b, FORMAT_VERSION);
    put_u32(b, (m->multiclass ? 1u : 0u) | (sparse ? 2u : 0u));
    put_u32(b, (uint32_t)m->opt.stopwords);
    put_u32(b, (uint32_t)m->opt.stem);
    put_u32(b, (uint32_t)m->opt.ngram_max);
    put_u32(b, (uint32_t)m->opt.min_df);
    put_f64(b, m->opt.max_df);
    put_u32(b, (uint32_t)m->opt.solver);
    put_f64(b, m->opt.C);
    put_u32(b, (uint32_t)m->opt.balanced);
    put_u32(b, (uint32_t)m->opt.tune_folds);
    put_u64(b, (uint64_t)m->opt.seed);
    put_u32(b, (uint32_t)m->opt.nb);
    put_u32(b, (uint32_t)m->opt.tune_method);
    put_u64(b, (uint64_t)m->ndocs);
    put_str(b, m->corpus ? m->corpus : "");
    put_u32(b, (uint32_t)m->ntopics);
    for (t = 0; t < m->ntopics; t++) {
        put_str(b, m->topics[t]);
        put_f64(b, m->bias[t]);
        put_f64(b, m->threshold[t]);
        put_f64(b, m->platt_a[t]);
        put_f64(b, m->platt_b[t]);
        put_u32(b, m->positives[t]);
    }
    put_u32(b, (uint32_t)v->nuni);
    for (i = 0; i < v->nuni; i++) {
        size_t n;
        const char *s = spytag_strtab_str(v->uni, (int32_t)order[i], &n);
        unsigned char l = (unsigned char)n;
        put(b, &l, 1);
        put(b, s, n);
    }
    put_u32(b, (uint32_t)v->npair);
    for (i = 0; i < v->npair; i++) {
        uint32_t a, c;
        spytag_pairtab_get(v->pair, (int32_t)(order[v->nuni + i] - v->nuni),
                           &a, &c);
        put_u32(b, newid[a]);
        put_u32(b, newid[c]);
    }
    for (i = 0; i < nf; i++)
        put_f32(b, v->idf[order[i]]);
    for (i = 0; i < nf; i++) {
        const float *wi = weight_row(m, order[i], scratch);
        if (sparse) {
            unsigned char bits[(SPYTAG_MAX_TOPICS + 7) / 8];
            memset(bits, 0, B);
            for (t = 0; t < T; t++)
                if (stored_weight(wi[t]))
                    bits[t / 8] |= (unsigned char)(1u << (t % 8));
            put(b, bits, B);
            for (t = 0; t < T; t++)
                if (bits[t / 8] >> (t % 8) & 1)
                    put_f32(b, wi[t]);
            continue;
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        put(b, wi, T * sizeof *wi);      /* the bytes of put_f32 */
#else
        for (t = 0; t < T; t++)
            put_f32(b, wi[t]);
#endif
    }
    free(order);
    free(newid);
    free(scratch);
    return b->oom ? SPYTAG_ENOMEM : SPYTAG_OK;
}

int spytag_model_serialize(const spytag_model *m, unsigned char **buf,
                           size_t *len)
{
    wbuf b;
    int rc;

    memset(&b, 0, sizeof b);
    b.fd = -1;
    rc = put_model(m, &b);
    if (rc == SPYTAG_OK)
        put_u64(&b, XXH3_64bits(b.p, b.n));
    if (rc != SPYTAG_OK || b.oom) {
        free(b.p);
        return SPYTAG_ENOMEM;
    }
    *buf = b.p;
    *len = b.n;
    return SPYTAG_OK;
}

/* Writes the model to fd through a buffer; SPYTAG_OK, SPYTAG_ENOMEM, or
 * SPYTAG_EIO with the write's errno in *err. */
static int write_model(const spytag_model *m, int fd, int *err)
{
    wbuf b;
    int rc = SPYTAG_ENOMEM;

    memset(&b, 0, sizeof b);
    b.fd = fd;
    b.cap = SINK_CHUNK;
    b.p = malloc(SINK_CHUNK);
    b.xs = XXH3_createState();
    if (!b.p || !b.xs || XXH3_64bits_reset(b.xs) != XXH_OK)
        goto cleanup;
    rc = put_model(m, &b);
    if (rc == SPYTAG_OK && sink_flush(&b) == 0) {
        uint64_t sum = XXH3_64bits_digest(b.xs);
        put_u64(&b, sum);             /* not hashed: flushed by hand */
        if (!b.err && write_all(fd, b.p, b.n) != 0)
            b.err = errno ? errno : EIO;
    }
    rc = b.err ? SPYTAG_EIO : (b.oom ? SPYTAG_ENOMEM : rc);
    *err = b.err;
cleanup:
    free(b.p);
    XXH3_freeState(b.xs);
    return rc;
}

int spytag_model_save(const spytag_model *m, const char *path,
                      spytag_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    int fd = -1, rc, werr = 0;

    if (!tmp)
        return spytag_fail(err, SPYTAG_ENOMEM, path, 0, "out of memory");
    if (n == 0) {
        free(tmp);
        return spytag_fail(err, SPYTAG_EINVAL, path, 0, "empty model path");
    }
    {
        /* the rename would replace a device or FIFO (/dev/null as root) */
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            free(tmp);
            return spytag_fail(err, SPYTAG_EIO, path, 0,
                               "not a regular file; refusing to replace it");
        }
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = spytag_fail(err, SPYTAG_EIO, path, 0,
                         "cannot create a temporary file: %s", strerror(errno));
        tmp[0] = '\0';
        goto cleanup;
    }
    if (fchmod(fd, 0644) != 0) {
        rc = spytag_fail(err, SPYTAG_EIO, path, 0, "cannot write: %s",
                         strerror(errno));
        goto cleanup;
    }
    rc = write_model(m, fd, &werr);
    if (rc == SPYTAG_ENOMEM) {
        spytag_fail(err, rc, path, 0, "out of memory");
        goto cleanup;
    }
    if (rc != SPYTAG_OK || fsync(fd) != 0) {
        rc = spytag_fail(err, SPYTAG_EIO, path, 0, "cannot write: %s",
                         strerror(rc != SPYTAG_OK ? werr : errno));
        goto cleanup;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = spytag_fail(err, SPYTAG_EIO, path, 0, "cannot write: %s",
                         strerror(errno));
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = spytag_fail(err, SPYTAG_EIO, path, 0, "cannot rename into place: %s",
                         strerror(errno));
        goto cleanup;
    }
    tmp[0] = '\0';
    rc = SPYTAG_OK;
cleanup:
    if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp);
    free(tmp);
    return rc;
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t n, off;
    int bad;
} rbuf;

static int need(rbuf *r, size_t k)
{
    if (r->bad || r->n - r->off < k) {
        r->bad = 1;
        return 0;
    }
    return 1;
}

/* The little-endian u32 at p. */
static uint32_t u32_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint32_t get_u32(rbuf *r)
{
    const unsigned char *x;
    if (!need(r, 4))
        return 0;
    x = r->p + r->off;
    r->off += 4;
    return u32_at(x);
}

static uint64_t get_u64(rbuf *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static double get_f64(rbuf *r)
{
    uint64_t v = get_u64(r);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

/* 1 when the f32 of bit pattern x is an infinity or a NaN (its exponent
 * all ones). */
static inline uint32_t f32_nonfinite(uint32_t x)
{
    return (~x & 0x7f800000u) == 0;
}

/* Copies n little-endian f32 from p into out; -1 when one is not finite.
 * One pass: the bits are copied and their exponents checked together. */
static int copy_f32s(const unsigned char *p, float *out, size_t n)
{
    size_t i;
    uint32_t bad = 0;
    for (i = 0; i < n; i++) {
        uint32_t x;
#if LITTLE_ENDIAN_HOST
        memcpy(&x, p + 4 * i, 4);
#else
        x = u32_at(p + 4 * i);
#endif
        bad |= f32_nonfinite(x);
        memcpy(&out[i], &x, 4);
    }
    return bad ? -1 : 0;
}

/* Reads n little-endian f32 into out; -1 when one is not finite. */
static int get_f32s(rbuf *r, float *out, size_t n)
{
    const unsigned char *p;
    if (!need(r, n * 4))
        return -1;
    p = r->p + r->off;
    r->off += n * 4;
    return copy_f32s(p, out, n);
}

/* The weights are most of a model: a second thread copies them (and
 * takes the page faults of their fresh memory, most of the time of a
 * load) while the first builds the tables. */
struct weight_copy {
    const unsigned char *src;
    size_t srclen;               /* bytes from src to the checksum */
    float *dst;                  /* dense: n weights */
    uint32_t *rows;              /* sparse: nrows words, */
    size_t nrows, *row_at;       /* and n / T row starts */
    size_t n;                    /* weights: features x T */
    uint32_t T;
    int sparse;
    int inplace;                 /* dense: dst is in the buffer at src */
    int bad;                     /* WEIGHTS_NONFINITE or WEIGHTS_SPARSE */
};
enum { WEIGHTS_OK, WEIGHTS_NONFINITE, WEIGHTS_SPARSE };

/* The sparse weights of the file (see the top) into the sparse rows of
 * struct spytag_model: each bitmap becomes the row's mask words, and the
 * stored weights follow it.  rows has room for nrows words, which the
 * section's length gave (sparse_words).  WEIGHTS_SPARSE when a bitmap
 * has bits past T, a stored weight is +0.0, or the section does not end
 * where the file does; WEIGHTS_NONFINITE when a stored weight is not
 * finite. */
static int decode_sparse(const unsigned char *p, size_t len, uint32_t *rows,
                         size_t nrows, size_t *row_at, size_t nf, uint32_t T)
{
    size_t B = (T + 7) / 8, M = SPYTAG_MASK_WORDS(T), f, at = 0, pos = 0;
    unsigned char past = T % 8 ? (unsigned char)(0xffu << (T % 8)) : 0;
    for (f = 0; f < nf; f++) {
        const unsigned char *bits = p + at;
        size_t k, j, stored = 0;
        if (len - at < B || (bits[B - 1] & past) || nrows - pos < M)
            return WEIGHTS_SPARSE;
        at += B;
        row_at[f] = pos;
        for (k = 0; k < M; k++) {
            uint32_t word = 0;
            for (j = 0; j < 4 && 4 * k + j < B; j++)
                word |= (uint32_t)bits[4 * k + j] << (8 * j);
            rows[pos++] = word;
            stored += SPYTAG_POPCOUNT(word);
        }
        if (len - at < 4 * stored || nrows - pos < stored)
            return WEIGHTS_SPARSE;
        for (j = 0; j < stored; j++, at += 4) {
            uint32_t x = u32_at(p + at);
            if (x == 0)
                return WEIGHTS_SPARSE;
            if (f32_nonfinite(x))
                return WEIGHTS_NONFINITE;
            rows[pos++] = x;
        }
    }
    return at == len && pos == nrows ? WEIGHTS_OK : WEIGHTS_SPARSE;
}

/* *words gets the words of the sparse rows that a sparse section of len
 * bytes, for nf features of T topics, decodes into (its stored weights
 * are what is left after the bitmaps); -1 when the length cannot be
 * right. */
static int sparse_words(size_t len, size_t nf, uint32_t T, size_t *words)
{
    size_t B = (T + 7) / 8;
    if (len / B < nf || (len - nf * B) % 4)
        return -1;
    *words = nf * SPYTAG_MASK_WORDS(T) + (len - nf * B) / 4;
    return 0;
}

/* -1 when one of the n floats at p is not finite. */
static int check_f32s(const float *p, size_t n)
{
    size_t i;
    uint32_t bad = 0;
    for (i = 0; i < n; i++) {
        uint32_t x;
        memcpy(&x, &p[i], 4);
        bad |= f32_nonfinite(x);
    }
    return bad ? -1 : 0;
}

static void *copy_weights(void *arg)
{
    struct weight_copy *c = arg;
    if (c->inplace) {
        memmove(c->dst, c->src, c->n * sizeof *c->dst);
        c->bad = check_f32s(c->dst, c->n) != 0 ? WEIGHTS_NONFINITE
                                               : WEIGHTS_OK;
    } else if (c->sparse)
        c->bad = decode_sparse(c->src, c->srclen, c->rows, c->nrows,
                               c->row_at, c->n / c->T, c->T);
    else
        c->bad = copy_f32s(c->src, c->dst, c->n) != 0 ? WEIGHTS_NONFINITE
                                                      : WEIGHTS_OK;
    return NULL;
}

/* Where the word pair section of a model starts (its count), from the
 * word section at r->off (on nuni): a walk over the word lengths only.
 * 0 when the words overrun the file (the full parse then says why). */
static size_t pairs_at(const rbuf *r, uint32_t nuni)
{
    size_t off = r->off;
    uint32_t i;
    for (i = 0; i < nuni; i++) {
        if (off >= r->n)
            return 0;
        off += 1 + (size_t)r->p[off];
    }
    if (off > r->n || r->n - off < 4)
        return 0;
    return off;
}

/* Where the weights of a version 1 to 3 model start, given the pair
 * section at off (pairs_at).  0 when the sections do not add up (the
 * full parse then says why); *nw gets the number of weights. */
static size_t weights_at(const rbuf *r, size_t off, uint32_t nuni,
                         uint32_t T, int sparse, size_t *nw)
{
    size_t nf;
    uint32_t npair;
    if (!off)
        return 0;
    npair = u32_at(r->p + off);
    off += 4;
    nf = (size_t)nuni + npair;
    if (npair > SPYTAG_MAX_VOCAB || (r->n - off) / 8 < npair)
        return 0;
    off += (size_t)npair * 8 + nf * 4;
    if (off > r->n)
        return 0;
    if (sparse) {         /* at least the bitmaps (the rest: decoding) */
        if ((r->n - off) / ((T + 7) / 8) < nf)
            return 0;
    } else if ((r->n - off) / 4 / T < nf || (r->n - off) != nf * T * 4) {
        return 0;
    }
    *nw = nf * T;
    return off;
}

/* The pair table of a model, built on a thread of its own while the
 * loading thread builds the word table: from npair (a, b) pairs of
 * little-endian u32 at p, each word id below nuni.  status says how it
 * went: PAIRS_OK (tab is the sealed table), PAIRS_ENOMEM, PAIRS_MISSING
 * or PAIRS_REPEATED (pair number `at`), when tab is NULL or a partial
 * table.  Either way the caller owns tab and frees it. */
enum { PAIRS_OK, PAIRS_ENOMEM, PAIRS_MISSING, PAIRS_REPEATED };
struct pair_build {
    const unsigned char *p;
    uint32_t npair, nuni;
    spytag_pairtab *tab;
    int status;
    long at;
};

static void *build_pairs(void *arg)
{
    struct pair_build *pb = arg;
    uint64_t *keys =
        spytag_big_alloc(((size_t)pb->npair + 1) * sizeof *keys, 0);
    uint32_t i;
    long rep;

    pb->status = PAIRS_ENOMEM;
    pb->tab = spytag_pairtab_new(pb->npair);
    if (!keys || !pb->tab)
        goto done;
    for (i = 0; i < pb->npair; i++) {
        uint32_t a = u32_at(pb->p + 8 * (size_t)i);
        uint32_t b = u32_at(pb->p + 8 * (size_t)i + 4);
        if (a >= pb->nuni || b >= pb->nuni) {
            pb->status = PAIRS_MISSING;
            pb->at = (long)i;
            goto done;
        }
        keys[i] = (uint64_t)a << 32 | b;
    }
    rep = spytag_pairtab_add_all(pb->tab, keys, pb->npair);
    keys = NULL;                        /* (the table took them) */
    if (rep == -2)
        goto done;
    if (rep >= 0) {
        pb->status = PAIRS_REPEATED;
        pb->at = rep;
        goto done;
    }
    spytag_pairtab_seal(pb->tab);
    pb->status = PAIRS_OK;
done:
    free(keys);
    return NULL;
}

static char *get_str(rbuf *r, size_t max)
{
    uint32_t n = get_u32(r);
    char *s;
    if (n > max || !need(r, n) || memchr(r->p + r->off, 0, n)) {
        r->bad = 1;
        return NULL;
    }
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    memcpy(s, r->p + r->off, n);
    s[n] = '\0';
    r->off += n;
    return s;
}

/* how many words ahead the load hashes the vocabulary (see below) */
#define WORDS_AHEAD 16

#define BAD(...) \
    do { \
        rc = spytag_fail(err, SPYTAG_EFORMAT, name, 0, __VA_ARGS__); \
        goto cleanup; \
    } while (0)

/* Slack a buffer needs past a model's bytes for load() to keep the
 * weights in it: 1 to 64 bytes to align them, then SPYTAG_W_PAD zeros
 * (over the checksum and beyond). */
#define INPLACE_SLACK (64 + SPYTAG_W_PAD * sizeof(float))

/* spytag_model_load_buffer, and more: when block is not NULL, it is buf,
 * a spytag_big_alloc'ed block with INPLACE_SLACK bytes past len that the
 * load may write to, and a dense little-endian model's weights then stay
 * in it, moved to a 64-byte boundary, instead of being copied out: *kept
 * is set to 1 and the model owns (and frees) the block.  Otherwise *kept
 * is 0 and the caller still owns buf. */
static int load(const unsigned char *buf, size_t len, unsigned char *block,
                int *kept, const char *name, spytag_model **out,
                spytag_error *err);

int spytag_model_load_buffer(const unsigned char *buf, size_t len,
                             const char *name, spytag_model **out,
                             spytag_error *err)
{
    int kept;
    return load(buf, len, NULL, &kept, name, out, err);
}

static int load(const unsigned char *buf, size_t len, unsigned char *block,
                int *kept, const char *name, spytag_model **out,
                spytag_error *err)
{
    rbuf r = { buf, len, 0, 0 };
    spytag_model *m = NULL;
    spytag_vectorizer *v;
    uint32_t version, flags, T, t, nuni, npair, i;
    size_t nf, nw, room, pairs_off;
    uint64_t sum;
    int rc = SPYTAG_ENOMEM, wth_on = 0, wc_started = 0, pth_on = 0, sparse;
    pthread_t wth, pth;
    struct weight_copy wc = { NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0, 0 };
    struct pair_build pb = { NULL, 0, 0, NULL, PAIRS_ENOMEM, 0 };

    *out = NULL;
    *kept = 0;
    if (len < 8 || memcmp(buf, MAGIC, 8) != 0)
        return spytag_fail(err, SPYTAG_EFORMAT, name, 0,
                           len == 0 ? "empty file, not a spytag model"
                                    : "not a spytag model (bad magic)");
    r.off = 8;
    version = get_u32(&r);
    if (r.bad)
        return spytag_fail(err, SPYTAG_EFORMAT, name, 0, "truncated model");
    if (version < 1 || version > FORMAT_VERSION)
        return spytag_fail(err, SPYTAG_EVERSION, name, 0,
                           "model format version %u; this spytag reads "
                           "version %u", version, FORMAT_VERSION);
    if (len < 8 + 4 + 8)
        return spytag_fail(err, SPYTAG_EFORMAT, name, 0, "truncated model");
    {
        const unsigned char *x = buf + len - 8;
        sum = 0;
        for (i = 0; i < 8; i++)
            sum |= (uint64_t)x[i] << (8 * i);
    }
    if ((version >= 3 ? XXH3_64bits(buf, len - 8) : XXH64(buf, len - 8, 0)) !=
        sum)
        return spytag_fail(err, SPYTAG_ECHECKSUM, name, 0,
                           "checksum mismatch: the model is truncated or "
                           "corrupt");
    r.n = len - 8;

    flags = get_u32(&r);
    if (flags > 3)
        return spytag_fail(err, SPYTAG_EFORMAT, name, 0, "unknown flags");
    sparse = (flags & 2) != 0;
    {
        spytag_options o;
        spytag_options_init(&o);
        o.stopwords = (int)get_u32(&r);
        o.stem = (int)get_u32(&r);
        o.ngram_max = (int)get_u32(&r);
        o.min_df = (int)get_u32(&r);
        o.max_df = get_f64(&r);
        o.solver = (int)get_u32(&r);
        o.C = get_f64(&r);
        o.balanced = (int)get_u32(&r);
        o.tune_folds = (int)get_u32(&r);
        o.seed = (unsigned long)get_u64(&r);
        o.nb = version >= 2 ? (int)get_u32(&r) : 0;
        o.tune_method = version >= 3 ? (int)get_u32(&r) : SPYTAG_TUNE_FOLDS;
        if (r.bad || o.stopwords > 1 || o.stem > 1 || o.ngram_max < 1 ||
            o.ngram_max > 2 || o.solver > 2 || o.nb > 1 ||
            (unsigned)o.tune_method > SPYTAG_TUNE_LOO)
            return spytag_fail(err, SPYTAG_EFORMAT, name, 0,
                               "bad settings block");
        {
            uint64_t nd = get_u64(&r);
            char *corpus = get_str(&r, 1u << 16);
            T = get_u32(&r);
            if (r.bad || !corpus || T == 0 || T > SPYTAG_MAX_TOPICS) {
                free(corpus);
                return spytag_fail(err, r.bad || corpus ? SPYTAG_EFORMAT
                                                        : SPYTAG_ENOMEM,
                                   name, 0, "bad header");
            }
            m = spytag_model_alloc(T);
            if (!m) {
                free(corpus);
                return spytag_fail(err, SPYTAG_ENOMEM, name, 0,
                                   "out of memory");
            }
            m->corpus = corpus;
            m->ndocs = (size_t)nd;
            m->opt = o;
            m->multiclass = (int)(flags & 1);
        }
    }
    for (t = 0; t < T; t++) {
        m->topics[t] = get_str(&r, 128);
        if (!m->topics[t]) {
            if (r.bad)
                BAD("bad topic name");
            goto cleanup;
        }
        m->bias[t] = get_f64(&r);
        m->threshold[t] = get_f64(&r);
        m->platt_a[t] = get_f64(&r);
        m->platt_b[t] = get_f64(&r);
        m->positives[t] = get_u32(&r);
        if (!isfinite(m->bias[t]) || !isfinite(m->threshold[t]) ||
            !isfinite(m->platt_a[t]) || !isfinite(m->platt_b[t]))
            BAD("non-finite number in topic '%s'", m->topics[t]);
    }
    v = &m->vec;
    v->ngram_max = m->opt.ngram_max;
    nuni = get_u32(&r);
    if (r.bad || nuni > SPYTAG_MAX_VOCAB || nuni > r.n - r.off)
        BAD("bad vocabulary size");
    pairs_off = pairs_at(&r, nuni);
    {
        size_t at = weights_at(&r, pairs_off, nuni, T, sparse, &nw);
        if (at && sparse) {
            /* (a length that cannot be right is left to the check of
             * the sections below) */
            if (sparse_words(r.n - at, nw / T, T, &wc.nrows) != 0)
                at = 0;
        }
        if (at) {
            /* (the weights and the pairs on threads of their own) */
            int threaded = nw >= THREADED_WEIGHTS;
            if (sparse) {
                m->rows = spytag_big_alloc(wc.nrows * sizeof *m->rows, 0);
                m->row_at =
                    spytag_big_alloc(nw / T * sizeof *m->row_at, 0);
                if (!m->rows || !m->row_at)
                    goto cleanup;
            } else if (block && LITTLE_ENDIAN_HOST) {
                /* moved to the next 64-byte boundary (1 to 64 bytes on:
                 * forward, so that the bytes before them, which this
                 * thread goes on reading, stay as they are) */
                uintptr_t a = (uintptr_t)(block + at);
                wc.dst = (float *)(void *)(block + at + (64 - a % 64));
                wc.inplace = 1;
            } else {
                wc.dst = spytag_big_alloc((nw + SPYTAG_W_PAD) * sizeof *m->w,
                                          0);
                if (!wc.dst)
                    goto cleanup;
                m->w = wc.dst;
            }
            wc.src = r.p + at;
            wc.srclen = r.n - at;
            wc.rows = m->rows;
            wc.row_at = m->row_at;
            wc.n = nw;
            wc.T = T;
            wc.sparse = sparse;
            if (threaded &&
                pthread_create(&wth, NULL, copy_weights, &wc) == 0)
                wth_on = 1;
            else
                copy_weights(&wc);    /* no thread: here */
            wc_started = 1;
            /* the sections add up: the pairs can be read in parallel */
            pb.p = r.p + pairs_off + 4;
            pb.npair = u32_at(r.p + pairs_off);
            pb.nuni = nuni;
            if (threaded &&
                pthread_create(&pth, NULL, build_pairs, &pb) == 0)
                pth_on = 1;
            else
                build_pairs(&pb);     /* no thread: here */
        }
    }
    /* Room for the words and the stop words (added later).  A large
     * vocabulary, whose table is out of the caches anyway, gets room for
     * twice as many, so that its table is at most a quarter full:
     * classification looks every token up, and at this load a lookup
     * needs the next slot half as often (8% faster on 20 Newsgroups).  A
     * small one keeps a small table, which loads faster. */
    room = (size_t)nuni + 1024;
    if (room >= 16384)
        room *= 2;
    v->uni = spytag_strtab_new(room);
    if (!v->uni)
        goto cleanup;
    /* (each word's length byte becomes its NUL in the arena) */
    if (pairs_off && spytag_vectorizer_reserve(v, nuni, pairs_off - r.off,
                                               m->opt.stopwords) != 0)
        goto cleanup;
    {
        /* The slots of the table are out of the caches: each word is
         * hashed WORDS_AHEAD words before it is added, and its slot
         * prefetched.  The look-ahead stops at the first word that is
         * not whole, which the loop then reports. */
        uint64_t hash[WORDS_AHEAD];
        size_t ahead = r.off;
        uint32_t na = 0;
        for (i = 0; i < nuni; i++) {
            unsigned l;
            for (; na < nuni && na < i + WORDS_AHEAD; na++) {
                unsigned la;
                if (ahead >= r.n)
                    break;
                la = r.p[ahead];
                if (la > r.n - ahead - 1)
                    break;
                hash[na % WORDS_AHEAD] = spytag_strtab_hash(
                    (const char *)r.p + ahead + 1, la);
                spytag_strtab_prefetch(v->uni, hash[na % WORDS_AHEAD]);
                ahead += 1 + la;
            }
            if (!need(&r, 1))
                BAD("truncated vocabulary");
            l = r.p[r.off++];
            if (l == 0 || l > SPYTAG_MAX_TOKEN_BYTES || !need(&r, l))
                BAD("bad word %u in the vocabulary", i);
            /* (so word i is whole, and the look-ahead hashed it) */
            if (spytag_strtab_intern_hashed(v->uni, (const char *)r.p + r.off,
                                            l, hash[i % WORDS_AHEAD]) !=
                (int32_t)i)
                BAD("word %u is repeated in the vocabulary", i);
            r.off += l;
        }
    }
    v->nuni = nuni;
    npair = get_u32(&r);
    if (r.bad || npair > SPYTAG_MAX_VOCAB - nuni ||
        (size_t)npair * 8 > r.n - r.off)
        BAD("bad number of word pairs");
    if (!wc_started) {
        /* the sections do not add up (said below, after any error in
         * the pairs themselves): the pairs are read here */
        pb.p = r.p + r.off;
        pb.npair = npair;
        pb.nuni = nuni;
        build_pairs(&pb);
    }
    if (pth_on) {
        pthread_join(pth, NULL);
        pth_on = 0;
    }
    v->pair = pb.tab;
    pb.tab = NULL;
    if (pb.status != PAIRS_OK) {
        if (pb.status == PAIRS_MISSING)
            BAD("word pair %ld names a missing word", pb.at);
        if (pb.status == PAIRS_REPEATED)
            BAD("word pair %ld is repeated", pb.at);
        goto cleanup;
    }
    r.off += (size_t)npair * 8;
    v->npair = npair;
    if (spytag_vectorizer_seal(v, m->opt.stopwords) != SPYTAG_OK)
        goto cleanup;
    nf = (size_t)nuni + npair;
    nw = nf * T;
    /* (weights_at found the weights whenever the sizes add up; the
     * decoding of sparse ones checks where they end) */
    if (!wc_started ||
        (sparse ? (r.n - r.off) / 4 < nf ||
                      (r.n - r.off - nf * 4) / ((T + 7) / 8) < nf
                : (nf + nw) * 4 != r.n - r.off))
        BAD("weights do not match the vocabulary (%zu bytes left, %zu "
            "expected)", r.n - r.off, (nf + nw) * 4);
    v->idf = spytag_big_alloc((nf + 1) * sizeof *v->idf, 0);
    if (!v->idf)
        goto cleanup;
    if (get_f32s(&r, v->idf, nf) != 0)
        BAD("non-finite idf");
    if (version >= 3 && !in_feature_order(v))
        BAD("features out of order");
    if (wth_on) {
        pthread_join(wth, NULL);
        wth_on = 0;
    }
    if (wc.bad == WEIGHTS_NONFINITE)
        BAD("non-finite weight");
    if (wc.bad == WEIGHTS_SPARSE)
        BAD("bad sparse weights");
    if (wc.inplace) {
        m->w = wc.dst;
        m->wblock = block;
        *kept = 1;
    }
    if (m->w)                       /* classify.c reads into it */
        memset(m->w + nw, 0, SPYTAG_W_PAD * sizeof *m->w);
    *out = m;
    m = NULL;
    rc = SPYTAG_OK;
cleanup:
    if (wth_on)
        pthread_join(wth, NULL);
    if (pth_on)
        pthread_join(pth, NULL);
    spytag_pairtab_free(pb.tab);
    if (rc == SPYTAG_ENOMEM)
        spytag_fail(err, rc, name, 0, "out of memory");
    spytag_model_free(m);
    return rc;
}

int spytag_model_load(const char *path, spytag_model **out, spytag_error *err)
{
    int fd, rc, kept;
    struct stat st;
    unsigned char *buf = NULL;
    size_t len = 0;

    *out = NULL;
    if (!*path)
        return spytag_fail(err, SPYTAG_EINVAL, path, 0, "empty model path");
    fd = spytag_open_regular(path, &st);
    if (fd == -2)
        return spytag_fail(err, SPYTAG_EIO, path, 0, "not a regular file");
    if (fd < 0)
        return spytag_fail(err, SPYTAG_EIO, path, 0, "cannot open: %s",
                           strerror(errno));
    if ((uint64_t)st.st_size > MAX_MODEL_BYTES) {
        close(fd);
        return spytag_fail(err, SPYTAG_ELIMIT, path, 0, "model file too large");
    }
    /* Read the file rather than map it.  Loading reads every byte (the
     * checksum first), and on virtual machines the first touch of each
     * 4 KiB page of a mapping costs more than copying it: the 20
     * Newsgroups model (30 MB) took 12 ms to map and hash, 5.6 ms to read
     * into memory on huge pages (spytag_big_alloc) and hash. */
    buf = spytag_big_alloc((size_t)st.st_size + INPLACE_SLACK, 0);
    if (!buf) {
        close(fd);
        return spytag_fail(err, SPYTAG_ENOMEM, path, 0, "out of memory");
    }
    while (len < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + len, (size_t)st.st_size - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = spytag_fail(err, SPYTAG_EIO, path, 0, "cannot read: %s",
                             strerror(errno));
            close(fd);
            free(buf);
            return rc;
        }
        if (k == 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    rc = load(buf, len, buf, &kept, path, out, err);
    if (!kept)
        free(buf);
    return rc;
}
