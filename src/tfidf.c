/*
 * tfidf.c - tokens to sublinear TF-IDF vectors.
 *
 * Features are the vocabulary's words and, with ngram_max 2, pairs of
 * adjacent words (stop words are removed first, as in scikit-learn, so a pair
 * may bridge one).  A pair can only be a feature when both its words are, so
 * at classification time a pair is looked up by its two word ids, never by
 * its string.  A word outside the vocabulary breaks the chain of pairs.
 *
 * Value of feature f in document d:
 *     tf(f, d) = 1 + ln(count of f in d)             (sublinear)
 *     idf(f)   = ln((1 + N) / (1 + df(f))) + 1        (smoothed)
 * then the vector is scaled to unit L2 norm.  N is the number of training
 * documents and df(f) the number that contain f.  Features found in fewer
 * than min_df documents, or in more than max_df x N, are not kept.
 *
 * Classification looks tokens up in batches (see run_batch), so that the
 * cache misses of a batch overlap.  Without stemming a token is looked up
 * in the vocabulary itself, and a miss in a small table of stop words;
 * with stemming, a per-classifier cache from raw token (after
 * normalisation, before stop words and stemming) to word id makes
 * stemming run once per distinct raw token.  No token allocates memory.
 */
#include "internal.h"
#include "tokenize.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ID_STOP (-2)               /* raw token is a stop word */
#define ID_NONE (-1)               /* not in the vocabulary */
#define CACHE_MAX (1u << 20)       /* raw tokens remembered per classifier */

void spytag_vectorizer_clear(spytag_vectorizer *v)
{
    if (!v)
        return;
    spytag_strtab_free(v->uni);
    spytag_pairtab_free(v->pair);
    free(v->idf);
    memset(v, 0, sizeof *v);
}

size_t spytag_vectorizer_size(const spytag_vectorizer *v)
{
    return v->nuni + v->npair;
}

const char *spytag_vectorizer_term(const spytag_vectorizer *v, uint32_t f,
                                   char *buf, size_t cap)
{
    uint32_t a, b;
    if (f < v->nuni)
        return spytag_strtab_str(v->uni, (int32_t)f, NULL);
    spytag_pairtab_get(v->pair, (int32_t)(f - v->nuni), &a, &b);
    snprintf(buf, cap, "%s %s", spytag_strtab_str(v->uni, (int32_t)a, NULL),
             spytag_strtab_str(v->uni, (int32_t)b, NULL));
    return buf;
}

/* Turns the counts of the nt features in touched[] into sublinear TF-IDF
 * values scaled to unit L2 norm, written to out[] in the same order, and
 * zeroes those counts for the next document.  Training and classification
 * share it, so their vectors agree to the bit.  tflog[c] holds
 * 1 + ln(c) for c < TFLOG (NULL: always call log). */
#define TFLOG 256
static void weigh(const spytag_vectorizer *v, uint32_t *count,
                  const uint32_t *touched, size_t nt, spytag_feat *out,
                  const double *tflog)
{
    double norm = 0.0;
    size_t i;
    for (i = 0; i < nt; i++) {
        uint32_t f = touched[i], c = count[f];
        double val;
        if (i + 16 < nt)
            SPYTAG_PREFETCH(&v->idf[touched[i + 16]]);
        val = (tflog && c < TFLOG ? tflog[c] : 1.0 + log((double)c)) *
              v->idf[f];
        count[f] = 0;
        out[i].index = f;
        out[i].value = (float)val;
        norm += val * val;
    }
    if (norm > 0.0) {
        double inv = 1.0 / sqrt(norm);
        for (i = 0; i < nt; i++)
            out[i].value = (float)(out[i].value * inv);
    }
}

int spytag_vectorizer_seal(spytag_vectorizer *v, int stopwords)
{
    size_t i, n;
    const char *const *stop = spytag_stopwords(&n);
    spytag_pairtab_seal(v->pair);
    if (!stopwords)
        return SPYTAG_OK;
    for (i = 0; i < n; i++)
        if (spytag_strtab_intern(v->uni, stop[i], strlen(stop[i])) < 0)
            return SPYTAG_ENOMEM;
    return SPYTAG_OK;
}

int spytag_vectorizer_reserve(spytag_vectorizer *v, size_t n, size_t bytes,
                              int stopwords)
{
    size_t nstop = 0, i;
    const char *const *stop = spytag_stopwords(&nstop);
    if (!stopwords)
        nstop = 0;
    for (i = 0; i < nstop; i++)
        bytes += strlen(stop[i]) + 1;
    return spytag_strtab_reserve(v->uni, n + nstop, bytes);
}

/* ---- classification-time vectoriser ------------------------------------ */

/* The tokenizer fills a sink of SPYTAG_SINK_CAP tokens (their key words)
 * and calls run_batch when it is full.  run_batch goes over the batch in
 * passes, each starting the cache misses that the next one needs: it
 * hashes every short token and prefetches its slot, then finds the word
 * ids (the slots have arrived by then), then keeps only the words that
 * are features (a stop word is skipped, so that a pair may bridge it,
 * and an unknown word breaks the chain of pairs; neither is counted),
 * then prefetches the Bloom filter's words of their pairs, then
 * the slots of the pairs that pass the filter and the words' counts, then
 * finds the pairs' ids and prefetches their counts, and last bumps the
 * counts in token order (so the vector is the same as one built token by
 * token). */
#define BATCH SPYTAG_SINK_CAP
#define ID_PENDING SPYTAG_SINK_PENDING

static void sink_full(spytag_toksink *sink);
static int32_t sink_word(spytag_toksink *sink, const char *tok, size_t len);

int spytag_vecbuf_init(spytag_vecbuf *b, const spytag_vectorizer *v,
                       const spytag_options *o)
{
    size_t nf = spytag_vectorizer_size(v), i;
    memset(b, 0, sizeof *b);
    b->v = v;
    b->prev = -1;
    /* one spare count slot (run_batch), and room for it in touched */
    b->count = spytag_big_alloc((nf + 1) * sizeof *b->count, 1);
    b->touched = malloc((nf + 1) * sizeof *b->touched);
    b->out = malloc((nf ? nf : 1) * sizeof *b->out);
    b->keys = malloc(BATCH * sizeof *b->keys);
    b->hash = malloc(BATCH * sizeof *b->hash);
    b->ids = malloc(BATCH * sizeof *b->ids);
    b->pkey = malloc(BATCH * sizeof *b->pkey);
    b->phash = malloc(BATCH * sizeof *b->phash);
    b->pid = malloc(BATCH * sizeof *b->pid);
    b->cache = spytag_strtab_new(4096);
    b->cache_cap = 4096;
    b->cache_id = malloc(b->cache_cap * sizeof *b->cache_id);
    b->tflog = malloc(TFLOG * sizeof *b->tflog);
    b->tk = spytag_tokenizer_new(o);
    b->cap = nf;
    if (!b->count || !b->touched || !b->out || !b->keys || !b->hash ||
        !b->ids || !b->pkey || !b->phash || !b->pid || !b->cache ||
        !b->cache_id || !b->tflog || !b->tk)
        goto oom;
    b->direct = !o->stem;
    b->count[nf] = 1;
    b->tflog[0] = 0.0;
    for (i = 1; i < TFLOG; i++)
        b->tflog[i] = 1.0 + log((double)i);
    b->sink.key = b->keys;
    b->sink.id = b->ids;
    b->sink.full = sink_full;
    b->sink.word = sink_word;
    return SPYTAG_OK;
oom:
    spytag_vecbuf_free(b);
    return SPYTAG_ENOMEM;
}

void spytag_vecbuf_free(spytag_vecbuf *b)
{
    if (!b)
        return;
    free(b->count);
    free(b->touched);
    free(b->out);
    free(b->keys);
    free(b->hash);
    free(b->ids);
    free(b->pkey);
    free(b->phash);
    free(b->pid);
    spytag_strtab_free(b->cache);
    free(b->cache_id);
    free(b->tflog);
    spytag_tokenizer_free(b->tk);
    memset(b, 0, sizeof *b);
}

/* The word id (or ID_STOP, ID_NONE) of a raw token through the cache,
 * which is filled on a miss (stemming and stop words checked once per
 * distinct raw token). */
static int32_t word_id_cached(spytag_vecbuf *b, const char *raw, size_t len,
                              int32_t ci)
{
    const char *fin;
    size_t n;
    int32_t id;

    if (ci >= 0)
        return b->cache_id[ci];
    n = spytag_token_final(b->tk, raw, len, &fin);
    id = n ? spytag_strtab_find(b->v->uni, fin, n) : ID_STOP;
    if (id >= (int32_t)b->v->nuni)
        id = ID_NONE;   /* a stem that spells a stop word: not a feature */
    if (spytag_strtab_size(b->cache) < CACHE_MAX) {
        size_t k = spytag_strtab_size(b->cache);
        if (k == b->cache_cap) {
            int32_t *p = realloc(b->cache_id, 2 * k * sizeof *p);
            if (!p)
                return id;         /* no room to remember: still correct */
            b->cache_id = p;
            b->cache_cap = 2 * k;
        }
        ci = spytag_strtab_intern(b->cache, raw, len);
        if (ci >= 0)
            b->cache_id[ci] = id;
    }
    return id;
}

/* The word id of a short token of the batch through the cache (its slot
 * was prefetched), with stemming. */
static int32_t resolve_cached(spytag_vecbuf *b, const uint64_t k[3],
                              uint64_t h)
{
    char raw[32];
    size_t len = (size_t)(k[2] >> 56);
    memcpy(raw, k, 24);
    raw[len] = '\0';
    return word_id_cached(b, raw, len, spytag_strtab_find_key(b->cache, k, h));
}

/* Counts feature f, or nothing when f is the spare slot of the count
 * array (spare): without a branch, since whether a feature is new to the
 * document cannot be predicted.  touched[] has room for one entry more
 * than there are features. */
static inline void bump_any(uint32_t *count, uint32_t *touched, size_t *nt,
                            uint32_t f)
{
    uint32_t c = count[f];
    count[f] = c + 1;
    touched[*nt] = f;
    *nt += c == 0;
}

/* Looks up and counts the batch's tokens.  The loops avoid branches that
 * depend on the text (stop word or not, known word or not, pair known or
 * not), so that the lookups of many tokens are in flight at once: the
 * words that are not features leave the batch with a conditional
 * increment, and a pair that is not a feature is counted in the spare
 * count slot, which never looks new. */
static void run_batch(spytag_vecbuf *b)
{
    const spytag_vectorizer *v = b->v;
    const spytag_strtab *tab = b->direct ? v->uni : b->cache;
    uint64_t (*keys)[3] = b->keys;
    int32_t *ids = b->ids, prev = b->prev;
    uint64_t *hash = b->hash, *pkey = b->pkey, *phash = b->phash;
    uint32_t *pid = b->pid;
    uint32_t *count = b->count, *touched = b->touched;
    const uint32_t spare = (uint32_t)spytag_vectorizer_size(v);
    const uint32_t nuni = (uint32_t)v->nuni;
    size_t n = b->sink.n, i, m = 0, nt = b->ntouched;
    int pairs = v->ngram_max >= 2;
    const uint64_t hnone = spytag_pairtab_hash(UINT64_MAX);

    for (i = 0; i < n; i++) {
        hash[i] = spytag_strtab_hash3(keys[i]);
        spytag_strtab_prefetch(tab, hash[i]);
    }
    if (b->direct) {
        /* the vocabulary holds the stop words too, after the words
         * (spytag_vectorizer_seal) */
        for (i = 0; i < n; i++)
            if (ids[i] == ID_PENDING) {
                int32_t id = spytag_strtab_find_key_fast(tab, keys[i], hash[i]);
                ids[i] = id >= (int32_t)nuni ? ID_STOP : id;
            }
    } else {
        for (i = 0; i < n; i++)
            if (ids[i] == ID_PENDING)
                ids[i] = resolve_cached(b, keys[i], hash[i]);
    }
    /* Only the batch's words count: the stop words and the unknown words
     * go, once they have set the pairs' left words (a stop word is
     * skipped, so a pair may bridge it; an unknown word breaks the
     * chain).  ids[] keeps the m words, pkey[] the pair each one ends
     * (UINT64_MAX: none), in token order. */
    for (i = 0; i < n; i++) {
        int32_t id = ids[i];
        uint64_t key = (uint64_t)(uint32_t)prev << 32 | (uint32_t)id;
        ids[m] = id;
        pkey[m] = prev >= 0 && pairs ? key : UINT64_MAX;
        m += id >= 0;
        prev = id == ID_STOP ? prev : (id >= 0 ? id : -1);
    }
    b->prev = prev;
    for (i = 0; i < m; i++) {
        phash[i] = spytag_pairtab_hash(pkey[i]);
        spytag_pairtab_bloom_prefetch(v->pair, phash[i]);
    }
    for (i = 0; i < m; i++) {
        uint64_t h = phash[i];
        /* no branch on the Bloom filter's answer: it is not predictable */
        uint64_t keep = 0 - (uint64_t)((pkey[i] != UINT64_MAX) &
                                       spytag_pairtab_maybe(v->pair, h));
        pkey[i] |= ~keep;                /* UINT64_MAX: no pair */
        phash[i] = (h & keep) | (hnone & ~keep);
        spytag_pairtab_prefetch(v->pair, phash[i]);
        SPYTAG_PREFETCH(&count[ids[i]]);
    }
    for (i = 0; i < m; i++) {            /* the pairs' feature ids */
        /* UINT64_MAX is no pair, so its lookup finds nothing */
        int32_t p = spytag_pairtab_find_fast(v->pair, pkey[i], phash[i]);
        uint32_t f = p >= 0 ? nuni + (uint32_t)p : spare;
        pid[i] = f;
        SPYTAG_PREFETCH(&count[f]);
    }
    for (i = 0; i < m; i++) {
        bump_any(count, touched, &nt, (uint32_t)ids[i]);
        bump_any(count, touched, &nt, pid[i]);
    }
    b->ntouched = nt;
    count[spare] = 1;                    /* never new, never overflows */
    b->sink.n = 0;
}

static void sink_full(spytag_toksink *sink)
{
    run_batch((spytag_vecbuf *)(void *)((char *)sink -
                                        offsetof(spytag_vecbuf, sink)));
}

static int32_t sink_word(spytag_toksink *sink, const char *tok, size_t len)
{
    spytag_vecbuf *b = (spytag_vecbuf *)(void *)((char *)sink -
                                                 offsetof(spytag_vecbuf, sink));
    return word_id_cached(b, tok, len, spytag_strtab_find(b->cache, tok, len));
}

long spytag_vectorize(spytag_vecbuf *b, const char *text, size_t len)
{
    b->ntouched = 0;
    b->prev = -1;
    b->sink.n = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    spytag_tokenize_keys(b->tk, text, len, &b->sink);
#else
#error "the vectoriser's key words assume a little-endian host"
#endif
    run_batch(b);
    weigh(b->v, b->count, b->touched, b->ntouched, b->out, b->tflog);
    return (long)b->ntouched;
}

/* ---- fitting ---------------------------------------------------------------- */

/* Growable array of int32. */
typedef struct {
    int32_t *a;
    size_t n, cap;
} ivec;

static int ivec_push(ivec *v, int32_t x)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        int32_t *a = realloc(v->a, cap * sizeof *a);
        if (!a)
            return -1;
        v->a = a;
        v->cap = cap;
    }
    v->a[v->n++] = x;
    return 0;
}

static int ivec_fill(ivec *v, size_t n, int32_t x)
{
    while (v->n < n)
        if (ivec_push(v, x) != 0)
            return -1;
    return 0;
}

struct fit_ctx {
    spytag_tokenizer *tk;
    spytag_strtab *raw;          /* raw token -> raw id */
    ivec raw_final;              /* raw id -> term id or ID_STOP */
    spytag_strtab *terms;        /* final token -> term id */
    ivec tokens;                 /* all documents' term ids, in order */
    int failed;
};

static int fit_token(const char *raw, size_t len, void *user)
{
    struct fit_ctx *x = user;
    int32_t rid = spytag_strtab_intern(x->raw, raw, len), tid;

    if (rid < 0)
        goto oom;
    if ((size_t)rid >= x->raw_final.n) {
        const char *fin;
        size_t n = spytag_token_final(x->tk, raw, len, &fin);
        tid = n ? spytag_strtab_intern(x->terms, fin, n) : ID_STOP;
        if (n && tid < 0)
            goto oom;
        if (ivec_push(&x->raw_final, tid) != 0)
            goto oom;
    }
    tid = x->raw_final.a[rid];
    if (tid == ID_STOP)
        return 0;
    if (ivec_push(&x->tokens, tid) != 0)
        goto oom;
    return 0;
oom:
    x->failed = 1;
    return 1;
}

/* Sorting helpers (qsort with a context through a file-local pointer is not
 * thread-safe, so the keys are copied into the sorted records instead). */
struct term_key {
    const char *s;
    size_t len;
    int32_t tid;
};

static int cmp_term(const void *a, const void *b)
{
    const struct term_key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

/* Sorts a row by feature index (all different), in place: a quicksort
 * with the comparison inline, insertion sort for short runs and the
 * recursion on the shorter side.  qsort's calls through a pointer were
 * 4% of training at 100k documents. */
static void sort_feats(spytag_feat *a, size_t n)
{
    while (n > 16) {
        size_t i = 0, j = n - 1, m = n / 2;
        uint32_t pivot;
        spytag_feat t;
        /* median of three into a[m] */
        if (a[m].index < a[0].index) {
            t = a[m]; a[m] = a[0]; a[0] = t;
        }
        if (a[n - 1].index < a[m].index) {
            t = a[m]; a[m] = a[n - 1]; a[n - 1] = t;
            if (a[m].index < a[0].index) {
                t = a[m]; a[m] = a[0]; a[0] = t;
            }
        }
        pivot = a[m].index;
        for (;;) {                 /* Hoare partition */
            while (a[i].index < pivot)
                i++;
            while (a[j].index > pivot)
                j--;
            if (i >= j)
                break;
            t = a[i]; a[i] = a[j]; a[j] = t;
            i++;
            j--;
        }
        /* a[0..j] <= pivot <= a[j+1..n-1] */
        if (j + 1 < n - j - 1) {
            sort_feats(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            sort_feats(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        spytag_feat t = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1].index > t.index; j--)
            a[j] = a[j - 1];
        a[j] = t;
    }
}

static int keep_df(int32_t df, const spytag_options *o, size_t ndocs)
{
    if (df < o->min_df)
        return 0;
    if (o->max_df < 1.0 && (double)df > o->max_df * (double)ndocs)
        return 0;
    return 1;
}

static float idf_of(int32_t df, size_t ndocs)
{
    return (float)(log((1.0 + (double)ndocs) / (1.0 + (double)df)) + 1.0);
}

/* How far ahead pass 3 of spytag_vectorizer_fit prefetches pairs. */
#define PAIR_AHEAD 8

/* Sorts the n keys of a (all below 2^bits) with an LSD radix sort of up
 * to 11 bits a digit, using tmp (n entries) as the other buffer; returns
 * the buffer that holds the result (a or tmp), NULL when out of memory.
 * Passes in which every key has the same digit are skipped. */
static uint64_t *radix_sort(uint64_t *a, uint64_t *tmp, size_t n,
                            unsigned bits)
{
    unsigned nd = (bits + 10) / 11, width, d;
    size_t nb, i, *hist;
    uint64_t *src = a, *dst = tmp;

    if (nd == 0 || n < 2)
        return a;
    width = (bits + nd - 1) / nd;
    nb = (size_t)1 << width;
    hist = calloc(nd * nb, sizeof *hist);
    if (!hist)
        return NULL;
    for (i = 0; i < n; i++)          /* every digit's counts in one read */
        for (d = 0; d < nd; d++)
            hist[d * nb + ((a[i] >> (d * width)) & (nb - 1))]++;
    for (d = 0; d < nd; d++) {
        size_t *h = hist + d * nb, sum = 0, b;
        uint64_t *t;
        if (h[(a[0] >> (d * width)) & (nb - 1)] == n)
            continue;                 /* one digit for all */
        for (b = 0; b < nb; b++) {
            size_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            dst[h[(src[i] >> (d * width)) & (nb - 1)]++] = src[i];
        t = src;
        src = dst;
        dst = t;
    }
    free(hist);
    return src;
}

/* The pairs of adjacent kept words (map[token] >= 0, the word's id) and
 * their document frequencies, by sorting rather than by a hash table of
 * every distinct pair: each document's distinct pairs, as keys a * nuni +
 * b, go into one array (a small hash set per document drops the repeats);
 * a radix sort orders it, and a run of equal keys is one pair, the run's
 * length its document frequency.  A hash table grown as the pairs came
 * took 2.4 s of the 10 s of reading at bench/scale's 100k documents, most
 * of it in page faults of its growths.  Fills *keys (the kept pairs as
 * a << 32 | b, in increasing order) and *kdf (their document
 * frequencies), *k of each; the caller frees both.  0, or -1 when out of
 * memory. */
static int count_pairs(const int32_t *tok, const size_t *start, size_t nsel,
                       const int32_t *map, size_t nuni,
                       const spytag_options *o, uint64_t **keys,
                       int32_t **kdf, size_t *k)
{
    size_t adj = 0, n = 0, i, j, d, kept = 0, setcap = 0;
    uint64_t *all = NULL, *tmp = NULL, *sorted, *set = NULL;
    uint32_t *stamp = NULL;
    unsigned bits = 0;
    int rc = -1;

    *keys = NULL;
    *kdf = NULL;
    *k = 0;
    for (d = 0; d < nsel; d++) {      /* room: every adjacency */
        int32_t prev = -1;
        for (i = start[d]; i < start[d + 1]; i++) {
            int32_t f = map[tok[i]];
            adj += f >= 0 && prev >= 0;
            prev = f;
        }
    }
    all = malloc((adj + 1) * sizeof *all);
    if (!all)
        goto cleanup;
    for (d = 0; d < nsel; d++) {
        size_t len = start[d + 1] - start[d], mask;
        int32_t prev = -1;
        unsigned shift;
        if (setcap < 2 * len + 2) {   /* a set at most half full */
            free(set);
            free(stamp);
            setcap = 64;
            while (setcap < 2 * len + 2)
                setcap *= 2;
            set = malloc(setcap * sizeof *set);
            stamp = calloc(setcap, sizeof *stamp);
            if (!set || !stamp)
                goto cleanup;
        }
        mask = setcap - 1;
        for (shift = 64; ((size_t)1 << (64 - shift)) < setcap; shift--)
            ;
        for (i = start[d]; i < start[d + 1]; i++) {
            int32_t f = map[tok[i]];
            if (f >= 0 && prev >= 0) {
                uint64_t key = (uint64_t)prev * nuni + (uint64_t)f;
                size_t h = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> shift);
                for (;; h = (h + 1) & mask) {
                    if (stamp[h] != (uint32_t)d + 1) {
                        stamp[h] = (uint32_t)d + 1;
                        set[h] = key;
                        all[n++] = key;
                        break;
                    }
                    if (set[h] == key)
                        break;        /* seen in this document */
                }
            }
            prev = f;
        }
    }
    tmp = malloc((n + 1) * sizeof *tmp);
    if (!tmp)
        goto cleanup;
    while (bits < 64 && ((uint64_t)nuni * nuni) >> bits)
        bits++;
    sorted = radix_sort(all, tmp, n, bits);
    if (!sorted)
        goto cleanup;
    for (i = 0; i < n; i = j) {       /* count the kept pairs, then fill */
        for (j = i + 1; j < n && sorted[j] == sorted[i]; j++)
            ;
        kept += keep_df((int32_t)(j - i), o, nsel);
    }
    *keys = malloc((kept + 1) * sizeof **keys);
    *kdf = malloc((kept + 1) * sizeof **kdf);
    if (!*keys || !*kdf)
        goto cleanup;
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && sorted[j] == sorted[i]; j++)
            ;
        if (keep_df((int32_t)(j - i), o, nsel)) {
            (*keys)[*k] = ((sorted[i] / nuni) << 32) | (sorted[i] % nuni);
            (*kdf)[*k] = (int32_t)(j - i);
            (*k)++;
        }
    }
    rc = 0;
cleanup:
    if (rc != 0) {
        free(*keys);
        free(*kdf);
        *keys = NULL;
        *kdf = NULL;
        *k = 0;
    }
    free(all);
    free(tmp);
    free(set);
    free(stamp);
    return rc;
}

int spytag_vectorizer_fit(spytag_vectorizer *v, const spytag_corpus *c,
                          const unsigned char *use, const spytag_options *o,
                          spytag_feat ***rows_out, uint32_t **rowlen_out,
                          spytag_error *err)
{
    struct fit_ctx x;
    size_t ndocs_all = spytag_corpus_size(c), nsel = 0, d, i, k;
    size_t *start = NULL;                 /* token range per selected doc */
    ivec df = { 0 }, last = { 0 }, map = { 0 };
    uint64_t *pkeys = NULL;               /* the kept pairs, and */
    int32_t *pdf = NULL;                  /* their document frequencies */
    struct term_key *tk = NULL;
    spytag_feat **rows = NULL;
    uint32_t *rowlen = NULL, *count = NULL, *touched = NULL;
    double tflog[TFLOG];
    long rep;
    int rc = SPYTAG_ENOMEM;

    memset(&x, 0, sizeof x);
    memset(v, 0, sizeof *v);
    v->ngram_max = o->ngram_max >= 2 ? 2 : 1;
    x.tk = spytag_tokenizer_new(o);
    x.raw = spytag_strtab_new(1 << 16);
    x.terms = spytag_strtab_new(1 << 16);
    start = malloc((ndocs_all + 1) * sizeof *start);
    if (!x.tk || !x.raw || !x.terms || !start)
        goto cleanup;

    /* pass 1: tokens, and the document frequency of each word */
    for (d = 0; d < ndocs_all; d++) {
        const char *text;
        size_t len;
        if (use && !use[d])
            continue;
        text = spytag_corpus_text(c, d, &len);
        start[nsel] = x.tokens.n;
        spytag_tokenize_raw(x.tk, text, len, fit_token, &x);
        if (x.failed)
            goto cleanup;
        if (ivec_fill(&df, spytag_strtab_size(x.terms), 0) ||
            ivec_fill(&last, spytag_strtab_size(x.terms), -1))
            goto cleanup;
        for (i = start[nsel]; i < x.tokens.n; i++) {
            int32_t t = x.tokens.a[i];
            if (last.a[t] != (int32_t)nsel) {
                last.a[t] = (int32_t)nsel;
                df.a[t]++;
            }
        }
        nsel++;
        if (o->progress && (nsel % 1024) == 0)
            o->progress(o->progress_user, "reading", nsel, ndocs_all);
    }
    start[nsel] = x.tokens.n;
    if (nsel == 0) {
        rc = spytag_fail(err, SPYTAG_EEMPTY, spytag_corpus_source(c), 0,
                         "no documents to train on");
        goto cleanup;
    }

    /* the words kept, in byte order */
    tk = malloc((df.n ? df.n : 1) * sizeof *tk);
    if (!tk || ivec_fill(&map, df.n, ID_NONE))
        goto cleanup;
    for (i = 0, k = 0; i < df.n; i++) {
        if (!keep_df(df.a[i], o, nsel))
            continue;
        tk[k].s = spytag_strtab_str(x.terms, (int32_t)i, &tk[k].len);
        tk[k].tid = (int32_t)i;
        k++;
    }
    if (k == 0) {
        /* a model without terms would give every text the same scores */
        if (o->max_df < 1.0)
            rc = spytag_fail(err, SPYTAG_EEMPTY, spytag_corpus_source(c), 0,
                             "no word is in at least %d and at most %.4g%% "
                             "of the %zu documents (the document-frequency "
                             "cut-offs)", o->min_df, 100.0 * o->max_df, nsel);
        else
            rc = spytag_fail(err, SPYTAG_EEMPTY, spytag_corpus_source(c), 0,
                             "no word is in at least %d of the %zu documents "
                             "(the minimum document frequency)", o->min_df,
                             nsel);
        goto cleanup;
    }
    if (k > SPYTAG_MAX_VOCAB) {
        rc = spytag_fail(err, SPYTAG_ELIMIT, spytag_corpus_source(c), 0,
                         "vocabulary of %zu words exceeds the limit of %u",
                         k, (unsigned)SPYTAG_MAX_VOCAB);
        goto cleanup;
    }
    qsort(tk, k, sizeof *tk, cmp_term);
    v->uni = spytag_strtab_new(k);
    if (!v->uni)
        goto cleanup;
    for (i = 0; i < k; i++) {
        if (spytag_strtab_intern(v->uni, tk[i].s, tk[i].len) != (int32_t)i)
            goto cleanup;
        map.a[tk[i].tid] = (int32_t)i;
    }
    v->nuni = k;

    /* pass 2: pairs of adjacent kept words, and their frequency */
    if (v->ngram_max >= 2) {
        if (count_pairs(x.tokens.a, start, nsel, map.a, v->nuni, o, &pkeys,
                        &pdf, &k) != 0)
            goto cleanup;
        if (v->nuni + k > SPYTAG_MAX_VOCAB) {
            rc = spytag_fail(err, SPYTAG_ELIMIT, spytag_corpus_source(c), 0,
                             "vocabulary of %zu terms exceeds the limit of %u",
                             v->nuni + k, (unsigned)SPYTAG_MAX_VOCAB);
            goto cleanup;
        }
    } else {
        k = 0;
    }
    v->pair = spytag_pairtab_new(k ? k : 1);
    if (!v->pair)
        goto cleanup;
    rep = spytag_pairtab_add_all(v->pair, pkeys, k);
    pkeys = NULL;                         /* (the table took them) */
    if (rep != -1)
        goto cleanup;
    v->npair = k;
    /* idf */
    v->idf = spytag_big_alloc(
        (spytag_vectorizer_size(v) + 1) * sizeof *v->idf, 0);
    if (!v->idf)
        goto cleanup;
    for (i = 0; i < df.n; i++)
        if (map.a[i] >= 0)
            v->idf[map.a[i]] = idf_of(df.a[i], nsel);
    for (i = 0; i < v->npair; i++)
        v->idf[v->nuni + i] = idf_of(pdf[i], nsel);

    /* pass 3: the vectors */
    tflog[0] = 0.0;
    for (i = 1; i < TFLOG; i++)
        tflog[i] = 1.0 + log((double)i);
    rows = calloc(nsel, sizeof *rows);
    rowlen = calloc(nsel, sizeof *rowlen);
    count = calloc(spytag_vectorizer_size(v) + 1, sizeof *count);
    touched = malloc((spytag_vectorizer_size(v) + 1) * sizeof *touched);
    if (!rows || !rowlen || !count || !touched)
        goto cleanup;
    for (d = 0; d < nsel; d++) {
        size_t nt = 0;
        int32_t prev = -1;
        spytag_feat *row;
        for (i = start[d]; i < start[d + 1]; i++) {
            int32_t f = map.a[x.tokens.a[i]];
            if (v->ngram_max >= 2 && i + PAIR_AHEAD < x.tokens.n) {
                /* the pair table's slot of the pair PAIR_AHEAD on, a
                 * cache miss otherwise (the table is 128 MB at 100k
                 * documents); documents' ends do not matter here */
                int32_t a = map.a[x.tokens.a[i + PAIR_AHEAD - 1]],
                        b = map.a[x.tokens.a[i + PAIR_AHEAD]];
                if (a >= 0 && b >= 0)
                    spytag_pairtab_prefetch(
                        v->pair, spytag_pairtab_hash(((uint64_t)a << 32) |
                                                     (uint32_t)b));
            }
            if (f >= 0) {
                if (count[f]++ == 0)
                    touched[nt++] = (uint32_t)f;
                if (v->ngram_max >= 2 && prev >= 0) {
                    int32_t p = spytag_pairtab_find(v->pair, (uint32_t)prev,
                                                    (uint32_t)f);
                    if (p >= 0) {
                        uint32_t pf = (uint32_t)(v->nuni + (size_t)p);
                        if (count[pf]++ == 0)
                            touched[nt++] = pf;
                    }
                }
            }
            prev = f;
        }
        row = malloc((nt ? nt : 1) * sizeof *row);
        if (!row)
            goto cleanup;
        weigh(v, count, touched, nt, row, tflog);
        sort_feats(row, nt);
        rows[d] = row;
        rowlen[d] = (uint32_t)nt;
    }
    if (spytag_vectorizer_seal(v, o->stopwords) != SPYTAG_OK)
        goto cleanup;
    *rows_out = rows;
    *rowlen_out = rowlen;
    rows = NULL;
    rowlen = NULL;
    rc = SPYTAG_OK;

cleanup:
    if (rc == SPYTAG_ENOMEM)
        spytag_fail(err, rc, spytag_corpus_source(c), 0,
                    "out of memory while building the vocabulary");
    if (rc != SPYTAG_OK)
        spytag_vectorizer_clear(v);
    if (rows)
        for (d = 0; d < nsel; d++)
            free(rows[d]);
    free(rows);
    free(rowlen);
    free(count);
    free(touched);
    free(tk);
    free(start);
    free(df.a);
    free(last.a);
    free(map.a);
    free(pkeys);
    free(pdf);
    free(x.raw_final.a);
    free(x.tokens.a);
    spytag_strtab_free(x.raw);
    spytag_strtab_free(x.terms);
    spytag_tokenizer_free(x.tk);
    return rc;
}
