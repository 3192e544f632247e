/*
 * internal.h - declarations shared by the library's source files; not
 * installed.  Nothing here is part of the public interface.
 */
#ifndef SPYTAG_INTERNAL_H
#define SPYTAG_INTERNAL_H

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "spytag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#define SPYTAG_PRINTF(a, b) __attribute__((format(printf, a, b)))
/* Starts loading the cache line of p (a hint: no effect on results). */
#define SPYTAG_PREFETCH(p) __builtin_prefetch(p)
/* Set bits of x; index of the lowest set bit of x != 0. */
#define SPYTAG_POPCOUNT(x) ((size_t)__builtin_popcount(x))
#define SPYTAG_CTZ(x) ((size_t)__builtin_ctz(x))
#else
#define SPYTAG_PRINTF(a, b)
#define SPYTAG_PREFETCH(p) ((void)(p))
static inline size_t SPYTAG_POPCOUNT(unsigned x)
{
    size_t n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}
static inline size_t SPYTAG_CTZ(unsigned x)
{
    size_t n = 0;
    for (; !(x & 1u); x >>= 1)
        n++;
    return n;
}
#endif

/* Fills err (when not NULL) and returns status, so callers can write
 * `return spytag_fail(err, SPYTAG_EFORMAT, file, line, "bad %s", x);`. */
int spytag_fail(spytag_error *err, int status, const char *file, long line,
                const char *fmt, ...) SPYTAG_PRINTF(5, 6);

/* ---- memory.c ------------------------------------------------------------ */

/* malloc (zero: calloc) for arrays that are read at random: big ones are
 * put on huge pages where the kernel allows it.  Free with free(). */
void *spytag_big_alloc(size_t n, int zero);

#include "vocab.h"
#include "tokenize.h"

/* ---- tfidf.c: the vectoriser of a model --------------------------------- */

/* A sparse vector entry; vectors are sorted by index. */
typedef struct spytag_feat {
    uint32_t index;
    float value;
} spytag_feat;

/* The vocabulary and IDF of a model: unigrams get ids 0..nuni-1 in byte
 * order, pairs get nuni..nuni+npair-1 ordered by (first, second). */
typedef struct spytag_vectorizer {
    spytag_strtab *uni;          /* unigram strings, id = feature id */
    spytag_pairtab *pair;        /* (uni id, uni id) -> pair number */
    size_t nuni, npair;
    float *idf;                  /* nuni + npair entries */
    int ngram_max;
} spytag_vectorizer;

void spytag_vectorizer_clear(spytag_vectorizer *v);
size_t spytag_vectorizer_size(const spytag_vectorizer *v);
/* The display string of feature f ("a b" for a pair) into buf. */
const char *spytag_vectorizer_term(const spytag_vectorizer *v, uint32_t f,
                                   char *buf, size_t cap);

/* Scratch for turning one document into a vector without allocating per
 * token: a dense count array plus the list of touched ids. */
typedef struct spytag_vecbuf {
    uint32_t *count;        /* indexed by feature id, zero between docs */
    uint32_t *touched;
    size_t ntouched, cap;
    int32_t prev;           /* previous unigram id, -1 at a gap */
    const spytag_vectorizer *v;
    spytag_feat *out;       /* the result, ntouched entries */
    /* Tokens are looked up in batches (tfidf.c), so that the cache misses
     * of a batch overlap: the tokenizer fills sink (keys, ids) */
    spytag_toksink sink;
    uint64_t (*keys)[3];    /* per token of the batch: its key words */
    uint64_t *hash;         /* ... their hash */
    int32_t *ids;           /* ... word id or ID_*; then, in place, the
                               ids of the batch's words that are features */
    uint64_t *pkey, *phash; /* per such word: the pair it ends, if any */
    uint32_t *pid;          /* ... that pair's feature id (or spare) */
    /* Which table a short raw token is looked up in: without stemming, the
     * vocabulary itself, which holds the stop words too; with stemming,
     * cache, from raw token to word id (so stemming runs once per
     * distinct raw token). */
    int direct;
    spytag_strtab *cache;
    int32_t *cache_id;
    size_t cache_cap;
    spytag_tokenizer *tk;
    double *tflog;          /* 1 + ln(c) for small counts c */
} spytag_vecbuf;

/* Readies a complete vocabulary (after fit or load) for classification:
 * adds the stop words (when stopwords is set) to v->uni after its nuni
 * words, so that a lookup without stemming finds a word or a stop word in
 * one probe (ids from nuni up are stop words, not features), and builds
 * the pair table's Bloom filter.  SPYTAG_OK or SPYTAG_ENOMEM. */
int spytag_vectorizer_seal(spytag_vectorizer *v, int stopwords);
/* Sizes v->uni once for n words of `bytes` bytes (with their NULs) and,
 * when stopwords is set, the stop words that spytag_vectorizer_seal will
 * add after them, so that neither copies the table's arrays into larger
 * ones.  0, or -1 when out of memory. */
int spytag_vectorizer_reserve(spytag_vectorizer *v, size_t n, size_t bytes,
                              int stopwords);

int spytag_vecbuf_init(spytag_vecbuf *b, const spytag_vectorizer *v,
                       const spytag_options *o);
void spytag_vecbuf_free(spytag_vecbuf *b);
/* Vectorises text into b->out (L2-normalised, in order of first
 * appearance, not sorted: classification does not need it); returns the
 * number of entries, or a negative status. */
long spytag_vectorize(spytag_vecbuf *b, const char *text, size_t len);

/* Builds the vocabulary and IDF from the documents of c selected by use
 * (NULL: all), and their vectors: *rows gets one malloc'ed array per
 * selected document (n entries in *rowlen), in corpus order. */
int spytag_vectorizer_fit(spytag_vectorizer *v, const spytag_corpus *c,
                          const unsigned char *use, const spytag_options *o,
                          spytag_feat ***rows, uint32_t **rowlen,
                          spytag_error *err);

/* ---- tokenize.c helpers --------------------------------------------------- */
/* 1 when s (NUL-terminated, len bytes) is a stop word and the tokenizer
 * drops stop words. */
int spytag_tokenizer_is_stopword(const spytag_tokenizer *tk, const char *s,
                                 size_t len);

/* ---- top k ------------------------------------------------------------- */
/* Offers (f, v) to a list of at most k positive values kept sorted from the
 * largest, with *n entries so far: v is inserted when it is positive and
 * beats the smallest kept one (or there is room). */
static inline void spytag_topk_offer(uint32_t *feat, double *val, size_t *n,
                                     size_t k, uint32_t f, double v)
{
    size_t j;
    if (k == 0 || v <= 0 || (*n == k && v <= val[*n - 1]))
        return;
    j = *n < k ? (*n)++ : k - 1;
    while (j > 0 && val[j - 1] < v) {
        val[j] = val[j - 1];
        feat[j] = feat[j - 1];
        j--;
    }
    val[j] = v;
    feat[j] = f;
}

/* ---- model internals ---------------------------------------------------- */
struct spytag_model {
    spytag_options opt;          /* progress fields NULL */
    int multiclass;
    char *corpus;                /* source of the training corpus */
    size_t ndocs;
    size_t ntopics;
    char **topics;
    double *bias;                /* per topic */
    double *threshold;           /* per topic, on the margin */
    double *platt_a, *platt_b;   /* score = 1 / (1 + exp(a * margin + b)) */
    uint32_t *positives;         /* per topic */
    spytag_vectorizer vec;
    /* The weights, in one of two forms.  Dense (w != NULL): feature-major,
     * w[f * ntopics + t], then SPYTAG_W_PAD zeros; what training builds,
     * and what a dense model file loads into.  Sparse (w == NULL): what a
     * model file with sparse weights loads into, so that a model of many
     * topics, most of whose weights are 0, takes the memory of its file:
     * feature f's row starts at rows + row_at[f], SPYTAG_MASK_WORDS(T)
     * words of which bit t % 32 of word t / 32 says that topic t's weight
     * is stored, then the stored weights (f32 bit patterns) by topic; the
     * others are 0.  spytag_weight reads either. */
    float *w;
    void *wblock;                /* what w points into when it is not its
                                    own allocation (a loaded file's bytes:
                                    model.c), freed with the model */
    uint32_t *rows;
    size_t *row_at;
};

#define SPYTAG_W_PAD 16
#define SPYTAG_MASK_WORDS(T) (((size_t)(T) + 31) / 32)

/* Weight of topic t for feature f, in either form. */
static inline float spytag_weight(const spytag_model *m, size_t f, size_t t)
{
    const uint32_t *r;
    size_t k, before = 0;
    uint32_t word, bit;
    float w;
    if (m->w)
        return m->w[f * m->ntopics + t];
    r = m->rows + m->row_at[f];
    word = r[t / 32];
    bit = 1u << (t % 32);
    if (!(word & bit))
        return 0.0f;
    for (k = 0; k < t / 32; k++)
        before += SPYTAG_POPCOUNT(r[k]);
    before += SPYTAG_POPCOUNT(word & (bit - 1));
    memcpy(&w, r + SPYTAG_MASK_WORDS(m->ntopics) + before, sizeof w);
    return w;
}
spytag_model *spytag_model_alloc(size_t ntopics);
double spytag_platt_score(const spytag_model *m, size_t t, double margin);

/* ---- corpus internals ------------------------------------------------- */
/* Opens path read-only without waiting on a FIFO that has no writer:
 * returns the descriptor of a regular file (blocking, close-on-exec) and
 * fills *st with its status, -1 with errno set when it cannot be opened,
 * or -2 when it is not a regular file (a FIFO, a folder, a device). */
struct stat;
int spytag_open_regular(const char *path, struct stat *st);

/* Topic bitmap helpers: documents keep their topics as a sorted id list. */
const uint16_t *spytag_corpus_doc_topics(const spytag_corpus *c, size_t doc,
                                         size_t *n);

/* ---- jsonl.c -------------------------------------------------------------- */
/* One parsed JSON Lines record.  Strings are owned by the record. */
typedef struct spytag_record {
    char *id;            /* NULL when absent */
    char *text;          /* NULL when absent */
    size_t text_len;
    char **labels;       /* NULL when absent */
    size_t nlabels;
    int has_labels;
    void *json;          /* the parsed object (jansson json_t *) */
} spytag_record;

/* Parses one line.  On failure returns SPYTAG_EFORMAT with a reason in
 * err->message (file and line are left to the caller). */
int spytag_record_parse(const char *line, size_t len, spytag_record *r,
                        spytag_error *err);
void spytag_record_clear(spytag_record *r);

/* ---- solver.c ---------------------------------------------------------- */
/* Trains a binary L2-regularised L2-loss linear SVM by dual coordinate
 * descent on the rows with sel[i] (NULL: all); y[i] != 0 marks positives,
 * whose cost is C_pos (negatives: C_neg), times weight[i] (NULL: 1, else
 * the number of identical documents the row stands for).  With scale2
 * (nf entries, may be NULL) it solves for the rows with each value x_f
 * scaled by s_f = sqrt(scale2[f]), and returns the weights multiplied by
 * s_f, which apply to the plain rows.  Writes nf weights into w and the
 * bias.  alpha_in (n entries, by document; may be NULL) starts from those
 * dual values (a warm start: the solution on a superset of the rows is a
 * good one); alpha_out (may be NULL) receives the final ones.  loo_out
 * (n entries, by document; may be NULL) receives each selected row's
 * leave-one-out estimate of its decision value: w . x + bias less loo_rho
 * alpha_i y_i Q_ii (Q_ii: the row's squared norm as the SVM saw it, bias
 * feature included; see train.c).  Stops after max_passes passes over the
 * rows even if eps is not reached.
 * Deterministic for a given seed; thread-safe.  -1 when out of memory. */
int spytag_dcd_solve(spytag_feat *const *rows, const uint32_t *rowlen,
                     size_t n, size_t nf, const unsigned char *y,
                     const unsigned char *sel, const uint32_t *weight,
                     const float *scale2, double C_pos, double C_neg,
                     double eps, int max_passes, uint64_t seed,
                     const double *alpha_in, double *alpha_out,
                     double loo_rho, double *loo_out, double *w,
                     double *bias);

/* One topic of spytag_dcd_solve_block: its labels (n entries, 0/1), its
 * scale2 (as for spytag_dcd_solve; NULL for none, and then NULL for every
 * topic of the block), costs, and where its results go (each may be
 * NULL: n entries, by document); bias and passes are set on return. */
typedef struct spytag_dcd_topic {
    const unsigned char *y;
    const float *scale2;
    double C_pos, C_neg;
    const double *alpha_in;
    double *alpha_out, *loo_out;
    double bias;
    int passes;
} spytag_dcd_topic;

#define DCD_MAX_K 16

/* K (1 to DCD_MAX_K) topics' SVMs on the same rows at once: what
 * spytag_dcd_solve does for each, except that their passes over every
 * row are shared: one read of the rows, and one line of w per feature for
 * all K.  w is the caller's, nf * S floats with S = 2K when the topics
 * have scale2 (it is kept there, beside the weights) and S = K when not;
 * on return topic t's weight of feature f is w[f * S + t].  max_passes
 * (at least 1) counts each topic's passes.  Either every topic has
 * scale2 or none has.  Deterministic for a given seed and block of
 * topics (the shared passes' order depends on when any of them needs
 * one, so a topic's model, the same to the solver's tolerance, depends
 * on its block); thread-safe.  -1 when out of memory, K is out of range
 * or scale2 is given for some topics only. */
int spytag_dcd_solve_block(spytag_feat *const *rows, const uint32_t *rowlen,
                           size_t n, size_t nf, const unsigned char *sel,
                           const uint32_t *weight, size_t K,
                           spytag_dcd_topic *tp, double eps, int max_passes,
                           uint64_t seed, double loo_rho, float *w);

/* ---- train.c ---------------------------------------------------------------- */
/* Fits Platt's sigmoid to decision values and 0/1 labels (Lin, Lin and Weng,
 * 2007); returns A and B with P(y=1|f) = 1 / (1 + exp(A f + B)). */
void spytag_platt_fit(const double *dec, const unsigned char *y, size_t n,
                      double *a, double *b);
/* Groups n items, of hashes h (equal items have equal hashes), by
 * same(a, b, ctx), which says whether items a and b are equal: group[i]
 * gets the number of i's group, the groups numbered in the order of their
 * first items (so the first item of group g comes before any of group
 * g + 1).  Returns the number of groups, or SIZE_MAX when out of memory.
 * Training merges identical documents with it, and cross-validation keeps
 * copies of a text in one fold. */
size_t spytag_group_equal(const uint64_t *h, size_t n,
                          int (*same)(size_t a, size_t b, void *ctx),
                          void *ctx, uint32_t *group);
/* What SPYTAG_AUTO makes of training on the documents of c with
 * use[d] != 0 (NULL: all): 1, multi-class, when each has exactly one
 * topic and the corpus has at least two; else 0.  Training and
 * cross-validation (on the whole corpus, for every fold) both ask it. */
int spytag_auto_multiclass(const spytag_corpus *c, const unsigned char *use);
/* Stratified folds: documents are grouped by key[i] (e.g. their rarest
 * topic), shuffled with the seed, and dealt out to folds 0..k-1 in turn. */
void spytag_assign_folds(const size_t *key, size_t n, int k,
                         unsigned long seed, unsigned char *fold);
/* The threshold on dec that maximises F1; returns it, and that F1 in
 * *f1 (when not NULL). */
double spytag_best_threshold(const double *dec, const unsigned char *y,
                             size_t n, double *f1);
/* The threshold training gives a multi-label topic from its held-out
 * decision values: the best one, or when its F1 is below 0.3 (too few
 * positives to trust it), the larger of it and 0, the SVM's boundary. */
double spytag_tuned_threshold(const double *dec, const unsigned char *y,
                              size_t n);

#endif
